// WalBackend start-up on damaged WALs: a torn or damaged final group commit is cut and reported (file, offset, bytes); damage in front of acknowledged records refuses to start, naming file and offset; touches only temporary folders.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src-main/common/logger';
import { WalBackend } from '../../../src-main/control-plane/store/wal-backend';
import { decodeRecords, scanWal } from '../../../src-main/control-plane/store/wal-format';

const tmpDirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-walrec-'));
  tmpDirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * Runs `write` on a store, then copies its files as a crash would leave them (acknowledged
 * records fsynced in wal.log, no closing snapshot) into a fresh dir, which it returns.
 */
async function crashedAfter(write: (b: WalBackend) => Promise<void>): Promise<{ dir: string; wal: string }> {
  const live = tmpDir();
  const b = new WalBackend(live, { compactionIntervalMs: 0 });
  await b.start();
  await write(b);
  const dir = tmpDir();
  for (const f of ['snapshot', 'wal.log']) fs.copyFileSync(path.join(live, f), path.join(dir, f));
  await b.close();
  return { dir, wal: path.join(dir, 'wal.log') };
}

/** Sequential writes: one group commit each. */
async function sequential(b: WalBackend, n: number, prefix = '/s/'): Promise<void> {
  for (let i = 0; i < n; i++) await b.create(`${prefix}${i}`, `v${i}`);
}

function open(dir: string) {
  const lines: string[] = [];
  const logger = createLogger((level, _c, msg) => lines.push(`${level}: ${msg}`), 'info');
  const b = new WalBackend(dir, { compactionIntervalMs: 0, logger });
  return { b, lines };
}

const keysOf = async (b: WalBackend, prefix = '/') =>
  (await b.list(prefix, '', 0, 0)).kvs.map((kv) => kv.key);

