/**
 * The contract every store Backend must honour (kine's idea: one suite, every backend). A spec
 * file calls `backendContract(name, factory)`; the factory opens a fresh, started backend, and
 * may offer `reopen` (close, then open again on the same storage) for durable backends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CompactedError,
  KeyExistsError,
  type Backend,
  type StoreEvent,
} from '../../../src-main/control-plane/store/backend';

/** What a factory hands the contract suite. */
export interface BackendFixture {
  backend: Backend;
  /** Closes `backend` and opens the same storage again (durable backends only). */
  reopen?: () => Promise<Backend>;
  cleanup?: () => Promise<void>;
}

/** Collects watch events; `next(n)` waits until n events arrived. */
export function collector() {
  const events: StoreEvent[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    events,
    on: (batch: StoreEvent[]) => {
      events.push(...batch);
      for (const w of [...waiters]) if (events.length >= w.n) w.resolve();
    },
    async next(n: number, ms = 2000): Promise<StoreEvent[]> {
      if (events.length < n) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(
            () => reject(new Error(`timed out waiting for ${n} events, got ${events.length}`)),
            ms,
          );
          waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
        });
      }
      return events.slice(0, n);
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

/** What a backend declares it offers; tests for what it does not offer are not registered. */
export interface BackendTraits {
  /** Survives close + reopen (a memory store has nothing to restart from). */
  durable: boolean;
  /**
   * Offers importSnapshot (a bulk load at given revisions). etcd cannot set revisions, so its
   * restores replay writes instead (store/snapshot.ts, covered by snapshot.spec). The declaration
   * is itself checked against the backend.
   */
  importsSnapshots: boolean;
}

