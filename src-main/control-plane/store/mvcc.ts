/**
 * The in-memory multi-version index behind every embedded backend: per-key version history since
 * the last compaction, a sorted key set for ordered prefix ranges, a revision-indexed change log
 * and the watch fan-out. It knows nothing about disks; WalBackend decides when a written
 * revision becomes *visible* (after its WAL record is fsynced) and calls `publish`.
 *
 * Revisions are dense: every successful write takes exactly the next revision, so the change log
 * is an array indexed by `revision - logBase`.
 */
import { CompactedError, type KeyValue, type ListResult, type StoreEvent, type Watcher } from './backend';

/** One version of a key; `deleted` marks the tombstone written by a delete at `modRevision`. */
interface Version {
  kv: KeyValue;
  deleted: boolean;
}

/** A registered watch: a cursor into the shared change log, not a copy of its events. */
interface WatchEntry {
  prefix: string;
  /** Next revision to look at; everything before it has been handed over (or did not match). */
  next: number;
  onEvents: (events: StoreEvent[]) => void | Promise<void>;
  onError?: (err: Error) => void;
  /** An onEvents promise has not settled yet: the watcher is still busy with its last batch. */
  inFlight: boolean;
  cancelled: boolean;
  /** The visible revision at registration; only events after it count against the backlog. */
  regRev: number;
  /** Matching events published after registration and not yet handed over, and their size. */
  backlog: number;
  backlogBytes: number;
}

/** Called when a watcher's callback throws; the store keeps serving the other watchers. */
export type WatchErrorHandler = (err: unknown) => void;

/** How far a watcher may fall behind before it is cut off, and how big one delivery may be. */
export interface WatchLimits {
  /** Matching events waiting for a watcher (default 50,000). */
  maxBacklogEvents?: number;
  /** ...and their bytes (keys + values, default 64 MiB). */
  maxBacklogBytes?: number;
  /** Events per onEvents call (default 1,000): a big catch-up is handed over in slices. */
  batchEvents?: number;
}

/** Revisions one watcher may scan per dispatch round, so a long catch-up cannot hog the loop. */
const SCAN_PER_ROUND = 20_000;

/** Approximate memory an event holds (UTF-16 units of key and values). */
function eventBytes(ev: StoreEvent): number {
  return ev.kv.key.length + ev.kv.value.length + (ev.prevKv?.value.length ?? 0);
}

