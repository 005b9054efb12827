/**
 * On-disk formats of the embedded store: write-ahead-log records and snapshot files.
 *
 * WAL record: `u32le payloadLength | u32le crc32(payload) | payload` where payload is the UTF-8
 * JSON of a {@link WalEntry}. Length and checksum let recovery recognise a record torn by a
 * crash mid-append (and anything after it) and drop it.
 *
 * Snapshot: JSON lines — a header `{"skiff":"snapshot","v":1,"revision":R}`, one
 * `{"k","v","c","m"}` line per live key, and a trailer `{"end":true,"count":N}` so a truncated
 * file is never mistaken for a complete one.
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

/** Serializes a snapshot of the live keys at `revision`. */
export function encodeSnapshot(revision: number, kvs: KeyValue[]): string {
  const lines: string[] = [JSON.stringify({ skiff: 'snapshot', v: 1, revision })];
  for (const kv of kvs)
    lines.push(JSON.stringify({ k: kv.key, v: kv.value, c: kv.createRevision, m: kv.modRevision }));
  lines.push(JSON.stringify({ end: true, count: kvs.length }));
  return lines.join('\n') + '\n';
}

/** Parses a snapshot; throws if it is incomplete or malformed. */
export function decodeSnapshot(text: string): { revision: number; kvs: KeyValue[] } {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const head = JSON.parse(lines[0] ?? 'null') as { skiff?: string; v?: number; revision?: number } | null;
  if (!head || head.skiff !== 'snapshot' || head.v !== 1 || typeof head.revision !== 'number') {
    throw new Error('snapshot: bad header');
  }
  const tail = JSON.parse(lines[lines.length - 1]) as { end?: boolean; count?: number };
  if (!tail.end || tail.count !== lines.length - 2) throw new Error('snapshot: truncated');
  const kvs: KeyValue[] = [];
  for (let i = 1; i < lines.length - 1; i++) {
    const l = JSON.parse(lines[i]) as { k: string; v: string; c: number; m: number };
    kvs.push({ key: l.k, value: l.v, createRevision: l.c, modRevision: l.m });
  }
  return { revision: head.revision, kvs };
}
