// Test helper: the deterministic write sequence of the crash harness, shared by the child that writes it and the spec that checks it; pure, touches nothing.
import { createHash } from 'node:crypto';
import type { KeyValue } from '../../../../src-main/control-plane/store/backend';

/** Concurrent sequential writers per child. */
export const WRITERS = 8;

/** One step of a writer: put (create or update) or delete of one key. */
export interface CrashOp {
  type: 'PUT' | 'DELETE';
  key: string;
  value: string;
}

/**
 * Writer `w` of cycle `cycle`, step `seq`: for key i it creates, updates, and (two keys in three)
 * deletes it, so the harness exercises every kind of write and keeps the live set small.
 */
export function crashOp(cycle: number, w: number, seq: number): CrashOp {
  const i = Math.floor(seq / 3);
  const step = seq % 3;
  const key = `/k/${cycle}/${w}/${String(i).padStart(6, '0')}`;
  if (step === 0) return { type: 'PUT', key, value: `c${cycle}.${w}.${i}` };
  if (step === 1) return { type: 'PUT', key, value: `u${cycle}.${w}.${i}`.padEnd(64 + (i % 7) * 50, 'x') };
  if (i % 3 === 0) return { type: 'PUT', key, value: `v${cycle}.${w}.${i}` };
  return { type: 'DELETE', key, value: '' };
}

/** A digest of live key-values (key order), so parent and child compare whole stores cheaply. */
export function digest(kvs: KeyValue[]): string {
  const h = createHash('sha256');
  for (const kv of [...kvs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)))
    h.update(`${kv.key}\t${kv.createRevision}\t${kv.modRevision}\t${kv.value}\n`);
  return `${kvs.length}:${h.digest('hex').slice(0, 16)}`;
}
