/**
 * The embedded etcd-role store: MVCC in memory ({@link MvccIndex}), made durable by an
 * append-only write-ahead log in the data dir, plus a snapshot.
 *
 * Durability follows etcd: a write is acknowledged (its promise resolves, readers and watchers
 * see it) only after its WAL record is fsynced. fsyncs are group-committed: writes that arrive
 * while one fsync is in flight are appended together and share the next one. Until then a write
 * is invisible to get/list/watch (they read at the *visible* revision), though later writes are
 * already compared against it, so concurrent writers stay serialized.
 *
 * Files in the data dir:
 * - `wal.log`: records appended since the last snapshot (format in wal-format.ts);
 * - `snapshot`: the live keys at the compaction point plus every change after it (the retained
 *   MVCC history), written atomically (tmp + fsync + rename + directory fsync) on start-up after
 *   replaying the WAL, and whenever the WAL grows past `maxWalBytes` (default 64 MiB); the WAL
 *   is truncated after each snapshot;
 * - `lock.sock` + `LOCK`: the single-owner lock (a listening socket the kernel releases when the
 *   owner dies, and its pid for messages; see lock.ts).
 *
 * History survives restarts: recovery loads the snapshot's base, replays its history and then
 * the WAL records after it, so the compaction point after a restart (or a crash) is the one
 * before it, and a watch resumed from any later revision continues without a 410. Snapshots
 * carry the whole retained window rather than starting a new one; auto-compaction's time
 * samples are saved with them too, so the window means the same before and after a restart.
 * Compaction is persisted by the next snapshot (a clean close writes one); after a crash the
 * window may start earlier than it did — more history, never less.
 *
 * Damaged WALs (scanWal in wal-format.ts): a torn or damaged final group commit — its writers
 * were never answered — is cut at the last intact record, and start-up logs the file, offset and
 * bytes dropped (also `recoveryReport()`). Damage followed by records of later commits, or a gap
 * in the revisions, would lose acknowledged writes: start-up refuses, naming file and offset.
 *
 * A full or read-only disk (ENOSPC, EDQUOT, EROFS) fails the commit being written with a
 * StoreWriteError (the API server answers 507 or a 500 naming EROFS): the index forgets every
 * write not yet durable, the next commit first cuts the WAL back to its durable end, and writes
 * work again as soon as the disk has room — no restart. Reads never stop, nothing acknowledged
 * is touched, and a start-up on a full disk carries on without its snapshot. Any other write
 * error (EIO) stops writes until a restart, as etcd does.
 *
 * Auto-compaction (our policy, documented in the README's store section): once a minute, history
 * is compacted to the older of "10,000 revisions ago" and "5 minutes ago", i.e. we keep at least
 * the last 10,000 revisions *and* at least the last 5 minutes — kube-apiserver compacts etcd every
 * 5 minutes, so clients already expect 410s beyond that.
 *
 * `new WalBackend(undefined)` (or {@link MemoryBackend}) is the same store without a disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { realClock, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/logger';
import {
  CompactedError,
  KeyExistsError,
  StoreWriteError,
  type Backend,
  type CondResult,
  type KeyValue,
  type ListResult,
  type StoreEvent,
  type Watcher,
} from './backend';
import { acquireStoreLock, type StoreLock } from './lock';
import { MvccIndex } from './mvcc';
import {
  decodeSnapshot,
  encodeRecord,
  encodeSnapshot,
  scanWal,
  type SnapshotData,
  type WalEntry,
  checkImport,
  toEntry,
} from './wal-format';

/** Tuning knobs of the embedded store. */
export interface WalBackendOptions {
  /** Snapshot and truncate the WAL when it grows past this many bytes (default 64 MiB). */
  maxWalBytes?: number;
  /** Auto-compaction keeps at least this many revisions (default 10,000). */
  retainRevisions?: number;
  /** ...and at least this much time of history (default 5 minutes). */
  retainMs?: number;
  /** How often auto-compaction runs (default 60 s; 0 disables it). */
  compactionIntervalMs?: number;
  /** A watcher with more matching events than this waiting for it is cut off (default 50,000)... */
  watchBacklogEvents?: number;
  /** ...or with more bytes of them than this (default 64 MiB). */
  watchBacklogBytes?: number;
  clock?: Clock;
  logger?: Logger;
}

