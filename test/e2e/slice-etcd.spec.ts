// The whole kubectl slice suite (slice-suite.ts) once more with `skiff serve --store etcd://…` against a throwaway etcd, plus serve's etcd start-up errors; touches only its own etcd, Skiff process and temp dirs.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../helpers/docker';
import { etcdAvailable, freePort, startEtcd, type EtcdProcess } from '../helpers/etcd';
import { tempDir } from '../helpers/skiff-process';
import { sliceSuite } from './slice-suite';

const ROOT = path.resolve(__dirname, '..', '..');
const hasEtcd = etcdAvailable();
let etcd: EtcdProcess | undefined;
const dataDir = tempDir('skiff-slice-etcd-');

beforeAll(async () => {
  if (hasEtcd) etcd = await startEtcd();
}, 60_000);
afterAll(async () => {
  await etcd?.destroy();
}, 30_000);

sliceSuite({
  title: 'slice on etcd: kubectl → scheduler → controllers → kubelet → Docker, state in etcd',
  enabled: hasEtcd,
  dataDir,
  extraArgs: () => ['--store', `etcd://${etcd!.hostPort}`],
});

/** Runs `skiff serve` to its exit (for start-up failures). */
function serveExit(args: string[]): Promise<{ code: number | null; out: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'resources/bin/skiff.js'), 'serve', '--port', '0', '--log-level', 'error', ...args],
      { timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? null) : 0,
          out: String(stdout) + String(stderr),
          ms: Date.now() - t0,
        }),
    );
  });
}

describe.skipIf(!hasEtcd)('skiff serve with an etcd store', () => {
  it.skipIf(!dockerAvailable())(
    'kept the cluster state in etcd, under the default prefix, not in the data dir',
    async () => {
      const raw = new Etcd3({ hosts: etcd!.url });
      try {
        const ns = await raw.getAll().prefix('/registry/registry/namespaces/').keys();
        expect(ns).toContain('/registry/registry/namespaces/kube-system');
      } finally {
        raw.close();
      }
      expect(fs.existsSync(path.join(dataDir, 'store'))).toBe(false);
    },
  );

  it('refuses etcd flags without an etcd store, naming the flags', async () => {
    const r = await serveExit(['--data-dir', tempDir(), '--etcd-prefix', '/x', '--etcd-cafile', '/ca.pem']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('skiff: --etcd-cafile, --etcd-prefix need --store etcd://HOST:PORT');
  }, 180_000);

  it('fails within the connect timeout, naming the endpoint, when etcd is unreachable', async () => {
    await serveExit(['--help']); // builds out/ first if the sources changed, outside the timing
    const port = await freePort();
    const r = await serveExit(['--data-dir', tempDir(), '--store', `etcd://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      new RegExp(`skiff: store: cannot reach etcd at http://127\\.0\\.0\\.1:${port} within 10 s`),
    );
    expect(r.ms).toBeLessThan(25_000);
  }, 180_000);
});
