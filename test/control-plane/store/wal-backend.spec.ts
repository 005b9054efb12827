import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CompactedError } from '../../../src-main/control-plane/store/backend';
import { WalBackend } from '../../../src-main/control-plane/store/wal-backend';
import { openBackend, MemoryBackend } from '../../../src-main/control-plane/store/index';
import { decodeRecords, encodeRecord } from '../../../src-main/control-plane/store/wal-format';
import { backendContract, collector } from './backend-contract';
import { spawnStoreChild } from './helpers/store-child-process';

const tmpDirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-wal-'));
  tmpDirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

backendContract(
  'wal',
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-wal-'));
    const fx = {
      backend: new WalBackend(dir, { compactionIntervalMs: 0 }),
      reopen: async () => {
        await fx.backend.close();
        fx.backend = new WalBackend(dir, { compactionIntervalMs: 0 });
        await fx.backend.start();
        return fx.backend;
      },
      cleanup: async () => {
        await fx.backend.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
    await fx.backend.start();
    return fx;
  },
  { durable: true, importsSnapshots: true },
);

async function started(dir: string, opts = {}): Promise<WalBackend> {
  const b = new WalBackend(dir, { compactionIntervalMs: 0, ...opts });
  await b.start();
  return b;
}

describe('WalBackend durability', () => {
  it('recovers acknowledged writes after a crash (SIGKILL, no close)', async () => {
    const dir = tmpDir();
    const b = await started(dir);
    await b.create('/k/a', 'a');
    const kv = await b.create('/k/b', 'b');
    await b.update('/k/b', 'b2', kv.modRevision);
    await b.close();
    // A process that writes and is killed without closing; a new one opens the same directory.
    const holder = await spawnStoreChild(['hold', dir]);
    const pid = Number((await holder.waitFor(/^READY /)).split(' ')[1]);
    holder.child.kill('SIGKILL');
    await holder.exited;
    const b2 = await started(dir);
    expect((await b2.list('/k/', '', 0, 0)).kvs.map((x) => x.value)).toEqual(['a', 'b2']);
    expect((await b2.get(`/held/${pid}`)).kv?.value).toBe('x');
    expect(b2.currentRevision()).toBe(4);
    await b2.close();
  });

  it('drops a torn last record and keeps everything before it', async () => {
    const dir = tmpDir();
    const b = await started(dir);
    await b.create('/k/a', 'a');
    await b.create('/k/b', 'b');
    await b.close();
    // The snapshot on start-up absorbed those; append records as a crashed process would have.
    const wal = path.join(dir, 'wal.log');
    const good = encodeRecord({ r: 3, k: '/k/c', v: 'c', c: 3 });
    const torn = encodeRecord({ r: 4, k: '/k/d', v: 'd', c: 4 }).subarray(0, 13);
    fs.appendFileSync(wal, Buffer.concat([good, torn]));
    const b2 = await started(dir);
    expect((await b2.list('/k/', '', 0, 0)).kvs.map((x) => x.key)).toEqual(['/k/a', '/k/b', '/k/c']);
    expect(b2.currentRevision()).toBe(3);
    // The torn bytes are gone, so new writes append cleanly and survive another restart.
    await b2.create('/k/e', 'e');
    await b2.close();
    const b3 = await started(dir);
    expect((await b3.list('/k/', '', 0, 0)).kvs.map((x) => x.key)).toEqual(['/k/a', '/k/b', '/k/c', '/k/e']);
    await b3.close();
  });

  it('drops a last record whose checksum does not match', async () => {
    const dir = tmpDir();
    const b = await started(dir);
    await b.close();
    const rec = encodeRecord({ r: 1, k: '/k/a', v: 'a', c: 1 });
    const bad = Buffer.from(encodeRecord({ r: 2, k: '/k/b', v: 'b', c: 2 }));
    bad[bad.length - 2] ^= 0xff;
    fs.appendFileSync(path.join(dir, 'wal.log'), Buffer.concat([rec, bad]));
    const b2 = await started(dir);
    expect((await b2.list('/k/', '', 0, 0)).kvs.map((x) => x.key)).toEqual(['/k/a']);
    await b2.close();
  });

  it('decodes records and reports where a tear starts', () => {
    const a = encodeRecord({ r: 1, k: 'a', v: 'x' });
    const bRec = encodeRecord({ r: 2, k: 'b', d: 1 });
    const whole = decodeRecords(Buffer.concat([a, bRec]));
    expect(whole.entries).toEqual([
      { r: 1, k: 'a', v: 'x' },
      { r: 2, k: 'b', d: 1 },
    ]);
    expect(whole.error).toBeUndefined();
    const cut = decodeRecords(Buffer.concat([a, bRec.subarray(0, 5)]));
    expect(cut.entries).toHaveLength(1);
    expect(cut.validBytes).toBe(a.length);
    expect(cut.error).toMatch(/torn/);
  });

  it('group-commits: concurrent writes share fsyncs and all are durable', async () => {
    const dir = tmpDir();
    const b = await started(dir);
    const before = b.stats().fsyncs;
    await Promise.all(Array.from({ length: 500 }, (_, i) => b.create(`/g/${i}`, 'x'.repeat(100))));
    const used = b.stats().fsyncs - before;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(50);
    await b.close();
    const b2 = await started(dir);
    expect((await b2.list('/g/', '', 0, 0)).count).toBe(500);
    await b2.close();
  });

  it('does not show a write to readers or watchers before it is durable', async () => {
    const dir = tmpDir();
    const b = await started(dir);
    const c = collector();
    await b.watch('/v/', 0, c.on);
    const p = b.create('/v/a', '1');
    // Not yet fsynced: invisible.
    expect((await b.get('/v/a')).kv).toBeUndefined();
    expect(c.events).toHaveLength(0);
    await p;
    expect((await b.get('/v/a')).kv?.value).toBe('1');
    await c.next(1);
    await b.close();
  });

  it('snapshots and truncates the WAL when it grows past maxWalBytes', async () => {
    const dir = tmpDir();
    const b = await started(dir, { maxWalBytes: 8 * 1024 });
    for (let i = 0; i < 200; i++) await b.create(`/big/${String(i).padStart(3, '0')}`, 'y'.repeat(200));
    expect(b.stats().walBytes).toBeLessThan(8 * 1024 + 1024);
    expect(fs.statSync(path.join(dir, 'wal.log')).size).toBeLessThan(8 * 1024 + 1024);
    const rev = b.currentRevision();
    await b.close();
    const b2 = await started(dir);
    expect(b2.currentRevision()).toBe(rev);
    expect((await b2.list('/big/', '', 0, 0)).count).toBe(200);
    await b2.close();
  });

  it('refuses to start on a truncated snapshot rather than come up empty', async () => {
    const dir = tmpDir();
    const b = await started(dir);
    await b.create('/k/a', 'a');
    await b.close();
    await (await started(dir)).close(); // the start-up snapshot now holds /k/a
    const snap = path.join(dir, 'snapshot');
    const text = fs.readFileSync(snap, 'utf8');
    fs.writeFileSync(snap, text.split('\n').slice(0, 2).join('\n'));
    await expect(started(dir)).rejects.toThrow(/snapshot/);
  });
});

describe('WalBackend history across restarts', () => {
  /** Watches `prefix` from `from` and resolves with the first `n` events. */
  async function eventsFrom(b: WalBackend, prefix: string, from: number, n: number) {
    const c = collector();
    const w = await b.watch(prefix, from, c.on);
    const evs = await c.next(n);
    w.cancel();
    return evs.map((e) => [e.kv.modRevision, e.type, e.kv.key, e.kv.value, e.prevKv?.value]);
  }

  it('a watch from an old revision resumes after a clean restart: events, no CompactedError', async () => {
    const dir = tmpDir();
    const b = await started(dir);
    const a = await b.create('/k/a', 'a1');
    await b.update('/k/a', 'a2', a.modRevision);
    await b.create('/k/b', 'b');
    await b.delete('/k/b', 0);
    await b.close();
    const b2 = await started(dir);
    expect(b2.compactRevision()).toBe(0);
    expect(await eventsFrom(b2, '/k/', 1, 4)).toEqual([
      [1, 'PUT', '/k/a', 'a1', undefined],
      [2, 'PUT', '/k/a', 'a2', 'a1'],
      [3, 'PUT', '/k/b', 'b', undefined],
      [4, 'DELETE', '/k/b', '', 'b'],
    ]);
    // Lists at old revisions work too, and new writes continue the same history.
    expect((await b2.list('/k/', '', 0, 3)).kvs.map((kv) => kv.value)).toEqual(['a2', 'b']);
    await b2.create('/k/c', 'c');
    await b2.close();
    const b3 = await started(dir);
    expect((await eventsFrom(b3, '/k/', 2, 4)).map((e) => e[0])).toEqual([2, 3, 4, 5]);
    await b3.close();
  });

  it('...and after a crash, with the tail only in the WAL', async () => {
    const dir = tmpDir();
    const b = await started(dir);
    await b.create('/k/a', 'a');
    await b.create('/k/b', 'b');
    await b.close();
    const holder = await spawnStoreChild(['hold', dir]); // writes /held/<pid> at revision 3
    const pid = Number((await holder.waitFor(/^READY /)).split(' ')[1]);
    holder.child.kill('SIGKILL');
    await holder.exited;
    const b2 = await started(dir);
    expect(await eventsFrom(b2, '/', 1, 3)).toEqual([
      [1, 'PUT', '/k/a', 'a', undefined],
      [2, 'PUT', '/k/b', 'b', undefined],
      [3, 'PUT', `/held/${pid}`, 'x', undefined],
    ]);
    await b2.close();
  });

  it('history survives WAL rotations: the snapshot carries the retained window', async () => {
    const dir = tmpDir();
    const b = await started(dir, { maxWalBytes: 4 * 1024 });
    let kv = await b.create('/r/x', '0');
    for (let i = 1; i < 300; i++) kv = (await b.update('/r/x', String(i), kv.modRevision)).kv!;
    expect(b.stats().walBytes).toBeLessThan(5 * 1024); // it rotated
    await b.close();
    const b2 = await started(dir);
    const evs = await eventsFrom(b2, '/r/', 1, 300);
    expect(evs.map((e) => e[3])).toEqual(Array.from({ length: 300 }, (_, i) => String(i)));
    await b2.close();
  });

  it('beyond the window: what compaction dropped stays dropped after a restart (CompactedError)', async () => {
    let now = 0;
    const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined };
    const dir = tmpDir();
    const opts = { clock, retainRevisions: 5, retainMs: 1000 };
    const b = await started(dir, opts);
    for (let i = 0; i < 20; i++) await b.create(`/w/${String(i).padStart(2, '0')}`, 'x');
    b.autoCompact(); // sample (0, 20)
    now = 2000;
    for (let i = 20; i < 30; i++) await b.create(`/w/${i}`, 'x');
    b.autoCompact(); // the t=0 sample is past the 1 s window: compact to 20
    expect(b.compactRevision()).toBe(20);
    await b.close();
    const b2 = await started(dir, opts);
    expect(b2.compactRevision()).toBe(20);
    await expect(b2.watch('/w/', 20, () => undefined)).rejects.toBeInstanceOf(CompactedError);
    await expect(b2.list('/w/', '', 0, 19)).rejects.toBeInstanceOf(CompactedError);
    expect((await b2.list('/w/', '', 0, 20)).count).toBe(20);
    expect((await eventsFrom(b2, '/w/', 21, 10)).map((e) => e[0])).toEqual(
      Array.from({ length: 10 }, (_, i) => 21 + i),
    );
    // The time samples came back with the snapshot: the (2000, 30) one ages out as before.
    now = 3500;
    b2.autoCompact();
    expect(b2.compactRevision()).toBe(25); // min(30 by time, 30 - 5 by count)
    await b2.close();
  });

  it('reads a version-1 snapshot (no history): its revision is the compaction point', async () => {
    const dir = tmpDir();
    fs.writeFileSync(
      path.join(dir, 'snapshot'),
      [
        '{"skiff":"snapshot","v":1,"revision":7}',
        '{"k":"/k/a","v":"a","c":3,"m":7}',
        '{"end":true,"count":1}',
        '',
      ].join('\n'),
    );
    const b = await started(dir);
    expect(b.currentRevision()).toBe(7);
    expect(b.compactRevision()).toBe(7);
    expect((await b.get('/k/a')).kv).toEqual({ key: '/k/a', value: 'a', createRevision: 3, modRevision: 7 });
    await expect(b.watch('/k/', 7, () => undefined)).rejects.toBeInstanceOf(CompactedError);
    await b.close();
  });
});

