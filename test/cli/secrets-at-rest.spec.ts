// End-to-end encryption at rest against real `skiff serve` processes (embedded store and a throwaway etcd): secrets made with kubectl, snapshots saved, then every file of the data dir (and etcd's) searched for the value; touches only its temp dirs and its own cluster's Docker objects.
/**
 * The acceptance check of secrets at rest: a Secret's value appears nowhere in the data dir —
 * WAL, store snapshot (a clean stop writes one), `skiff snapshot save` file, backups — neither
 * plain nor base64 (at every alignment, so base64 of a larger JSON chunk holding it is caught
 * too); the restarted cluster still reads it. A restore without the key names the secrets it
 * cannot decrypt and the cluster answers 500 for them only; with --encryption-config it reads.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../helpers/docker';
import { etcdAvailable, startEtcd, type EtcdProcess } from '../helpers/etcd';
import { kubectl, startSkiff, tempDir, type SkiffProcess } from '../helpers/skiff-process';

const ROOT = path.resolve(__dirname, '..', '..');
const hasDocker = dockerAvailable();

function skiffCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
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

/** 24 random characters from letters and digits. */
function randomValue(): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(24)].map((b) => abc[b % abc.length]).join('');
}

/**
 * What must not appear: the value itself, and its base64 at each of the three alignments it can
 * have inside a longer base64 text (the groups that hold only the value's own bytes).
 */
function needles(value: string): string[] {
  const out = [value, Buffer.from(value).toString('base64')];
  for (let k = 0; k < 3; k++) {
    const enc = Buffer.from('x'.repeat(k) + value).toString('base64');
    out.push(enc.slice(4, -4));
  }
  return out;
}

/** Every regular file under `dir`. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The files (and the needle) where any needle occurs. */
function findLeaks(dirs: string[], values: string[]): string[] {
  const hits: string[] = [];
  const all = values.flatMap(needles).map((n) => Buffer.from(n));
  for (const d of dirs)
    for (const f of walk(d)) {
      const buf = fs.readFileSync(f);
      for (const n of all) if (buf.includes(n)) hits.push(`${f}: ${n.toString()}`);
    }
  return hits;
}

interface StoreCase {
  name: string;
  serveArgs: () => string[];
  snapshotArgs: (dataDir: string) => string[];
  /** Directories besides the data dir that hold the store's files. */
  storeDirs: () => string[];
  setup?: () => Promise<void>;
  teardown?: () => Promise<void>;
  available?: () => boolean;
  /** Whether a store snapshot file of the embedded store must exist after a stop. */
  embedded: boolean;
}

let etcd: EtcdProcess | undefined;
const STORES: StoreCase[] = [
  {
    name: 'the embedded WAL store',
    serveArgs: () => [],
    snapshotArgs: (d) => ['--data-dir', d],
    storeDirs: () => [],
    embedded: true,
  },
  {
    name: 'a real etcd',
    serveArgs: () => ['--store', `etcd://${etcd!.hostPort}`],
    snapshotArgs: (d) => ['--data-dir', d, '--store', `etcd://${etcd!.hostPort}`],
    storeDirs: () => [etcd!.dataDir],
    setup: async () => {
      etcd = await startEtcd();
    },
    teardown: async () => {
      await etcd?.destroy();
    },
    available: () => etcdAvailable(),
    embedded: false,
  },
];
const RUNNABLE = STORES.filter((s) => !s.available || s.available());