/** A write waiting for its group commit. */
interface Pending {
  rev: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const WAL = 'wal.log';
/** Errors of a full or read-only disk: writes fail, and recover by themselves once it passes. */
const SPACE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS']);
const SNAPSHOT = 'snapshot';

/** The embedded backend; `dir` undefined = memory only. */
export class WalBackend implements Backend {
  private readonly index: MvccIndex;
  private readonly opts: Required<
    Omit<WalBackendOptions, 'clock' | 'logger' | 'watchBacklogEvents' | 'watchBacklogBytes'>
  >;
  private readonly clock: Clock;
  private readonly log: Logger;
  private fh?: fs.promises.FileHandle;
  private lock?: StoreLock;
  private walBytes = 0;
  private fsyncs = 0;
  /** Encoded records not yet written, and the writers waiting on them. */
  private buffered: WalEntry[] = [];
  private waiting: Pending[] = [];
  private flushing?: Promise<void>;
  private flushQueued = false;
  /** Set when a WAL write/fsync failed for good (EIO): like etcd, the store stops accepting writes. */
  private failure?: unknown;
  /** The last commit failed for lack of space (or a read-only disk); cleared by the next success. */
  private writeError?: StoreWriteError;
  /** The WAL may end in part of a failed commit: cut it back to `walBytes` before appending. */
  private walDirty = false;
  /** importSnapshot is writing: other writes wait their turn by failing. */
  private importing = false;
  /** After a failed snapshot, wait until the WAL is this big before trying again. */
  private rotateRetryAt = 0;
  private started = false;
  private closed = false;
  private compactionTimer?: unknown;
  /** What start-up cut from a torn WAL tail, if anything (tests, diagnostics). */
  private recovery?: { file: string; offset: number; bytes: number; reason: string };
  /** (time, revision) samples for the time-based retention. */
  private samples: { at: number; rev: number }[] = [];

  constructor(
    private readonly dir: string | undefined,
    opts: WalBackendOptions = {},
  ) {
    this.opts = {
      maxWalBytes: opts.maxWalBytes ?? 64 * 1024 * 1024,
      retainRevisions: opts.retainRevisions ?? 10_000,
      retainMs: opts.retainMs ?? 5 * 60_000,
      compactionIntervalMs: opts.compactionIntervalMs ?? 60_000,
    };
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? silentLogger).child('store');
    this.index = new MvccIndex((err) => this.log.error('watch callback failed', { err: String(err) }), {
      maxBacklogEvents: opts.watchBacklogEvents,
      maxBacklogBytes: opts.watchBacklogBytes,
    });
  }

  async start(): Promise<void> {
    if (this.started) return;
    if (this.dir) await this.recover(this.dir);
    this.started = true;
    this.scheduleCompaction();
  }

  private async recover(dir: string): Promise<void> {
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    this.lock = await acquireStoreLock(dir);
    try {
      await this.load(dir);
    } catch (err) {
      await this.fh?.close();
      this.fh = undefined;
      await this.lock.release();
      this.lock = undefined;
      throw err;
    }
  }

