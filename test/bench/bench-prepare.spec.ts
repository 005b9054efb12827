/**
 * Benches on a fresh machine (issue [firstrun] 3): `npm run bench -- startup` against a private
 * Docker engine that has none of the test images (test/helpers/private-dockerd.ts — the shared
 * engine is never touched). Without busybox-static it exits non-zero with one readable line and
 * a JSON last line; with it, it builds the image itself and produces its figures (N=1, a short
 * idle phase, to stay light). An unreachable engine is one readable line too.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needTool } from '../helpers/skips';
import {
  privateDockerdUnsupported,
  startPrivateDockerd,
  type PrivateDockerd,
} from '../helpers/private-dockerd';

const ROOT = path.resolve(__dirname, '..', '..');
const unsupported = privateDockerdUnsupported();
const ready = needTool(!unsupported, `${unsupported} (for the private engine without test images)`);

function bench(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'resources/bin/bench.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 280_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;

describe.skipIf(!ready)('benches on an engine without the test images', () => {
  let engine: PrivateDockerd;
  beforeAll(async () => {
    engine = await startPrivateDockerd();
  }, 120_000);
  afterAll(async () => {
    await engine?.remove();
  }, 120_000);

  it('an unreachable engine: non-zero, one readable line, JSON last line', async () => {
    const r = await bench(['startup'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bench startup: cannot measure: the Docker engine is not reachable');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(lastJson(r.stdout)).toMatchObject({
      bench: 'startup',
      error: expect.stringContaining('not reachable'),
    });
  }, 300_000);

  it('no image and no busybox-static: non-zero with the command to run', async () => {
    expect(engine.docker('images', '-q', 'skiff-test/busybox')).toBe('');
    const r = await bench(['startup'], { DOCKER_HOST: engine.host, BUSYBOX: '/nonexistent/busybox' });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[lines.length - 1]).toBe(
      'bench startup: cannot measure: the test image skiff-test/busybox:1 is missing and busybox-static is not installed; run: apt-get install -y busybox-static && bash test/images/build.sh',
    );
    expect(lastJson(r.stdout).error).toContain('busybox-static is not installed');
  }, 300_000);

  it('no image but busybox-static: builds it and measures', async () => {
    const r = await bench(['startup'], {
      DOCKER_HOST: engine.host,
      BENCH_SIZES: '1',
      BENCH_IDLE_SECONDS: '1',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('building the test image skiff-test/busybox:1');
    const figures = lastJson(r.stdout);
    expect(figures.bench).toBe('startup');
    expect(figures.ratio_1).toBeGreaterThan(0);
    expect(engine.docker('images', '-q', 'skiff-test/busybox:1')).not.toBe('');
  }, 300_000);

  it('an unknown bench: non-zero, JSON last line', async () => {
    const r = await bench(['nope'], {});
    expect(r.code).toBe(2);
    expect(lastJson(r.stdout)).toEqual({
      bench: 'nope',
      error: 'unknown benchmark "nope"; available: api, startup, proxy, store, ui',
    });
  }, 300_000);
});
