// The data dir lock (store/lock.ts) with real processes: a SIGKILLed owner never blocks a restart, a live owner gets a clear refusal, and of simultaneous starters exactly one wins; touches only temporary folders.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WalBackend } from '../../../src-main/control-plane/store/wal-backend';
import { acquireStoreLock, lockAddress } from '../../../src-main/control-plane/store/lock';
import { spawnStoreChild, type StoreChild } from './helpers/store-child-process';

const tmpDirs: string[] = [];
const children: StoreChild[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-lock-'));
  tmpDirs.push(d);
  return d;
}
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await c.exited;
  }
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function child(args: string[]): Promise<StoreChild> {
  const c = await spawnStoreChild(args);
  children.push(c);
  return c;
}

describe('store lock', () => {
  it('a SIGKILLed owner leaves a stale socket; the next start takes it at once and keeps the data', async () => {
    const dir = tmpDir();
    for (let round = 0; round < 3; round++) {
      const holder = await child(['hold', dir]);
      const ready = await holder.waitFor(/^READY /);
      const pid = Number(ready.split(' ')[1]);
      // The lock socket stays behind when its owner is killed: that is the case to handle.
      holder.child.kill('SIGKILL');
      await holder.exited;
      expect(fs.existsSync(path.join(dir, 'lock.sock'))).toBe(true);
      expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8').trim()).toBe(String(pid));
      const b = new WalBackend(dir, { compactionIntervalMs: 0 });
      await b.start();
      expect((await b.list('/held/', '', 0, 0)).count).toBe(round + 1);
      expect((await b.get(`/held/${pid}`)).kv?.value).toBe('x');
      await b.close();
      expect(fs.existsSync(path.join(dir, 'lock.sock'))).toBe(false);
      expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
    }
  });

  it('a live owner: a clear error naming its pid and the data dir', async () => {
    const dir = tmpDir();
    const holder = await child(['hold', dir]);
    const pid = Number((await holder.waitFor(/^READY /)).split(' ')[1]);
    const b = new WalBackend(dir, { compactionIntervalMs: 0 });
    await expect(b.start()).rejects.toThrow(`store ${fs.realpathSync(dir)} is in use by process ${pid}`);
    // ...and in another process, too.
    const other = await child(['open', dir]);
    expect(await other.waitFor(/^ERROR /)).toContain(`in use by process ${pid}`);
    expect((await other.exited).code).toBe(3);
    // The refused starters left the owner's lock alone.
    holder.child.kill('SIGKILL');
    await holder.exited;
    const again = await child(['open', dir]);
    expect(await again.waitFor(/^OPENED /)).toBe('OPENED 1');
  });

  it('a second open in the same process is refused too, and close releases it', async () => {
    const dir = tmpDir();
    const a = new WalBackend(dir, { compactionIntervalMs: 0 });
    await a.start();
    await expect(new WalBackend(dir, { compactionIntervalMs: 0 }).start()).rejects.toThrow(
      `is in use by process ${process.pid}`,
    );
    await a.close();
    const b = new WalBackend(dir, { compactionIntervalMs: 0 });
    await b.start();
    await b.close();
  });

  it('of starters racing for a stale lock, exactly one wins', async () => {
    const dir = tmpDir();
    for (let round = 0; round < 3; round++) {
      // A stale lock: a socket file nobody listens on (its owner was killed).
      const holder = await child(['hold', dir]);
      await holder.waitFor(/^READY /);
      holder.child.kill('SIGKILL');
      await holder.exited;
      const racers = await Promise.all(Array.from({ length: 4 }, () => child(['hold', dir])));
      const results = await Promise.all(
        racers.map(
          (r) =>
            new Promise<{ won: boolean; line: string }>((resolve) => {
              const won = (l: string) => /^READY /.test(l) && resolve({ won: true, line: l });
              r.lines.forEach(won);
              r.onLine(won);
              void r.exited.then(() => resolve({ won: false, line: r.lines.join('\n') }));
            }),
        ),
      );
      const winners = results.filter((r) => r.won);
      expect(winners).toHaveLength(1);
      const winnerPid = winners[0].line.split(' ')[1];
      for (const r of results.filter((x) => !x.won))
        expect(r.line).toContain(`in use by process ${winnerPid}`);
      for (const r of racers) if (r.child.exitCode === null) r.child.kill('SIGKILL');
      await Promise.all(racers.map((r) => r.exited));
    }
  });

  it('a stale lock that is not even a socket (a plain file) is replaced', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'lock.sock'), 'junk');
    fs.writeFileSync(path.join(dir, 'LOCK'), '1\n'); // pid 1 is alive, but a pid alone proves nothing
    const lock = await acquireStoreLock(dir);
    // It answers connections with its pid.
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      net
        .connect(lock.address)
        .on('data', (d) => (text += d))
        .on('end', () => resolve(text))
        .on('error', reject);
    });
    expect(JSON.parse(answer)).toEqual({ pid: process.pid });
    await lock.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a data dir path too long for a socket address uses one in the temp dir', () => {
    const long = path.join('/tmp', 'x'.repeat(120));
    const addr = lockAddress(long);
    expect(addr.startsWith(os.tmpdir())).toBe(true);
    expect(addr).toBe(lockAddress(long));
    expect(lockAddress('/data/skiff')).toBe('/data/skiff/lock.sock');
  });
});
