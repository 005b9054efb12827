/**
 * On-disk formats of the embedded store: write-ahead-log records and snapshot files.
 *
 * WAL record: `u32le payloadLength | u32le crc32(payload) | payload` where payload is the UTF-8
 * JSON of a {@link WalEntry}. Length and checksum let recovery recognise a record torn by a
 * crash mid-append; each record names its group commit, so recovery can tell a torn final
 * commit (cut it) from damage in front of acknowledged records (refuse) — see scanWal.
 *
 * Snapshot: JSON lines — a header `{"skiff":"snapshot","v":2,"revision":R,"compacted":C}`, one
 * `{"k","v","c","m"}` line per key live at revision C, then the retained history: one WAL entry
 * line per revision C+1..R — and a trailer `{"end":true,"count":N,"events":E}` so a truncated
 * file is never mistaken for a complete one. Version 1 (still read) had no history: C = R.
 */
import { crc32 } from 'node:zlib';
import type { KeyValue, StoreEvent } from './backend';

/** One logged write: a put (value set) or a delete (`d`) of key `k` at revision `r`. */
export interface WalEntry {
  r: number;
  k: string;
  v?: string;
  /** createRevision of a put. */
  c?: number;
  d?: 1;
  /**
   * First revision of the group commit the record was written in. Recovery uses it to tell a
   * torn final group commit (never acknowledged: drop it) from damage before acknowledged
   * records (refuse to start).
   */
  g?: number;
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
  /** Byte offset of each entry. */
  offsets: number[];
  /** Bytes of intact records; anything after is torn or corrupt. */
  validBytes: number;
  /** Why decoding stopped early, if it did. */
  error?: string;
}

const PAYLOAD_START = Buffer.from('{"r":');

/** The record at `off` if it is intact (length fits, checksum matches, an entry parses). */
function recordAt(buf: Buffer, off: number): { entry: WalEntry; size: number } | { error: string } {
  if (buf.length - off < HEADER) return { error: `torn record header at ${off}` };
  const len = buf.readUInt32LE(off);
  const sum = buf.readUInt32LE(off + 4);
  if (buf.length - off - HEADER < len) return { error: `torn record at ${off}` };
  const payload = buf.subarray(off + HEADER, off + HEADER + len);
  if (crc32(payload) !== sum) return { error: `checksum mismatch at ${off}` };
  let entry: WalEntry;
  try {
    entry = JSON.parse(payload.toString('utf8')) as WalEntry;
  } catch {
    return { error: `unparsable record at ${off}` };
  }
  if (typeof entry?.r !== 'number' || typeof entry.k !== 'string')
    return { error: `not a WAL entry at ${off}` };
  return { entry, size: HEADER + len };
}

/** Decodes records until the end or the first torn/corrupt one. */
export function decodeRecords(buf: Buffer): DecodedWal {
  const entries: WalEntry[] = [];
  const offsets: number[] = [];
  let off = 0;
  while (off < buf.length) {
    const rec = recordAt(buf, off);
    if ('error' in rec) return { entries, offsets, validBytes: off, error: rec.error };
    entries.push(rec.entry);
    offsets.push(off);
    off += rec.size;
  }
  return { entries, offsets, validBytes: off };
}

/** Intact records anywhere at or after `from`, found by trying every offset (resync after damage). */
function intactRecordsFrom(buf: Buffer, from: number): { offset: number; entry: WalEntry }[] {
  const found: { offset: number; entry: WalEntry }[] = [];
  let off = from;
  while (off + HEADER + PAYLOAD_START.length <= buf.length) {
    // Cheap filter first: every payload starts with {"r": — skips almost every wrong offset.
    if (buf.compare(PAYLOAD_START, 0, PAYLOAD_START.length, off + HEADER, off + HEADER + 5) === 0) {
      const rec = recordAt(buf, off);
      if (!('error' in rec)) {
        found.push({ offset: off, entry: rec.entry });
        off += rec.size;
        continue;
      }
    }
    off++;
  }
  return found;
}

/** What recovery makes of a WAL: replay `entries`; cut a torn tail; or refuse (`corrupt`). */
export interface WalScan extends DecodedWal {
  /** Bytes after `validBytes` that are dropped: a torn or damaged final group commit. */
  tail?: { offset: number; bytes: number; reason: string; intactDropped: number };
  /** Damage followed by intact records of later group commits — acknowledged writes. */
  corrupt?: { offset: number; reason: string; nextIntactOffset: number; intactAfter: number };
}

/**
 * Decodes a WAL and classifies any damage. A crash can only tear the group commit being written
 * (its writers were never answered), so damage with nothing intact after it, or only records of
 * one group commit that began right after the last intact record, is a torn tail to cut.
 * Anything else — intact records of a later group commit after the damage — means acknowledged
 * writes would be lost: `corrupt`. `baseRevision` is the snapshot's revision (the record before
 * the first one).
 */
export function scanWal(buf: Buffer, baseRevision: number): WalScan {
  const d = decodeRecords(buf);
  if (d.error === undefined) return d;
  const after = intactRecordsFrom(buf, d.validBytes + 1);
  const lastRev = d.entries.length > 0 ? d.entries[d.entries.length - 1].r : baseRevision;
  const g = after[0]?.entry.g;
  const oneTornCommit = g !== undefined && g <= lastRev + 1 && after.every((a) => a.entry.g === g);
  if (after.length === 0 || oneTornCommit) {
    const tail = {
      offset: d.validBytes,
      bytes: buf.length - d.validBytes,
      reason: d.error,
      intactDropped: after.length,
    };
    return { ...d, tail };
  }
  return {
    ...d,
    corrupt: {
      offset: d.validBytes,
      reason: d.error,
      nextIntactOffset: after[0].offset,
      intactAfter: after.length,
    },
  };
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

/** A change as the WAL (and a snapshot's history) records it. */
export function toEntry(ev: StoreEvent): WalEntry {
  const { key, value, createRevision, modRevision } = ev.kv;
  return ev.type === 'DELETE'
    ? { r: modRevision, k: key, d: 1 }
    : { r: modRevision, k: key, v: value, c: createRevision };
}

/** What importSnapshot accepts: unique keys, revisions that could have produced them. */
export function checkImport(kvs: KeyValue[], revision: number): void {
  if (!Number.isInteger(revision) || revision < 0)
    throw new Error(`store: importSnapshot revision must be a whole number >= 0, got ${revision}`);
  const seen = new Set<string>();
  for (const kv of kvs) {
    if (seen.has(kv.key)) throw new Error(`store: importSnapshot has key ${kv.key} twice`);
    seen.add(kv.key);
    if (typeof kv.value !== 'string')
      throw new Error(`store: importSnapshot value of ${kv.key} is not a string`);
    const ok =
      Number.isInteger(kv.createRevision) &&
      Number.isInteger(kv.modRevision) &&
      kv.createRevision >= 1 &&
      kv.createRevision <= kv.modRevision &&
      kv.modRevision <= revision;
    if (!ok)
      throw new Error(
        `store: importSnapshot key ${kv.key} has createRevision ${kv.createRevision} and modRevision ` +
          `${kv.modRevision}; need 1 <= createRevision <= modRevision <= ${revision}`,
      );
  }
}
