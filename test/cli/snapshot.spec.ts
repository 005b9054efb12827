// End-to-end `skiff snapshot save/restore` against real `skiff serve` processes (real store, API server, controllers, Docker); touches only its temp data dirs and the Docker objects of its own cluster.
/**
 * The round trip a user makes: objects created with kubectl, `skiff snapshot save` while Skiff
 * runs (taken through its API), stop, wipe the data dir, `skiff snapshot restore`, start — and
 * every object is back with the same resourceVersion. The store is a parameter: each entry of
 * STORES runs the whole suite on the embedded store and on a throwaway etcd.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../helpers/docker';
import { kubectl, startSkiff, tempDir, type SkiffProcess } from '../helpers/skiff-process';
import { etcdAvailable, startEtcd, type EtcdProcess } from '../helpers/etcd';

const ROOT = path.resolve(__dirname, '..', '..');
const hasDocker = dockerAvailable();

/** One store the suite runs against. */
interface StoreCase {
  name: string;
  /** Extra `skiff serve` flags that select the store. */
  serveArgs: (dataDir: string) => string[];
  /** Flags of `skiff snapshot save|restore` that name the same store. */
  snapshotArgs: (dataDir: string) => string[];
  /** Empties the store and the data dir, as a lost disk would. */
  wipe: (dataDir: string) => Promise<void> | void;
  /** Starts what the store needs (a throwaway etcd), and stops it after. */
  setup?: () => Promise<void>;
  teardown?: () => Promise<void>;
  /** False when the store's server cannot run here (then the case skips locally, fails in CI). */
  available?: () => boolean;
  /**
   * An etcd store is named by --store, and a save with --store reads it directly (etcd has no
   * single-owner lock, and a read at one revision is consistent); the embedded store is locked
   * by the running Skiff, so its save goes through that Skiff's API.
   */
  direct?: boolean;
}

/** The etcd member of the etcd case; a wipe replaces it with a fresh, empty one. */
let etcd: EtcdProcess | undefined;
const etcdSpec = () => ['--store', `etcd://${etcd!.hostPort}`, '--etcd-prefix', '/skiff/'];

const STORES: StoreCase[] = [
  {
    name: 'the embedded WAL store',
    serveArgs: () => [],
    snapshotArgs: (d) => ['--data-dir', d],
    wipe: (d) => fs.rmSync(d, { recursive: true, force: true }),
  },
  {
    name: 'a real etcd',
    serveArgs: () => etcdSpec(),
    snapshotArgs: (d) => ['--data-dir', d, ...etcdSpec()],
    // A lost etcd: its member and data are gone, a new empty one serves in its place.
    wipe: async (d) => {
      await etcd!.destroy();
      etcd = await startEtcd();
      fs.rmSync(d, { recursive: true, force: true });
    },
    setup: async () => {
      etcd = await startEtcd();
    },
    teardown: async () => {
      await etcd?.destroy();
    },
    available: () => etcdAvailable(),
    direct: true,
  },
];

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `skiff` command. Never throws on a non-zero exit. */
function skiffCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'resources/bin/skiff.js'), ...args],
      { cwd: ROOT, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: number }).code : 0;
        resolve({
          code: typeof code === 'number' ? code : 1,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
  });
}

const manifests = (ns: string) => `apiVersion: v1
kind: Namespace
metadata: { name: ${ns} }
---
apiVersion: v1
kind: Namespace
metadata: { name: ${ns}-b, labels: { team: b } }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: ${ns} }
data: { greeting: "hello ✓", size: "3" }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: other, namespace: ${ns}-b }
data: { a: "1" }
---
apiVersion: v1
kind: Secret
metadata: { name: token, namespace: ${ns} }
stringData: { password: s3cret }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${ns} }
spec:
  replicas: 0
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: app, image: skiff-test/busybox:1, command: [sleep, "3600"] }]
`;

