// Store snapshots (etcdctl snapshot save/restore): the file format, save from and restore into any Backend; touches only the Backend interface and the snapshot file it is given.
/**
 * A snapshot is every live key of a store at ONE revision, in a text file that survives any
 * transport that carries UTF-8 (the dashboard downloads it through the API proxy):
 *
 * ```
 * SKIFF-SNAPSHOT 1\n                                  magic and format version
 * {"skiffVersion":…,"revision":…,"compactRevision":…,"keys":N,"createdAt":…}\n
 * {"key":…,"value":…,"createRevision":…,"modRevision":…}\n   × N, in key order
 * sha256 <64 hex digits>\n                            over every byte before this line
 * ```
 *
 * Saving reads the store page by page at the revision of the first page (a consistent cut, as
 * etcd's snapshot is), streams it to `FILE.tmp` while hashing, fsyncs, renames over `FILE` and
 * fsyncs the folder, so `FILE` is either the old file or a complete new one.
 *
 * Restoring needs an empty store. A backend that can import (the embedded store) takes the keys
 * with their exact create and mod revisions. Any other (etcd) gets the keys replayed through its
 * ordinary create in modRevision order, with writes to filler keys in the revision gaps, so every
 * object gets back its exact modRevision — the resourceVersion clients hold. Its createRevision
 * then becomes that modRevision (nothing in Skiff or Kubernetes reads createRevision back).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Backend, KeyValue } from './backend';

/** The first line's word; a file that does not start with it is not a snapshot. */
export const SNAPSHOT_MAGIC = 'SKIFF-SNAPSHOT';
/** The format version this code writes and reads. */
export const SNAPSHOT_FORMAT = 1;
/** Keys per list page while saving. */
const PAGE = 500;
/** Filler keys (outside /registry, so no API object ever sees them) and how many at once. */
const FILLER_PREFIX = '/skiff-restore/filler/';
const FILLER_POOL = 256;

/** What the header line says. */
export interface SnapshotHeader {
  skiffVersion: string;
  /** The store revision the snapshot was read at. */
  revision: number;
  /** The store's compaction point at that time (informational: history is not saved). */
  compactRevision: number;
  /** Number of key lines. */
  keys: number;
  /** RFC 3339 time of the save. */
  createdAt: string;
}

/** A saved snapshot file, as save and restore report it. */
export interface SnapshotInfo extends SnapshotHeader {
  file: string;
  /** Size of the file in bytes. */
  bytes: number;
}

/** A snapshot read back and verified. */
export interface Snapshot {
  header: SnapshotHeader;
  kvs: KeyValue[];
  bytes: number;
}

/** Thrown for a file that is not a valid snapshot; the message says what is wrong and which file. */
export class SnapshotError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`snapshot ${file}: ${message}`);
    this.name = 'SnapshotError';
  }
}

/** A backend with the embedded store's bulk import (exact revisions; only into an empty store). */
type Importable = Backend & { importSnapshot(kvs: KeyValue[], revision: number): Promise<void> };

function canImport(b: Backend): b is Importable {
  return typeof (b as Partial<Importable>).importSnapshot === 'function';
}

