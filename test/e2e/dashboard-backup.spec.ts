// The Settings page's Backup section in Chromium against a real `skiff serve`: Save snapshot lists the new backup with its numbers, Download hands over the real file, and a failed save shows the server's message; touches only its temp data dir (and docs/screenshots with SKIFF_SCREENSHOTS=1).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser';
import { dockerAvailable } from '../helpers/docker';
import { startSkiff, type SkiffProcess } from '../helpers/skiff-process';

const hasDocker = dockerAvailable();
const hasChromium = chromiumAvailable();
const SHOTS =
  process.env.SKIFF_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : undefined;

describe.skipIf(!hasDocker || !hasChromium)('dashboard Settings → Backup in Chromium', () => {
  let skiff: SkiffProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    skiff = await startSkiff();
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.setDefaultTimeout(60_000);
    await page.goto(skiff.dashboardLoginUrl);
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await skiff?.destroy();
    if (skiff) fs.rmSync(skiff.dataDir, { recursive: true, force: true });
  });

  async function shot(name: string): Promise<void> {
    if (!SHOTS) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; }' });
    await page.getByTestId('settings-backup').scrollIntoViewIfNeeded();
    await page.waitForTimeout(600);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }

  it('starts with no backups; Save snapshot lists the new one with its time, size, revision and objects', async () => {
    await page.goto(`${skiff.dashboardUrl}/#/settings`);
    await page.getByTestId('backup-none').waitFor();
    await page.getByTestId('backup-save').click();
    const latest = page.getByTestId('backup-latest');
    await latest.waitFor();
    const files = fs.readdirSync(path.join(skiff.dataDir, 'backups'));
    expect(files).toHaveLength(1);
    expect(await latest.textContent()).toContain(path.join(skiff.dataDir, 'backups', files[0]));
    expect(Number(await page.getByTestId('backup-revision').textContent())).toBeGreaterThan(0);
    expect(Number(await page.getByTestId('backup-objects').textContent())).toBeGreaterThan(10);
    expect(await page.getByTestId('backup-size').textContent()).toMatch(/\d+(\.\d)? KiB/);

    // A second save goes on top; the first moves to the earlier list, and a reload still shows both.
    const firstRevision = await page.getByTestId('backup-revision').textContent();
    await page.getByTestId('backup-save').click();
    await page.getByTestId('backup-row').first().waitFor();
    await page.reload();
    await page.getByTestId('backup-row').first().waitFor();
    expect(await page.getByTestId('backup-row').count()).toBe(1);
    expect(Number(await page.getByTestId('backup-revision').textContent())).toBeGreaterThanOrEqual(
      Number(firstRevision),
    );
    await shot('settings-backup');
  });

  it('Download saves the snapshot file itself', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('backup-download').click(),
    ]);
    const saved = await download.path();
    const name = download.suggestedFilename();
    expect(name).toMatch(/^skiff-.*\.snap$/);
    expect(fs.readFileSync(saved).equals(fs.readFileSync(path.join(skiff.dataDir, 'backups', name)))).toBe(
      true,
    );
  });

  it('a failed save shows the server message', async () => {
    await page.route('**/apis/skiff.dev/v1/snapshots', (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 500,
            contentType: 'application/json',
            body: JSON.stringify({
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              code: 500,
              reason: 'InternalError',
              message:
                'Internal error occurred: saving a snapshot into /data/backups: ENOSPC: no space left on device',
            }),
          })
        : route.continue(),
    );
    await page.getByTestId('backup-save').click();
    const err = page.getByTestId('backup-error');
    await err.waitFor();
    expect(await err.textContent()).toContain('ENOSPC: no space left on device');
    await shot('settings-backup-error');
    await page.unroute('**/apis/skiff.dev/v1/snapshots');
  });
});
