/**
 * The etcd-role store, reduced to kine's small Backend interface: a revisioned key-value store
 * with compare-revision writes and watch from a revision. Backends are chosen by URL scheme
 * (`store/index.ts`); one contract suite (test/control-plane/store/backend-contract.ts) runs
 * against every backend.
 */

/** One stored key at one revision. `value` is the serialized object (JSON text). */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision at which the key was created (etcd create_revision). */
  createRevision: number;
  /** Revision of the last write to the key (etcd mod_revision); becomes the resourceVersion. */
  modRevision: number;
}

/** A change to a key. For DELETE, `kv.modRevision` is the deletion revision and `prevKv` the last value. */
export interface StoreEvent {
  type: 'PUT' | 'DELETE';
  kv: KeyValue;
  prevKv?: KeyValue;
}

/** Thrown by create when the key exists. */
export class KeyExistsError extends Error {
  constructor(readonly key: string) {
    super(`key exists: ${key}`);
    this.name = 'KeyExistsError';
  }
}

/** Thrown by watch (and get/list at a revision) when the revision has been compacted away. */
export class CompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly compactRevision: number,
  ) {
    super(`required revision ${requested} has been compacted (compacted at ${compactRevision})`);
    this.name = 'CompactedError';
  }
}

/**
 * Thrown by writes the store could not make durable because its disk is full or read-only
 * (`code` ENOSPC, EDQUOT or EROFS). Nothing of the failed write remains and everything
 * acknowledged before it is safe; reads keep working, and writes work again by themselves once
 * the disk has room (or is writable) again.
 */
export class StoreWriteError extends Error {
  constructor(
    readonly code: string,
    readonly file: string,
    cause: unknown,
  ) {
    const what =
      code === 'EROFS'
        ? 'the file system is read-only'
        : code === 'EDQUOT'
          ? 'the disk quota is exhausted'
          : 'no space left on device';
    super(
      `store: cannot write ${file}: ${what} (${code}); the write was not made. Everything ` +
        'acknowledged before is safe, and writes resume by themselves once the disk has room again',
      { cause },
    );
    this.name = 'StoreWriteError';
  }
}

/** Result of a conditional update or delete: ok=false means the revision did not match (kv = current). */
export interface CondResult {
  ok: boolean;
  revision: number;
  kv?: KeyValue;
}

/** A page of keys, read at one revision. */
export interface ListResult {
  /** Store revision the list was read at. */
  revision: number;
  kvs: KeyValue[];
  /** True when `limit` cut the list short. */
  more: boolean;
  /**
   * Number of keys under the prefix from `startKey` on (etcd's range count), including the
   * returned ones, so `count - kvs.length` is the remainingItemCount.
   */
  count: number;
}

/** A running watch; cancel() stops delivery. */
export interface Watcher {
  cancel(): void;
  /**
   * Optional (etcd's progress notify): a revision up to which every matching event has already
   * been handed to `onEvents`, so a watch bookmark can carry it.
   */
  progressRevision?(): number;
}

/** The store interface every backend implements (see the module comment). */
export interface Backend {
  /** Opens/recovers the store (replays the WAL, connects to etcd, ...). */
  start(): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
  /** Latest revision. */
  currentRevision(): number | Promise<number>;
  get(key: string): Promise<{ revision: number; kv?: KeyValue }>;
  /** Creates the key; throws KeyExistsError if it exists. Resolves only once durable. */
  create(key: string, value: string): Promise<KeyValue>;
  /** Writes the key if its modRevision equals `expectedRevision`. */
  update(key: string, value: string, expectedRevision: number): Promise<CondResult>;
  /** Deletes the key if its modRevision equals `expectedRevision` (0 = unconditionally). */
  delete(key: string, expectedRevision: number): Promise<CondResult>;
  /**
   * Keys with the prefix, in key order, starting at `startKey` (inclusive, '' = from the
   * beginning), at most `limit` (0 = all). `revision` 0 = latest; otherwise the list as of that
   * revision (CompactedError if older than the compaction point).
   */
  list(prefix: string, startKey: string, limit: number, revision: number): Promise<ListResult>;
  /**
   * Delivers, in revision order, every change under `prefix` with modRevision >= `fromRevision`
   * (0 = only future changes), in batches. Rejects with CompactedError if `fromRevision` is at or
   * below the compaction point. If `onEvents` returns a promise, the next batch waits for it
   * (backpressure); events wait in the backend meanwhile, up to its per-watcher limit.
   * `onError` is called at most once if the watch ends on its own — a watcher too slow to keep
   * up is cut off, or the backend lost the watch and cannot resume it (CompactedError when its
   * history is gone) — and nothing follows it; the client relists or re-watches from the last
   * revision it saw.
   */
  watch(
    prefix: string,
    fromRevision: number,
    onEvents: (events: StoreEvent[]) => void | Promise<void>,
    onError?: (err: Error) => void,
  ): Promise<Watcher>;
  /**
   * Optional bulk load for snapshot restore, valid only on an empty store (nothing ever written).
   * Afterwards get/list return exactly `kvs`, with their createRevision and modRevision,
   * currentRevision() === `revision` and compactRevision() === `revision` (no history before
   * it); the next write takes `revision + 1`. Resolves once the load is durable.
   */
  importSnapshot?(kvs: KeyValue[], revision: number): Promise<void>;
  /** Drops history older than `revision` (watchers/lists at older revisions get CompactedError). */
  compact(revision: number): Promise<void>;
  /** Lowest revision still available for watch; events at or after compactRevision()+1. */
  compactRevision(): number | Promise<number>;
}