describe('auto-compaction', () => {
  it('keeps the last N revisions and the last retainMs of history', async () => {
    let now = 0;
    const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined };
    const b = new MemoryBackend({ clock, retainRevisions: 5, retainMs: 1000, compactionIntervalMs: 0 });
    await b.start();
    for (let i = 0; i < 20; i++) await b.create(`/a/${i}`, 'x');
    b.autoCompact(); // t=0: nothing is older than retainMs yet
    expect(b.compactRevision()).toBe(0);
    now = 500;
    for (let i = 20; i < 30; i++) await b.create(`/a/${i}`, 'x');
    b.autoCompact(); // t=500: sample (500, 30)
    expect(b.compactRevision()).toBe(0);
    now = 1200;
    b.autoCompact(); // the t=0 sample (rev 20) is now older than 1 s; 30-5=25 > 20 → compact to 20
    expect(b.compactRevision()).toBe(20);
    now = 1600;
    b.autoCompact(); // the t=500 sample (rev 30) is old; but keep the last 5 revisions → 25
    expect(b.compactRevision()).toBe(25);
    await b.close();
  });
});

describe('openBackend', () => {
  it('chooses the backend by scheme', () => {
    expect(openBackend('memory://')).toBeInstanceOf(MemoryBackend);
    expect(openBackend('/tmp/some/dir')).toBeInstanceOf(WalBackend);
    expect(openBackend('wal:///tmp/x')).toBeInstanceOf(WalBackend);
    expect(() => openBackend('wal://relative')).toThrow(/absolute/);
    expect(openBackend('etcd://127.0.0.1:2379').constructor.name).toBe('EtcdBackend'); // etcd-backend.spec.ts
    expect(() => openBackend('nope://x')).toThrow(/unknown backend scheme/);
  });

  it('opens a working WAL store from a wal:// URL', async () => {
    const dir = tmpDir();
    const b = openBackend(`wal://${dir}`);
    await b.start();
    await b.create('/x', '1');
    await b.close();
    expect(fs.existsSync(path.join(dir, 'snapshot'))).toBe(true);
  });
});