/** Saves every key of `backend` at one revision to `file` (atomically: tmp + fsync + rename). */
export async function saveSnapshot(
  backend: Backend,
  file: string,
  opts: { skiffVersion?: string; now?: () => Date } = {},
): Promise<SnapshotInfo> {
  const first = await backend.list('', '', PAGE, 0);
  const header: SnapshotHeader = {
    skiffVersion: opts.skiffVersion ?? 'unknown',
    revision: first.revision,
    compactRevision: await backend.compactRevision(),
    keys: first.count,
    createdAt: (opts.now?.() ?? new Date()).toISOString(),
  };
  const tmp = `${file}.tmp`;
  await fs.promises.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const fh = await fs.promises.open(tmp, 'w', 0o600);
  const hash = createHash('sha256');
  let bytes = 0;
  const write = async (text: string) => {
    const buf = Buffer.from(text, 'utf8');
    hash.update(buf);
    bytes += buf.length;
    await fh.write(buf);
  };
  try {
    await write(`${SNAPSHOT_MAGIC} ${SNAPSHOT_FORMAT}\n${JSON.stringify(header)}\n`);
    let page = first;
    let written = 0;
    for (;;) {
      let chunk = '';
      for (const kv of page.kvs) chunk += `${JSON.stringify(kvLine(kv))}\n`;
      await write(chunk);
      written += page.kvs.length;
      if (!page.more || !page.kvs.length) break;
      // The next page starts just after the last key, at the same revision (a consistent cut).
      page = await backend.list('', `${page.kvs[page.kvs.length - 1].key}\0`, PAGE, header.revision);
    }
    if (written !== header.keys)
      throw new Error(`store listed ${written} keys at revision ${header.revision}, expected ${header.keys}`);
    const trailer = `sha256 ${hash.digest('hex')}\n`;
    await fh.write(trailer);
    bytes += trailer.length;
    await fh.sync();
  } catch (err) {
    await fh.close();
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await fs.promises.rename(tmp, file);
  await syncDir(path.dirname(path.resolve(file)));
  return { ...header, file, bytes };
}

/**
 * Verifies snapshot bytes received from elsewhere (a download from the running API server) and
 * writes them to `file` the same atomic way; nothing is written when they do not verify.
 */
export async function writeSnapshotFile(file: string, buf: Buffer): Promise<SnapshotInfo> {
  const snap = decodeSnapshotFile(file, buf);
  const tmp = `${file}.tmp`;
  await fs.promises.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const fh = await fs.promises.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(buf);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await fs.promises.rename(tmp, file);
  await syncDir(path.dirname(path.resolve(file)));
  return { ...snap.header, file, bytes: buf.length };
}

function kvLine(kv: KeyValue): KeyValue {
  return { key: kv.key, value: kv.value, createRevision: kv.createRevision, modRevision: kv.modRevision };
}

async function syncDir(dir: string): Promise<void> {
  const dh = await fs.promises.open(dir, 'r');
  try {
    await dh.sync(); // makes the rename itself durable
  } finally {
    await dh.close();
  }
}

/** Reads and verifies a snapshot (magic, format version, checksum, every line); throws SnapshotError. */
export async function readSnapshot(file: string): Promise<Snapshot> {
  let buf: Buffer;
  try {
    buf = await fs.promises.readFile(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SnapshotError(file, e.code === 'ENOENT' ? 'no such file' : `cannot read: ${e.message}`);
  }
  return decodeSnapshotFile(file, buf);
}

/** The verification and parse behind readSnapshot (exported for tests and in-memory use). */
export function decodeSnapshotFile(file: string, buf: Buffer): Snapshot {
  checkMagic(file, buf);
  // The trailer is the last line; a file cut anywhere has none (or a short one).
  const end = buf.length && buf[buf.length - 1] === 0x0a ? buf.length - 1 : -1;
  const start = end > 0 ? buf.lastIndexOf(0x0a, end - 1) + 1 : -1;
  const trailer = start > 0 ? buf.subarray(start, end).toString('latin1') : '';
  const m = /^sha256 ([0-9a-f]{64})$/.exec(trailer);
  if (!m)
    throw new SnapshotError(
      file,
      `truncated or damaged: the checksum line at the end is missing (${buf.length} bytes; was the copy cut short?)`,
    );
  const actual = createHash('sha256').update(buf.subarray(0, start)).digest('hex');
  if (actual !== m[1])
    throw new SnapshotError(
      file,
      `checksum mismatch: the file is corrupt (sha256 of its content is ${actual}, the file says ${m[1]})`,
    );
  const lines = buf
    .subarray(0, start - 1)
    .toString('utf8')
    .split('\n');
  let header: SnapshotHeader;
  try {
    header = JSON.parse(lines[1]) as SnapshotHeader;
  } catch (err) {
    throw new SnapshotError(file, `bad header line: ${(err as Error).message}`);
  }
  for (const k of ['revision', 'compactRevision', 'keys'] as const)
    if (!Number.isInteger(header[k]) || header[k] < 0)
      throw new SnapshotError(file, `bad header: ${k} is ${JSON.stringify(header[k])}`);
  const kvs: KeyValue[] = [];
  for (let i = 2; i < lines.length; i++) {
    let kv: KeyValue;
    try {
      kv = JSON.parse(lines[i]) as KeyValue;
    } catch (err) {
      throw new SnapshotError(file, `bad key line ${i + 1}: ${(err as Error).message}`);
    }
    if (
      typeof kv.key !== 'string' ||
      typeof kv.value !== 'string' ||
      !Number.isInteger(kv.createRevision) ||
      !Number.isInteger(kv.modRevision) ||
      kv.modRevision < 1 ||
      kv.modRevision > header.revision
    )
      throw new SnapshotError(
        file,
        `bad key line ${i + 1}: not a key at or before revision ${header.revision}`,
      );
    kvs.push(kvLine(kv));
  }
  if (kvs.length !== header.keys)
    throw new SnapshotError(file, `the header says ${header.keys} keys but the file holds ${kvs.length}`);
  return { header, kvs, bytes: buf.length };
}

function checkMagic(file: string, buf: Buffer): void {
  const nl = buf.indexOf(0x0a);
  const first = buf.subarray(0, nl < 0 ? Math.min(buf.length, 64) : Math.min(nl, 64)).toString('latin1');
  const m = /^(\S+) (\d+)$/.exec(first);
  if (!m || m[1] !== SNAPSHOT_MAGIC)
    throw new SnapshotError(
      file,
      buf.length === 0
        ? 'the file is empty'
        : `not a Skiff snapshot (it does not start with "${SNAPSHOT_MAGIC}")`,
    );
  if (Number(m[2]) !== SNAPSHOT_FORMAT)
    throw new SnapshotError(
      file,
      `format version ${m[2]} is not supported (this Skiff reads version ${SNAPSHOT_FORMAT}; use a Skiff at least as new as the one that saved it)`,
    );
}

/**
 * The header of a snapshot without reading or verifying the rest (for listing backups).
 * Throws SnapshotError when the first two lines are not a snapshot header.
 */
export async function readSnapshotHeader(file: string): Promise<SnapshotHeader> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    checkMagic(file, head);
    const line = head.toString('utf8').split('\n')[1] ?? '';
    try {
      return JSON.parse(line) as SnapshotHeader;
    } catch {
      throw new SnapshotError(file, 'bad or truncated header line');
    }
  } finally {
    await fh.close();
  }
}

