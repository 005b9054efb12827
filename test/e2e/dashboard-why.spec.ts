/**
 * "Why isn't my pod running?" in Chromium against a real `skiff serve` (scheduler, kubelet,
 * Docker): a pod requesting 4000Gi of memory gets a callout naming memory, the numbers from the
 * scheduler's annotation and the field; Edit opens the YAML editor with
 * `memory: 4000Gi` selected, and typing over it and recreating the pod makes it run (the callout
 * goes). A busybox pod that exits 3 is explained as a crash loop with exit code 3 and its last
 * log lines; a Deployment asking for 4000Gi with a short progress deadline shows a stuck rollout
 * pointing at its pods and at the template field. With SKIFF_SCREENSHOTS=1 it writes 1280×800
 * screenshots (light and dark) to docs/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser';
import { dockerAvailable } from '../helpers/docker';
import { kubectl, startSkiff, type SkiffProcess } from '../helpers/skiff-process';
import { parseQuantity } from '../../src-main/common/quantity';

const hasDocker = dockerAvailable();
const hasChromium = chromiumAvailable();
const NS = `why-${Date.now().toString(36)}`;
const SHOTS =
  process.env.SKIFF_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : undefined;

const yaml = `apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: v1
kind: Pod
metadata: { name: big, namespace: ${NS} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: skiff-test/busybox:1
      imagePullPolicy: IfNotPresent
      command: [sleep, '3600']
      resources:
        requests:
          memory: 4000Gi
---
apiVersion: v1
kind: Pod
metadata: { name: crash, namespace: ${NS} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: skiff-test/busybox:1
      imagePullPolicy: IfNotPresent
      command: [sh, -c, 'echo starting worker; echo "cannot open /etc/app/config.yaml" >&2; exit 3']
---
apiVersion: v1
kind: Pod
metadata: { name: noconfig, namespace: ${NS} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: skiff-test/busybox:1
      imagePullPolicy: IfNotPresent
      command: [sleep, '3600']
      envFrom:
        - configMapRef: { name: app-settings }
---
apiVersion: v1
kind: Pod
metadata: { name: unready, namespace: ${NS} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: skiff-test/busybox:1
      imagePullPolicy: IfNotPresent
      command: [sleep, '3600']
      readinessProbe:
        exec: { command: [cat, /tmp/ready] }
        periodSeconds: 1
        failureThreshold: 1
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: heavy, namespace: ${NS} }
spec:
  replicas: 2
  progressDeadlineSeconds: 5
  selector: { matchLabels: { app: heavy } }
  template:
    metadata: { labels: { app: heavy } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: skiff-test/busybox:1
          imagePullPolicy: IfNotPresent
          command: [sleep, '3600']
          resources:
            requests: { memory: 4000Gi, cpu: 50m }
`;

describe.skipIf(!hasDocker || !hasChromium)('dashboard: why isn’t my pod running, in Chromium', () => {
  let skiff: SkiffProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    skiff = await startSkiff({ extraArgs: ['--ingress-port', '0'] });
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
    // The crash and the stuck rollout raise toasts (dashboard-notify covers them): the namespace
    // is muted, as its toasts' Mute button would, so they cover neither the page nor the dialog.
    await context.addInitScript((ns) => {
      (
        globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }
      ).localStorage.setItem('skiff.mutedNamespaces', JSON.stringify([ns]));
    }, NS);
    page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const applied = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: yaml });
    expect(applied.code, applied.stderr).toBe(0);
    await page.goto(skiff.dashboardLoginUrl);
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (skiff) {
      await kubectl(skiff.kubeconfig, ['delete', 'namespace', NS, '--wait=false']);
      await skiff.destroy();
    }
  });

  async function go(hash: string): Promise<void> {
    await page.evaluate(
      (h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h),
      hash,
    );
  }

  async function shot(name: string): Promise<void> {
    if (!SHOTS) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.waitForTimeout(400);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }

  /** The node's allocatable memory as the API reports it, in GiB (rounded as formatBytes does). */
  async function nodeMemoryGiB(): Promise<string> {
    const r = await kubectl(skiff.kubeconfig, [
      'get',
      'nodes',
      '-o',
      'jsonpath={.items[0].status.allocatable.memory}',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const q = r.stdout.trim();
    const bytes = parseQuantity(q);
    expect(bytes, `allocatable memory ${q}`).toBeGreaterThan(0);
    const gib = bytes / 1024 ** 3;
    return gib >= 100 || Number.isInteger(gib) ? String(Math.round(gib)) : gib.toFixed(1);
  }

  it('a pod asking for 4000Gi: the callout names memory, the numbers and the field; Edit selects it; recreating runs it', async () => {
    const gib = await nodeMemoryGiB();
    await go(`#/pods/${NS}/big`);
    const callout = page.getByTestId('why-callout');
    await callout.waitFor();
    const headline = (await page.getByTestId('why-headline').textContent()) ?? '';
    expect(headline).toContain('Not enough memory');
    expect(headline).toContain('requests 4000Gi memory');
    expect(headline).toContain(`the node has ${gib} GiB allocatable`);
    expect(headline).toContain('lower resources.requests.memory');
    expect(await page.getByTestId('why-details').textContent()).toMatch(
      new RegExp(
        `Node \\S+ has ${gib.replace('.', '\\.')} GiB of memory allocatable, .* free; this pod requests 3\\.9 TiB`,
      ),
    );
    expect(await page.getByTestId('why-field').textContent()).toContain(
      'spec.containers[0].resources.requests.memory',
    );
    expect(await page.getByTestId('why-edit').textContent()).toContain('Edit resources.requests.memory');
    await callout.scrollIntoViewIfNeeded();
    await shot('pod-why-memory');

    await page.getByTestId('why-edit').click();
    const dialog = page.getByTestId('why-edit-dialog');
    await dialog.waitFor();
    // The field is selected (the DOM selection mirrors CodeMirror's while it has focus) and in view.
    await expect
      .poll(() => page.evaluate(() => globalThis.getSelection()?.toString() ?? ''), { timeout: 10_000 })
      .toBe('memory: 4000Gi');
    expect(await dialog.locator('.cm-activeLine').textContent()).toContain('memory: 4000Gi');
    expect(await dialog.textContent()).toContain('saving deletes the pod and creates it again');
    await shot('pod-why-edit');

    // Typing replaces the selection; recreating the pod with 32Mi lets the scheduler place it.
    await page.keyboard.type('memory: 32Mi');
    await page.getByTestId('why-edit-save').click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId('pod-status').filter({ hasText: 'Running' }).waitFor({ timeout: 90_000 });
    await callout.waitFor({ state: 'detached' });
    const got = await kubectl(skiff.kubeconfig, [
      'get',
      'pod',
      'big',
      '-n',
      NS,
      '-o',
      'jsonpath={.spec.containers[0].resources.requests.memory}',
    ]);
    expect(got.stdout.trim()).toBe('32Mi');
  }, 240_000);

  it('a crash-looping pod (exit 3): the explanation names the exit code and shows its last log lines', async () => {
    await go(`#/pods/${NS}/crash`);
    const headline = page.getByTestId('why-headline').filter({ hasText: 'keeps crashing' });
    await headline.waitFor({ timeout: 90_000 });
    expect(await headline.textContent()).toContain('Container app keeps crashing: it exits with code 3.');
    expect(await page.getByTestId('why-details').textContent()).toMatch(/Last exit: code 3\./);
    expect(await page.getByTestId('why-field').textContent()).toContain('spec.containers[0].command');
    await expect
      .poll(() => page.getByTestId('why-logs').textContent(), { timeout: 30_000 })
      .toContain('cannot open /etc/app/config.yaml');
    expect(await page.getByTestId('why-logs').textContent()).toContain('starting worker');
    await page.getByTestId('why-callout').scrollIntoViewIfNeeded();
    await shot('pod-why-crash');

    // Edit command: the key is selected; a running pod is recreated (deleted, waited for on a
    // watch, created again) with the new command, and runs.
    await page.getByTestId('why-edit').click();
    const dialog = page.getByTestId('why-edit-dialog');
    await dialog.waitFor();
    await expect
      .poll(() => page.evaluate(() => globalThis.getSelection()?.toString() ?? ''), { timeout: 10_000 })
      .toBe('command');
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(
      [
        'apiVersion: v1',
        'kind: Pod',
        `metadata: { name: crash, namespace: ${NS} }`,
        'spec:',
        '  terminationGracePeriodSeconds: 1',
        '  containers:',
        '    - { name: app, image: skiff-test/busybox:1, imagePullPolicy: IfNotPresent, command: [sleep, "3600"] }',
        '',
      ].join('\n'),
    );
    await page.getByTestId('why-edit-save').click();
    await dialog.waitFor({ state: 'hidden', timeout: 90_000 });
    await page.getByTestId('pod-status').filter({ hasText: 'Running' }).waitFor({ timeout: 90_000 });
    await page.getByTestId('why-callout').waitFor({ state: 'detached' });
    const got = await kubectl(skiff.kubeconfig, [
      'get',
      'pod',
      'crash',
      '-n',
      NS,
      '-o',
      'jsonpath={.spec.containers[0].command}',
    ]);
    expect(got.stdout.trim()).toBe('["sleep","3600"]');
  }, 210_000);

  it('a missing ConfigMap and a failing readiness probe: each names its field', async () => {
    await go(`#/pods/${NS}/noconfig`);
    const missing = page.getByTestId('why-headline').filter({ hasText: 'ConfigMap app-settings' });
    await missing.waitFor({ timeout: 90_000 });
    expect(await missing.textContent()).toBe(
      `Container app cannot start: ConfigMap app-settings does not exist in ${NS}.`,
    );
    expect(await page.getByTestId('why-field').textContent()).toContain(
      'spec.containers[0].envFrom[0].configMapRef.name',
    );
    expect(await page.getByTestId('why-fix').textContent()).toContain(
      `Create ConfigMap app-settings in namespace ${NS}`,
    );

    await go(`#/pods/${NS}/unready`);
    const unready = page.getByTestId('why-headline').filter({ hasText: 'not ready' });
    await unready.waitFor({ timeout: 90_000 });
    expect(await unready.textContent()).toBe(
      'Container app is running but not ready: its readiness probe fails.',
    );
    expect(await page.getByTestId('why-details').textContent()).toContain(
      'Readiness probe: exec cat /tmp/ready',
    );
    expect(await page.getByTestId('why-field').textContent()).toContain('spec.containers[0].readinessProbe');
    expect(await page.getByTestId('why-fix').textContent()).toContain(
      'Make `cat /tmp/ready` exit 0 inside the container',
    );
    await shot('pod-why-unready');
  }, 150_000);

  it('a stuck rollout: the Deployment page points at its pods and the template field', async () => {
    await go(`#/deployments/${NS}/heavy`);
    const headline = page.getByTestId('why-headline').filter({ hasText: 'Rollout of heavy is stuck' });
    await headline.waitFor({ timeout: 90_000 });
    expect(await headline.textContent()).toBe('Rollout of heavy is stuck: both pods are not running.');
    expect(await page.getByTestId('why-cause').textContent()).toContain(
      'Not enough memory: requests 4000Gi memory; the node has',
    );
    expect(await page.getByTestId('why-details').textContent()).toMatch(
      /Progress deadline \(5s\) exceeded: ReplicaSet "heavy-\w+" has timed out progressing/,
    );
    expect(await page.getByTestId('why-pods').locator('a').count()).toBe(2);
    expect(await page.getByTestId('why-field').textContent()).toContain(
      'spec.template.spec.containers[0].resources.requests.memory',
    );
    await shot('deployment-why-stuck');
    await page.getByTestId('why-edit').click();
    const dialog = page.getByTestId('why-edit-dialog');
    await dialog.waitFor();
    await expect
      .poll(() => page.evaluate(() => globalThis.getSelection()?.toString() ?? ''), { timeout: 10_000 })
      .toBe('memory: 4000Gi');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // On one of its pods' pages the field is the Deployment's template too (editing the pod
    // would be undone by its ReplicaSet).
    await page.getByTestId('why-pods').locator('a').first().click();
    await page.getByTestId('pod-name').waitFor();
    const field = page.getByTestId('why-field');
    await expect
      .poll(() => field.textContent(), { timeout: 20_000 })
      .toMatch(/spec\.template\.spec\.containers\[0\]\.resources\.requests\.memory\s*on Deployment heavy/);
  }, 150_000);
});
