/**
 * The Pods page at scale in Chromium against a real `skiff serve --simulated-nodes` (no Docker
 * containers: the simulated kubelet reports the pods Running): 3,000 pods show their first rows
 * quickly, only a bounded number of rows is in the DOM (virtualized), scrolling to the end shows
 * the last pod (natural order: sim-2999), a watch update (restartCount through pods/status)
 * changes a visible row, and the column picker toggles a column (and remembers it across a
 * reload). With SKIFF_SCREENSHOTS=1 it writes pods-scale-{light,dark}.png to docs/screenshots/.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser';
import { startSkiff, type SkiffProcess } from '../helpers/skiff-process';

const hasChromium = chromiumAvailable();
const PODS = 3000;
const NODES = 6;
const NS = 'sim';
const SHOTS =
  process.env.SKIFF_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : undefined;

/** One request to the API server with the admin token; resolves with status and parsed body. */
function api(
  skiff: SkiffProcess,
  ca: Buffer,
  method: string,
  urlPath: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ code: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${skiff.apiUrl}${urlPath}`,
      {
        method,
        ca,
        timeout: 30_000,
        headers: { authorization: `Bearer ${skiff.token}`, 'content-type': contentType },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          try {
            resolve({ code: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          } catch (err) {
            reject(new Error(`${method} ${urlPath}: ${res.statusCode} ${text.slice(0, 200)} (${err})`));
          }
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe.skipIf(!hasChromium)('dashboard Pods page at scale (simulated nodes) in Chromium', () => {
  let skiff: SkiffProcess;
  let ca: Buffer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    skiff = await startSkiff({ extraArgs: ['--simulated-nodes', String(NODES), '--store', 'memory://'] });
    const caData = /certificate-authority-data: (\S+)/.exec(fs.readFileSync(skiff.kubeconfig, 'utf8'))?.[1];
    ca = Buffer.from(caData ?? '', 'base64');
    const ns = await api(skiff, ca, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS },
    });
    expect(ns.code).toBe(201);
    // 3,000 pods bound to the simulated nodes, 32 creates in flight.
    let next = 0;
    const worker = async () => {
      while (next < PODS) {
        const i = next++;
        const r = await api(skiff, ca, 'POST', `/api/v1/namespaces/${NS}/pods`, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `sim-${i}`, labels: { app: 'sim' } },
          spec: {
            nodeName: `skiff-sim-${i % NODES}`,
            tolerations: [{ key: 'skiff.dev/simulated', operator: 'Exists' }],
            containers: [{ name: 'app', image: 'skiff-test/busybox:1' }],
          },
        });
        if (r.code !== 201) throw new Error(`create sim-${i}: ${r.code} ${JSON.stringify(r.body)}`);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
    page = await context.newPage();
    page.setDefaultTimeout(60_000);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await skiff?.stop();
  });

  const rowsInDom = () => page.locator('[data-testid="pod-table"] tbody tr[data-testid^="pod-row-"]').count();

  it('shows the first rows quickly and keeps the DOM bounded', async () => {
    const t0 = Date.now();
    await page.goto(`${skiff.dashboardUrl}/#/pods?token=${encodeURIComponent(skiff.token)}`);
    await page.locator('[data-testid^="pod-row-sim-"]').first().waitFor();
    const firstRowsMs = Date.now() - t0;
    expect(firstRowsMs).toBeLessThan(15_000);
    await page
      .locator('[data-testid="list-pods"] .page-subtitle')
      .filter({ hasText: `${PODS} pods` })
      .waitFor();
    // Natural order: sim-0, sim-1, sim-2 … at the top.
    await page.getByTestId('pod-row-sim-0').waitFor();
    const n = await rowsInDom();
    expect(n).toBeGreaterThan(5);
    expect(n).toBeLessThan(120);
    // At 1280 px the default columns fit: no sideways scroll, Node and the % columns in view.
    const heads = (await page.locator('[data-testid="pod-table"] thead th').allTextContents()).map((t) =>
      t.trim(),
    );
    expect(heads).toEqual(
      expect.arrayContaining(['Name', 'Status', 'Ready', 'Restarts', 'Node', '%CPU/R', '%MEM/R']),
    );
    const overflow = await page.evaluate(() => {
      const body = document.querySelector('[data-testid="pod-table"] .n-data-table-base-table-body');
      const inner = body?.querySelector('table, .v-vl-items');
      return { client: body?.clientWidth ?? 0, scroll: inner?.scrollWidth ?? Infinity };
    });
    expect(overflow.scroll).toBeLessThanOrEqual(overflow.client + 1);
  }, 120_000);

  it('a watch update changes a visible row', async () => {
    const row = page.getByTestId('pod-row-sim-1');
    await row.filter({ hasText: 'Running' }).waitFor();
    const patch = await api(
      skiff,
      ca,
      'PATCH',
      `/api/v1/namespaces/${NS}/pods/sim-1/status`,
      [{ op: 'replace', path: '/status/containerStatuses/0/restartCount', value: 7 }],
      'application/json-patch+json',
    );
    expect(patch.code).toBe(200);
    const restarts = row.locator('td').nth(await columnIndex('Restarts'));
    await expect.poll(() => restarts.textContent(), { timeout: 10_000 }).toBe('7');
  }, 60_000);

  it('scrolling to the end shows the last pod', async () => {
    // The table's own scroll container (BaseResourceTable virtualizes the rows itself).
    for (let i = 0; i < 20; i++) {
      await page.evaluate(() => {
        const el = document.querySelector('[data-testid="pod-scroll"]');
        if (el) el.scrollTop = el.scrollHeight;
      });
      if (await page.getByTestId(`pod-row-sim-${PODS - 1}`).isVisible()) break;
      await page.waitForTimeout(200);
    }
    await page.getByTestId(`pod-row-sim-${PODS - 1}`).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('pod-row-sim-0').count()).toBe(0);
    expect(await rowsInDom()).toBeLessThan(120);
  }, 60_000);

  it('the column picker toggles a column and remembers it', async () => {
    const header = (title: string) =>
      page.locator('[data-testid="pod-table"] thead th').filter({ hasText: new RegExp(`^${title}$`) });
    expect(await header('Node').count()).toBe(1);
    expect(await header('IP').count()).toBe(0);
    await page.getByTestId('column-picker').click();
    await page.getByTestId('column-toggle-ip').click();
    await header('IP').waitFor();
    await page.getByTestId('column-toggle-node').click();
    await expect.poll(() => header('Node').count()).toBe(0);
    await page.keyboard.press('Escape');
    await page.reload();
    await page.locator('[data-testid^="pod-row-sim-"]').first().waitFor();
    expect(await header('IP').count()).toBe(1);
    expect(await header('Node').count()).toBe(0);
    // Back to the defaults for the screenshots.
    await page.getByTestId('column-picker').click();
    await page.getByTestId('column-toggle-ip').click();
    await page.getByTestId('column-toggle-node').click();
    await header('Node').waitFor();
    await page.mouse.click(640, 780);
    if (!SHOTS) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; }' });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(SHOTS, `pods-scale-${scheme}.png`) });
    }
    await page.getByTestId('column-picker').click();
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, `pods-columns-dark.png`) });
    await page.keyboard.press('Escape');
    // Mid-list, part of a row scrolled past: the rows slide under the header.
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid="pod-scroll"]');
      if (el) el.scrollTop = 1234 * 40 + 17;
    });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, `pods-scale-scrolled-dark.png`) });
    await page.emulateMedia({ colorScheme: 'light' });
  }, 90_000);

  async function columnIndex(title: string): Promise<number> {
    const titles = await page.locator('[data-testid="pod-table"] thead th').allTextContents();
    const i = titles.findIndex((t) => t.trim() === title);
    if (i < 0) throw new Error(`no column ${title} in ${titles.join('|')}`);
    return i;
  }
});
