// Crash consistency of the WAL store with real processes: a child writes as fast as it can and reports each acknowledged write, is SIGKILLed at random moments (also mid-recovery) and restarted at once on the same data dir; every start-up must succeed and every acknowledged write be there, in revision order, with its value. Touches only a temporary folder. SKIFF_CRASH_CYCLES sets the number of cycles (default 50), SKIFF_CRASH_SEED the random seed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KeyValue } from '../../../src-main/control-plane/store/backend';
import { WRITERS, crashOp, digest } from './helpers/crash-ops';
import { spawnStoreChild, storeChildScript, type StoreChild } from './helpers/store-child-process';

const CYCLES = Number(process.env.SKIFF_CRASH_CYCLES ?? 50);
const SEED = Number(process.env.SKIFF_CRASH_SEED ?? Date.now() % 1_000_000);
/** A cycle takes under 0.5 s in CI; `npm run soak` runs 500, so the budget grows with the cycles. */
const TIMEOUT_MS = Math.max(600_000, CYCLES * 5_000);

/** A small deterministic PRNG, so a failure can be replayed with SKIFF_CRASH_SEED. */
function prng(seed: number): (n: number) => number {
  let x = seed || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-crash-'));
const dir = path.join(root, 'data');
// Where the child records each acknowledged write (see helpers/store-child.ts).
const ackFile = path.join(root, 'acks');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function kill(c: StoreChild): Promise<void> {
  c.child.kill('SIGKILL');
  await c.exited;
}

interface Ack {
  w: number;
  seq: number;
  rev: number;
}

/**
 * The acknowledgements the child wrote before it was killed. A SIGKILL can cut its last line short
 * (a write that crosses a page boundary is not atomic), so only lines ended by a newline count:
 * that write was acknowledged, but the harness cannot tell which, so it goes unchecked.
 */
function readAcks(file: string, ctx: string): Ack[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.pop();
  return lines.map((l) => {
    const m = /^ACK (\d+) (\d+) (\d+)$/.exec(l);
    if (!m) throw new Error(`${ctx}: malformed acknowledgement line ${JSON.stringify(l)}`);
    return { w: Number(m[1]), seq: Number(m[2]), rev: Number(m[3]) };
  });
}

/**
 * Checks cycle `cycle`'s writes against the history the next start replayed (`EV` lines from
 * revision `from` to `upTo`, every revision since that cycle's start) and applies them to `model`.
 */
function verifyCycle(
  cycle: number,
  acks: Ack[],
  evLines: string[],
  from: number,
  upTo: number,
  model: Map<string, KeyValue>,
  ctx: string,
): void {
  const events = evLines.map((l) => {
    const [, rev, type, key, ...value] = l.split(' ');
    return { rev: Number(rev), type, key, value: value.join(' ') };
  });
  // Revision order intact: dense, increasing, nothing before or after the cycle's own writes.
  expect(
    events.map((e) => e.rev),
    ctx,
  ).toEqual(Array.from({ length: upTo - from + 1 }, (_, i) => from + i));
  const byRev = new Map(events.map((e) => [e.rev, e]));
  // Every acknowledged write is there, at its revision, with its value.
  for (const a of acks) {
    const op = crashOp(cycle, a.w, a.seq);
    const e = byRev.get(a.rev);
    expect(e, `${ctx}: acknowledged write ${a.w}/${a.seq} at ${a.rev} is missing`).toBeDefined();
    expect({ type: e!.type, key: e!.key, value: e!.value }, ctx).toEqual(op);
  }
  // Per writer, the durable writes are its acknowledged ones plus at most the one in flight.
  for (let w = 0; w < WRITERS; w++) {
    const acked = acks.filter((a) => a.w === w);
    expect(
      acked.map((a) => a.seq),
      ctx,
    ).toEqual(acked.map((_, i) => i));
    const mine = events.filter((e) => Number(e.key.split('/')[3]) === w);
    expect(mine.length - acked.length, `${ctx}: writer ${w}`).toBeGreaterThanOrEqual(0);
    expect(mine.length - acked.length, `${ctx}: writer ${w}`).toBeLessThanOrEqual(1);
    mine.forEach((e, seq) =>
      expect({ type: e.type, key: e.key, value: e.value }, ctx).toEqual(crashOp(cycle, w, seq)),
    );
  }
  for (const e of events) {
    if (e.type === 'DELETE') model.delete(e.key);
    else {
      const prev = model.get(e.key);
      model.set(e.key, {
        key: e.key,
        value: e.value,
        createRevision: prev?.createRevision ?? e.rev,
        modRevision: e.rev,
      });
    }
  }
}

describe('crash consistency (SIGKILL at random moments)', () => {
  const name = `${CYCLES} kill-and-restart cycles lose no acknowledged write (seed ${SEED})`;
  it(name, { timeout: TIMEOUT_MS }, async () => {
    await storeChildScript();
    const rand = prng(SEED);
    const model = new Map<string, KeyValue>();
    let prev = -1;
    let from = 0;
    let prevAcks: Ack[] = [];
    let maxAcked = 0;
    let totalAcks = 0;
    let midRecoveryKills = 0;
    const t0 = Date.now();
    for (let cycle = 0; cycle <= CYCLES; cycle++) {
      const ctx = `seed ${SEED}, cycle ${cycle}`;
      // Now and then, a start that is killed during its recovery (snapshot writing, WAL cut).
      if (cycle > 0 && rand(4) === 0) {
        const early = await spawnStoreChild(['writer', dir, '-1', '-1', '0', ackFile]);
        await sleep(rand(60));
        if (early.lines.some((l) => l.startsWith('ERROR')))
          throw new Error(`${ctx}: ${early.lines.join('\n')}`);
        await kill(early);
        midRecoveryKills++;
      }
      const c = await spawnStoreChild(['writer', dir, String(cycle), String(prev), String(from), ackFile]);
      // Every start-up succeeds, and quickly.
      const ready = await c.waitFor(/^READY /, 20_000).catch((err: Error) => {
        throw new Error(`${ctx}: start-up failed: ${err.message}`);
      });
      const [, revText] = ready.split(' ');
      const rev = Number(revText);
      expect(rev, ctx).toBeGreaterThanOrEqual(maxAcked);
      if (prev >= 0) {
        const dig = await c.waitFor(/^DIGEST /, 20_000);
        expect(
          c.lines.some((l) => l.startsWith('COMPACTED')),
          `${ctx}: history of the last cycle was compacted`,
        ).toBe(false);
        const evs = c.lines.filter((l) => l.startsWith('EV '));
        verifyCycle(prev, prevAcks, evs, from, rev, model, ctx);
        // ...and the whole store is exactly what all verified history says.
        expect(dig, ctx).toBe(`DIGEST ${digest([...model.values()])}`);
      }
      if (cycle === CYCLES) {
        await kill(c);
        break;
      }
      await c.waitFor(/^WRITING$/, 20_000);
      await sleep(5 + rand(60));
      await kill(c);
      expect(
        c.lines.filter((l) => l.startsWith('ERROR')),
        ctx,
      ).toEqual([]);
      prevAcks = readAcks(ackFile, ctx);
      totalAcks += prevAcks.length;
      for (const a of prevAcks) maxAcked = Math.max(maxAcked, a.rev);
      prev = cycle;
      from = rev + 1;
    }
    // The harness did real work: writes were acknowledged, and some kills hit recoveries.
    expect(totalAcks).toBeGreaterThan(CYCLES * 20);
    if (CYCLES >= 20) expect(midRecoveryKills).toBeGreaterThan(0);
    console.log(
      `crash harness: ${CYCLES} cycles, ${totalAcks} acknowledged writes, ${midRecoveryKills} kills mid-recovery, ${model.size} live keys, ${Date.now() - t0} ms (seed ${SEED})`,
    );
  });
});
