/**
 * The pod page's Files card and "Open on localhost" in Chromium against a real `skiff serve`
 * (API server, kubelet, Docker): folders open by click, breadcrumb and typed path; a missing
 * path shows the server's NotFound in words; a file uploaded with the Upload button and one
 * dropped on the card land in the container (read back with kubectl exec) and download back
 * byte-identical; "Open on localhost" on a pod's container port and on a Service's port answer
 * with the pod's HTTP body on 127.0.0.1, are listed on the Port forwards page with their traffic,
 * and Stop closes the listener; "Expose permanently" opens the exposure dialog on that port.
 * With SKIFF_SCREENSHOTS=1 it writes 1280×800 screenshots (light and dark) to docs/screenshots/.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Locator, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser';
import { docker, dockerAvailable } from '../helpers/docker';
import { kubectl, startSkiff, type SkiffProcess } from '../helpers/skiff-process';

const hasDocker = dockerAvailable();
const hasChromium = chromiumAvailable();
const NS = `files-${Date.now().toString(36)}`;
const BODY = `skiff-files-pf-${NS}`;
const SHOTS =
  process.env.SKIFF_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : undefined;

const yaml = `apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: v1
kind: Pod
metadata: { name: web, namespace: ${NS}, labels: { app: web } }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: httpd
      image: skiff-test/busybox:1
      imagePullPolicy: IfNotPresent
      command:
        - sh
        - -c
        - >-
          mkdir -p /www /data/sub/deeper /data/logs &&
          echo ${BODY} > /www/index.html &&
          echo hello > /data/sub/hello.txt &&
          echo started > /data/logs/app.log &&
          chmod 600 /data/logs/app.log &&
          ln -s /www /data/site &&
          exec httpd -f -p 8080 -h /www
      ports:
        - { containerPort: 8080, name: http }
      readinessProbe:
        tcpSocket: { port: 8080 }
        periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: ${NS} }
spec:
  selector: { app: web }
  ports:
    - { name: web, port: 80, targetPort: http }
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

async function get(url: string): Promise<string> {
  expect(new URL(url).hostname).toBe('127.0.0.1');
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return res.text();
}

describe.skipIf(!hasDocker || !hasChromium)('dashboard: pod files and port-forwards in Chromium', () => {
  let skiff: SkiffProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    skiff = await startSkiff({ extraArgs: ['--ingress-port', '0'] });
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const applied = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: yaml });
    expect(applied.code, applied.stderr).toBe(0);
    const ready = await kubectl(
      skiff.kubeconfig,
      ['wait', '--for=condition=Ready', 'pod/web', '-n', NS, '--timeout=90s'],
      { timeoutMs: 100_000 },
    );
    expect(ready.code, ready.stderr).toBe(0);
    await page.goto(skiff.dashboardLoginUrl);
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (skiff) {
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

  async function shot(name: string, focus?: Locator): Promise<void> {
    if (!SHOTS) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    if (focus) await focus.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(400);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }

  const card = () => page.getByTestId('files-card');
  const crumbText = () => card().getByTestId('files-breadcrumb').innerText();
  async function typePath(p: string): Promise<void> {
    const box = card().getByTestId('files-path').locator('input');
    await box.fill(p);
    await box.press('Enter');
  }
  async function inContainer(...cmd: string[]): Promise<string> {
    const r = await kubectl(skiff.kubeconfig, ['exec', '-n', NS, 'web', '-c', 'httpd', '--', ...cmd]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  }

  it('folders open by click, breadcrumb and typed path; a missing path says so', async () => {
    await go(`#/pods/${NS}/web`);
    await card().getByTestId('files-entry-etc').waitFor();
    expect(await card().getByTestId('files-entry-etc').getAttribute('data-type')).toBe('directory');
    expect(await crumbText()).toBe('/');

    await typePath('/data');
    await card().getByTestId('files-entry-sub').waitFor();
    expect(await crumbText()).toMatch(/^\/\s*data$/);
    const link = card().getByTestId('files-entry-site');
    expect(await link.getAttribute('data-type')).toBe('symlink');
    expect(await link.getByTestId('files-link-target').innerText()).toBe('→ /www');
    const log = card().getByTestId('files-entry-logs');
    expect(await log.innerText()).toContain('drwx');

    await card().getByTestId('files-entry-sub').locator('a.entry').click();
    await card().getByTestId('files-entry-hello.txt').waitFor();
    const hello = await card().getByTestId('files-entry-hello.txt').innerText();
    expect(hello).toContain('6 B');
    expect(hello).toContain('-rw-r--r--');
    expect(await crumbText()).toMatch(/^\/\s*data\s*\/\s*sub$/);

    // Relative typed paths resolve against the folder shown.
    await typePath('../logs');
    await card().getByTestId('files-entry-app.log').waitFor();
    expect(await card().getByTestId('files-entry-app.log').innerText()).toContain('-rw-------');

    // The breadcrumb goes back up; the symlink to a folder opens its target.
    await card().getByTestId('files-crumb-/data').click();
    await card().getByTestId('files-entry-site').locator('a.entry').click();
    await card().getByTestId('files-entry-index.html').waitFor();

    await typePath('/no/such/place');
    const err = card().getByTestId('files-error');
    await err.waitFor();
    expect(await err.innerText()).toBe('Path "/no/such/place" not found in the container');
    // The folder shown before stays, and opening another clears the error.
    await card().getByTestId('files-entry-index.html').waitFor();
    await card().getByTestId('files-up').locator('a').click();
    await card().getByTestId('files-entry-sub').waitFor();
    expect(await err.count()).toBe(0);
  }, 120_000);

  it('uploads by button and by drop land in the container and download back byte-identical', async () => {
    await go(`#/pods/${NS}/web`);
    await card().getByTestId('files-list').waitFor();
    await typePath('/data/sub');
    await card().getByTestId('files-entry-hello.txt').waitFor();

    const bytes = crypto.randomBytes(300 * 1024 + 7);
    await card()
      .getByTestId('files-upload-input')
      .setInputFiles({ name: 'payload.bin', mimeType: 'application/octet-stream', buffer: bytes });
    const item = card().getByTestId('files-upload-payload.bin');
    await expect.poll(() => item.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    await card().getByTestId('files-entry-payload.bin').waitFor();
    expect(await card().getByTestId('files-entry-payload.bin').innerText()).toContain('300 KiB');
    const sum = crypto.createHash('md5').update(bytes).digest('hex');
    expect((await inContainer('md5sum', '/data/sub/payload.bin')).split(' ')[0]).toBe(sum);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card().getByTestId('files-download-payload.bin').click(),
    ]);
    expect(download.suggestedFilename()).toBe('payload.bin');
    const saved = fs.readFileSync(await download.path());
    expect(saved.length).toBe(bytes.length);
    expect(saved.equals(bytes)).toBe(true);

    // Dropping files on the card uploads them into the folder shown; one over the limit is
    // refused before anything is sent, with both sizes in words, and the others still go.
    const dt = await page.evaluateHandle(() => {
      const d = new DataTransfer();
      d.items.add(new File(['dropped through the browser\n'], 'dropped.txt', { type: 'text/plain' }));
      d.items.add(new File([new ArrayBuffer(257 * 1024 * 1024)], 'huge.iso'));
      return d;
    });
    await card().dispatchEvent('dragenter', { dataTransfer: dt });
    await card().getByTestId('files-drop').waitFor();
    expect(await card().getByTestId('files-drop').innerText()).toContain('/data/sub');
    await card().dispatchEvent('drop', { dataTransfer: dt });
    const huge = card().getByTestId('files-upload-huge.iso');
    await huge.waitFor();
    expect(await huge.getAttribute('data-state')).toBe('error');
    expect(await huge.getByTestId('files-upload-error').innerText()).toBe(
      'huge.iso is 257 MiB; uploads are limited to 256 MiB (the kubelet builds the archive in memory).',
    );
    await expect
      .poll(() => card().getByTestId('files-upload-dropped.txt').getAttribute('data-state'), {
        timeout: 30_000,
      })
      .toBe('done');
    await card().getByTestId('files-entry-dropped.txt').waitFor();
    expect(await card().getByTestId('files-entry-huge.iso').count()).toBe(0);
    expect(await card().getByTestId('files-drop').count()).toBe(0);
    expect(await inContainer('cat', '/data/sub/dropped.txt')).toBe('dropped through the browser\n');
    await page.mouse.move(1200, 700);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await shot('pod-files', card());
  }, 120_000);

  it('"Open on localhost" on pod and Service ports answers; Port forwards lists them; Stop closes', async () => {
    await go(`#/pods/${NS}/web`);
    const port = page.getByTestId('container-httpd').getByTestId('container-port-8080');
    await port.getByTestId('forward-open-8080').click();
    // Expose permanently: the saved exposure dialog, on this port.
    await page.getByTestId('forward-pop-8080').getByTestId('forward-expose').click();
    const dialog = page.getByTestId('expose-dialog');
    await dialog.waitFor();
    expect(await dialog.getByTestId('expose-container-port').locator('input').inputValue()).toBe('8080');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });

    await port.getByTestId('forward-open-8080').click();
    const pop = page.getByTestId('forward-pop-8080');

    await pop.getByTestId('forward-local-port').locator('input').fill('99999');
    await pop.getByTestId('forward-start').click();
    expect(await pop.getByTestId('forward-error').innerText()).toContain('out of range');
    await pop.getByTestId('forward-local-port').locator('input').fill('');
    await pop.getByTestId('forward-start').click();
    const podLink = port.getByTestId('forward-url-8080');
    await podLink.waitFor();
    const podUrl = (await podLink.getAttribute('href'))!;
    expect(podUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await podLink.innerText()).toBe(podUrl.slice('http://'.length, -1));
    expect((await get(podUrl)).trim()).toBe(BODY);
    await page.mouse.move(1200, 700);
    await shot('pod-port-forward', page.getByTestId('container-httpd'));

    // A Service's port, on a local port of our choosing.
    const chosen = await freePort();
    await go(`#/objects/services/${NS}/web`);
    const svcPort = page.getByTestId('service-port-80');
    await svcPort.getByTestId('forward-open-80').click();
    const svcPop = page.getByTestId('forward-pop-80');
    await svcPop.getByTestId('forward-local-port').locator('input').fill(String(chosen));
    await svcPop.getByTestId('forward-start').click();
    await svcPort.getByTestId('forward-url-80').waitFor();
    const svcUrl = `http://127.0.0.1:${chosen}/`;
    expect(await svcPort.getByTestId('forward-url-80').getAttribute('href')).toBe(svcUrl);
    expect((await get(svcUrl)).trim()).toBe(BODY);
    expect((await get(svcUrl)).trim()).toBe(BODY);

    await page.getByRole('link', { name: 'Port forwards' }).click();
    const podRow = page.getByTestId('forward-row-pod-web-8080');
    const svcRow = page.getByTestId('forward-row-service-web-80');
    await podRow.waitFor();
    await svcRow.waitFor();
    expect(await podRow.getByTestId('forward-row-url').innerText()).toContain(podUrl);
    expect(await podRow.innerText()).toContain('pod web:8080');
    expect(await svcRow.innerText()).toContain('service web:80 → pod web:8080');
    expect(await podRow.getByTestId('forward-row-traffic').innerText()).toMatch(
      /^1 connection · \d+ B sent · \d+ B received$/,
    );
    // Two requests (one or two connections, as the client keeps them alive), both answered.
    expect(await svcRow.getByTestId('forward-row-traffic').innerText()).toMatch(
      /^[12] connections? · \d+ B sent · [1-9][\d.]* (B|KiB) received$/,
    );
    await shot('port-forwards');

    const confirm = () => page.locator('.n-popconfirm').getByRole('button', { name: 'Stop' });
    await podRow.getByTestId('forward-row-stop').click();
    await confirm().click();
    await podRow.waitFor({ state: 'detached' });
    await expect(get(podUrl)).rejects.toThrow();
    expect((await get(svcUrl)).trim()).toBe(BODY);

    await svcRow.getByTestId('forward-row-stop').click();
    await confirm().click();
    await page.getByTestId('forwards-empty').waitFor();
    await expect(get(svcUrl)).rejects.toThrow();

    // The port's button is back on the pod page once its forward stopped.
    await go(`#/pods/${NS}/web`);
    await port.getByTestId('forward-open-8080').waitFor();
  }, 150_000);
});