/** name → resourceVersion (and the data that must survive) of the objects this test made. */
async function objects(kubeconfig: string, ns: string): Promise<Record<string, unknown>> {
  const r = await kubectl(kubeconfig, [
    'get',
    `namespace/${ns}`,
    `namespace/${ns}-b`,
    `configmap/settings`,
    `secret/token`,
    `deployment/web`,
    '-n',
    ns,
    '-o',
    'json',
  ]);
  const r2 = await kubectl(kubeconfig, ['get', 'configmap/other', '-n', `${ns}-b`, '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  expect(r2.code, r2.stderr).toBe(0);
  const items = [...JSON.parse(r.stdout).items, JSON.parse(r2.stdout)];
  const out: Record<string, unknown> = {};
  for (const o of items)
    out[`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`] = {
      resourceVersion: o.metadata.resourceVersion,
      uid: o.metadata.uid,
      data: o.data,
      labels: o.metadata.labels,
      replicas: o.spec?.replicas,
    };
  return out;
}

describe('skiff snapshot: argument and file checks (no cluster)', () => {
  const dir = tempDir('skiff-snapcli-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints its usage, refuses a missing FILE and a data dir without a store', async () => {
    const help = await skiffCli(['snapshot', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('skiff snapshot save FILE [--data-dir DIR | --store SPEC]');
    expect((await skiffCli(['--help'])).stdout).toContain('snapshot  Save the store to a file');
    const noFile = await skiffCli(['snapshot', 'save']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('skiff: snapshot save needs a FILE');
    const typo = await skiffCli([
      'snapshot',
      'save',
      path.join(dir, 'x.snap'),
      '--data-dir',
      path.join(dir, 'nope'),
    ]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain(`there is no store at ${path.join(dir, 'nope', 'store')}`);
    expect(fs.existsSync(path.join(dir, 'nope'))).toBe(false);
  });

  it('refuses a damaged file before it makes anything', async () => {
    const bad = path.join(dir, 'bad.snap');
    fs.writeFileSync(bad, 'SKIFF-SNAPSHOT 1\n{"revision":1}\n');
    const r = await skiffCli(['snapshot', 'restore', bad, '--data-dir', path.join(dir, 'target')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`skiff: snapshot ${bad}: truncated or damaged`);
    expect(fs.existsSync(path.join(dir, 'target'))).toBe(false);
  });
});

// A store whose server cannot run here is left out (etcdAvailable records why, and fails in CI).
const RUNNABLE = STORES.filter((s) => !s.available || s.available());

describe.skipIf(!hasDocker).each(RUNNABLE)('skiff snapshot round trip on $name', (store) => {
  const dataDir = path.join(tempDir('skiff-snap-'), 'data');
  const file = path.join(path.dirname(dataDir), 'cluster.snap');
  const offline = path.join(path.dirname(dataDir), 'offline.snap');
  const keyFile = path.join(path.dirname(dataDir), 'encryption-config.json');
  const ns = `snap-${Date.now().toString(36)}`;
  let skiff: SkiffProcess | undefined;
  let before: Record<string, unknown>;
  let savedRevision = 0;

  afterAll(async () => {
    await skiff?.destroy();
    await store.teardown?.();
    fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
  }, 120_000);

  it('saves a snapshot through the running Skiff, and refuses to restore under it', async () => {
    await store.setup?.();
    skiff = await startSkiff({ dataDir, extraArgs: store.serveArgs(dataDir) });
    const applied = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: manifests(ns) });
    expect(applied.code, applied.stderr).toBe(0);
    // Let the controllers settle (the Deployment's status, its ReplicaSet) before comparing.
    await kubectl(skiff.kubeconfig, ['rollout', 'status', 'deployment/web', '-n', ns, '--timeout=60s']);
    before = await objects(skiff.kubeconfig, ns);
    // Secrets are encrypted at rest; the key is kept apart from the snapshot, as a user must.
    fs.copyFileSync(path.join(dataDir, 'pki', 'encryption-config.json'), keyFile);

    const saved = await skiffCli(['snapshot', 'save', file, ...store.snapshotArgs(dataDir)]);
    expect(saved.code, saved.stderr).toBe(0);
    if (store.direct) {
      const d = /^Saved snapshot (\S+): revision (\d+), (\d+) objects, .* \(read from etcd:\/\//.exec(
        saved.stdout,
      );
      expect(d, saved.stdout).toBeTruthy();
      savedRevision = Number(d![2]);
      expect(Number(d![3])).toBeGreaterThan(10);
    } else {
      const m =
        /^Saved snapshot (\S+): revision (\d+), (\d+) objects, .*\(taken by the Skiff running at (\S+);/s.exec(
          saved.stdout,
        );
      expect(m, saved.stdout).toBeTruthy();
      expect(m![1]).toBe(file);
      expect(m![4]).toBe(skiff.apiUrl);
      savedRevision = Number(m![2]);
      expect(Number(m![3])).toBeGreaterThan(10);
      expect(fs.readdirSync(path.join(dataDir, 'backups'))).toHaveLength(1);
    }
    expect(await objects(skiff.kubeconfig, ns)).toEqual(before);

    const refused = await skiffCli(['snapshot', 'restore', file, ...store.snapshotArgs(dataDir)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Skiff is running on ${dataDir}`);
  }, 240_000);

  it('saves offline once Skiff has stopped (the store opened directly)', async () => {
    await skiff!.stop();
    const r = await skiffCli(['snapshot', 'save', offline, ...store.snapshotArgs(dataDir)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Saved snapshot \S+: revision \d+, \d+ objects, .* \(read from /);
  }, 120_000);

  it('restores into a wiped data dir; the restarted cluster has every object with its resourceVersion', async () => {
    await store.wipe(dataDir);
    const r = await skiffCli([
      'snapshot',
      'restore',
      file,
      ...store.snapshotArgs(dataDir),
      '--encryption-config',
      keyFile,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('cannot be decrypted');
    expect(r.stdout).toContain(
      `Restored snapshot ${file} into ${store.direct ? 'etcd://' : 'the new store'}`,
    );
    expect(r.stdout).toContain(`revision ${savedRevision}`);
    // The store now holds the cluster: a second restore is refused.
    const again = await skiffCli(['snapshot', 'restore', file, ...store.snapshotArgs(dataDir)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/target store is not empty/);

    skiff = await startSkiff({ dataDir, extraArgs: store.serveArgs(dataDir) });
    expect(await objects(skiff.kubeconfig, ns)).toEqual(before);
    // New writes come after every revision the snapshot knew.
    const cm = await kubectl(skiff.kubeconfig, ['create', 'configmap', 'after', '-n', ns, '-o', 'json']);
    expect(cm.code, cm.stderr).toBe(0);
    expect(Number(JSON.parse(cm.stdout).metadata.resourceVersion)).toBeGreaterThan(savedRevision);
  }, 240_000);
});
