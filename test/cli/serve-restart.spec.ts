/**
 * `skiff serve` restarted on the same data dir keeps its URLs: the dashboard port is remembered
 * in <dataDir>/skiff.json like the API port, so a bookmark or an open tab still works. When the
 * remembered port is taken, serve takes a free one and says so in one line.
 */
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../helpers/docker';
import { startSkiff, tempDir, type SkiffProcess } from '../helpers/skiff-process';

const hasDocker = dockerAvailable();

describe.skipIf(!hasDocker)('serve restarts keep the dashboard URL', () => {
  const dataDir = tempDir('skiff-ports-');
  let skiff: SkiffProcess | undefined;
  let blocker: net.Server | undefined;

  afterAll(async () => {
    await skiff?.destroy();
    blocker?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('the second start answers on the same dashboard and API URLs', async () => {
    skiff = await startSkiff({ dataDir });
    const first = { dashboard: skiff.dashboardUrl, api: skiff.apiUrl };
    expect(first.dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await skiff.stop();

    skiff = await startSkiff({ dataDir });
    expect(skiff.dashboardUrl).toBe(first.dashboard);
    expect(skiff.apiUrl).toBe(first.api);
    const res = await fetch(`${skiff.dashboardUrl}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="app"');
    const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'skiff.json'), 'utf8'));
    expect(state.dashboardPort).toBe(Number(new URL(first.dashboard).port));
    expect(state.apiPort).toBe(Number(new URL(first.api).port));
  }, 120_000);

  it('a taken remembered port falls back to a free one, with one clear line, and the new one is remembered', async () => {
    const old = Number(new URL(skiff!.dashboardUrl).port);
    await skiff!.stop();
    blocker = net.createServer();
    await new Promise<void>((resolve) => blocker!.listen(old, '127.0.0.1', resolve));

    skiff = await startSkiff({ dataDir });
    const moved = Number(new URL(skiff.dashboardUrl).port);
    expect(moved).not.toBe(old);
    const notices = skiff
      .output()
      .split('\n')
      .filter((l) => l.includes('(used last time) is taken'));
    expect(notices).toEqual([
      `skiff: Dashboard port ${old} (used last time) is taken; the dashboard moved to port ${moved} — update bookmarks.`,
    ]);
    expect((await fetch(`${skiff.dashboardUrl}/`)).status).toBe(200);
    await skiff.stop();
    blocker.close();
    blocker = undefined;

    skiff = await startSkiff({ dataDir });
    expect(Number(new URL(skiff.dashboardUrl).port)).toBe(moved);
  }, 120_000);
});