describe('WAL recovery', () => {
  it('a truncated last record is cut at the last intact one, and start-up says where and how much', async () => {
    const { dir, wal } = await crashedAfter((b) => sequential(b, 5));
    const recs = decodeRecords(fs.readFileSync(wal));
    expect(recs.entries).toHaveLength(5);
    const size = fs.statSync(wal).size;
    fs.truncateSync(wal, size - 7);
    const { b, lines } = open(dir);
    await b.start();
    expect(await keysOf(b)).toEqual(['/s/0', '/s/1', '/s/2', '/s/3']);
    const report = b.recoveryReport()!;
    expect(report).toMatchObject({ file: wal, offset: recs.offsets[4], bytes: size - 7 - recs.offsets[4] });
    expect(lines.find((l) => l.startsWith('warn:'))).toBe(
      `warn: cut the torn tail of ${wal} at offset ${recs.offsets[4]}: ${report.bytes} byte(s) dropped (${report.reason}); writes in it were never acknowledged`,
    );
    // The cut is real: new writes follow the last intact record and survive a crash and restart.
    await b.create('/s/new', 'n');
    await b.close();
    const again = open(dir);
    await again.b.start();
    expect(await keysOf(again.b)).toEqual(['/s/0', '/s/1', '/s/2', '/s/3', '/s/new']);
    expect(again.b.recoveryReport()).toBeUndefined();
    await again.b.close();
  });

  it('flipped bytes in the last record: cut, reported as a checksum mismatch', async () => {
    const { dir, wal } = await crashedAfter((b) => sequential(b, 4));
    const buf = fs.readFileSync(wal);
    buf[buf.length - 3] ^= 0x5a;
    fs.writeFileSync(wal, buf);
    const { b } = open(dir);
    await b.start();
    expect(await keysOf(b)).toEqual(['/s/0', '/s/1', '/s/2']);
    expect(b.recoveryReport()?.reason).toMatch(/checksum mismatch/);
    await b.close();
  });

  it('a zero-filled tail (space allocated, data never written) is cut', async () => {
    const { dir, wal } = await crashedAfter((b) => sequential(b, 3));
    fs.appendFileSync(wal, Buffer.alloc(4096));
    const { b } = open(dir);
    await b.start();
    expect(await keysOf(b)).toEqual(['/s/0', '/s/1', '/s/2']);
    expect(b.recoveryReport()?.bytes).toBe(4096);
    await b.close();
  });

  it('damage inside the final group commit only (a torn batch) is cut with the rest of that commit', async () => {
    const { dir, wal } = await crashedAfter(async (b) => {
      await sequential(b, 3);
      await Promise.all(Array.from({ length: 6 }, (_, i) => b.create(`/batch/${i}`, 'x'.repeat(300))));
    });
    const recs = decodeRecords(fs.readFileSync(wal));
    expect(new Set(recs.entries.slice(3).map((e) => e.g)).size).toBe(1); // one commit
    const buf = fs.readFileSync(wal);
    buf[recs.offsets[5] + 20] ^= 0xff; // the third record of the batch
    fs.writeFileSync(wal, buf);
    const { b, lines } = open(dir);
    await b.start();
    expect(await keysOf(b)).toEqual(['/batch/0', '/batch/1', '/s/0', '/s/1', '/s/2']);
    expect(lines.some((l) => l.includes('with 3 record(s) of the same unfinished commit'))).toBe(true);
    await b.close();
  });

  it('damage in the middle, before acknowledged records, refuses to start, naming file and offset', async () => {
    const { dir, wal } = await crashedAfter((b) => sequential(b, 6));
    const recs = decodeRecords(fs.readFileSync(wal));
    const buf = fs.readFileSync(wal);
    buf[recs.offsets[2] + 12] ^= 0x01;
    fs.writeFileSync(wal, buf);
    const { b } = open(dir);
    await expect(b.start()).rejects.toThrow(
      `store: ${wal} is damaged at offset ${recs.offsets[2]} (checksum mismatch at ${recs.offsets[2]}), and 3 intact record(s) of later, acknowledged writes follow from offset ${recs.offsets[3]}`,
    );
    await expect(b.start()).rejects.toThrow(`truncate -s ${recs.offsets[2]} ${wal}`);
    // Nothing was changed, and the lock was let go: following the advice starts the store.
    expect(fs.readFileSync(wal)).toEqual(buf);
    fs.truncateSync(wal, recs.offsets[2]);
    const fixed = open(dir);
    await fixed.b.start();
    expect(await keysOf(fixed.b)).toEqual(['/s/0', '/s/1']);
    await fixed.b.close();
  });

  it('a damaged length field in the middle is found too (the scan resyncs on the next intact record)', async () => {
    const { wal } = await crashedAfter((b) => sequential(b, 6));
    const recs = decodeRecords(fs.readFileSync(wal));
    const buf = fs.readFileSync(wal);
    buf.writeUInt32LE(0x7fffffff, recs.offsets[1]);
    const scan = scanWal(buf, 0);
    expect(scan.corrupt).toEqual({
      offset: recs.offsets[1],
      reason: `torn record at ${recs.offsets[1]}`,
      nextIntactOffset: recs.offsets[2],
      intactAfter: 4,
    });
  });

  it('a gap in the revisions is refused, naming file and offset', async () => {
    const { dir, wal } = await crashedAfter((b) => sequential(b, 3));
    const recs = decodeRecords(fs.readFileSync(wal));
    // Drop the middle record cleanly (as if a block went missing on a record boundary).
    const buf = fs.readFileSync(wal);
    fs.writeFileSync(wal, Buffer.concat([buf.subarray(0, recs.offsets[1]), buf.subarray(recs.offsets[2])]));
    const { b } = open(dir);
    await expect(b.start()).rejects.toThrow(
      `store: log revision 3 does not follow 1 (${wal} at offset ${recs.offsets[1]}); refusing to start`,
    );
  });

  it('never crashes on a mangled tail: 40 random tears and bit flips of the last commit', async () => {
    const { dir, wal } = await crashedAfter(async (b) => {
      await sequential(b, 4);
      await Promise.all(Array.from({ length: 5 }, (_, i) => b.create(`/t/${i}`, `t${i}`.repeat(20))));
    });
    const good = fs.readFileSync(wal);
    const recs = decodeRecords(good);
    const batchStart = recs.offsets[4];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 40; i++) {
      let buf = Buffer.from(good);
      if (i % 2 === 0) buf = buf.subarray(0, batchStart + rand(good.length - batchStart));
      else
        for (let f = 0; f <= rand(3); f++) buf[batchStart + rand(good.length - batchStart)] ^= 1 << rand(8);
      const round = tmpDir();
      fs.copyFileSync(path.join(dir, 'snapshot'), path.join(round, 'snapshot'));
      fs.writeFileSync(path.join(round, 'wal.log'), buf);
      const b = new WalBackend(round, { compactionIntervalMs: 0 });
      await b.start();
      expect(await keysOf(b, '/s/')).toEqual(['/s/0', '/s/1', '/s/2', '/s/3']);
      // Whatever of the torn commit survived is a prefix of it, in revision order.
      const revs = (await b.list('/t/', '', 0, 0)).kvs.map((kv) => kv.modRevision).sort((x, y) => x - y);
      expect(revs).toEqual(Array.from({ length: revs.length }, (_, j) => 5 + j));
      await b.close();
    }
  });
});
