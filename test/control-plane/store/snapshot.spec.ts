// Unit tests of store/snapshot.ts on the memory backend: save → restore keeps keys, values and modRevisions; damaged files and non-empty targets are refused with clear errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openBackend, type Backend, type KeyValue } from '../../../src-main/control-plane/store/index';
import {
  readSnapshot,
  readSnapshotHeader,
  restoreSnapshot,
  saveSnapshot,
  SnapshotError,
} from '../../../src-main/control-plane/store/snapshot';

let dir: string;
const open: Backend[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-snap-'));
});
afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function memory(): Promise<Backend> {
  const b = openBackend('memory://', { compactionIntervalMs: 0 });
  await b.start();
  open.push(b);
  return b;
}

/** The same backend without importSnapshot (as etcd is): restore must replay. */
function withoutImport(b: Backend): Backend {
  return {
    start: () => b.start(),
    close: () => b.close(),
    currentRevision: () => b.currentRevision(),
    get: (k) => b.get(k),
    create: (k, v) => b.create(k, v),
    update: (k, v, r) => b.update(k, v, r),
    delete: (k, r) => b.delete(k, r),
    list: (p, s, l, r) => b.list(p, s, l, r),
    watch: (p, f, on, err) => b.watch(p, f, on, err),
    compact: (r) => b.compact(r),
    compactRevision: () => b.compactRevision(),
  };
}

/** A store with gaps in its revisions: updates, deletes and a key deleted after the last write. */
async function seeded(): Promise<Backend> {
  const b = await memory();
  for (let i = 0; i < 30; i++) await b.create(`/registry/configmaps/default/cm-${i}`, `{"i":${i}}`);
  let lease = await b.create('/registry/leases/kube-node-lease/node', '{"n":0}');
  for (let i = 1; i <= 700; i++) {
    const r = await b.update(lease.key, `{"n":${i}}`, lease.modRevision);
    lease = { ...lease, modRevision: r.revision };
  }
  for (let i = 0; i < 30; i += 3) await b.delete(`/registry/configmaps/default/cm-${i}`, 0);
  const cm = (await b.get('/registry/configmaps/default/cm-1')).kv!;
  await b.update(cm.key, '{"i":"one"}', cm.modRevision);
  await b.create('/registry/namespaces/gone', '{}');
  await b.delete('/registry/namespaces/gone', 0);
  return b;
}

async function all(b: Backend): Promise<KeyValue[]> {
  return (await b.list('', '', 0, 0)).kvs;
}

