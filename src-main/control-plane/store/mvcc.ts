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

/** A registered watch. */
interface WatchEntry {
  prefix: string;
  /** Deliver only events at or after this revision. */
  from: number;
  onEvents: (events: StoreEvent[]) => void;
  queue: StoreEvent[];
  /** Every event up to this revision has been routed into `queue` (or did not match). */
  routed: number;
  scheduled: boolean;
  cancelled: boolean;
}

/** Called when a watcher's callback throws; the store keeps serving the other watchers. */
export type WatchErrorHandler = (err: unknown) => void;

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
  revision = 0;
  visible = 0;
  compacted = 0;

  constructor(private readonly onWatchError: WatchErrorHandler = () => undefined) {}

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

  /** Makes every applied revision up to `rev` visible and routes its events to the watchers. */
  publish(rev: number): void {
    if (rev <= this.visible) return;
    const start = this.visible + 1;
    this.visible = rev;
    if (this.watchers.size === 0) return;
    for (let r = start; r <= rev; r++) {
      const ev = this.log[r - this.logBase];
      if (!ev) continue; // compacted away already (cannot happen: compaction stops at visible)
      for (const w of this.watchers) {
        if (r >= w.from && ev.kv.key.startsWith(w.prefix)) w.queue.push(ev);
      }
    }
    for (const w of this.watchers) {
      w.routed = rev;
      if (w.queue.length > 0) this.schedule(w);
    }
  }

  /**
   * Registers a watch delivering changes under `prefix` with revision >= `from` (0 = after the
   * current visible revision). Already-visible events are replayed from the change log first.
   */
  watch(
    prefix: string,
    from: number,
    onEvents: (events: StoreEvent[]) => void,
  ): Watcher & { progressRevision(): number } {
    if (from > 0 && from <= this.compacted) throw new CompactedError(from, this.compacted);
    const start = from > 0 ? from : this.visible + 1;
    const w: WatchEntry = {
      prefix,
      from: start,
      onEvents,
      queue: [],
      routed: this.visible,
      scheduled: false,
      cancelled: false,
    };
    for (let r = Math.max(start, this.logBase); r <= this.visible; r++) {
      const ev = this.log[r - this.logBase];
      if (ev && ev.kv.key.startsWith(prefix)) w.queue.push(ev);
    }
    this.watchers.add(w);
    if (w.queue.length > 0) this.schedule(w);
    return {
      cancel: () => {
        w.cancelled = true;
        w.queue = [];
        this.watchers.delete(w);
      },
      // Everything up to this revision has been handed to onEvents (etcd's progress notify).
      progressRevision: () =>
        w.queue.length > 0 ? w.queue[0].kv.modRevision - 1 : Math.max(w.routed, w.from - 1),
    };
  }

  /** Watch delivery is asynchronous so a slow or throwing watcher never blocks the writer. */
  private schedule(w: WatchEntry): void {
    if (w.scheduled) return;
    w.scheduled = true;
    setImmediate(() => {
      w.scheduled = false;
      if (w.cancelled || w.queue.length === 0) return;
      const batch = w.queue;
      w.queue = [];
      try {
        w.onEvents(batch);
      } catch (err) {
        this.onWatchError(err);
      }
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
    for (const w of this.watchers) {
      w.cancelled = true;
      w.queue = [];
    }
    this.watchers.clear();
  }
}