/** What a restore did. */
export interface RestoreResult {
  header: SnapshotHeader;
  bytes: number;
  /** How the keys went in: the backend's import, or replayed writes (with filler writes). */
  method: 'import' | 'replay';
  /** The target store's revision afterwards. */
  revision: number;
}

/**
 * Restores `file` into `backend` (started, empty). Refuses a store that holds any key, and a
 * snapshot whose revisions cannot be reproduced in the target (see the module comment).
 * `snap` is the file as readSnapshot already read it, if the caller did.
 */
export async function restoreSnapshot(
  file: string,
  backend: Backend,
  snap?: Snapshot,
): Promise<RestoreResult> {
  snap ??= await readSnapshot(file);
  const existing = await backend.list('', '', 1, 0);
  if (existing.count > 0)
    throw new Error(
      `the target store is not empty (${existing.count} keys at revision ${existing.revision}); restore needs a new, empty store`,
    );
  if (canImport(backend)) {
    await backend.importSnapshot(snap.kvs, snap.header.revision);
    return {
      header: snap.header,
      bytes: snap.bytes,
      method: 'import',
      revision: await backend.currentRevision(),
    };
  }
  await replay(file, backend, snap);
  return {
    header: snap.header,
    bytes: snap.bytes,
    method: 'replay',
    revision: await backend.currentRevision(),
  };
}

/**
 * Replays the keys through create in modRevision order. Each revision gap before a key is filled
 * with writes to filler keys — up to FILLER_POOL of them in flight at once, since they may land in
 * any order — and the fillers are deleted at the end (a few revisions past the snapshot's).
 */
async function replay(file: string, backend: Backend, snap: Snapshot): Promise<void> {
  const kvs = [...snap.kvs].sort((a, b) => a.modRevision - b.modRevision);
  for (let i = 1; i < kvs.length; i++)
    if (kvs[i].modRevision === kvs[i - 1].modRevision)
      throw new SnapshotError(
        file,
        `keys ${kvs[i - 1].key} and ${kvs[i].key} share modRevision ${kvs[i].modRevision}; they cannot be replayed one write per revision`,
      );
  if (kvs.some((kv) => kv.key.startsWith(FILLER_PREFIX)))
    throw new SnapshotError(file, `it holds keys under ${FILLER_PREFIX}, which restore uses itself`);
  const start = await backend.currentRevision();
  if (kvs.length && kvs[0].modRevision <= start)
    throw new Error(
      `the target store is already at revision ${start}, but the snapshot has a key at revision ${kvs[0].modRevision}; restore into a new store (an etcd with no history)`,
    );
  /** Filler key → its modRevision (what the next conditional update must name). */
  const fillers = new Map<string, number>();
  const fill = async (upTo: number) => {
    for (;;) {
      const cur = await backend.currentRevision();
      const gap = upTo - cur;
      if (gap <= 0) return;
      const writes: Promise<void>[] = [];
      const keys = [...fillers.keys()];
      for (let j = 0; j < Math.min(gap, FILLER_POOL); j++) {
        const key = keys[j] ?? `${FILLER_PREFIX}${j}`;
        const rev = fillers.get(key);
        writes.push(
          (async () => {
            if (rev === undefined) fillers.set(key, (await backend.create(key, '')).modRevision);
            else {
              const r = await backend.update(key, '', rev);
              if (!r.ok) throw new Error(`restore: filler key ${key} changed under the restore`);
              fillers.set(key, r.revision);
            }
          })(),
        );
      }
      await Promise.all(writes);
    }
  };
  for (const kv of kvs) {
    await fill(kv.modRevision - 1);
    const got = await backend.create(kv.key, kv.value);
    if (got.modRevision !== kv.modRevision)
      throw new Error(
        `restore: ${kv.key} landed at revision ${got.modRevision}, not ${kv.modRevision}: is something else writing to the target store?`,
      );
  }
  // On to the snapshot's revision (fillers stand in for writes to keys deleted since), so no
  // later write reuses a revision a client may have seen; then the fillers go.
  await fill(snap.header.revision - 1);
  if (!fillers.size) await fill(snap.header.revision);
  await Promise.all(
    [...fillers.entries()].map(async ([key, rev]) => {
      if (!(await backend.delete(key, rev)).ok) throw new Error(`restore: cannot delete filler key ${key}`);
    }),
  );
}
