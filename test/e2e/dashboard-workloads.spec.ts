/**
 * The dashboard's workload, node, event and palette paths in Chromium against a real
 * `skiff serve` with real Docker: a StatefulSet scaled from its page, an event for a failing
 * pod arriving live, command palette navigation, cordon/uncordon, names with HTML rendered as
 * text, and dark mode. With SKIFF_SCREENSHOTS=1 it writes 1280×800 light and dark screenshots
 * of the new pages to docs/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser';
import { docker, dockerAvailable } from '../helpers/docker';
import { kubectl, startSkiff, type SkiffProcess } from '../helpers/skiff-process';

const hasDocker = dockerAvailable();
const hasChromium = chromiumAvailable();
const NS = `dwl-${Date.now().toString(36)}`;
const SHOTS =
  process.env.SKIFF_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : undefined;

const manifests = `apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: ${NS}
  labels: { evil: "x" }
spec:
  replicas: 1
  serviceName: db
  selector:
    matchLabels: { app: db }
  template:
    metadata:
      labels: { app: db }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: skiff-test/busybox:1
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "sleep 3600"]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: ${NS}
  annotations: { note: "<img src=x onerror=window.__xss=1>" }
data:
  title: "<b>bold</b>"
`;

interface Win {
  __xss?: number;
}

describe.skipIf(!hasDocker || !hasChromium)(
  'dashboard workloads, nodes, events and palette in Chromium',
  () => {
    let skiff: SkiffProcess;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      skiff = await startSkiff();
      browser = await launchChromium();
      const context = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        colorScheme: 'light',
      });
      page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const file = path.join(skiff.dataDir, 'wl.yaml');
      fs.writeFileSync(file, manifests);
      const r = await kubectl(skiff.kubeconfig, ['apply', '-f', file]);
      expect(r.code, r.stderr).toBe(0);
      await page.goto(skiff.dashboardLoginUrl);
      await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
    });

    afterAll(async () => {
      await browser?.close();
      if (skiff) {
        await kubectl(skiff.kubeconfig, [
          'delete',
          'statefulset,pod',
          '--all',
          '-n',
          NS,
          '--wait=true',
          '--timeout=30s',
        ]);
        await kubectl(skiff.kubeconfig, ['wait', '--for=delete', 'pods', '--all', '-n', NS, '--timeout=30s']);
        await skiff.destroy();
      }
      if (hasDocker) {
        const left = docker('ps', '-aq', '--filter', `label=io.kubernetes.pod.namespace=${NS}`)
          .split('\n')
          .filter(Boolean);
        if (left.length) docker('rm', '-f', ...left);
      }
    });

    // A failing test leaves a picture of the page behind, to see what the user would have seen.
    beforeEach((ctx) => {
      onTestFailed(async () => {
        const file = `skiff-e2e-failed-${ctx.task.name.slice(0, 40)}.png`;
        await page?.screenshot({ path: path.join(fs.realpathSync('/tmp'), file) }).catch(() => undefined);
      });
    });

    async function nav(label: string): Promise<void> {
      await page.locator('.n-menu').getByRole('link', { name: label, exact: true }).click();
    }

    async function shot(name: string): Promise<void> {
      if (!SHOTS) return;
      fs.mkdirSync(SHOTS, { recursive: true });
      // Screenshots show the settled state: no colour transitions half-way between themes.
      await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; }' });
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.waitForTimeout(400);
        await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`) });
      }
      await page.emulateMedia({ colorScheme: 'light' });
    }

    it('watches over WebSocket: many pages keep their watches without exhausting connections', async () => {
      // Visit more list pages than a browser has HTTP/1.1 connections per host; each keeps its
      // store watching, and the last page still lists live.
      for (const label of [
        'Deployments',
        'StatefulSets',
        'DaemonSets',
        'Jobs',
        'CronJobs',
        'Services',
        'Secrets',
        'ConfigMaps',
      ])
        await nav(label);
      await page.locator('[data-testid="configmap-row-settings"]').waitFor();
      const sockets = await page.evaluate(
        () => performance.getEntriesByType('resource').filter((e) => e.name.includes('watch=true')).length,
      );
      // Watches do not show up as fetches: they are WebSockets.
      expect(sockets).toBe(0);
      await shot('configmaps');
    });

    it('renders names, labels and values containing HTML as text', async () => {
      await page.locator('[data-testid="configmap-row-settings"]').click();
      await page.getByText('<b>bold</b>').first().waitFor();
      expect(await page.locator('pre b').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as unknown as Win).__xss)).toBeUndefined();
    });

    it('scales a StatefulSet from its page and shows revisions', async () => {
      await nav('StatefulSets');
      await page.locator('[data-testid="statefulset-row-db"]').click();
      await expect
        .poll(() => page.getByTestId('statefulset-ready').textContent(), { timeout: 90_000 })
        .toBe('1/1');
      await page.getByTestId('scale-input').locator('input').fill('2');
      await page.getByTestId('scale-apply').click();
      await expect
        .poll(() => page.getByTestId('statefulset-ready').textContent(), { timeout: 90_000 })
        .toBe('2/2');
      await page.getByRole('tab', { name: /Revisions/ }).click();
      await page.locator('[data-testid^="revision-"]').first().waitFor();
      await page.getByRole('tab', { name: /Pods/ }).click();
      await shot('statefulset');
    }, 200_000);

    it('shows an event for a failing pod live, with the Warning badge', async () => {
      await nav('Events');
      const r = await kubectl(skiff.kubeconfig, [
        'run',
        'broken',
        '-n',
        NS,
        '--image=skiff-test/does-not-exist:0',
        '--image-pull-policy=Never',
        '--restart=Never',
      ]);
      expect(r.code, r.stderr).toBe(0);
      await page.locator('text=broken').first().waitFor({ timeout: 60_000 });
      await page.getByTestId('warning-badge').waitFor({ timeout: 60_000 });
      await shot('events-live');
    }, 150_000);

    it('navigates with the command palette (Ctrl+K)', async () => {
      await page.keyboard.press('Control+k');
      await page.getByTestId('command-palette').waitFor();
      await page.getByTestId('palette-input').locator('input').fill('db');
      await page.locator('[data-testid="palette-item"]', { hasText: 'db' }).first().waitFor();
      await shot('palette');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.url()).toMatch(new RegExp(`#/statefulsets/${NS}/db$`));
      await page.keyboard.press('Control+k');
      await page.getByTestId('palette-input').locator('input').fill('nodes');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.url()).toMatch(/#\/nodes$/);
    });

    it('cordons and uncordons the node', async () => {
      await page.getByTestId('node-cordon').first().click();
      await page.getByTestId('node-unschedulable').first().waitFor();
      const get = await kubectl(skiff.kubeconfig, [
        'get',
        'nodes',
        '-o',
        'jsonpath={.items[0].spec.unschedulable}',
      ]);
      expect(get.stdout.trim()).toBe('true');
      await shot('nodes-cordoned');
      await page.getByTestId('node-uncordon').first().click();
      await expect.poll(async () => page.getByTestId('node-unschedulable').count()).toBe(0);
    });

    it('renders in dark mode', async () => {
      await page.emulateMedia({ colorScheme: 'dark' });
      await nav('Pods');
      await page.locator('[data-testid^="pod-row-db-"]').first().waitFor();
      const theme = await page.locator('.app-root').getAttribute('data-theme');
      expect(theme).toBe('dark');
      // Naive UI animates background-color on a theme change (0.3 s), so a read straight after
      // the switch can land mid-transition: wait for the settled colour.
      const brightness = async (): Promise<number> => {
        const bg = await page
          .locator('.n-layout')
          .first()
          .evaluate((el) => {
            const g = globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } };
            return g.getComputedStyle(el).backgroundColor;
          });
        const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number);
        return r + g + b;
      };
      await expect.poll(brightness, { timeout: 5000 }).toBeLessThan(200);
      await page.emulateMedia({ colorScheme: 'light' });
      await shot('pods-list');
      for (const [label, name] of [
        ['Services', 'services'],
        ['Deployments', 'deployments'],
        ['Overview', 'overview-shell'],
      ] as const) {
        await nav(label);
        await page.waitForTimeout(400);
        await shot(name);
      }
    });
  },
);
