/**
 * The dashboard's logs, Resources, Apply YAML, Deploy wizard and Settings pages in Chromium
 * against a real `skiff serve` (real API server, kubelet, Docker): a line written in the
 * container shows up in the log view within 1 s; search highlights; ANSI colours render as
 * styles while an `<img onerror>` line stays text; the Resources page shows a container's limit
 * and usage and an in-place edit patches its Deployment; Apply YAML puts a schema error on its
 * line; a Deployment made through the form with an HTTP health-check preset runs Ready. With
 * SKIFF_SCREENSHOTS=1 it writes 1280×800 screenshots (light and dark) to docs/screenshots/.
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
const NS = `res-${Date.now().toString(36)}`;
const SHOTS =
  process.env.SKIFF_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : undefined;

interface Win {
  __xss?: number;
}

// The container prints whatever lands in /tmp/say (written by `kubectl exec`), so the test
// decides when a line is written; plus a coloured line, a JSON line and an HTML-looking one.
const loggerYaml = `apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: logger
  namespace: ${NS}
spec:
  replicas: 1
  selector:
    matchLabels: { app: logger }
  template:
    metadata:
      labels: { app: logger }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: skiff-test/busybox:1
          imagePullPolicy: IfNotPresent
          command:
            - sh
            - -c
            - |
              printf '\\033[31mred-alert\\033[0m plain\\n'
              echo '{"level":"info","msg":"json-line"}'
              echo '<img src=x onerror="window.__xss=1">'
              while true; do
                if [ -f /tmp/say ]; then cat /tmp/say; rm -f /tmp/say; fi
                usleep 50000 2>/dev/null || sleep 0.05
              done
          resources:
            requests: { cpu: 50m, memory: 16Mi }
            limits: { cpu: 200m, memory: 32Mi }
`;

describe.skipIf(!hasDocker || !hasChromium)('dashboard resources/logs/apply in Chromium', () => {
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
    const applied = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: loggerYaml });
    expect(applied.code, applied.stderr).toBe(0);
    await page.goto(skiff.dashboardLoginUrl);
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    if (skiff) {
      await kubectl(skiff.kubeconfig, [
        'delete',
        'deployment',
        '-n',
        NS,
        '--all',
        '--wait=true',
        '--timeout=30s',
      ]);
      await kubectl(skiff.kubeconfig, ['wait', '--for=delete', 'pods', '--all', '-n', NS, '--timeout=30s']);
      await kubectl(skiff.kubeconfig, ['delete', 'namespace', NS, '--wait=false']);
      await skiff.destroy();
    }
    if (hasDocker) {
      const left = docker('ps', '-aq', '--filter', `label=io.kubernetes.pod.namespace=${NS}`)
        .split('\n')
        .filter(Boolean);
      if (left.length) docker('rm', '-f', ...left);
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
    await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; }' });
    await page.waitForTimeout(600);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }

  async function loggerPod(): Promise<string> {
    for (let i = 0; i < 120; i++) {
      const r = await kubectl(skiff.kubeconfig, [
        'get',
        'pods',
        '-n',
        NS,
        '-l',
        'app=logger',
        '--field-selector=status.phase=Running',
        '-o',
        'jsonpath={.items[0].metadata.name}',
      ]);
      if (r.stdout.trim()) return r.stdout.trim();
      await new Promise((res) => setTimeout(res, 1000));
    }
    throw new Error('logger pod not running');
  }

  it('shows a line written in the container within 1 s, ANSI colours as styles and HTML as text', async () => {
    const pod = await loggerPod();
    await go(`#/pods/${NS}/${pod}`);
    const view = page.getByTestId('log-view');
    await expect.poll(() => view.textContent(), { timeout: 30_000 }).toContain('red-alert');
    await page.getByTestId('log-state').filter({ hasText: 'Following' }).waitFor();
    // ANSI red is a styled span, the escape codes are gone.
    const red = view.locator('span', { hasText: /^red-alert$/ });
    expect(await red.getAttribute('style')).toContain('color');
    expect(await view.textContent()).not.toContain('[31m');
    // JSON is pretty-printed (on by default).
    expect(await view.textContent()).toContain('"msg": "json-line"');
    // The HTML-looking line is text, never an element, never run.
    expect(await view.textContent()).toContain('<img src=x onerror="window.__xss=1">');
    expect(await view.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as Win).__xss)).toBeUndefined();

    // Write a line now; it must be on screen within 1 s of the write.
    for (const marker of ['fresh-line-1', 'fresh-line-2']) {
      const exec = await kubectl(skiff.kubeconfig, [
        'exec',
        '-n',
        NS,
        pod,
        '--',
        'sh',
        '-c',
        `echo ${marker} > /tmp/say.tmp && mv /tmp/say.tmp /tmp/say`,
      ]);
      expect(exec.code, exec.stderr).toBe(0);
      const written = Date.now();
      await view.getByText(marker).waitFor({ timeout: 5_000 });
      const ms = Date.now() - written;
      expect(ms, `line shown ${ms} ms after the write`).toBeLessThan(1000);
    }

    // Search highlights in place, plain and regex.
    await page.getByTestId('log-search').locator('input').fill('fresh-line');
    await expect.poll(() => page.getByTestId('log-matches').textContent()).toBe('2');
    expect(await view.locator('mark').allTextContents()).toEqual(['fresh-line', 'fresh-line']);
    await page.getByTestId('log-regex').click();
    await page.getByTestId('log-search').locator('input').fill('fresh-line-[2]|ONERROR');
    await expect.poll(() => page.getByTestId('log-matches').textContent()).toBe('2');
    expect((await view.locator('mark').allTextContents()).sort()).toEqual(['fresh-line-2', 'onerror']);
    expect(await view.locator('img').count()).toBe(0);
    await shot('pod-logs');
    await page.getByTestId('log-search').locator('input').fill('');
    await page.getByTestId('log-regex').click();
  }, 120_000);

  it('follows all pods of a workload merged, one colour per pod', async () => {
    await go(`#/logs/${NS}?selector=${encodeURIComponent('app=logger')}&title=logger`);
    await page.getByTestId('workload-log-pod').first().waitFor();
    const view = page.getByTestId('log-view');
    await expect.poll(() => view.textContent(), { timeout: 30_000 }).toContain('red-alert');
    const pod = await loggerPod();
    await kubectl(skiff.kubeconfig, [
      'exec',
      '-n',
      NS,
      pod,
      '--',
      'sh',
      '-c',
      'echo workload-line > /tmp/say',
    ]);
    await view.getByText('workload-line').waitFor({ timeout: 5_000 });
    expect(await view.locator('.pod').first().textContent()).toContain('logger-');
    await shot('workload-logs');
  });

  it('shows the container limit and usage on the Resources page and applies an in-place edit', async () => {
    const pod = await loggerPod();
    await go('#/resources');
    const row = page.locator(`[data-testid="res-row-${pod}-app"]`).locator('xpath=ancestor::tr');
    await row.waitFor();
    expect(await row.locator('[data-testid="res-mem-limit"]').textContent()).toBe('32 MiB');
    // Usage comes from metrics.k8s.io (kubelet samples every 10 s, the page reads every 15 s).
    await expect
      .poll(() => row.locator('[data-testid="res-mem-used"]').textContent(), {
        timeout: 60_000,
        interval: 1000,
      })
      .toMatch(/\d+(\.\d+)? (B|KiB|MiB)/);
    await shot('resources');

    await page.getByTestId(`res-edit-${pod}-app`).click();
    const dlg = page.getByTestId('resources-edit');
    await dlg.getByText('Deployment logger').waitFor();
    await page.getByTestId('edit-memoryLimit').locator('input').fill('48Mi');
    await expect.poll(() => page.getByTestId('edit-fit').textContent()).toContain('Fits');
    // Asking for more than the node has warns before anything is sent.
    await page.getByTestId('edit-cpuRequest').locator('input').fill('500');
    await page.getByTestId('edit-cpuLimit').locator('input').fill('500');
    await expect.poll(() => page.getByTestId('edit-fit').textContent()).toContain('Would not fit');
    await page.getByTestId('edit-cpuRequest').locator('input').fill('50m');
    await page.getByTestId('edit-cpuLimit').locator('input').fill('200m');
    await page.getByTestId('edit-apply').click();
    await page.getByTestId('res-message').waitFor();
    const got = await kubectl(skiff.kubeconfig, ['get', 'deployment', 'logger', '-n', NS, '-o', 'json']);
    expect(JSON.parse(got.stdout).spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '50m', memory: '16Mi' },
      limits: { cpu: '200m', memory: '48Mi' },
    });
    // The rollout's new pod shows the new limit in the table.
    await expect
      .poll(() => page.locator('[data-testid="res-mem-limit"]').allTextContents(), { timeout: 90_000 })
      .toContain('48 MiB');
  }, 180_000);

  it('puts a schema error of Apply YAML on its line, then applies a valid document', async () => {
    await go('#/apply');
    const editor = page.locator('.cm-content');
    await editor.waitFor();
    const bad = `apiVersion: v1
kind: ConfigMap
metadata:
  name: applied-cm
  namespace: ${NS}
data:
  a: "1"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
  namespace: ${NS}
spec:
  replicas: two
  selector:
    matchLabels: { app: bad }
  template:
    metadata:
      labels: { app: bad }
    spec:
      containers:
        - name: app
          image: skiff-test/busybox:1
          imagePolicy: IfNotPresent
`;
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(bad);
    const lines = page.getByTestId('apply-error-line');
    await expect
      .poll(() => lines.allTextContents(), { timeout: 15_000 })
      .toEqual([
        expect.stringMatching(/^Line 15\s*spec\.replicas must be an integer/),
        expect.stringMatching(/^Line 25\s*spec\.template\.spec\.containers\[0\]\.imagePolicy unknown field/),
      ]);
    // The gutter marks the lines too.
    expect(await page.locator('.cm-lint-marker-error').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('apply-submit').isDisabled()).toBe(true);
    await shot('apply');

    // Only the valid document: preview (dry-run creates nothing), then apply.
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(bad.split('---')[0]);
    await expect.poll(() => page.getByTestId('apply-check-state').textContent()).toContain('valid');
    await page.getByTestId('apply-diff').click();
    await page.getByTestId('apply-outcome-0').filter({ hasText: 'will be created' }).waitFor();
    expect((await kubectl(skiff.kubeconfig, ['get', 'cm', 'applied-cm', '-n', NS])).code).not.toBe(0);
    await page.getByTestId('apply-submit').click();
    await page.getByTestId('apply-outcome-0').filter({ hasText: 'created' }).waitFor();
    const cm = await kubectl(skiff.kubeconfig, [
      'get',
      'cm',
      'applied-cm',
      '-n',
      NS,
      '-o',
      'json',
      '--show-managed-fields',
    ]);
    const obj = JSON.parse(cm.stdout);
    expect(obj.data).toEqual({ a: '1' });
    expect(obj.metadata.managedFields.map((m: { manager: string }) => m.manager)).toContain('skiff-ui');
  });

  it('deploys through the form with an HTTP health-check preset and its pods become Ready', async () => {
    await go('#/deploy');
    await page.getByTestId('deploy-name').locator('input').fill('probed');
    await page.getByTestId('deploy-namespace').click();
    await page.keyboard.type(NS);
    await page.keyboard.press('Enter');
    await page.getByTestId('deploy-image').locator('input').fill('skiff-test/busybox:1');
    await page
      .getByTestId('deploy-command')
      .locator('input')
      .fill("sh -c 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'");
    await page.getByTestId('deploy-port').locator('input').fill('8080');
    await page.getByTestId('deploy-memory').locator('input').fill('32Mi');
    await page.getByTestId('deploy-cpu').locator('input').fill('100m');
    await page.getByTestId('deploy-health-http').click();
    await page.getByTestId('deploy-expose').click();
    await expect.poll(() => page.getByTestId('deploy-fit').textContent()).toContain('Fits on node');
    await page.waitForTimeout(1200); // let the dry-run answer (no errors expected)
    await shot('deploy-wizard');
    await page.getByTestId('deploy-submit').click();
    await expect.poll(() => page.url()).toContain(`/deployments/${NS}/probed`);
    await expect
      .poll(
        async () => {
          const r = await kubectl(skiff.kubeconfig, [
            'get',
            'pods',
            '-n',
            NS,
            '-l',
            'app=probed',
            '-o',
            'jsonpath={.items[*].status.containerStatuses[0].ready}',
          ]);
          return r.stdout.trim();
        },
        { timeout: 90_000, interval: 1000 },
      )
      .toBe('true');
    const rows = page.locator('[data-testid^="pod-row-probed-"]');
    await expect
      .poll(
        async () =>
          (await rows.allTextContents()).filter((t) => t.includes('Running') && t.includes('1/1')).length,
        {
          timeout: 60_000,
        },
      )
      .toBe(1);
    const d = JSON.parse(
      (await kubectl(skiff.kubeconfig, ['get', 'deployment', 'probed', '-n', NS, '-o', 'json'])).stdout,
    );
    expect(d.spec.template.spec.containers[0].readinessProbe.httpGet).toMatchObject({
      path: '/',
      port: 8080,
    });
    const svc = JSON.parse(
      (await kubectl(skiff.kubeconfig, ['get', 'svc', 'probed', '-n', NS, '-o', 'json'])).stdout,
    );
    expect(svc.spec.selector).toEqual({ app: 'probed' });
  }, 180_000);

  it('shows a dry-run error at its field before creating', async () => {
    await go('#/deploy');
    await page.getByTestId('deploy-name').locator('input').fill('probed');
    await page.getByTestId('deploy-namespace').click();
    await page.keyboard.type(NS);
    await page.keyboard.press('Enter');
    await page.getByTestId('deploy-image').locator('input').fill('skiff-test/busybox:1');
    // Already exists: the dry-run says so before Deploy is pressed.
    await expect
      .poll(() => page.getByTestId('deploy-error').textContent(), { timeout: 10_000 })
      .toMatch(/already exists/);
  });

  it('shows settings read-only in serve mode, with the flags that set them', async () => {
    await go('#/settings');
    await page.getByTestId('settings-serve').waitFor();
    expect(await page.getByTestId('settings-serve').textContent()).toContain('--data-dir');
    await shot('settings');
  });
});
