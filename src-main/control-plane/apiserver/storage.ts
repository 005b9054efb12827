/**
 * The API server's generic object storage (Kubernetes' genericregistry.Store over storage.Interface):
 * Kubernetes objects over the Backend — key layout, resourceVersion = store revision, uid,
 * creationTimestamp, generateName, optimistic concurrency, selectors, pagination, watch
 * fan-out and graceful/finalizer-aware deletion. Kind-specific behaviour (defaulting,
 * validation, tables) lives in the REST layer above it, never here.
 */
import type { ResourceType } from '../../common/resources';
import type { KubeList, KubeObject, WatchEvent } from '../../common/types';

export interface StorageListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /** '' / undefined = latest; '0' = any (cache ok); otherwise a revision. */
  resourceVersion?: string;
  /** 'Exact' lists at exactly `resourceVersion` (410 if compacted); default NotOlderThan = latest. */
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

export interface StorageWatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this revision; undefined/'' = send ADDED for every current object first, then changes. '0' = same as unset. */
  resourceVersion?: string;
  /** Also emit BOOKMARK events periodically. */
  allowBookmarks?: boolean;
}

export interface StorageDeleteOptions {
  dryRun?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  /** > 0 on an object that supports graceful deletion: set deletionTimestamp instead of deleting. */
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /**
   * Mark for deletion (deletionTimestamp) even without metadata finalizers, and let the caller
   * adjust the marked copy: a namespace whose spec.finalizers are still pending (Terminating).
   */
  mark?: (marked: KubeObject) => void;
}

/** Field getters per kind for field selectors (metadata.name/namespace always work). */
export type FieldGetter = (obj: KubeObject) => Record<string, string>;

export interface ObjectStorage {
  /** `uid`: a server-chosen uid (a strategy that needs it before the write, like Job's selector). */
  create(t: ResourceType, obj: KubeObject, opts?: { dryRun?: boolean; uid?: string }): Promise<KubeObject>;
  /** Throws a StatusError (NotFound) when missing. */
  get(t: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject>;
  /**
   * Lists. The returned items (and watch event objects) are shared, deep-frozen snapshots:
   * serialize or copy them, never modify them.
   */
  list(t: ResourceType, opts?: StorageListOptions): Promise<KubeList>;
  /**
   * Read-modify-write with retries on conflict: `tryUpdate` gets the current object (a copy) and
   * returns the new one. If the returned object carries metadata.resourceVersion different from
   * the current one → 409 Conflict. A result equal to the current object is a no-op: same
   * resourceVersion, no event. Bumps metadata.generation when anything outside metadata/status
   * changes. If `allowCreate` and the object does not exist, `tryUpdate` gets undefined.
   */
  guaranteedUpdate(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    tryUpdate: (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>,
    opts?: { dryRun?: boolean; allowCreate?: boolean },
  ): Promise<{ object: KubeObject; created: boolean }>;
  /** Deletes (or marks for deletion, see options and finalizers). Returns the final or marked object. */
  delete(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    opts?: StorageDeleteOptions,
  ): Promise<KubeObject>;
  /** Streams events; throws StatusError 410 Expired if resourceVersion was compacted. */
  watch(
    t: ResourceType,
    opts: StorageWatchOptions,
    onEvent: (ev: WatchEvent) => void,
  ): Promise<{ stop(): void }>;
  /** Registers field-selector fields for a kind (the API server registers each strategy's `fields`). */
  registerFields(t: ResourceType, getter: FieldGetter): void;
}