describe('store snapshots', () => {
  it('save → restore into a fresh store keeps every key, value and modRevision (replayed writes)', async () => {
    const src = await seeded();
    const file = path.join(dir, 'a.snap');
    const info = await saveSnapshot(src, file, { skiffVersion: '9.9.9' });
    expect(info.revision).toBe(await src.currentRevision());
    expect(info.keys).toBe(21);
    expect(info.bytes).toBe(fs.statSync(file).size);
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
    expect(await readSnapshotHeader(file)).toMatchObject({ skiffVersion: '9.9.9', keys: 21 });

    const target = withoutImport(await memory());
    const res = await restoreSnapshot(file, target);
    expect(res.method).toBe('replay');
    const want = await all(src);
    const got = await all(target);
    expect(got.map((kv) => [kv.key, kv.value, kv.modRevision])).toEqual(
      want.map((kv) => [kv.key, kv.value, kv.modRevision]),
    );
    // Replayed, a key's createRevision becomes its modRevision; the fillers are gone.
    expect(got.every((kv) => kv.createRevision === kv.modRevision)).toBe(true);
    expect(got.some((kv) => kv.key.startsWith('/skiff-restore/'))).toBe(false);
    // New writes land after every revision the snapshot knew.
    expect(res.revision).toBeGreaterThanOrEqual(info.revision);
    const next = await target.create('/registry/configmaps/default/new', '{}');
    expect(next.modRevision).toBeGreaterThan(info.revision);
  });

  it('a save is one consistent revision even while writes go on', async () => {
    const src = await memory();
    for (let i = 0; i < 1200; i++) await src.create(`/registry/k/${String(i).padStart(5, '0')}`, 'v');
    const file = path.join(dir, 'busy.snap');
    let stop = false;
    const writer = (async () => {
      // Yielding to the event loop each time, so the save's file I/O gets its turn.
      for (let i = 0; !stop; i++) {
        await src.create(`/registry/k/late-${i}`, 'v');
        await new Promise((r) => setImmediate(r));
      }
    })();
    const info = await saveSnapshot(src, file);
    stop = true;
    await writer;
    const snap = await readSnapshot(file);
    expect(snap.kvs.length).toBe(info.keys);
    expect(snap.kvs.every((kv) => kv.modRevision <= info.revision)).toBe(true);
    expect((await src.list('', '', 0, info.revision)).kvs.map((kv) => kv.key)).toEqual(
      snap.kvs.map((kv) => kv.key),
    );
  });

  it('uses the backend import when it has one, with the exact revisions', async () => {
    const src = await seeded();
    const file = path.join(dir, 'b.snap');
    const info = await saveSnapshot(src, file);
    const target = withoutImport(await memory());
    const importSnapshot = vi.fn(async () => undefined);
    const res = await restoreSnapshot(file, Object.assign(target, { importSnapshot }));
    expect(res.method).toBe('import');
    expect(importSnapshot).toHaveBeenCalledWith(await all(src), info.revision);
  });

  it('an empty store snapshots and restores to the same revision', async () => {
    const src = await memory();
    await src.create('/registry/x', '1');
    await src.delete('/registry/x', 0);
    const file = path.join(dir, 'empty.snap');
    const info = await saveSnapshot(src, file);
    expect(info).toMatchObject({ keys: 0, revision: 2 });
    const target = withoutImport(await memory());
    const res = await restoreSnapshot(file, target);
    expect(await all(target)).toEqual([]);
    expect(res.revision).toBeGreaterThanOrEqual(2);
  });

  it('refuses a non-empty target', async () => {
    const src = await seeded();
    const file = path.join(dir, 'c.snap');
    await saveSnapshot(src, file);
    const target = await memory();
    await target.create('/registry/namespaces/default', '{}');
    await expect(restoreSnapshot(file, target)).rejects.toThrow(/target store is not empty \(1 keys/);
  });

  describe('damaged files are refused with what is wrong and which file', () => {
    let file: string;
    beforeEach(async () => {
      file = path.join(dir, 'd.snap');
      await saveSnapshot(await seeded(), file);
    });

    it('one flipped byte → checksum mismatch', async () => {
      const buf = fs.readFileSync(file);
      const at = buf.indexOf('cm-17');
      buf[at + 3] = '8'.charCodeAt(0);
      fs.writeFileSync(file, buf);
      const err = await readSnapshot(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SnapshotError);
      expect((err as Error).message).toMatch(
        new RegExp(`^snapshot ${file}: checksum mismatch: the file is corrupt`),
      );
      await expect(restoreSnapshot(file, await memory())).rejects.toThrow(/checksum mismatch/);
    });

    it('a truncated file → truncated', async () => {
      const buf = fs.readFileSync(file);
      for (const cut of [buf.length - 1, buf.length - 40, Math.floor(buf.length / 2), 30]) {
        fs.writeFileSync(file, buf.subarray(0, cut));
        await expect(readSnapshot(file)).rejects.toThrow(
          new RegExp(`^snapshot ${file}: truncated or damaged: the checksum line at the end is missing`),
        );
      }
    });

    it('wrong magic, an unknown format version, an empty or missing file', async () => {
      const buf = fs.readFileSync(file);
      fs.writeFileSync(file, Buffer.concat([Buffer.from('{"not":"a snapshot"}\n'), buf]));
      await expect(readSnapshot(file)).rejects.toThrow(
        /not a Skiff snapshot \(it does not start with "SKIFF-SNAPSHOT"\)/,
      );
      await expect(readSnapshotHeader(file)).rejects.toThrow(/not a Skiff snapshot/);
      fs.writeFileSync(
        file,
        Buffer.concat([Buffer.from('SKIFF-SNAPSHOT 7'), buf.subarray(buf.indexOf(0x0a))]),
      );
      await expect(readSnapshot(file)).rejects.toThrow(
        /format version 7 is not supported \(this Skiff reads version 1/,
      );
      fs.writeFileSync(file, '');
      await expect(readSnapshot(file)).rejects.toThrow(/the file is empty/);
      await expect(readSnapshot(path.join(dir, 'nope.snap'))).rejects.toThrow(/nope\.snap: no such file/);
    });
  });
});
