// `skiff snapshot save/restore` for a data dir or store spec: asks a running Skiff's API when one runs on the data dir, else opens the cluster's store as cluster.ts does; writes only the snapshot file and (restore) the target store.
/**
 * The embedded store is locked by the process that has it open, so while Skiff runs on a data
 * dir a snapshot goes through that Skiff's API (POST /apis/skiff.dev/v1/snapshots, then the
 * file is downloaded and verified); with no Skiff running the store is opened directly and read
 * at one revision. A restore never runs under a live Skiff: it needs the store to itself, and an
 * empty one — a data dir whose store does not exist yet is made fresh for it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KubeClient } from '../common/client/client';
import { ApiError } from '../common/client/errors';
import { SNAPSHOTS_PATH, snapshotPath, type SnapshotEntry } from '../common/snapshot-api';
import { SKIFF_VERSION } from '../common/version';
import { HttpsTransport } from './client/https-transport';
import { clusterStoreSpec, readState } from './cluster';
import { openBackend, type Backend, type EtcdClientOptions } from './store/index';
import {
  encryptionConfigPath,
  importEncryptionKeys,
  readEncryptionConfig,
  transformerFromConfig,
  undecryptableKeys,
} from './apiserver/encryption';
import {
  readSnapshot,
  restoreSnapshot,
  saveSnapshot,
  writeSnapshotFile,
  type RestoreResult,
  type SnapshotInfo,
} from './store/snapshot';

/** Which store: a data dir's (its `store/`, unless `store` names another), or a store spec alone. */
export interface SnapshotTarget {
  dataDir: string;
  /** A store spec (store/index.ts); default the data dir's embedded store. */
  store?: string;
  /** TLS files and key prefix for an etcd:// store (as `skiff serve --etcd-*`). */
  etcd?: EtcdClientOptions;
}

/** A Skiff answering on the API port remembered in the data dir, with that data dir's token. */
export interface RunningCluster {
  apiUrl: string;
  client: KubeClient;
  close(): void;
}

/**
 * The Skiff running on `dataDir`, if one answers: its remembered API port, its token and CA.
 * Whatever else answers there (another data dir's Skiff: 401; not TLS from this CA) is not it.
 */
export async function runningCluster(dataDir: string): Promise<RunningCluster | undefined> {
  const dir = path.resolve(dataDir);
  const port = readState(dir).apiPort;
  let token: string;
  let ca: string;
  try {
    token = fs.readFileSync(path.join(dir, 'token'), 'utf8').trim();
    ca = fs.readFileSync(path.join(dir, 'pki', 'ca.crt'), 'utf8');
  } catch {
    return undefined;
  }
  if (!port || !token) return undefined;
  const apiUrl = `https://127.0.0.1:${port}`;
  const transport = new HttpsTransport(apiUrl, { ca, token });
  try {
    const res = await transport.request({
      method: 'GET',
      path: '/version',
      signal: AbortSignal.timeout(5000),
    });
    const who = await transport.request({
      method: 'GET',
      path: '/api/v1/namespaces/kube-system',
      signal: AbortSignal.timeout(5000),
    });
    if (res.status !== 200 || who.status !== 200) throw new Error("not this data dir's Skiff");
  } catch {
    transport.close();
    return undefined;
  }
  return { apiUrl, client: new KubeClient(transport), close: () => transport.close() };
}

/** What a save did, and how. */
export interface SaveResult extends SnapshotInfo {
  /** Set when the running Skiff took the snapshot (it also keeps a copy in its backups). */
  via?: { apiUrl: string; backup: string };
}

/**
 * Saves a snapshot of the target's store to `file`: through the running Skiff when one runs on
 * the data dir (and no other store was named), else by opening the store directly.
 */
export async function saveClusterSnapshot(target: SnapshotTarget, file: string): Promise<SaveResult> {
  if (!target.store) {
    const running = await runningCluster(target.dataDir);
    if (running) {
      try {
        return await saveThroughApi(running, file);
      } finally {
        running.close();
      }
    }
  }
  const spec = clusterStoreSpec(target);
  // Saving never makes a store: a data dir without one is a typo, not an empty cluster.
  const dir = storeDir(spec);
  if (dir !== undefined && !fs.existsSync(dir))
    throw new Error(
      `there is no store at ${dir}${target.store ? '' : ` (is ${path.resolve(target.dataDir)} a Skiff data dir?)`}`,
    );
  const backend = openBackend(spec, { compactionIntervalMs: 0, etcd: target.etcd });
  await startStore(backend, spec);
  try {
    return await saveSnapshot(backend, file, { skiffVersion: SKIFF_VERSION });
  } finally {
    await backend.close();
  }
}