describe('WalBackend.importSnapshot', () => {
  it('is durable once it resolves: a crash right after keeps the imported state', async () => {
    const dir = tmpDir();
    const b = await started(dir);
    await b.importSnapshot([{ key: '/a', value: '1', createRevision: 4, modRevision: 7 }], 7);
    // The files as a crash now would leave them, opened elsewhere.
    const copy = tmpDir();
    for (const f of ['snapshot', 'wal.log']) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
    await b.close();
    const b2 = await started(copy);
    expect(b2.currentRevision()).toBe(7);
    expect((await b2.get('/a')).kv).toEqual({ key: '/a', value: '1', createRevision: 4, modRevision: 7 });
    await b2.close();
  });

  it('a watch opened before the import sees the writes after it, not the imported keys', async () => {
    const b = new MemoryBackend({ compactionIntervalMs: 0 });
    await b.start();
    const c = collector();
    await b.watch('/', 0, c.on);
    await b.importSnapshot([{ key: '/a', value: '1', createRevision: 1, modRevision: 5 }], 5);
    await b.create('/b', '2');
    expect((await c.next(1)).map((e) => [e.kv.key, e.kv.modRevision])).toEqual([['/b', 6]]);
    await new Promise((r) => setTimeout(r, 20));
    expect(c.events).toHaveLength(1);
    await b.close();
  });

  it('refuses inconsistent input and leaves the store empty', async () => {
    const b = new MemoryBackend({ compactionIntervalMs: 0 });
    await b.start();
    const kv = (key: string, c: number, m: number) => ({
      key,
      value: 'v',
      createRevision: c,
      modRevision: m,
    });
    await expect(b.importSnapshot([kv('/a', 1, 5)], 4)).rejects.toThrow(
      'store: importSnapshot key /a has createRevision 1 and modRevision 5; need 1 <= createRevision <= modRevision <= 4',
    );
    await expect(b.importSnapshot([kv('/a', 3, 2)], 4)).rejects.toThrow(/createRevision <= modRevision/);
    await expect(b.importSnapshot([kv('/a', 1, 1), kv('/a', 2, 2)], 4)).rejects.toThrow(/key \/a twice/);
    await expect(b.importSnapshot([], -1)).rejects.toThrow(/whole number/);
    expect(b.currentRevision()).toBe(0);
    await b.close();
    // On disk the import takes a while: a write meanwhile fails rather than being wiped.
    const w = await started(tmpDir());
    const importing = w.importSnapshot([kv('/a', 1, 1)], 3);
    await expect(w.create('/b', 'x')).rejects.toThrow(/import is in progress/);
    await importing;
    expect((await w.create('/b', 'x')).modRevision).toBe(4);
    await w.close();
  });
});
