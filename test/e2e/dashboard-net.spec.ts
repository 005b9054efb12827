/**
 * "Expose on localhost" in Chromium against a real `skiff serve` (real API server, kubelet,
 * kube-proxy, Docker): a busybox httpd Deployment is exposed from its page on a chosen local
 * port, the dialog's link appears once the proxy listens and answers from the test (127.0.0.1);
 * the Services page lists it under "Exposed from the dashboard"; a pod row's Expose on a port
 * another program holds says so in plain words and moves to a free port that then answers; a
 * name already taken shows the API's message; after a Skiff restart the exposure answers on the
 * same port again; Remove stops it. With SKIFF_SCREENSHOTS=1 it
 * writes 1280×800 screenshots (light and dark) to docs/screenshots/.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser';
import { docker, dockerAvailable } from '../helpers/docker';
import { eventually, kubectl, startSkiff, type SkiffProcess } from '../helpers/skiff-process';

const hasDocker = dockerAvailable();
const hasChromium = chromiumAvailable();
const NS = `net-${Date.now().toString(36)}`;
const SHOTS =
  process.env.SKIFF_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : undefined;
const BODY = `skiff-net-ok-${NS}`;

const webYaml = `apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: httpd
          image: skiff-test/busybox:1
          imagePullPolicy: IfNotPresent
          command: [sh, -c, 'mkdir -p /www && echo ${BODY} > /www/index.html && exec httpd -f -p 8080 -h /www']
          ports:
            - { containerPort: 8080, name: http }
          readinessProbe:
            tcpSocket: { port: 8080 }
            periodSeconds: 1
`;

/** A port nothing listens on right now (the kernel's choice, released at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** GET a loopback URL with a bounded wait; the body, or the error's message. */
async function get(url: string): Promise<{ ok: boolean; body: string }> {
  expect(new URL(url).hostname).toBe('127.0.0.1');
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return { ok: res.ok, body: await res.text() };
  } catch (err) {
    return { ok: false, body: String((err as Error).cause ?? err) };
  }
}

