// Test helper run as a separate process (bundled by store-child-process.ts): opens a WalBackend on a data dir given on the command line and reports on stdout; touches only that dir.
/**
 * Modes:
 * - `hold DIR`: opens the store, writes `/held`, prints `READY <pid> <revision>` and waits to be
 *   killed.
 * - `open DIR`: opens the store, prints `OPENED <revision>`, closes and exits 0; a failure
 *   prints `ERROR <message>` and exits 3.
 * - `writer DIR CYCLE PREV FROM ACKS`: the crash harness. Prints `READY <revision> <compacted>`; if
 *   PREV >= 0, replays the watch history of cycle PREV's keys from revision FROM (`EV` lines),
 *   then `DIGEST` of every live key; then `WRITING` and writes as fast as it can with
 *   concurrent sequential writers (helpers/crash-ops.ts), appending `ACK w seq revision` to the
 *   file ACKS once each write is acknowledged, until it is killed. CYCLE -1 only recovers and
 *   waits.
 */
import fs from 'node:fs';
import { WalBackend } from '../../../../src-main/control-plane/store/wal-backend';
import type { StoreEvent } from '../../../../src-main/control-plane/store/backend';
import { WRITERS, crashOp, digest } from './crash-ops';

/** Writes one writer cycle may issue; below the history kept (retainRevisions 3000). */
const MAX_WRITES_PER_CYCLE = 2500;

// Progress lines. Not for acknowledgements: Node writes to a pipe asynchronously, so lines still
// queued in this process when it is SIGKILLed never reach the parent.
const out = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const [mode, dir, ...rest] = process.argv.slice(2);
  if (mode === 'open') {
    const b = new WalBackend(dir, { compactionIntervalMs: 0 });
    try {
      await b.start();
    } catch (err) {
      out(`ERROR ${(err as Error).message}`);
      process.exit(3);
    }
    out(`OPENED ${b.currentRevision()}`);
    await b.close();
    return;
  }
  if (mode === 'hold') {
    const b = new WalBackend(dir, { compactionIntervalMs: 0 });
    await b.start();
    await b.create(`/held/${process.pid}`, 'x');
    out(`READY ${process.pid} ${b.currentRevision()}`);
    setInterval(() => undefined, 60_000);
    return;
  }
  if (mode === 'writer') {
    const [cycle, prev, from] = rest.slice(0, 3).map(Number);
    await writer(dir, cycle, prev, from, rest[3]);
    return;
  }
  throw new Error(`store-child: unknown mode ${mode}`);
}

async function writer(
  dir: string,
  cycle: number,
  prev: number,
  from: number,
  ackFile: string | undefined,
): Promise<void> {
  // Small WAL and a tight compaction window, so crashes also land in snapshots and compactions.
  const b = new WalBackend(dir, {
    maxWalBytes: 256 * 1024,
    retainRevisions: 3000,
    retainMs: 0,
    compactionIntervalMs: 50,
  });
  await b.start();
  const rev = b.currentRevision();
  out(`READY ${rev} ${b.compactRevision()}`);
  if (prev >= 0) {
    if (from <= b.compactRevision()) out(`COMPACTED ${b.compactRevision()}`);
    else {
      const events: StoreEvent[] = [];
      const w = await b.watch(`/k/${prev}/`, from, (batch) => void events.push(...batch));
      while ((w.progressRevision?.() ?? rev) < rev) await new Promise((r) => setImmediate(r));
      w.cancel();
      for (const e of events) out(`EV ${e.kv.modRevision} ${e.type} ${e.kv.key} ${e.kv.value}`);
    }
    out(`DIGEST ${digest((await b.list('/', '', 0, 0)).kvs)}`);
  }
  if (cycle < 0) {
    // Recovery only: the harness kills it at random moments of its start-up.
    setInterval(() => undefined, 60_000);
    return;
  }
  if (!ackFile) throw new Error('store-child: writer needs an ACKS file');
  // A synchronous write() into the page cache: it is in the file before the next write starts,
  // and a SIGKILL cannot take it back (only cut the line short where it crosses a page).
  const acks = fs.openSync(ackFile, 'w');
  out('WRITING');
  // A kill that comes late (a loaded machine) must not let one cycle outrun the 3000 revisions
  // of history kept, or the next start could not replay it: stop issuing writes well before.
  let issued = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let seq = 0; issued++ < MAX_WRITES_PER_CYCLE; seq++) {
        const op = crashOp(cycle, w, seq);
        let r: number;
        if (op.type === 'DELETE') r = checked(await b.delete(op.key, 0), op.key).revision;
        else {
          const cur = (await b.get(op.key)).kv;
          r = cur
            ? checked(await b.update(op.key, op.value, cur.modRevision), op.key).revision
            : (await b.create(op.key, op.value)).modRevision;
        }
        fs.writeSync(acks, `ACK ${w} ${seq} ${r}\n`);
      }
    }),
  );
  out('DONE');
  setInterval(() => undefined, 60_000);
}

/** Each writer owns its keys, so a conditional write can only succeed. */
function checked<T extends { ok: boolean }>(res: T, key: string): T {
  if (!res.ok) throw new Error(`write of ${key} lost a compare-and-swap it cannot lose`);
  return res;
}

main().catch((err) => {
  out(`ERROR ${(err as Error).stack ?? String(err)}`);
  process.exit(4);
});