async function saveThroughApi(running: RunningCluster, file: string): Promise<SaveResult> {
  let entry: SnapshotEntry;
  try {
    entry = await running.client.raw<SnapshotEntry>({ method: 'POST', path: SNAPSHOTS_PATH });
  } catch (err) {
    if (err instanceof ApiError && err.code === 404)
      throw new Error(
        `the Skiff running at ${running.apiUrl} has no snapshot endpoint (an older version?): stop it and run this again, or upgrade it`,
      );
    throw new Error(
      `the running Skiff at ${running.apiUrl} could not save a snapshot: ${(err as Error).message}`,
    );
  }
  const res = await running.client.transport.request({ method: 'GET', path: snapshotPath(entry.name) });
  if (res.status !== 200)
    throw new Error(
      `downloading ${entry.name} from ${running.apiUrl} failed: HTTP ${res.status} ${res.body.slice(0, 300)}`,
    );
  const info = await writeSnapshotFile(file, Buffer.from(res.body, 'utf8'));
  return { ...info, via: { apiUrl: running.apiUrl, backup: entry.file } };
}

/** What a restore did. */
export interface ClusterRestoreResult extends RestoreResult {
  /** Names of the encryption keys brought into the data dir from `--encryption-config`. */
  keysImported: string[];
  /**
   * Encrypted values of the snapshot that the data dir's encryption config cannot decrypt (the
   * key they were written with was not given): reading them answers 500 until it is.
   */
  undecryptable: { key: string; error: string }[];
  /** The store restored into (its spec). */
  store: string;
  /** True when the store did not exist and was made for the restore. */
  created: boolean;
}

/**
 * Restores `file` into the target's store. Refuses while a Skiff runs on the data dir, and
 * refuses a store that holds anything; a store directory made here is removed again when the
 * restore fails, so a failed restore leaves nothing half-written behind.
 */
export async function restoreClusterSnapshot(
  target: SnapshotTarget,
  file: string,
  opts: { encryptionConfig?: string } = {},
): Promise<ClusterRestoreResult> {
  const running = await runningCluster(target.dataDir);
  if (running) {
    running.close();
    throw new Error(
      `Skiff is running on ${path.resolve(target.dataDir)} (API ${running.apiUrl}): stop it before restoring into its store`,
    );
  }
  // The file (and the key file) are checked before anything is made or opened.
  const snap = await readSnapshot(file);
  const keys = opts.encryptionConfig ? readEncryptionConfig(opts.encryptionConfig) : undefined;
  const spec = clusterStoreSpec(target);
  // A directory store: note what exists, so a failed restore removes only what it made.
  const dir = storeDir(spec);
  const made = dir === undefined ? undefined : firstMissing(dir);
  const backend = openBackend(spec, { compactionIntervalMs: 0, etcd: target.etcd });
  let ok = false;
  try {
    await startStore(backend, spec);
    const res = await restoreSnapshot(file, backend, snap).catch((err: Error) => {
      throw new Error(`restoring into ${spec}: ${err.message}`);
    });
    ok = true;
    // Snapshots hold secrets as they are stored: encrypted. The key travels separately (never
    // in the snapshot), so the restored data dir gets the keys it is given, and says which
    // values it still cannot read.
    const keysImported = keys ? importEncryptionKeys(target.dataDir, keys) : [];
    const cfgFile = encryptionConfigPath(target.dataDir);
    const transformer = fs.existsSync(cfgFile)
      ? transformerFromConfig(readEncryptionConfig(cfgFile))
      : undefined;
    return {
      ...res,
      store: spec,
      created: made !== undefined,
      keysImported,
      undecryptable: undecryptableKeys(snap.kvs, transformer),
    };
  } finally {
    await backend.close();
    if (!ok && made) fs.rmSync(made, { recursive: true, force: true });
  }
}

/** The directory of a directory (WAL) store spec; undefined for memory://, etcd://… */
function storeDir(spec: string): string | undefined {
  const m = /^(?:wal|file):\/\/(.*)$/i.exec(spec);
  if (m) return decodeURIComponent(m[1]);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(spec) ? undefined : path.resolve(spec);
}

/** The outermost folder of `dir` that does not exist yet (undefined if `dir` exists). */
function firstMissing(dir: string): string | undefined {
  let missing: string | undefined;
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) missing = d;
  return missing;
}

async function startStore(backend: Backend, spec: string): Promise<void> {
  try {
    await backend.start();
  } catch (err) {
    throw new Error(`cannot open the store ${spec}: ${(err as Error).message}`);
  }
}
