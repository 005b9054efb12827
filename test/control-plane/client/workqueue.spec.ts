import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../../src-main/control-plane/client/workqueue';
import { FakeClock } from '../helpers/fake-api';

describe('WorkQueue', () => {
  it('deduplicates keys waiting in the queue', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.pending()).toEqual(['a', 'b']);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.length).toBe(0);
  });

  it('never hands a key being processed to a second worker, and requeues it after done', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    const k = await q.get();
    expect(k).toBe('a');
    q.add('a');
    // Still processing: not available to another worker.
    expect(q.tryGet()).toBeUndefined();
    expect(q.isProcessing('a')).toBe(true);
    q.done('a');
    expect(q.pending()).toEqual(['a']);
    expect(q.tryGet()).toBe('a');
    q.done('a');
    expect(q.length).toBe(0);
  });

  it('wakes a parked worker on add', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const p = q.get();
    q.add('x');
    expect(await p).toBe('x');
    expect(q.isProcessing('x')).toBe(true);
  });

  it('backs off exponentially per key from 5 ms, capped, until forgotten', () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    expect([q.when('a'), q.when('a'), q.when('a'), q.when('a')]).toEqual([5, 10, 20, 40]);
    expect(q.when('b')).toBe(5);
    for (let i = 0; i < 100; i++) q.when('a');
    expect(q.when('a')).toBe(1_000_000);
    expect(q.numRequeues('a')).toBe(105);
    q.forget('a');
    expect(q.when('a')).toBe(5);
  });

  it('addRateLimited and addAfter add only when the clock reaches the delay; the earliest delay wins', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addRateLimited('a'); // 5 ms
    q.addRateLimited('a'); // 10 ms: later than the pending one, ignored
    await clock.advance(4);
    expect(q.length).toBe(0);
    await clock.advance(1);
    expect(q.pending()).toEqual(['a']);
    q.addAfter('b', 1000);
    q.addAfter('b', 100);
    expect(q.delayedUntil('b')).toBe(clock.now() + 100);
    await clock.advance(100);
    expect(q.pending()).toEqual(['a', 'b']);
    await clock.advance(1000);
    expect(q.pending()).toEqual(['a', 'b']);
  });

  it('shutDown releases parked workers and drops delayed adds', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const p = q.get();
    q.addAfter('z', 10);
    q.shutDown();
    expect(await p).toBeUndefined();
    await clock.advance(20);
    expect(q.length).toBe(0);
    expect(await q.get()).toBeUndefined();
  });
});