describe.skipIf(!hasDocker || !hasChromium)('dashboard: expose on localhost in Chromium', () => {
  let skiff: SkiffProcess;
  let browser: Browser;
  let page: Page;
  let blocker: net.Server | undefined;
  /** The cluster's managed-by label value (`skiff-<kube-system uid>`), for cleaning up the engine. */
  let managedBy = '';
  // The ingress controller on a free port: port 80 stays for whoever else runs here.
  const serveArgs = ['--ingress-port', '0'];

  beforeAll(async () => {
    skiff = await startSkiff({ extraArgs: serveArgs });
    const uid = await kubectl(skiff.kubeconfig, [
      'get',
      'ns',
      'kube-system',
      '-o',
      'jsonpath={.metadata.uid}',
    ]);
    managedBy = `skiff-${uid.stdout.trim()}`;
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
    page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const applied = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: webYaml });
    expect(applied.code, applied.stderr).toBe(0);
    const ready = await kubectl(
      skiff.kubeconfig,
      ['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=90s'],
      { timeoutMs: 100_000 },
    );
    expect(ready.code, ready.stderr).toBe(0);
    await page.goto(skiff.dashboardLoginUrl);
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
  });

  afterAll(async () => {
    blocker?.close();
    await browser?.close();
    if (skiff) {
      await kubectl(skiff.kubeconfig, [
        'delete',
        'deployment,service',
        '--all',
        '-n',
        NS,
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
    if (hasDocker && managedBy) {
      // The network agent and the cluster network outlive a stop (for the next start): remove them.
      const ids = docker('ps', '-aq', '--filter', `label=skiff.dev/managed-by=${managedBy}`)
        .split('\n')
        .filter(Boolean);
      if (ids.length) docker('rm', '-f', ...ids);
      const nets = docker('network', 'ls', '-q', '--filter', `label=skiff.dev/managed-by=${managedBy}`)
        .split('\n')
        .filter(Boolean);
      if (nets.length) docker('network', 'rm', ...nets);
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

  let localPort = 0;

  it('exposes a Deployment from its page; the link appears once the proxy listens, and answers', async () => {
    localPort = await freePort();
    await go(`#/deployments/${NS}/web`);
    await page.getByTestId('workload-expose').click();
    const dialog = page.getByTestId('expose-dialog');
    await dialog.waitFor();
    // The declared port is picked; 8080 ≥ 1024 is suggested as the local port too.
    await expect
      .poll(() => page.getByTestId('expose-container-port').locator('input').inputValue())
      .toBe('8080');
    await expect.poll(() => page.getByTestId('expose-local-port').locator('input').inputValue()).not.toBe('');
    await expect.poll(() => page.getByTestId('expose-name').locator('input').inputValue()).toBe('web-local');
    // Out of range is refused before anything is sent.
    await page.getByTestId('expose-local-port').locator('input').fill('70000');
    await page.getByTestId('expose-local-port').locator('input').blur();
    await expect.poll(() => page.getByTestId('expose-submit').isDisabled()).toBe(true);
    await page.getByTestId('expose-local-port').locator('input').fill(String(localPort));
    await page.getByTestId('expose-local-port').locator('input').blur();
    await expect
      .poll(() => page.getByTestId('expose-preview').textContent())
      .toContain(`127.0.0.1:${localPort} → port 8080 of the pods with app=web`);
    await shot('expose-dialog');
    await page.getByTestId('expose-submit').click();

    const link = dialog.locator('[data-testid="reachable-chip"][data-state="listening"]');
    await link.waitFor({ timeout: 30_000 });
    const href = await link.getAttribute('href');
    expect(href).toBe(`http://127.0.0.1:${localPort}/`);
    const r = await get(href!);
    expect(r, r.body).toMatchObject({ ok: true });
    expect(r.body.trim()).toBe(BODY);
    await shot('expose-done');

    // What it made: a labelled LoadBalancer Service, port = local port, targetPort = 8080.
    const svc = JSON.parse(
      (await kubectl(skiff.kubeconfig, ['get', 'service', 'web-local', '-n', NS, '-o', 'json'])).stdout,
    ) as {
      metadata: { labels: Record<string, string> };
      spec: { type: string; selector: object; ports: { port: number; targetPort: number }[] };
    };
    expect(svc.metadata.labels['skiff.dev/exposed-by']).toBe('dashboard');
    expect(svc.spec).toMatchObject({ type: 'LoadBalancer', selector: { app: 'web' } });
    expect(svc.spec.ports[0]).toMatchObject({ port: localPort, targetPort: 8080 });

    await page.getByTestId('expose-done').click();
    // The Deployment's page lists the exposure with its live link.
    await page
      .getByTestId('workload-exposures')
      .locator(`[data-testid="reachable-chip"][href="http://127.0.0.1:${localPort}/"]`)
      .waitFor();
    await shot('deployment-exposed');
  }, 120_000);

  it('a name already taken shows the API server’s message', async () => {
    await page.getByTestId('workload-expose').click();
    const dialog = page.getByTestId('expose-dialog');
    await dialog.waitFor();
    // The suggestion avoids the taken name; typing it anyway gets the server's AlreadyExists.
    await expect
      .poll(() => page.getByTestId('expose-name').locator('input').inputValue())
      .toBe('web-local-2');
    await page.getByTestId('expose-name').locator('input').fill('web-local');
    await page
      .getByTestId('expose-local-port')
      .locator('input')
      .fill(String(await freePort()));
    await page.getByTestId('expose-local-port').locator('input').blur();
    await page.getByTestId('expose-submit').click();
    const err = page.getByTestId('expose-error');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/already exists/i);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  }, 60_000);

  it('a pod row: a port another program holds is said in plain words; moving it to a free port answers', async () => {
    const held = await freePort();
    blocker = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => blocker!.listen(held, '127.0.0.1', resolve));

    await go('#/pods');
    await page.getByTestId('pod-filter').locator('input').fill(NS);
    const row = page.locator(`[data-testid^="pod-row-web-"]`).first();
    await row.waitFor();
    await row.getByTestId('expose-open').click();
    const dialog = page.getByTestId('expose-dialog');
    await dialog.waitFor();
    await page.getByTestId('expose-local-port').locator('input').fill(String(held));
    await page.getByTestId('expose-local-port').locator('input').blur();
    await page.getByTestId('expose-submit').click();
    const reason = page.getByTestId('expose-reason');
    await reason.waitFor({ timeout: 30_000 });
    expect(await reason.textContent()).toContain(`Port ${held} is already taken by another program`);
    await shot('expose-port-in-use');

    const moved = await freePort();
    await page.getByTestId('expose-retry-port').locator('input').fill(String(moved));
    await page.getByTestId('expose-retry-port').locator('input').blur();
    await page.getByTestId('expose-retry').click();
    const link = dialog.locator(`[data-testid="reachable-chip"][href="http://127.0.0.1:${moved}/"]`);
    await link.waitFor({ timeout: 30_000 });
    const r = await get(`http://127.0.0.1:${moved}/`);
    expect(r.body.trim()).toBe(BODY);
    await page.getByTestId('expose-done').click();
  }, 120_000);

  it('the exposure is saved: after a Skiff restart the same local port answers and the page shows it', async () => {
    const dataDir = skiff.dataDir;
    await skiff.stop();
    expect((await get(`http://127.0.0.1:${localPort}/`)).ok).toBe(false);
    skiff = await startSkiff({ dataDir, extraArgs: serveArgs });
    const r = await eventually(
      async () => {
        const g = await get(`http://127.0.0.1:${localPort}/`);
        return g.ok && g;
      },
      60_000,
      `127.0.0.1:${localPort} to answer again`,
    );
    expect(r.body.trim()).toBe(BODY);
    await page.goto(skiff.dashboardLoginUrl);
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
    await go('#/services');
    await page
      .getByTestId('service-row-web-local')
      .locator(`[data-testid="reachable-chip"][href="http://127.0.0.1:${localPort}/"]`)
      .waitFor();
  }, 150_000);

  it('the Services page lists dashboard exposures with their state, and Remove stops one', async () => {
    await go('#/services');
    await page.getByTestId('services-exposed-only').click();
    const rows = page.locator('[data-testid^="service-row-"]');
    await expect.poll(() => rows.count()).toBe(2);
    const webRow = page.getByTestId('service-row-web-local');
    await webRow.locator(`[data-testid="reachable-chip"][href="http://127.0.0.1:${localPort}/"]`).waitFor();
    await shot('services-exposed');

    // The exposure's own page says what it was made for.
    await webRow.locator('.rt-name').click();
    await page.getByTestId('exposure-origin').waitFor();
    expect(await page.getByTestId('exposure-origin').textContent()).toMatch(/Deployment\s+web/);
    await shot('service-exposed');

    await go('#/services');
    await page.getByTestId('services-exposed-only').click();
    await page.getByTestId('service-row-web-local').getByTestId('exposure-remove').click();
    await page.getByRole('button', { name: 'Remove', exact: true }).last().click();
    await page.getByTestId('service-row-web-local').waitFor({ state: 'detached' });
    await eventually(
      async () => !(await get(`http://127.0.0.1:${localPort}/`)).ok,
      15_000,
      'the port to close',
    );
  }, 90_000);
});