/** Returns the index of the first element of sorted `arr` that is >= `x`. */
function lowerBound(arr: string[], x: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * MVCC state. `revision` counts every applied write (including ones not yet durable);
 * `visible` is the revision readers, lists and watchers see.
 */
export class MvccIndex {
  private readonly history = new Map<string, Version[]>();
  /** Every key with at least one retained version, sorted. */
  private keys: string[] = [];
  /** log[i] is the event at revision logBase + i. */
  private log: StoreEvent[] = [];
  private logBase = 1;
  private watchers = new Set<WatchEntry>();
  private dispatchScheduled = false;
  private readonly limits: Required<WatchLimits>;
  revision = 0;
  visible = 0;
  compacted = 0;

  constructor(
    private readonly onWatchError: WatchErrorHandler = () => undefined,
    limits: WatchLimits = {},
  ) {
    this.limits = {
      maxBacklogEvents: limits.maxBacklogEvents ?? 50_000,
      maxBacklogBytes: limits.maxBacklogBytes ?? 64 * 1024 * 1024,
      batchEvents: limits.batchEvents ?? 1000,
    };
  }

  /**
   * Resets to a loaded snapshot: `kvs` are the live keys at `revision`; history before it is
   * gone. Changes after it are replayed with put/remove.
   */
  load(revision: number, kvs: KeyValue[]): void {
    this.history.clear();
    for (const kv of kvs) this.history.set(kv.key, [{ kv, deleted: false }]);
    this.keys = [...this.history.keys()].sort();
    this.revision = this.visible = this.compacted = revision;
    this.log = [];
    this.logBase = revision + 1;
    // There is no history before the loaded revision to replay to an existing watch.
    for (const w of this.watchers) w.next = Math.max(w.next, revision + 1);
  }

  /** Latest version including not-yet-visible writes (for compare-revision checks). */
  latest(key: string): KeyValue | undefined {
    const vs = this.history.get(key);
    const v = vs?.[vs.length - 1];
    return v && !v.deleted ? v.kv : undefined;
  }

  /** Version of `key` as of revision `rev`. */
  at(key: string, rev: number): KeyValue | undefined {
    const vs = this.history.get(key);
    if (!vs) return undefined;
    for (let i = vs.length - 1; i >= 0; i--) {
      const v = vs[i];
      if (v.kv.modRevision <= rev) return v.deleted ? undefined : v.kv;
    }
    return undefined;
  }

  /** Applies a put at the next revision. `prev` is the current latest version, if any. */
  put(key: string, value: string): StoreEvent {
    const prev = this.latest(key);
    const rev = ++this.revision;
    const kv: KeyValue = { key, value, createRevision: prev ? prev.createRevision : rev, modRevision: rev };
    this.append(key, { kv, deleted: false });
    const event: StoreEvent = prev ? { type: 'PUT', kv, prevKv: prev } : { type: 'PUT', kv };
    this.log.push(event);
    return event;
  }

  /** Applies a delete of an existing key at the next revision. */
  remove(key: string): StoreEvent {
    const prev = this.latest(key);
    if (!prev) throw new Error(`delete of missing key ${key}`);
    const rev = ++this.revision;
    const kv: KeyValue = { key, value: '', createRevision: prev.createRevision, modRevision: rev };
    this.append(key, { kv, deleted: true });
    const event: StoreEvent = { type: 'DELETE', kv, prevKv: prev };
    this.log.push(event);
    return event;
  }

  /**
   * Undoes every applied but not yet visible write (their WAL commit failed): the index is as if
   * they never happened, and their revisions will be reused. Nobody has seen them.
   */
  rollback(): void {
    let removedKeys = false;
    for (let r = this.revision; r > this.visible; r--) {
      const key = this.log[r - this.logBase].kv.key;
      const vs = this.history.get(key)!;
      vs.pop();
      if (vs.length === 0) {
        this.history.delete(key);
        removedKeys = true;
      }
    }
    if (removedKeys) this.keys = this.keys.filter((k) => this.history.has(k));
    this.log.length = this.visible - this.logBase + 1;
    this.revision = this.visible;
  }

  private append(key: string, v: Version): void {
    const vs = this.history.get(key);
    if (vs) {
      vs.push(v);
      return;
    }
    this.history.set(key, [v]);
    // Keys mostly arrive in increasing order (generated names differ, but a bulk create of
    // sequential names appends); a binary-search splice keeps the set sorted either way.
    const i = lowerBound(this.keys, key);
    this.keys.splice(i, 0, key);
  }

  /** Lists at `rev` (must be visible and not compacted; the caller checks). */
  list(prefix: string, startKey: string, limit: number, rev: number): ListResult {
    const from = startKey > prefix ? startKey : prefix;
    const kvs: KeyValue[] = [];
    let count = 0;
    let more = false;
    for (let i = lowerBound(this.keys, from); i < this.keys.length; i++) {
      const key = this.keys[i];
      if (!key.startsWith(prefix)) break;
      const kv = this.at(key, rev);
      if (!kv) continue;
      count++;
      if (limit > 0 && kvs.length >= limit) more = true;
      else kvs.push(kv);
    }
    return { revision: rev, kvs, more, count };
  }

  /**
   * Makes every applied revision up to `rev` visible and wakes the watchers. Watchers are cursors
   * into the shared change log, so a lagging one holds no copies; but one that is still busy with
   * its last batch (its onEvents promise has not settled) while its backlog of matching events
   * passes the limits is cut off (onError) rather than waited for without bound. One that takes
   * its batches synchronously is drained every dispatch round; if it still falls behind the
   * history window, compaction ends it as compacted.
   */
  publish(rev: number): void {
    if (rev <= this.visible) return;
    const start = this.visible + 1;
    this.visible = rev;
    if (this.watchers.size === 0) return;
    for (const w of this.watchers) {
      for (let r = Math.max(start, w.next, w.regRev + 1); r <= rev; r++) {
        const ev = this.log[r - this.logBase];
        if (ev.kv.key.startsWith(w.prefix)) {
          w.backlog++;
          w.backlogBytes += eventBytes(ev);
        }
      }
      // Only a watcher still busy with its last batch is holding things up; an idle one is just
      // waiting for the next dispatch round (a burst of writes in one turn of the event loop).
      const { maxBacklogEvents, maxBacklogBytes } = this.limits;
      if (w.inFlight && (w.backlog > maxBacklogEvents || w.backlogBytes > maxBacklogBytes)) {
        this.cut(
          w,
          new Error(
            `watch of ${w.prefix} fell too far behind (${w.backlog} events, ${w.backlogBytes} bytes waiting; ` +
              `limits ${maxBacklogEvents} events, ${maxBacklogBytes} bytes) and was cut off; re-watch from the last revision seen`,
          ),
        );
      }
    }
    this.scheduleDispatch();
  }

  /**
   * Registers a watch delivering changes under `prefix` with revision >= `from` (0 = after the
   * current visible revision). Already-visible events are replayed from the change log first.
   * If `onEvents` returns a promise, the next batch waits until it settles.
   */
  watch(
    prefix: string,
    from: number,
    onEvents: (events: StoreEvent[]) => void | Promise<void>,
    onError?: (err: Error) => void,
  ): Watcher & { progressRevision(): number } {
    if (from > 0 && from <= this.compacted) throw new CompactedError(from, this.compacted);
    const w: WatchEntry = {
      prefix,
      next: from > 0 ? from : this.visible + 1,
      onEvents,
      onError,
      inFlight: false,
      cancelled: false,
      regRev: this.visible,
      backlog: 0,
      backlogBytes: 0,
    };
    this.watchers.add(w);
    if (w.next <= this.visible) this.scheduleDispatch();
    return {
      cancel: () => {
        w.cancelled = true;
        this.watchers.delete(w);
      },
      // Everything up to this revision has been handed to onEvents (etcd's progress notify).
      progressRevision: () => w.next - 1,
    };
  }

  /** Ends a watch on the store's side: nothing more is delivered, and onError hears why, once. */
  private cut(w: WatchEntry, err: Error): void {
    w.cancelled = true;
    this.watchers.delete(w);
    if (!w.onError) return;
    const onError = w.onError;
    setImmediate(() => {
      try {
        onError(err);
      } catch (e) {
        this.onWatchError(e);
      }
    });
  }

  /** Watch delivery is asynchronous so a slow or throwing watcher never blocks the writer. */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  /** Hands each idle watcher its next slice of matching events; comes back while any is behind. */
  private dispatch(): void {
    let behind = false;
    for (const w of this.watchers) {
      if (w.inFlight || w.next > this.visible) continue;
      const batch: StoreEvent[] = [];
      const end = Math.min(this.visible, w.next + SCAN_PER_ROUND - 1);
      let r = w.next;
      for (; r <= end && batch.length < this.limits.batchEvents; r++) {
        const ev = this.log[r - this.logBase];
        if (!ev.kv.key.startsWith(w.prefix)) continue;
        batch.push(ev);
        if (r > w.regRev) {
          w.backlog--;
          w.backlogBytes -= eventBytes(ev);
        }
      }
      w.next = r;
      if (r <= this.visible) behind = true;
      if (batch.length > 0) this.deliver(w, batch);
    }
    if (behind) this.scheduleDispatch();
  }

  private deliver(w: WatchEntry, batch: StoreEvent[]): void {
    let result: void | Promise<void>;
    try {
      result = w.onEvents(batch);
    } catch (err) {
      this.onWatchError(err);
      return;
    }
    if (!result || typeof (result as Promise<void>).then !== 'function') return;
    w.inFlight = true;
    const settled = () => {
      w.inFlight = false;
      if (!w.cancelled && w.next <= this.visible) this.scheduleDispatch();
    };
    (result as Promise<void>).then(settled, (err: unknown) => {
      this.onWatchError(err);
      settled();
    });
  }

  /** Number of revisions retained in the change log. */
  historySize(): number {
    return this.log.length;
  }

  /** Drops history older than `rev` (clamped to the visible revision). */
  compact(rev: number): void {
    rev = Math.min(rev, this.visible);
    if (rev <= this.compacted) return;
    let removedKeys = false;
    for (const [key, vs] of this.history) {
      // Keep the newest version at or below `rev` (the state as of `rev`) and everything after.
      let keepFrom = 0;
      for (let i = vs.length - 1; i >= 0; i--) {
        if (vs[i].kv.modRevision <= rev) {
          keepFrom = i;
          break;
        }
      }
      let kept = keepFrom > 0 ? vs.slice(keepFrom) : vs;
      if (kept[0].deleted && kept[0].kv.modRevision <= rev) kept = kept.slice(1);
      if (kept.length === 0) {
        this.history.delete(key);
        removedKeys = true;
      } else if (kept !== vs) {
        this.history.set(key, kept);
      }
    }
    if (removedKeys) this.keys = this.keys.filter((k) => this.history.has(k));
    // Watchers whose cursor is in the dropped range: skip what they would not get anyway, and
    // cut off the ones that still had matching events there (etcd cancels them as compacted).
    for (const w of this.watchers) {
      if (w.next > rev) continue;
      let needed = false;
      for (let r = w.next; r <= rev && !needed; r++)
        needed = this.log[r - this.logBase].kv.key.startsWith(w.prefix);
      if (needed) this.cut(w, new CompactedError(w.next, rev));
      else w.next = rev + 1;
    }
    const drop = rev - this.logBase + 1;
    if (drop > 0) {
      this.log = this.log.slice(drop);
      this.logBase = rev + 1;
    }
    this.compacted = rev;
  }

  /**
   * What a snapshot must hold to restore this history: the live keys at the compaction point and
   * every visible change after it (replaying them through put/remove rebuilds the same index).
   */
  retained(): { compacted: number; base: KeyValue[]; events: StoreEvent[] } {
    const events = this.log.slice(0, this.visible - this.logBase + 1);
    return { compacted: this.compacted, base: this.liveAt(this.compacted), events };
  }

  /** Live key-values at `rev`, in key order (for snapshots). */
  liveAt(rev: number): KeyValue[] {
    const out: KeyValue[] = [];
    for (const key of this.keys) {
      const kv = this.at(key, rev);
      if (kv) out.push(kv);
    }
    return out;
  }

  /** Stops every watch. */
  cancelAll(): void {
    for (const w of this.watchers) w.cancelled = true;
    this.watchers.clear();
  }
}
