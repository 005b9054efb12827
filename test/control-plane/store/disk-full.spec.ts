// A full disk under the WAL store (a 2 MiB tmpfs this spec mounts, so it needs root; skipped locally otherwise): writes fail with a clear StoreWriteError the API server answers as 507, reads keep working, nothing acknowledged is lost, and writes recover by themselves once space returns; touches only its own mount point.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import { ObjectStore } from '../../../src-main/control-plane/apiserver/object-storage';
import { StatusError } from '../../../src-main/control-plane/apiserver/status';
import { StoreWriteError } from '../../../src-main/control-plane/store/backend';
import { WalBackend } from '../../../src-main/control-plane/store/wal-backend';
import { needTool } from '../../helpers/skips';
import { collector } from './backend-contract';

const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-full-'));

/** Mounts a small tmpfs at `mnt`; false (and the mount point removed) if this machine cannot. */
function mountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
const mounted = mountTmpfs();
const canRun = needTool(
  mounted,
  'mounting a tmpfs needs root (CAP_SYS_ADMIN); the disk-full tests did not run',
);

const filler = path.join(mnt, 'filler');
/** Fills the file system to the last byte. */
function fill(): void {
  const fd = fs.openSync(filler, 'a');
  try {
    for (const size of [64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          fs.writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
const free = () => fs.rmSync(filler, { force: true });

/** A value big enough that appending it needs fresh pages, whatever slack the WAL's last page has. */
const big = (tag: string) => tag.padEnd(8 * 1024, '.');

let open: WalBackend[] = [];
async function started(dir: string): Promise<WalBackend> {
  const b = new WalBackend(dir, { compactionIntervalMs: 0 });
  await b.start();
  open.push(b);
  return b;
}

afterEach(async () => {
  for (const b of open) await b.close();
  open = [];
  free();
  for (const f of fs.readdirSync(mnt)) fs.rmSync(path.join(mnt, f), { recursive: true, force: true });
});
afterAll(() => {
  if (mounted) execFileSync('umount', [mnt]);
  fs.rmSync(mnt, { recursive: true, force: true });
});

describe.skipIf(!canRun)('a full disk under the WAL store', () => {
  beforeAll(() => expect(fs.statfsSync(mnt).blocks * fs.statfsSync(mnt).bsize).toBe(2 * 1024 * 1024));

  it('writes fail with ENOSPC, reads keep working, and writes recover by themselves when space returns', async () => {
    const dir = path.join(mnt, 'store');
    const b = await started(dir);
    const acked = [];
    for (let i = 0; i < 20; i++) acked.push(await b.create(`/k/${i}`, big(`v${i}`)));
    const w = collector();
    await b.watch('/k/', 0, w.on);
    const rev = b.currentRevision();
    fill();

    const err = await b.create('/k/new', big('new')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreWriteError);
    expect((err as StoreWriteError).code).toBe('ENOSPC');
    expect((err as Error).message).toBe(
      `store: cannot write ${path.join(dir, 'wal.log')}: no space left on device (ENOSPC); the write was not made. ` +
        'Everything acknowledged before is safe, and writes resume by themselves once the disk has room again',
    );
    // Concurrent writers, updates and deletes fail the same way, and none of them happened.
    const many = await Promise.allSettled([
      ...Array.from({ length: 10 }, (_, i) => b.create(`/k/more-${i}`, big('m'))),
      b.update('/k/0', big('changed'), acked[0].modRevision),
      b.delete('/k/1', 0),
    ]);
    expect(many.every((r) => r.status === 'rejected' && r.reason instanceof StoreWriteError)).toBe(true);
    expect(b.currentRevision()).toBe(rev);
    expect((await b.get('/k/0')).kv).toEqual(acked[0]);
    expect((await b.list('/k/', '', 0, 0)).kvs).toEqual([...acked].sort((x, y) => (x.key < y.key ? -1 : 1)));
    await new Promise((r) => setTimeout(r, 20));
    expect(w.events).toHaveLength(0); // watchers never saw a failed write

    free();
    const again = await b.create('/k/new', big('new'));
    expect(again.modRevision).toBe(rev + 1); // the failed revisions were never used
    const upd = await b.update('/k/0', 'small', acked[0].modRevision);
    expect(upd.ok).toBe(true);
    expect((await w.next(2)).map((e) => e.kv.key)).toEqual(['/k/new', '/k/0']);

    await b.close();
    open = [];
    const b2 = await started(dir);
    expect(b2.recoveryReport()).toBeUndefined();
    expect(b2.currentRevision()).toBe(rev + 2);
    const keys = (await b2.list('/k/', '', 0, 0)).kvs.map((kv) => kv.key);
    expect(keys).toHaveLength(21);
    expect(keys).not.toContain('/k/more-0');
    expect((await b2.get('/k/0')).kv?.value).toBe('small');
    expect((await b2.get('/k/1')).kv?.value).toBe(big('v1'));
  });

  it('a commit torn by ENOSPC half-way is cut back before the next one, so the WAL stays replayable', async () => {
    const dir = path.join(mnt, 'store');
    const b = await started(dir);
    for (let i = 0; i < 10; i++) await b.create(`/a/${i}`, big(`a${i}`));
    fill();
    free(); // ...then leave only a little room: part of a 40-record commit fits, the rest does not
    fs.writeFileSync(filler, Buffer.alloc(fs.statfsSync(mnt).bavail * fs.statfsSync(mnt).bsize - 20 * 1024));
    const walBefore = fs.statSync(path.join(dir, 'wal.log')).size;
    const res = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => b.create(`/b/${i}`, big(`b${i}`))),
    );
    expect(res.every((r) => r.status === 'rejected')).toBe(true);
    free();
    await b.create('/c/after', 'x');
    // The partial commit is gone from the file; only the new record follows the old ones.
    expect(fs.statSync(path.join(dir, 'wal.log')).size).toBeLessThan(walBefore + 200);
    // A crash now (no closing snapshot): the next start replays the WAL without complaint.
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-full-copy-'));
    try {
      for (const f of ['snapshot', 'wal.log']) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
      const b2 = new WalBackend(copy, { compactionIntervalMs: 0 });
      await b2.start();
      expect(b2.recoveryReport()).toBeUndefined();
      expect((await b2.list('/', '', 0, 0)).kvs.map((kv) => kv.key)).toEqual([
        ...Array.from({ length: 10 }, (_, i) => `/a/${i}`),
        '/c/after',
      ]);
      await b2.close();
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('starts on a full disk (the start-up snapshot fails, the WAL carries on)', async () => {
    const dir = path.join(mnt, 'store');
    const b = await started(dir);
    for (let i = 0; i < 5; i++) await b.create(`/s/${i}`, big(`s${i}`));
    await b.close();
    open = [];
    fill();
    const b2 = await started(dir);
    expect((await b2.list('/s/', '', 0, 0)).count).toBe(5);
    await expect(b2.create('/s/x', big('x'))).rejects.toBeInstanceOf(StoreWriteError);
    free();
    await b2.create('/s/x', big('x'));
    await b2.close();
    open = [];
    const b3 = await started(dir);
    expect((await b3.list('/s/', '', 0, 0)).count).toBe(6);
  });

  it('the API server answers 507 InsufficientStorage, and serves reads', async () => {
    const b = await started(path.join(mnt, 'store'));
    const store = new ObjectStore(b);
    const pod = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', annotations: { pad: big('p') } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    await store.create(R.pods, pod('a'));
    fill();
    const err = await store.create(R.pods, pod('b')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).toStatus()).toMatchObject({
      code: 507,
      reason: 'InsufficientStorage',
      message: expect.stringMatching(/no space left on device \(ENOSPC\); the write was not made/),
    });
    expect((await store.list(R.pods)).items.map((p) => p.metadata.name)).toEqual(['a']);
    free();
    await store.create(R.pods, pod('b'));
  });
});
