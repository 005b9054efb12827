/**
 * Alert toasts in Chromium against a real `skiff serve` and Docker: with the dashboard open, a
 * pod on skiff-test/busybox:1 running `sh -c 'exit 1'` goes into CrashLoopBackOff and a toast
 * names it; clicking the toast opens the pod's page. Muting the namespace from a toast is kept
 * across a reload. With SKIFF_SCREENSHOTS=1 it writes light and dark screenshots of the toast.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser';
import { dockerAvailable } from '../helpers/docker';
import { kubectl, startSkiff, type SkiffProcess } from '../helpers/skiff-process';

const hasDocker = dockerAvailable();
const hasChromium = chromiumAvailable();
const NS = `notify-${Date.now().toString(36)}`;
const SHOTS =
  process.env.SKIFF_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : undefined;

const crashYaml = (name: string) => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${NS} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: skiff-test/busybox:1
      imagePullPolicy: IfNotPresent
      command: [sh, -c, 'exit 1']
`;

describe.skipIf(!hasDocker || !hasChromium)('dashboard: alert toasts in Chromium', () => {
  let skiff: SkiffProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    skiff = await startSkiff({ extraArgs: ['--ingress-port', '0'] });
    const ns = await kubectl(skiff.kubeconfig, ['create', 'namespace', NS]);
    expect(ns.code, ns.stderr).toBe(0);
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
    page = await context.newPage();
    page.setDefaultTimeout(60_000);
    await page.goto(skiff.dashboardLoginUrl);
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await skiff?.destroy();
  }, 120_000);

  it('toasts a CrashLoopBackOff and opens the pod from the toast', async () => {
    const made = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: crashYaml('crasher') });
    expect(made.code, made.stderr).toBe(0);
    const toast = page.locator(`[data-alert="Pod/${NS}/crasher/CrashLoopBackOff"]`);
    await toast.waitFor({ timeout: 120_000 });
    expect(await page.locator('.n-notification').first().innerText()).toContain(`Pod ${NS}/crasher`);
    if (SHOTS) {
      await page.screenshot({ path: path.join(SHOTS, 'dashboard-notify-toast-light.png') });
      await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; }' });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(SHOTS, 'dashboard-notify-toast-dark.png') });
      await page.emulateMedia({ colorScheme: 'light' });
    }
    await toast.click();
    await page.waitForURL(new RegExp(`#/pods/${NS}/crasher$`));
    // One toast per object+reason: it is not raised again while the pod keeps crash-looping.
    await page.waitForTimeout(500);
    expect(await toast.count()).toBe(0);
  }, 180_000);

  it('mutes the namespace from a toast, remembered across a reload', async () => {
    const made = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: crashYaml('crasher-2') });
    expect(made.code, made.stderr).toBe(0);
    const toast = page.locator(`[data-alert="Pod/${NS}/crasher-2/CrashLoopBackOff"]`);
    await toast.waitFor({ timeout: 120_000 });
    await page.locator('.n-notification').filter({ has: toast }).getByTestId('alert-mute').click();
    await page.reload();
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
    const muted = await page.evaluate(() =>
      (globalThis as unknown as { localStorage: Storage }).localStorage.getItem('skiff.mutedNamespaces'),
    );
    expect(JSON.parse(muted ?? '[]')).toContain(NS);
    await page.evaluate(
      (h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h),
      '#/settings',
    );
    await page.getByTestId('settings-muted').filter({ hasText: NS }).waitFor();
    if (SHOTS) {
      await page.getByTestId('settings-clusters').scrollIntoViewIfNeeded();
      await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; }' });
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.waitForTimeout(400);
        await page.screenshot({ path: path.join(SHOTS, `dashboard-settings-clusters-notify-${scheme}.png`) });
      }
      await page.emulateMedia({ colorScheme: 'light' });
    }
  }, 180_000);
});
