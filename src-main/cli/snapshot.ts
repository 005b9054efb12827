// The `skiff snapshot save|restore FILE` command: parses its flags and prints what was done; the work is control-plane/cluster-snapshot.ts's. Never imports electron.
import path from 'node:path';
import { restoreClusterSnapshot, saveClusterSnapshot } from '../control-plane/cluster-snapshot';
import { defaultDataDir } from './serve';
import { ETCD_FLAGS, storeFlags } from './store-flags';
import type { EtcdClientOptions } from '../control-plane/store/index';

export const SNAPSHOT_USAGE = `Usage: skiff snapshot save FILE [--data-dir DIR | --store SPEC]
       skiff snapshot restore FILE [--data-dir DIR | --store SPEC] [--encryption-config KEYFILE]

  save      Write every object of the store, read at one revision, to FILE (with a version
            header and a sha256 checksum). While Skiff runs on DIR the snapshot is taken by
            that Skiff (it also keeps a copy in DIR/backups); otherwise the store is opened.
  restore   Load FILE into an empty store, every object with the resourceVersion it had.
            Refused while Skiff runs on DIR and when the store already holds anything: restore
            into a new data dir (or move the old store away), then start skiff serve on it.
            Secrets are in FILE as they are stored, encrypted; their key is not. Give the
            source data dir's pki/encryption-config.json as --encryption-config: its keys are
            copied into DIR/pki (0600). Without it the restore names every secret it
            cannot decrypt, and reading those answers 500 until the key is given.

options:
  --data-dir DIR   the Skiff data dir (default ~/.skiff, or $SKIFF_DATA_DIR); its store is DIR/store
  --store SPEC     another store instead: a directory, wal:///abs/dir or etcd://HOST:PORT
  --etcd-cafile, --etcd-certfile, --etcd-keyfile, --etcd-prefix
                   as for skiff serve, with an etcd:// store
`;

/** Runs `skiff snapshot …`; returns the exit code. */
export async function snapshotCommand(
  positional: string[],
  flags: Record<string, string | true>,
  out: (s: string) => void,
): Promise<number> {
  const [verb, file, ...extra] = positional;
  if (flags.help || verb === 'help' || !verb) {
    out(SNAPSHOT_USAGE);
    return verb || flags.help ? 0 : 2;
  }
  if ((verb !== 'save' && verb !== 'restore') || !file || extra.length) {
    throw new UsageError(
      verb !== 'save' && verb !== 'restore'
        ? `unknown snapshot command "${verb}" (save or restore)`
        : !file
          ? `snapshot ${verb} needs a FILE`
          : `unexpected arguments: ${extra.join(' ')}`,
    );
  }
  if (flags['data-dir'] === true) throw new UsageError('--data-dir needs a value');
  const known = ['data-dir', 'store', 'log-level', 'encryption-config', ...Object.values(ETCD_FLAGS)];
  const unknown = Object.keys(flags).filter((k) => !known.includes(k));
  if (unknown.length) throw new UsageError(`unknown option --${unknown[0]}`);
  const dataDir = path.resolve((flags['data-dir'] as string | undefined) ?? defaultDataDir());
  let store: string | undefined;
  let etcd: EtcdClientOptions | undefined;
  try {
    ({ store, etcd } = storeFlags(flags));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const target = path.resolve(file);
  const keyFile = flags['encryption-config'];
  if (keyFile === true) throw new UsageError('--encryption-config needs a file');
  if (keyFile && verb !== 'restore') throw new UsageError('--encryption-config is an option of restore');

  if (verb === 'save') {
    const r = await saveClusterSnapshot({ dataDir, store, etcd }, target);
    out(
      `Saved snapshot ${target}: revision ${r.revision}, ${r.keys} objects, ${size(r.bytes)}` +
        (r.via
          ? `\n(taken by the Skiff running at ${r.via.apiUrl}; a copy is in ${r.via.backup})\n`
          : ` (read from ${store ?? path.join(dataDir, 'store')})\n`),
    );
    return 0;
  }
  const r = await restoreClusterSnapshot({ dataDir, store, etcd }, target, {
    encryptionConfig: keyFile ? path.resolve(keyFile) : undefined,
  });
  out(
    `Restored snapshot ${target} into ${r.created ? 'the new store ' : ''}${r.store}: revision ${r.header.revision}, ` +
      `${r.header.keys} objects, ${size(r.bytes)} (saved ${r.header.createdAt} by Skiff ${r.header.skiffVersion}).\n` +
      (r.keysImported.length
        ? `Encryption keys ${r.keysImported.join(', ')} copied into ${path.join(dataDir, 'pki')}.\n`
        : '') +
      (store ? '' : `Start it with: skiff serve --data-dir ${dataDir}\n`),
  );
  if (r.undecryptable.length) {
    out(
      `warning: ${r.undecryptable.length} encrypted value(s) cannot be decrypted with the keys of ${dataDir} ` +
        `(reading them answers 500); restore again with --encryption-config <source data dir>/pki/encryption-config.json:\n` +
        r.undecryptable.map((u) => `  ${u.key}: ${u.error}\n`).join(''),
    );
  }
  return 0;
}

/** A command-line mistake: the message plus the usage text, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function size(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${v.toFixed(1)} ${units[u]} (${bytes} bytes)`;
}
