// Slow watchers never block writers (store/mvcc.ts): a watcher that does not keep up is cut off through onError once its backlog passes the limit, big catch-ups go out in slices, and compaction past a stuck watcher ends it as compacted; in memory, plus one WAL store in a temporary folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CompactedError, type StoreEvent } from '../../../src-main/control-plane/store/backend';
import { MemoryBackend, WalBackend } from '../../../src-main/control-plane/store/wal-backend';
import { collector } from './backend-contract';

const tick = () => new Promise((r) => setTimeout(r, 20));

/** Records onError calls and resolves when the first arrives. */
function errors() {
  const got: Error[] = [];
  let resolve!: (e: Error) => void;
  const first = new Promise<Error>((r) => (resolve = r));
  return {
    got,
    first,
    on: (e: Error) => {
      got.push(e);
      resolve(e);
    },
  };
}

describe('slow watchers', () => {
  it('a watcher whose onEvents never settles is cut off at the backlog limit; writers and other watchers carry on', async () => {
    const b = new MemoryBackend({ compactionIntervalMs: 0, watchBacklogEvents: 500 });
    await b.start();
    let calls = 0;
    const errs = errors();
    await b.watch(
      '/p/',
      0,
      () => {
        calls++;
        return new Promise<void>(() => undefined); // never done with its first batch
      },
      errs.on,
    );
    const healthy = collector();
    const healthyErrs = errors();
    await b.watch('/p/', 0, healthy.on, healthyErrs.on);
    await b.create('/p/0', 'x');
    await tick(); // the stuck watcher takes its first batch, and never finishes it
    const t0 = performance.now();
    for (let i = 1; i < 2000; i++) await b.create(`/p/${i}`, 'x');
    const writeMs = performance.now() - t0;
    const err = await errs.first;
    expect(err.message).toMatch(
      /^watch of \/p\/ fell too far behind \(501 events, \d+ bytes waiting; limits 500 events/,
    );
    await tick();
    expect(errs.got).toHaveLength(1); // at most once
    expect(calls).toBe(1); // nothing after the cut-off either
    expect((await healthy.next(2000)).map((e) => e.kv.key)).toEqual(
      Array.from({ length: 2000 }, (_, i) => `/p/${i}`),
    );
    expect(healthyErrs.got).toHaveLength(0);
    expect(writeMs).toBeLessThan(2000);
    await b.close();
  });

  it('a slow consumer that returns promises gets every event in order, never two batches at once', async () => {
    const b = new MemoryBackend({ compactionIntervalMs: 0 });
    await b.start();
    const got: number[] = [];
    let busy = false;
    let overlapped = false;
    await b.watch('/s/', 0, async (batch) => {
      if (busy) overlapped = true;
      busy = true;
      await new Promise((r) => setTimeout(r, 5));
      got.push(...batch.map((e) => e.kv.modRevision));
      busy = false;
    });
    await Promise.all(Array.from({ length: 3000 }, (_, i) => b.create(`/s/${i}`, 'x')));
    for (let i = 0; i < 100 && got.length < 3000; i++) await tick();
    expect(got).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    expect(overlapped).toBe(false);
    await b.close();
  });

  it('a huge backlog (watch from revision 1 over 30,000 changes) goes out in slices and does not count as lag', async () => {
    const b = new MemoryBackend({ compactionIntervalMs: 0, watchBacklogEvents: 1000 });
    await b.start();
    await Promise.all(Array.from({ length: 30_000 }, (_, i) => b.create(`/h/${i}`, 'x')));
    const sizes: number[] = [];
    let interleaved = 0;
    const c = collector();
    const errs = errors();
    await b.watch(
      '/h/',
      1,
      (batch) => {
        sizes.push(batch.length);
        c.on(batch);
      },
      errs.on,
    );
    // Something else gets the event loop between slices.
    const probe = setInterval(() => interleaved++, 0);
    const write = b.create('/h/during', 'x');
    await c.next(30_001, 10_000);
    clearInterval(probe);
    await write;
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1000);
    expect(sizes.length).toBeGreaterThanOrEqual(30);
    expect(interleaved).toBeGreaterThan(0);
    expect(c.events.map((e) => e.kv.modRevision)).toEqual(Array.from({ length: 30_001 }, (_, i) => i + 1));
    expect(errs.got).toHaveLength(0);
    await b.close();
  });

  it('...but a stuck catch-up is cut off once new events pile up behind it', async () => {
    const b = new MemoryBackend({ compactionIntervalMs: 0, watchBacklogEvents: 100 });
    await b.start();
    await Promise.all(Array.from({ length: 5000 }, (_, i) => b.create(`/h/${i}`, 'x')));
    const errs = errors();
    await b.watch('/h/', 1, () => new Promise<void>(() => undefined), errs.on);
    await tick();
    expect(errs.got).toHaveLength(0); // the history it asked for is not lag
    for (let i = 0; i < 101; i++) await b.create(`/h/new-${i}`, 'x');
    expect((await errs.first).message).toMatch(/fell too far behind \(101 events/);
    await b.close();
  });

  it('the byte limit cuts off a watcher falling behind on big values', async () => {
    const b = new MemoryBackend({ compactionIntervalMs: 0, watchBacklogBytes: 1024 * 1024 });
    await b.start();
    const errs = errors();
    await b.watch('/big/', 0, () => new Promise<void>(() => undefined), errs.on);
    await b.create('/big/first', 'x');
    await tick();
    const big = 'v'.repeat(64 * 1024);
    for (let i = 0; i < 20; i++) await b.create(`/big/${i}`, big);
    expect((await errs.first).message).toMatch(/limits 50000 events, 1048576 bytes/);
    await b.close();
  });

  it('compaction past a stuck watcher ends it as compacted; idle watchers of other keys just move on', async () => {
    const b = new MemoryBackend({ compactionIntervalMs: 0 });
    await b.start();
    const stuck = errors();
    await b.watch('/a/', 0, () => new Promise<void>(() => undefined), stuck.on);
    const idle = errors();
    const idleEvents: StoreEvent[] = [];
    const w = await b.watch('/z/', 0, (batch) => void idleEvents.push(...batch), idle.on);
    await b.create('/a/0', 'x');
    await tick(); // it takes revision 1 and gets stuck on it
    for (let i = 1; i < 10; i++) await b.create(`/a/${i}`, 'x');
    await b.compact(8);
    const err = await stuck.first;
    expect(err).toBeInstanceOf(CompactedError);
    expect(err.message).toBe('required revision 2 has been compacted (compacted at 8)');
    await b.create('/z/1', 'z');
    await tick();
    expect(idle.got).toHaveLength(0);
    expect(idleEvents.map((e) => e.kv.key)).toEqual(['/z/1']);
    expect(w.progressRevision?.()).toBe(11);
    await b.close();
  });

  it('a WAL store behaves the same: a stuck watcher does not hold up durable writes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bp-'));
    try {
      const b = new WalBackend(dir, { compactionIntervalMs: 0, watchBacklogEvents: 200 });
      await b.start();
      const errs = errors();
      await b.watch('/', 0, () => new Promise<void>(() => undefined), errs.on);
      await b.create('/w/first', 'x');
      await tick();
      await Promise.all(Array.from({ length: 1000 }, (_, i) => b.create(`/w/${i}`, 'x')));
      expect((await errs.first).message).toMatch(/fell too far behind/);
      expect((await b.list('/w/', '', 0, 0)).count).toBe(1001);
      await b.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