  private async load(dir: string): Promise<void> {
    const snapPath = path.join(dir, SNAPSHOT);
    let snapText: string | undefined;
    try {
      snapText = await fs.promises.readFile(snapPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // A snapshot is only ever renamed into place complete, so a bad one is real corruption:
    // refuse to start rather than silently come up empty.
    const snap: SnapshotData =
      snapText !== undefined ? decodeSnapshot(snapText) : { revision: 0, compacted: 0, base: [], events: [] };
    this.index.load(snap.compacted, snap.base);
    for (const e of snap.events) this.replay(e);
    if (snap.samples) this.samples = snap.samples;

    const walPath = path.join(dir, WAL);
    let walBuf: Buffer = Buffer.alloc(0);
    try {
      walBuf = await fs.promises.readFile(walPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const scan = scanWal(walBuf, this.index.revision);
    if (scan.corrupt) {
      const c = scan.corrupt;
      throw new Error(
        `store: ${walPath} is damaged at offset ${c.offset} (${c.reason}), and ${c.intactAfter} intact ` +
          `record(s) of later, acknowledged writes follow from offset ${c.nextIntactOffset}: refusing to ` +
          'start rather than silently drop them. Keep a copy of the data dir; to give up everything ' +
          `from the damage on, truncate the file (truncate -s ${c.offset} ${walPath}) and start again`,
      );
    }
    let replayed = 0;
    scan.entries.forEach((e, i) => {
      if (e.r <= this.index.revision) return; // already in the snapshot
      try {
        this.replay(e);
      } catch (err) {
        throw new Error(
          `${(err as Error).message} (${walPath} at offset ${scan.offsets[i]}); refusing to start`,
        );
      }
      replayed++;
    });
    if (scan.tail) {
      const t = scan.tail;
      this.recovery = { file: walPath, ...t };
      this.log.warn(
        `cut the torn tail of ${walPath} at offset ${t.offset}: ${t.bytes} byte(s) dropped (${t.reason})` +
          (t.intactDropped > 0 ? `, with ${t.intactDropped} record(s) of the same unfinished commit` : '') +
          '; writes in it were never acknowledged',
        { file: walPath, offset: t.offset, bytes: t.bytes },
      );
    }
    this.index.publish(this.index.revision);
    this.log.info('store recovered', {
      revision: this.index.revision,
      compacted: this.index.compacted,
      replayed,
    });

    this.fh = await fs.promises.open(walPath, 'a');
    if (scan.tail) {
      // Cut before anything else: new records must follow the last intact one.
      await this.fh.truncate(scan.validBytes);
      await this.fh.datasync();
    }
    this.walBytes = scan.validBytes;
    try {
      await this.rotate(dir);
    } catch (err) {
      // A full disk must not keep the store from starting: the WAL still has everything.
      if (!SPACE_ERRORS.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
      this.log.warn('start-up snapshot failed; continuing on the WAL', { err: String(err) });
    }
  }

  /** Applies one logged change; the log must be dense and agree with the state it replays onto. */
  private replay(e: WalEntry): void {
    if (e.r !== this.index.revision + 1)
      throw new Error(`store: log revision ${e.r} does not follow ${this.index.revision}`);
    if (e.d) {
      if (!this.index.latest(e.k)) throw new Error(`store: log deletes missing key ${e.k} at ${e.r}`);
      this.index.remove(e.k);
      return;
    }
    const ev = this.index.put(e.k, e.v ?? '');
    if (e.c !== undefined && ev.kv.createRevision !== e.c)
      throw new Error(
        `store: log puts ${e.k} at ${e.r} with createRevision ${e.c}, expected ${ev.kv.createRevision}`,
      );
  }

  /** Writes `data` (default: the visible state and its retained history) to `snapshot` atomically. */
  private async writeSnapshot(dir: string, data?: SnapshotData): Promise<void> {
    if (!data) {
      const { compacted, base, events } = this.index.retained();
      data = {
        revision: this.index.visible,
        compacted,
        base,
        events: events.map(toEntry),
        samples: this.samples,
      };
    }
    const text = encodeSnapshot(data);
    const tmp = path.join(dir, `${SNAPSHOT}.tmp`);
    try {
      const fh = await fs.promises.open(tmp, 'w');
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      // Do not leave a half-written file taking up the space a full disk is short of.
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    await fs.promises.rename(tmp, path.join(dir, SNAPSHOT));
    const dh = await fs.promises.open(dir, 'r');
    try {
      await dh.sync(); // make the rename itself durable
    } finally {
      await dh.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.compactionTimer !== undefined) this.clock.clearTimeout(this.compactionTimer);
    while (this.flushing) await this.flushing;
    this.index.cancelAll();
    if (this.fh) {
      // A clean stop snapshots, so the next start is quick and keeps this compaction point.
      try {
        await this.rotate(this.dir!);
      } catch (err) {
        this.log.warn('snapshot on close failed; the WAL still holds every write', { err: String(err) });
        if (this.walDirty) await this.fh.truncate(this.walBytes).catch(() => undefined);
      }
      await this.fh.close();
      this.fh = undefined;
    }
    await this.lock?.release();
    this.lock = undefined;
  }

  currentRevision(): number {
    return this.index.visible;
  }

  compactRevision(): number {
    return this.index.compacted;
  }

  async get(key: string): Promise<{ revision: number; kv?: KeyValue }> {
    const revision = this.index.visible;
    return { revision, kv: this.index.at(key, revision) };
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.checkWritable();
    if (this.index.latest(key)) throw new KeyExistsError(key);
    const ev = this.index.put(key, value);
    await this.commit(ev);
    return ev.kv;
  }

  async update(key: string, value: string, expectedRevision: number): Promise<CondResult> {
    this.checkWritable();
    const cur = this.index.latest(key);
    if (!cur || cur.modRevision !== expectedRevision) {
      await this.untilVisible(cur);
      return { ok: false, revision: this.index.visible, kv: cur };
    }
    const ev = this.index.put(key, value);
    await this.commit(ev);
    return { ok: true, revision: ev.kv.modRevision, kv: ev.kv };
  }

  async delete(key: string, expectedRevision: number): Promise<CondResult> {
    this.checkWritable();
    const cur = this.index.latest(key);
    if (!cur || (expectedRevision !== 0 && cur.modRevision !== expectedRevision)) {
      await this.untilVisible(cur);
      return { ok: false, revision: this.index.visible, kv: cur };
    }
    const ev = this.index.remove(key);
    await this.commit(ev);
    return { ok: true, revision: ev.kv.modRevision, kv: cur };
  }

  async list(prefix: string, startKey: string, limit: number, revision: number): Promise<ListResult> {
    const rev = revision > 0 ? revision : this.index.visible;
    if (rev < this.index.compacted) throw new CompactedError(rev, this.index.compacted);
    if (rev > this.index.visible)
      throw new Error(`required revision ${rev} is a future revision (current ${this.index.visible})`);
    return this.index.list(prefix, startKey, limit, rev);
  }

  async watch(
    prefix: string,
    fromRevision: number,
    onEvents: (events: StoreEvent[]) => void | Promise<void>,
    onError?: (err: Error) => void,
  ): Promise<Watcher> {
    if (this.closed) throw new Error('store closed');
    return this.index.watch(prefix, fromRevision, onEvents, onError);
  }

  /**
   * Snapshot restore's bulk load (see Backend.importSnapshot): checked, made durable as this
   * store's snapshot (the WAL is empty), then loaded as the state at `revision` with no history.
   */
  async importSnapshot(kvs: KeyValue[], revision: number): Promise<void> {
    this.checkWritable();
    if (this.index.revision !== 0 || this.importing)
      throw new Error(
        `store: importSnapshot needs an empty store; this one is at revision ${this.index.revision}`,
      );
    checkImport(kvs, revision);
    const base = kvs
      .map(({ key, value, createRevision, modRevision }) => ({ key, value, createRevision, modRevision }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.importing = true;
    try {
      if (this.fh && this.dir) {
        await this.writeSnapshot(this.dir, { revision, compacted: revision, base, events: [] });
        await this.fh.truncate(0);
        await this.fh.datasync();
        this.walBytes = 0;
      }
      this.samples = [];
      this.index.load(revision, base);
    } finally {
      this.importing = false;
    }
    this.log.info('snapshot imported', { revision, keys: base.length });
  }

  async compact(revision: number): Promise<void> {
    this.index.compact(revision);
  }

  /**
   * A compare-and-swap lost to a write that is not yet durable: wait until it is visible, so
   * the caller's retry reads it (get() serves visible revisions only) instead of spinning on a
   * stale revision until its attempts run out.
   */
  private async untilVisible(kv: KeyValue | undefined): Promise<void> {
    if (!kv || kv.modRevision <= this.index.visible || !this.fh) return;
    await new Promise<void>((resolve) => {
      this.waiting.push({ rev: kv.modRevision, resolve, reject: () => resolve() });
      this.kickFlush();
    });
  }

  private checkWritable(): void {
    if (!this.started || this.closed) throw new Error(this.closed ? 'store closed' : 'store not started');
    if (this.importing) throw new Error('store: a snapshot import is in progress');
    if (this.failure) throw new Error(`store failed: ${String(this.failure)}`);
  }

  /** Makes a write durable (group commit) and visible; resolves when both are done. */
  private commit(ev: StoreEvent): Promise<void> {
    if (!this.fh) {
      // Memory only: visible at once. Watchers still get it asynchronously.
      this.index.publish(ev.kv.modRevision);
      return Promise.resolve();
    }
    this.buffered.push(toEntry(ev));
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ rev: ev.kv.modRevision, resolve, reject });
      this.kickFlush();
    });
  }

  private kickFlush(): void {
    if (this.flushing || this.flushQueued) return;
    this.flushQueued = true;
    // Defer to a microtask so writes issued in the same tick share the first fsync too.
    queueMicrotask(() => {
      this.flushQueued = false;
      if (!this.flushing) this.flushing = this.flushLoop().finally(() => (this.flushing = undefined));
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.buffered.length > 0 && !this.failure) {
      const entries = this.buffered;
      const waiters = this.waiting;
      this.buffered = [];
      this.waiting = [];
      try {
        // A failed commit may have left part of itself at the end: cut back to the durable end.
        if (this.walDirty) {
          await this.fh!.truncate(this.walBytes);
          this.walDirty = false;
        }
        // Every record names its group commit (its first revision): see scanWal.
        const g = entries[0].r;
        const data = Buffer.concat(entries.map((e) => encodeRecord({ ...e, g })));
        let off = 0;
        this.walDirty = true;
        while (off < data.length) off += (await this.fh!.write(data, off, data.length - off)).bytesWritten;
        await this.fh!.datasync();
        this.walDirty = false;
        this.fsyncs++;
        this.walBytes += data.length;
      } catch (err) {
        this.commitFailed(err, [...waiters, ...this.waiting]);
        this.waiting = [];
        this.buffered = [];
        if (this.failure) return;
        continue;
      }
      if (this.writeError) {
        this.log.info('WAL writes work again', { file: this.walPath() });
        this.writeError = undefined;
      }
      this.index.publish(entries[entries.length - 1].r);
      // Waiters of this commit, and compare-and-swap losers waiting for it (untilVisible).
      const later: Pending[] = [];
      for (const w of [...waiters, ...this.waiting]) {
        if (w.rev <= this.index.visible) w.resolve();
        else later.push(w);
      }
      this.waiting = later;
      if (this.walBytes > Math.max(this.opts.maxWalBytes, this.rotateRetryAt) && this.dir) {
        try {
          await this.rotate(this.dir);
          this.rotateRetryAt = 0;
        } catch (err) {
          // The WAL still holds everything; try again once it has grown by another eighth.
          this.rotateRetryAt = this.walBytes + this.opts.maxWalBytes / 8;
          this.log.warn('snapshot failed; the WAL keeps every write', { err: String(err) });
        }
      }
    }
  }

  /**
   * A commit failed: none of the pending writes happened (the index forgets them, their writers
   * get the error). A full or read-only disk (ENOSPC, EDQUOT, EROFS) is expected to pass: the
   * next commit cuts the WAL back to its durable end and tries again, so writes recover by
   * themselves. Anything else (EIO: the page cache may have dropped data, which is why etcd
   * panics here) stops writes until a restart.
   */
  private commitFailed(err: unknown, waiters: Pending[]): void {
    this.index.rollback();
    const code = (err as NodeJS.ErrnoException).code ?? '';
    let answer: unknown = err;
    if (SPACE_ERRORS.has(code)) {
      answer = new StoreWriteError(code, this.walPath(), err);
      if (!this.writeError)
        this.log.error('WAL write failed; writes fail until there is room', { err: String(err) });
      this.writeError = answer as StoreWriteError;
    } else {
      this.failure = err;
      this.log.error('WAL write failed; store is read-only until restarted', { err: String(err) });
    }
    for (const w of waiters) w.reject(answer);
  }

  private walPath(): string {
    return path.join(this.dir ?? '', WAL);
  }

  /** Snapshot of the visible state, then truncate the WAL (it is all in the snapshot). */
  private async rotate(dir: string): Promise<void> {
    await this.writeSnapshot(dir);
    await this.fh!.truncate(0);
    await this.fh!.datasync();
    this.walBytes = 0;
    this.log.info('snapshot written, WAL truncated', { revision: this.index.visible });
  }

  private scheduleCompaction(): void {
    const every = this.opts.compactionIntervalMs;
    if (every <= 0 || this.closed) return;
    this.compactionTimer = this.clock.setTimeout(() => {
      this.autoCompact();
      this.scheduleCompaction();
    }, every);
    // Never keep the process alive just for compaction.
    (this.compactionTimer as { unref?: () => void }).unref?.();
  }

  /** Compacts to the older of (visible - retainRevisions) and the revision of retainMs ago. */
  autoCompact(): void {
    const now = this.clock.now();
    this.samples.push({ at: now, rev: this.index.visible });
    let byTime = 0;
    while (this.samples.length > 0 && this.samples[0].at <= now - this.opts.retainMs) {
      byTime = this.samples[0].rev;
      this.samples.shift();
    }
    const byCount = this.index.visible - this.opts.retainRevisions;
    const target = Math.min(byTime, byCount);
    if (target > this.index.compacted) {
      this.index.compact(target);
      this.log.debug('compacted', { revision: target });
    }
  }

  /** What the last start-up cut from a torn WAL tail: file, offset, bytes and why; undefined if nothing. */
  recoveryReport(): { file: string; offset: number; bytes: number; reason: string } | undefined {
    return this.recovery;
  }

  /** WAL size since the last snapshot and group-commit fsyncs so far (tests, metrics). */
  stats(): { walBytes: number; fsyncs: number; historyRevisions: number } {
    return { walBytes: this.walBytes, fsyncs: this.fsyncs, historyRevisions: this.index.historySize() };
  }
}

/** The embedded store without a disk: for tests and `memory://`. */
export class MemoryBackend extends WalBackend {
  constructor(opts: WalBackendOptions = {}) {
    super(undefined, opts);
  }
}