/** Registers the contract tests for a backend factory. */
export function backendContract(
  name: string,
  factory: () => Promise<BackendFixture>,
  { durable, importsSnapshots }: BackendTraits,
): void {
  describe(`Backend contract: ${name}`, () => {
    let fx: BackendFixture;
    let b: Backend;
    const open = async () => {
      fx = await factory();
      b = fx.backend;
      return b;
    };
    afterEach(async () => {
      await b?.close();
      await fx?.cleanup?.();
    });

    it('creates, gets and refuses to create twice', async () => {
      await open();
      const r0 = await b.currentRevision();
      const kv = await b.create('/a/1', 'one');
      expect(kv).toEqual({ key: '/a/1', value: 'one', createRevision: r0 + 1, modRevision: r0 + 1 });
      expect(await b.currentRevision()).toBe(r0 + 1);
      expect((await b.get('/a/1')).kv).toEqual(kv);
      expect((await b.get('/a/2')).kv).toBeUndefined();
      await expect(b.create('/a/1', 'again')).rejects.toBeInstanceOf(KeyExistsError);
      expect(await b.currentRevision()).toBe(r0 + 1);
    });

    it('updates only at the expected revision', async () => {
      await open();
      const kv = await b.create('/a/1', 'one');
      const ok = await b.update('/a/1', 'two', kv.modRevision);
      expect(ok.ok).toBe(true);
      expect(ok.kv).toMatchObject({
        value: 'two',
        createRevision: kv.createRevision,
        modRevision: kv.modRevision + 1,
      });
      const stale = await b.update('/a/1', 'three', kv.modRevision);
      expect(stale.ok).toBe(false);
      expect(stale.kv?.value).toBe('two');
      expect((await b.get('/a/1')).kv?.value).toBe('two');
      const missing = await b.update('/a/none', 'x', 1);
      expect(missing.ok).toBe(false);
      expect(missing.kv).toBeUndefined();
    });

    it('deletes conditionally and unconditionally', async () => {
      await open();
      const kv = await b.create('/a/1', 'one');
      expect((await b.delete('/a/1', kv.modRevision + 100)).ok).toBe(false);
      const del = await b.delete('/a/1', kv.modRevision);
      expect(del.ok).toBe(true);
      expect(del.kv?.value).toBe('one');
      expect((await b.get('/a/1')).kv).toBeUndefined();
      expect((await b.delete('/a/1', 0)).ok).toBe(false);
      await b.create('/a/1', 'reborn');
      expect((await b.delete('/a/1', 0)).ok).toBe(true);
      // A re-created key starts a new life: new createRevision.
      const again = await b.create('/a/1', 'third');
      expect(again.createRevision).toBe(again.modRevision);
    });

    it('lists by prefix, start key and limit, in key order', async () => {
      await open();
      for (const k of ['/p/b', '/p/a', '/p/c', '/pq/x', '/o/z', '/p/d']) await b.create(k, k);
      const all = await b.list('/p/', '', 0, 0);
      expect(all.kvs.map((kv) => kv.key)).toEqual(['/p/a', '/p/b', '/p/c', '/p/d']);
      expect(all.more).toBe(false);
      expect(all.count).toBe(4);
      expect(all.revision).toBe(await b.currentRevision());
      const page = await b.list('/p/', '', 2, 0);
      expect(page.kvs.map((kv) => kv.key)).toEqual(['/p/a', '/p/b']);
      expect(page.more).toBe(true);
      expect(page.count).toBe(4);
      const rest = await b.list('/p/', '/p/b\0', 2, page.revision);
      expect(rest.kvs.map((kv) => kv.key)).toEqual(['/p/c', '/p/d']);
      expect(rest.more).toBe(false);
      expect(rest.count).toBe(2);
    });

    it('lists as of an older revision', async () => {
      await open();
      const a = await b.create('/r/a', '1');
      await b.create('/r/b', '1');
      const before = await b.currentRevision();
      await b.update('/r/a', '2', a.modRevision);
      await b.delete('/r/b', 0);
      await b.create('/r/c', '1');
      const old = await b.list('/r/', '', 0, before);
      expect(old.kvs.map((kv) => [kv.key, kv.value])).toEqual([
        ['/r/a', '1'],
        ['/r/b', '1'],
      ]);
      expect(old.revision).toBe(before);
      const now = await b.list('/r/', '', 0, 0);
      expect(now.kvs.map((kv) => [kv.key, kv.value])).toEqual([
        ['/r/a', '2'],
        ['/r/c', '1'],
      ]);
    });

    it('watches from a revision, in order, by prefix, with prevKv', async () => {
      await open();
      const a = await b.create('/w/a', '1');
      await b.create('/x/ignored', '1');
      const u = await b.update('/w/a', '2', a.modRevision);
      const c = collector();
      const w = await b.watch('/w/', a.modRevision, c.on);
      await b.delete('/w/a', 0);
      await b.create('/w/b', '1');
      const evs = await c.next(4);
      expect(evs.map((e) => [e.type, e.kv.key, e.kv.modRevision])).toEqual([
        ['PUT', '/w/a', a.modRevision],
        ['PUT', '/w/a', u.revision],
        ['DELETE', '/w/a', u.revision + 1],
        ['PUT', '/w/b', u.revision + 2],
      ]);
      expect(evs[1].prevKv?.value).toBe('1');
      expect(evs[2].prevKv?.value).toBe('2');
      w.cancel();
      await b.create('/w/c', '1');
      await tick();
      expect(c.events).toHaveLength(4);
    });

    it('watch from 0 only sees future changes and never blocks writers', async () => {
      await open();
      await b.create('/f/old', '1');
      const c = collector();
      await b.watch('/f/', 0, c.on);
      // A throwing watcher must not disturb the writer or other watchers.
      await b.watch('/f/', 0, () => {
        throw new Error('boom');
      });
      await b.create('/f/new', '1');
      const evs = await c.next(1);
      expect(evs[0].kv.key).toBe('/f/new');
      await tick();
      expect(c.events).toHaveLength(1);
    });

    it('compacts: old revisions are gone for watch and list', async () => {
      await open();
      const a = await b.create('/c/a', '1');
      await b.update('/c/a', '2', a.modRevision);
      const r = await b.currentRevision();
      await b.create('/c/b', '1');
      await b.compact(r);
      expect(await b.compactRevision()).toBe(r);
      await expect(b.watch('/c/', r, () => undefined)).rejects.toBeInstanceOf(CompactedError);
      await expect(b.list('/c/', '', 0, r - 1)).rejects.toBeInstanceOf(CompactedError);
      const atR = await b.list('/c/', '', 0, r);
      expect(atR.kvs.map((kv) => kv.value)).toEqual(['2']);
      const c = collector();
      await b.watch('/c/', r + 1, c.on);
      expect((await c.next(1))[0].kv.key).toBe('/c/b');
    });

    it('acknowledges many concurrent writes, each with its own revision', async () => {
      await open();
      const r0 = await b.currentRevision();
      const kvs = await Promise.all(
        Array.from({ length: 300 }, (_, i) => b.create(`/m/${String(i).padStart(4, '0')}`, `v${i}`)),
      );
      const revs = kvs.map((kv) => kv.modRevision).sort((x, y) => x - y);
      expect(revs).toEqual(Array.from({ length: 300 }, (_, i) => r0 + 1 + i));
      expect((await b.list('/m/', '', 0, 0)).count).toBe(300);
      if (fx.reopen) {
        b = await fx.reopen();
        const l = await b.list('/m/', '', 0, 0);
        expect(l.kvs.map((kv) => kv.value)).toEqual(Array.from({ length: 300 }, (_, i) => `v${i}`));
      }
    });

    it(`${importsSnapshots ? 'offers' : 'does not offer'} importSnapshot, as declared`, async () => {
      await open();
      expect(typeof b.importSnapshot).toBe(importsSnapshots ? 'function' : 'undefined');
    });

    // Registered only where offered.
    (importsSnapshots ? it : () => undefined)(
      'importSnapshot: an empty store takes exactly those keys and revisions',
      async () => {
        await open();
        if (!b.importSnapshot) throw new Error(`${name} declares importSnapshot but has none`);
        const kvs = [
          { key: '/i/b', value: 'b', createRevision: 3, modRevision: 9 },
          { key: '/i/a', value: 'a', createRevision: 2, modRevision: 2 },
          { key: '/j/x', value: '{"x":1}', createRevision: 11, modRevision: 11 },
        ];
        await b.importSnapshot(kvs, 12);
        const check = async () => {
          expect(await b.currentRevision()).toBe(12);
          expect(await b.compactRevision()).toBe(12);
          expect((await b.get('/i/b')).kv).toEqual(kvs[0]);
          const l = await b.list('/', '', 0, 0);
          expect(l.kvs).toEqual([kvs[1], kvs[0], kvs[2]]);
          expect(l.revision).toBe(12);
          await expect(b.watch('/', 12, () => undefined)).rejects.toBeInstanceOf(CompactedError);
        };
        await check();
        if (fx.reopen) {
          b = await fx.reopen();
          await check();
        }
        // Writes continue after the imported revision, against the imported ones.
        const c = collector();
        await b.watch('/i/', 13, c.on);
        const up = await b.update('/i/b', 'b2', 9);
        expect(up.kv).toEqual({ key: '/i/b', value: 'b2', createRevision: 3, modRevision: 13 });
        expect(await b.create('/i/c', 'c')).toMatchObject({ createRevision: 14, modRevision: 14 });
        expect((await c.next(2)).map((e) => [e.kv.modRevision, e.prevKv?.value])).toEqual([
          [13, 'b'],
          [14, undefined],
        ]);
        // Only an empty store may import.
        await expect(b.importSnapshot!([], 20)).rejects.toThrow(/empty store/);
      },
    );

    // Registered only for durable backends (a memory store has nothing to restart from).
    (durable ? it : () => undefined)(
      'restores every key and the revision counter after a restart',
      async () => {
        await open();
        if (!fx.reopen) throw new Error('a durable backend fixture must offer reopen');
        const a = await b.create('/s/a', 'a1');
        await b.update('/s/a', 'a2', a.modRevision);
        await b.create('/s/b', 'b');
        await b.create('/s/gone', 'x');
        await b.delete('/s/gone', 0);
        const rev = await b.currentRevision();
        b = await fx.reopen();
        expect(await b.currentRevision()).toBe(rev);
        const l = await b.list('/s/', '', 0, 0);
        expect(l.kvs.map((kv) => [kv.key, kv.value, kv.createRevision])).toEqual([
          ['/s/a', 'a2', a.createRevision],
          ['/s/b', 'b', a.createRevision + 2],
        ]);
        const next = await b.create('/s/c', 'c');
        expect(next.modRevision).toBe(rev + 1);
        b = await fx.reopen();
        expect((await b.get('/s/c')).kv?.value).toBe('c');
      },
    );
  });
}
