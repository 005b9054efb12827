/**
 * On-disk formats of the embedded store: write-ahead-log records and snapshot files.
 *
 * WAL record: `u32le payloadLength | u32le crc32(payload) | payload` where payload is the UTF-8
 * JSON of a {@link WalEntry}. Length and checksum let recovery recognise a record torn by a
 * crash mid-append (and anything after it) and drop it.
 *
 * Snapshot: JSON lines — a header `{"skiff":"snapshot","v":2,"revision":R,"compacted":C}`, one
 * `{"k","v","c","m"}` line per key live at revision C, then the retained history: one WAL entry
 * line per revision C+1..R — and a trailer `{"end":true,"count":N,"events":E}` so a truncated
 * file is never mistaken for a complete one. Version 1 (still read) had no history: C = R.
 */
import { crc32 } from 'node:zlib';
import type { KeyValue } from './backend';

/** One logged write: a put (value set) or a delete (`d`) of key `k` at revision `r`. */
export interface WalEntry {
  r: number;
  k: string;
  v?: string;
  /** createRevision of a put. */
  c?: number;
  d?: 1;
}

const HEADER = 8;

/** Encodes one WAL record. */
export function encodeRecord(entry: WalEntry): Buffer {
  const payload = Buffer.from(JSON.stringify(entry), 'utf8');
  const buf = Buffer.allocUnsafe(HEADER + payload.length);
  buf.writeUInt32LE(payload.length, 0);
  buf.writeUInt32LE(crc32(payload), 4);
  payload.copy(buf, HEADER);
  return buf;
}

/** Result of scanning a WAL: the intact records and the byte length they occupy. */
export interface DecodedWal {
  entries: WalEntry[];
  /** Bytes of intact records; anything after is torn or corrupt and must be truncated. */
  validBytes: number;
  /** Why decoding stopped early, if it did. */
  error?: string;
}

/** Decodes records until the end or the first torn/corrupt one. */
export function decodeRecords(buf: Buffer): DecodedWal {
  const entries: WalEntry[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < HEADER) return { entries, validBytes: off, error: `torn record header at ${off}` };
    const len = buf.readUInt32LE(off);
    const sum = buf.readUInt32LE(off + 4);
    if (buf.length - off - HEADER < len) return { entries, validBytes: off, error: `torn record at ${off}` };
    const payload = buf.subarray(off + HEADER, off + HEADER + len);
    if (crc32(payload) !== sum) return { entries, validBytes: off, error: `checksum mismatch at ${off}` };
    let entry: WalEntry;
    try {
      entry = JSON.parse(payload.toString('utf8')) as WalEntry;
    } catch {
      return { entries, validBytes: off, error: `unparsable record at ${off}` };
    }
    entries.push(entry);
    off += HEADER + len;
  }
  return { entries, validBytes: off };
}

/**
 * What a snapshot holds: the live keys at `compacted` and every change after it up to
 * `revision`, so the MVCC history a watch may resume from survives a restart.
 */
export interface SnapshotData {
  revision: number;
  /** The compaction point: revisions at or below it are gone. */
  compacted: number;
  /** Live key-values as of `compacted`. */
  base: KeyValue[];
  /** One entry per revision `compacted + 1 .. revision`, in order. */
  events: WalEntry[];
  /** Auto-compaction's (time, revision) samples, so its time window survives a restart. */
  samples?: { at: number; rev: number }[];
}

/** Serializes a snapshot (format v2; see the module comment). */
export function encodeSnapshot(s: SnapshotData): string {
  const head = { skiff: 'snapshot', v: 2, revision: s.revision, compacted: s.compacted, samples: s.samples };
  const lines: string[] = [JSON.stringify(head)];
  for (const kv of s.base)
    lines.push(JSON.stringify({ k: kv.key, v: kv.value, c: kv.createRevision, m: kv.modRevision }));
  for (const e of s.events) lines.push(JSON.stringify(e));
  lines.push(JSON.stringify({ end: true, count: s.base.length, events: s.events.length }));
  return lines.join('\n') + '\n';
}

/** Parses a snapshot (v1: live keys only, v2: with history); throws if incomplete or malformed. */
export function decodeSnapshot(text: string): SnapshotData {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const head = JSON.parse(lines[0] ?? 'null') as {
    skiff?: string;
    v?: number;
    revision?: number;
    compacted?: number;
    samples?: { at: number; rev: number }[];
  } | null;
  if (
    !head ||
    head.skiff !== 'snapshot' ||
    (head.v !== 1 && head.v !== 2) ||
    typeof head.revision !== 'number'
  ) {
    throw new Error('snapshot: bad header');
  }
  const tail = JSON.parse(lines[lines.length - 1]) as { end?: boolean; count?: number; events?: number };
  const nEvents = tail.events ?? 0;
  if (!tail.end || tail.count === undefined || tail.count + nEvents !== lines.length - 2)
    throw new Error('snapshot: truncated');
  const base: KeyValue[] = [];
  for (let i = 1; i <= tail.count; i++) {
    const l = JSON.parse(lines[i]) as { k: string; v: string; c: number; m: number };
    base.push({ key: l.k, value: l.v, createRevision: l.c, modRevision: l.m });
  }
  const events: WalEntry[] = [];
  for (let i = tail.count + 1; i < lines.length - 1; i++) events.push(JSON.parse(lines[i]) as WalEntry);
  const compacted = head.v === 2 && typeof head.compacted === 'number' ? head.compacted : head.revision;
  if (compacted + events.length !== head.revision || events.some((e, i) => e.r !== compacted + 1 + i))
    throw new Error('snapshot: history does not add up to its revision');
  return { revision: head.revision, compacted, base, events, samples: head.samples };
}
