// The store's single-owner lock on its data dir: a listening Unix socket the kernel releases when the owner dies; touches only the lock files in that dir (node built-ins only).
/**
 * Why a socket and not a PID file: after `kill -9` a PID can stay "alive" (a zombie not yet
 * reaped, or a new process that reused the number), so a PID lock refuses to restart exactly
 * when a user needs it. A listening socket is closed by the kernel the moment its process dies:
 * `connect()` succeeding means a live owner, ECONNREFUSED means a stale file left by a crash.
 *
 * Files in the data dir:
 * - `lock.sock`: the owner's listening socket. A connection gets one line, `{"pid":N}`.
 * - `LOCK`: the owner's pid, for people and for the message when the socket does not answer.
 *
 * Acquiring never binds at `lock.sock` directly. The socket is bound at a private temporary
 * name and hard-linked into place: link() fails with EEXIST if the name exists, so of two
 * starters on a free dir exactly one wins. A stale `lock.sock` is moved aside with rename()
 * (atomic, so only one remover gets it) and compared by inode with the file that failed the
 * probe; a remover that finds it moved a socket some other starter linked in the meantime puts
 * it back, so a live owner is never unlinked. (libuv unlinks a socket's bound name on close,
 * which is one more reason the shared name is never the bound one.)
 *
 * Paths too long for a socket address (about 104 bytes) fall back to a name in the temporary
 * directory derived from the data dir's real path; on Windows a named pipe plays the same role.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Thrown when another live process has the data dir open. */
export class StoreLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number | undefined,
  ) {
    super(
      `store ${dir} is in use by ${pid ? `process ${pid}` : 'another process'}` +
        ' (it holds the lock socket there); stop that Skiff first, or use another data dir',
    );
    this.name = 'StoreLockedError';
  }
}

/** A held lock; release() gives it up (the kernel does the same if the process dies). */
export interface StoreLock {
  /** Where the lock lives (the socket path or pipe name). */
  readonly address: string;
  release(): Promise<void>;
}

const SOCKET = 'lock.sock';
const PID_FILE = 'LOCK';
/** sun_path is 108 bytes on Linux and 104 on macOS, including the terminating NUL. */
const MAX_SOCKET_PATH = 103;
const PROBE_TIMEOUT_MS = 1000;

/** The lock's address for `dir` (absolute, real path). */
export function lockAddress(dir: string): string {
  const hash = createHash('sha256').update(dir).digest('hex').slice(0, 20);
  if (process.platform === 'win32') return `\\\\?\\pipe\\skiff-store-${hash}`;
  const inDir = path.join(dir, SOCKET);
  // + 12 for the temporary ".<random>" suffix the socket is first bound at.
  if (Buffer.byteLength(inDir) + 12 <= MAX_SOCKET_PATH) return inDir;
  return path.join(os.tmpdir(), `skiff-store-${hash}.sock`);
}

/** Takes the lock on `dir` (created by the caller) or throws StoreLockedError. */
export async function acquireStoreLock(dir: string): Promise<StoreLock> {
  const real = await fs.promises.realpath(dir);
  const address = lockAddress(real);
  const server = net.createServer((conn) => {
    conn.on('error', () => undefined);
    conn.end(`${JSON.stringify({ pid: process.pid })}\n`);
  });
  server.on('error', () => undefined);
  try {
    let ino = 0;
    if (process.platform === 'win32') await listenPipe(server, address, real);
    else ino = await takeSocket(server, address, real);
    try {
      await fs.promises.writeFile(path.join(real, PID_FILE), `${process.pid}\n`);
    } catch {
      // Only for messages: a full disk must not keep the store from starting.
    }
    return { address, release: () => release(server, address, ino, real) };
  } catch (err) {
    server.close();
    throw err;
  }
}

/** Binds at a private name, then links it to `address`; returns the socket's inode. */
async function takeSocket(server: net.Server, address: string, dir: string): Promise<number> {
  const tmp = `${address}.${randomBytes(5).toString('hex')}`;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(tmp, () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    const ino = fs.lstatSync(tmp).ino;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        fs.linkSync(tmp, address);
        return ino;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const probe = await probeSocket(address);
      if (probe.state === 'live') throw new StoreLockedError(dir, probe.pid ?? readPid(dir));
      if (probe.state === 'stale') removeStale(address, probe.ino);
      // 'gone': it vanished between link and probe (its owner released it); try again.
    }
    throw new Error(`store ${dir}: could not take the lock ${address} (it keeps changing hands)`);
  } finally {
    // The socket stays reachable through `address`; the private name is not needed.
    fs.rmSync(tmp, { force: true });
  }
}

/** Windows: a named pipe is gone with its process, so EADDRINUSE always means a live owner. */
async function listenPipe(server: net.Server, address: string, dir: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new StoreLockedError(dir, readPid(dir)) : err),
    );
    server.listen(address, resolve);
  });
}

type Probe = { state: 'live'; pid?: number } | { state: 'stale'; ino: number } | { state: 'gone' };

/** Connects to the socket at `address`: a live owner answers, a stale file refuses. */
async function probeSocket(address: string): Promise<Probe> {
  let ino: number;
  try {
    ino = fs.lstatSync(address).ino;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'gone' };
    throw err;
  }
  return new Promise<Probe>((resolve, reject) => {
    let text = '';
    let connected = false;
    const sock = net.connect(address);
    const done = (p: Probe) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(p);
    };
    // Connected but silent (its event loop is busy recovering a big WAL): still a live owner.
    const timer = setTimeout(() => done({ state: 'live' }), PROBE_TIMEOUT_MS);
    sock.on('connect', () => (connected = true));
    sock.on('data', (d) => {
      text += String(d);
      if (text.includes('\n')) done({ state: 'live', pid: parsePid(text) });
    });
    sock.on('end', () => done({ state: 'live', pid: parsePid(text) }));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (connected) return done({ state: 'live', pid: parsePid(text) });
      if (err.code === 'ECONNREFUSED' || err.code === 'ENOTSOCK') done({ state: 'stale', ino });
      else if (err.code === 'ENOENT') done({ state: 'gone' });
      // A full listen backlog: someone is there.
      else if (err.code === 'EAGAIN') done({ state: 'live' });
      else {
        clearTimeout(timer);
        reject(err);
      }
    });
  });
}

/**
 * Removes the stale socket file `address` if it is still inode `ino`: rename it aside (only one
 * remover can), check it is the one that refused, and put it back if another starter's live
 * socket was moved instead.
 */
function removeStale(address: string, ino: number): void {
  const aside = `${address}.stale-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(address, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // another starter removed it
    throw err;
  }
  if (fs.lstatSync(aside).ino !== ino) {
    try {
      fs.linkSync(aside, address);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  fs.rmSync(aside, { force: true });
}

async function release(server: net.Server, address: string, ino: number, dir: string): Promise<void> {
  // Unlink our name while still listening, so nobody can mistake it for stale and race us.
  if (process.platform !== 'win32') {
    try {
      if (fs.lstatSync(address).ino === ino) fs.rmSync(address, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (readPid(dir) === process.pid) await fs.promises.rm(path.join(dir, PID_FILE), { force: true });
}

function parsePid(text: string): number | undefined {
  try {
    const pid = (JSON.parse(text.split('\n')[0]) as { pid?: unknown }).pid;
    return typeof pid === 'number' && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function readPid(dir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, PID_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