describe.skipIf(!hasDocker).each(RUNNABLE)('secrets encrypted at rest on $name', (store) => {
  const root = tempDir('skiff-secrets-');
  const dataDir = path.join(root, 'data');
  const snapFile = path.join(root, 'cluster.snap');
  const literal = randomValue();
  const fromYaml = randomValue();
  // A ConfigMap (not encrypted) holds this one: the search must find it, or it proves nothing.
  const control = randomValue();
  let skiff: SkiffProcess | undefined;

  afterAll(async () => {
    await skiff?.destroy();
    await store.teardown?.();
    fs.rmSync(root, { recursive: true, force: true });
  }, 120_000);

  it('writes only ciphertext for secrets: WAL, store snapshot, skiff snapshot save, etcd', async () => {
    await store.setup?.();
    skiff = await startSkiff({ dataDir, extraArgs: store.serveArgs() });
    const keyFile = path.join(dataDir, 'pki', 'encryption-config.json');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);

    const a = await kubectl(skiff.kubeconfig, [
      'create',
      'secret',
      'generic',
      's',
      `--from-literal=password=${literal}`,
    ]);
    expect(a.code, a.stderr).toBe(0);
    const yaml = `apiVersion: v1
kind: Secret
metadata: { name: from-yaml, namespace: default }
data: { token: ${Buffer.from(fromYaml).toString('base64')} }
`;
    // apply also keeps the whole object in its last-applied annotation: encrypted with it.
    const b = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: yaml });
    expect(b.code, b.stderr).toBe(0);
    const cm = await kubectl(skiff.kubeconfig, [
      'create',
      'configmap',
      'plain',
      `--from-literal=k=${control}`,
    ]);
    expect(cm.code, cm.stderr).toBe(0);

    const saved = await skiffCli(['snapshot', 'save', snapFile, ...store.snapshotArgs(dataDir)]);
    expect(saved.code, saved.stderr).toBe(0);
    // A clean stop writes the embedded store's snapshot file.
    await skiff.stop();
    if (store.embedded) expect(fs.existsSync(path.join(dataDir, 'store', 'snapshot'))).toBe(true);
    if (!store.embedded) await etcd!.stop(); // flush etcd's files before reading them

    const files = [dataDir, ...store.storeDirs(), root];
    const control0 = findLeaks(files, [control]);
    // The search finds a plain value in the WAL (or etcd's files) and in the saved snapshot.
    expect(control0.some((h) => h.includes(store.embedded ? `${dataDir}/store/` : etcd!.dataDir))).toBe(true);
    expect(control0.some((h) => h.startsWith(snapFile))).toBe(true);
    expect(findLeaks(files, [literal, fromYaml])).toEqual([]);
    if (!store.embedded) await etcd!.start();
  }, 240_000);

  it('reads the value back after a restart', async () => {
    skiff = await startSkiff({ dataDir, extraArgs: store.serveArgs() });
    const got = await kubectl(skiff.kubeconfig, ['get', 'secret', 's', '-o', 'jsonpath={.data.password}']);
    expect(got.code, got.stderr).toBe(0);
    expect(Buffer.from(got.stdout, 'base64').toString()).toBe(literal);
    const y = await kubectl(skiff.kubeconfig, ['get', 'secret', 'from-yaml', '-o', 'jsonpath={.data.token}']);
    expect(Buffer.from(y.stdout, 'base64').toString()).toBe(fromYaml);
    await skiff.stop();
    skiff = undefined;
    // The start re-read and rewrote nothing in plain text.
    if (!store.embedded) await etcd!.stop();
    expect(findLeaks([dataDir, ...store.storeDirs()], [literal, fromYaml])).toEqual([]);
    if (!store.embedded) await etcd!.start();
  }, 240_000);

  // A snapshot of either store restores into a new embedded data dir (restoring into a second etcd
  // is covered by snapshot-roundtrip; a key prefix on the same etcd is not a new store, since etcd's
  // revisions are global).
  it('restores into a fresh data dir: without the key it names the secrets and answers 500 for them only; with it they read', async () => {
    const bare = path.join(root, 'bare');
    const r = await skiffCli(['snapshot', 'restore', snapFile, '--data-dir', bare]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('cannot be decrypted');
    expect(r.stdout).toContain('/registry/secrets/default/s');
    expect(r.stdout).toContain('/registry/secrets/default/from-yaml');
    skiff = await startSkiff({ dataDir: bare });
    const denied = await kubectl(skiff.kubeconfig, ['get', 'secret', 's']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/unable to transform key "\/registry\/secrets\/default\/s"/);
    expect((await kubectl(skiff.kubeconfig, ['get', 'configmap', 'plain'])).code).toBe(0);
    await skiff.destroy();
    skiff = undefined;

    const keyed = path.join(root, 'keyed');
    const k = await skiffCli([
      'snapshot',
      'restore',
      snapFile,
      '--data-dir',
      keyed,
      '--encryption-config',
      path.join(dataDir, 'pki', 'encryption-config.json'),
    ]);
    expect(k.code, k.stderr).toBe(0);
    expect(k.stdout).toContain('Encryption keys key1 copied');
    expect(k.stdout).not.toContain('cannot be decrypted');
    expect(fs.statSync(path.join(keyed, 'pki', 'encryption-config.json')).mode & 0o777).toBe(0o600);
    skiff = await startSkiff({ dataDir: keyed });
    const got = await kubectl(skiff.kubeconfig, ['get', 'secret', 's', '-o', 'jsonpath={.data.password}']);
    expect(got.code, got.stderr).toBe(0);
    expect(Buffer.from(got.stdout, 'base64').toString()).toBe(literal);
  }, 240_000);
});
