/**
 * The pod page's Shell in Chromium against a real `skiff serve` (API server, kubelet, Docker):
 * typing `ls /` into the terminal lists the root folders of the busybox image; `exit` shows the
 * "session ended (exit code 0)" line and Reconnect opens a new session; a pod on
 * skiff-test/noshell:1 (no /bin/sh) says the shell cannot start and Debug adds an ephemeral
 * busybox container targeting it whose shell runs `ls /`. With SKIFF_SCREENSHOTS=1 it writes
 * 1280×800 screenshots (light and dark) to docs/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser';
import { docker, dockerAvailable } from '../helpers/docker';
import { kubectl, startSkiff, type SkiffProcess } from '../helpers/skiff-process';

const hasDocker = dockerAvailable();
const hasChromium = chromiumAvailable();
const hasNoShell = hasDocker && docker('images', '-q', 'skiff-test/noshell:1').trim() !== '';
const NS = `shell-${Date.now().toString(36)}`;
const SHOTS =
  process.env.SKIFF_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : undefined;

const podsYaml = `apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: v1
kind: Pod
metadata: { name: box, namespace: ${NS} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: skiff-test/busybox:1
      imagePullPolicy: IfNotPresent
      command: [sleep, '3600']
---
apiVersion: v1
kind: Pod
metadata: { name: bare, namespace: ${NS} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: skiff-test/noshell:1
      imagePullPolicy: IfNotPresent
`;

describe.skipIf(!hasDocker || !hasChromium || !hasNoShell)('dashboard: pod shell in Chromium', () => {
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
    page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const applied = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: podsYaml });
    expect(applied.code, applied.stderr).toBe(0);
    const ready = await kubectl(
      skiff.kubeconfig,
      ['wait', '--for=condition=Ready', 'pod/box', 'pod/bare', '-n', NS, '--timeout=90s'],
      { timeoutMs: 100_000 },
    );
    expect(ready.code, ready.stderr).toBe(0);
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

  /** The terminal's visible text, from xterm's DOM rows. */
  function screen(): Promise<string> {
    return page
      .getByTestId('shell-terminal')
      .locator('.xterm-rows')
      .evaluate((el) =>
        [...el.children].map((r) => (r.textContent ?? '').replace(/\u00a0/g, ' ')).join('\n'),
      );
  }

  async function typeInTerminal(text: string): Promise<void> {
    await page.getByTestId('shell-terminal').click();
    await page.keyboard.type(text);
    await page.keyboard.press('Enter');
  }

  async function shot(name: string): Promise<void> {
    if (!SHOTS) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.getByTestId('shell-card').scrollIntoViewIfNeeded();
    await page.waitForTimeout(400);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }

  it('`ls /` in the shell lists the root folders; exit shows the ended line; Reconnect opens again', async () => {
    await go(`#/pods/${NS}/box`);
    await page.getByTestId('shell-intro').waitFor();
    await page.getByTestId('shell-connect').click();
    await page.getByTestId('shell-state').filter({ hasText: 'Connected' }).waitFor();
    await typeInTerminal('ls /');
    await expect.poll(screen, { timeout: 20_000 }).toMatch(/bin\s+dev\s+etc[\s\S]*proc[\s\S]*sys/);
    // The tty follows the panel: stty reports the size xterm fitted to, not 80×24.
    await typeInTerminal('stty size');
    await expect.poll(screen, { timeout: 10_000 }).toMatch(/^\d+ \d+\s*$/m);
    const [rows, cols] = /^(\d+) (\d+)\s*$/m
      .exec(await screen())!
      .slice(1)
      .map(Number);
    const domRows = await page.getByTestId('shell-terminal').locator('.xterm-rows > div').count();
    expect(rows).toBe(domRows);
    expect(cols).toBeGreaterThan(40);
    expect([rows, cols]).not.toEqual([24, 80]);
    await shot('pod-shell');

    await typeInTerminal('exit 3');
    const ended = page.getByTestId('shell-ended');
    await ended.waitFor();
    expect(await ended.textContent()).toContain('Session ended (exit code 3)');
    await expect.poll(screen).toContain('session ended (exit code 3)');

    await page.getByTestId('shell-reconnect').click();
    await page.getByTestId('shell-state').filter({ hasText: 'Connected' }).waitFor();
    await typeInTerminal('echo again-$((6*7))');
    await expect.poll(screen, { timeout: 10_000 }).toContain('again-42');
    await typeInTerminal('exit');
    await expect.poll(() => ended.textContent()).toContain('Session ended (exit code 0)');
  }, 120_000);

  it('an image without a shell says so; Debug opens a busybox shell targeting it', async () => {
    await go(`#/pods/${NS}/bare`);
    await page.getByTestId('shell-intro').waitFor();
    await page.getByTestId('shell-connect').click();
    const refused = page.getByTestId('shell-refused');
    await refused.waitFor({ timeout: 30_000 });
    expect(await refused.textContent()).toContain('No shell in this image');
    expect(await page.getByTestId('shell-refused-message').textContent()).toContain(
      "/bin/sh is not in this container's image",
    );
    await expect
      .poll(() => page.getByTestId('shell-debug-image').locator('input').inputValue())
      .toBe('skiff-test/busybox:1');
    await shot('pod-shell-noshell');

    await refused.getByTestId('shell-debug-start').click();
    await page
      .getByTestId('shell-state')
      .filter({ hasText: /Connected · \/bin\/sh in debugger-/ })
      .waitFor({
        timeout: 90_000,
      });
    await typeInTerminal('ls /');
    await expect.poll(screen, { timeout: 20_000 }).toMatch(/bin\s+dev\s+etc[\s\S]*proc/);
    // --target: the debugger sees the target's processes (busybox `sleep infinity` as /sleep).
    await typeInTerminal('ps -o args | grep -c "[/]sleep infinity"');
    await expect.poll(screen, { timeout: 10_000 }).toMatch(/^1\s*$/m);
    await shot('pod-shell-debug');

    const pod = JSON.parse(
      (await kubectl(skiff.kubeconfig, ['get', 'pod', 'bare', '-n', NS, '-o', 'json'])).stdout,
    ) as { spec: { ephemeralContainers?: { name: string; image: string; targetContainerName?: string }[] } };
    expect(pod.spec.ephemeralContainers).toHaveLength(1);
    expect(pod.spec.ephemeralContainers![0]).toMatchObject({
      image: 'skiff-test/busybox:1',
      targetContainerName: 'app',
    });
    expect(pod.spec.ephemeralContainers![0]!.name).toMatch(/^debugger-[a-z0-9]{5}$/);
  }, 150_000);
});
