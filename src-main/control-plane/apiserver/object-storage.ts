/**
 * The generic object storage of the API server (Kubernetes' genericregistry.Store over the etcd3
 * storage): Kubernetes objects over a {@link Backend}. See storage.ts for the contract.
 *
 * Keys: `/registry/{plural}/{ns}/{name}` for the core group, `/registry/{group}/{plural}/{ns}/{name}`
 * otherwise; cluster-scoped kinds have no namespace segment. Values are the object's JSON with
 * apiVersion and kind but without resourceVersion, which is always the key's modRevision.
 *
 * Reads parse each stored value at most once per revision: parsed objects are cached by key and
 * modRevision, deep-frozen, and shared by every list and watch that returns them (so listing
 * 10,000 pods does not re-parse 10,000 JSON documents). `get`, `create`, `guaranteedUpdate` and
 * `delete` return private copies the caller may modify.
 *
 * Field selectors know metadata.name and metadata.namespace; every other field label is what the
 * kind's strategy (`Strategy.fields`, registered by the API server) or CRD says. Parts live
 * beside this file: object-storage-predicate.ts (selectors), -cache.ts (the parsed-object
 * cache), -continue.ts (continue tokens, resourceVersions) and -watch.ts (the watcher).
 */
import { randomUUID } from 'node:crypto';
import { realClock, rfc3339, type Clock } from '../../common/clock';
import { deepEqual } from '../../common/json';
import { apiVersionOf, type ResourceType } from '../../common/resources';
import type { KubeList, KubeObject, ObjectMeta, WatchEvent } from '../../common/types';
import {
  CompactedError,
  KeyExistsError,
  StoreWriteError,
  type Backend,
  type KeyValue,
} from '../store/backend';
import type { ValueTransformer } from './encryption';
import { ObjectCache } from './object-storage-cache';
import {
  CONTINUE_EXPIRED_MESSAGE,
  decodeContinue,
  encodeContinue,
  parseResourceVersion,
} from './object-storage-continue';
import { FieldAttrs, filtering } from './object-storage-predicate';
import { watchPrefix } from './object-storage-watch';
import {
  alreadyExists,
  badRequest,
  conflict,
  gone,
  insufficientStorage,
  internalError,
  invalid,
  notFound,
  qualifiedResource,
  StatusError,
} from './status';
import type {
  FieldGetter,
  ObjectStorage,
  StorageDeleteOptions,
  StorageListOptions,
  StorageWatchOptions,
} from './storage';

/** Construction options; every source of time and randomness is injectable for tests. */
export interface ObjectStoreOptions {
  clock?: Clock;
  newUid?: () => string;
  random?: () => number;
  /** Interval of BOOKMARK events on watches that allow them (default 60 s). */
  bookmarkIntervalMs?: number;
  /** Encryption at rest (encryption.ts): values are transformed on their way to and from the Backend. */
  transformer?: ValueTransformer;
}

export { CONTINUE_EXPIRED_MESSAGE };

// generateName suffixes use Kubernetes' alphabet (no vowels, no confusable characters).
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const GENERATE_ATTEMPTS = 8;
const MAX_UPDATE_ATTEMPTS = 100;

/** ObjectMeta without kubernetes-types' readonly markers: the server owns these fields. */
type MutableMeta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };
const mut = (o: KubeObject): MutableMeta => o.metadata as MutableMeta;

/**
 * Groups whose kinds carry no metadata.generation in Kubernetes 1.32 (their strategies never set
 * it): core/v1 (Pods, Services, ConfigMaps… — Pod generation only arrives in 1.33), Leases,
 * events, storage and scheduling classes, metrics. Workloads, policies, networking, discovery,
 * CRDs and custom resources track it.
 */
const NO_GENERATION_GROUPS = new Set([
  '',
  'coordination.k8s.io',
  'events.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
  'metrics.k8s.io',
]);

function tracksGeneration(t: ResourceType): boolean {
  return !NO_GENERATION_GROUPS.has(t.storageGroup ?? t.group);
}

/** ObjectStorage over a Backend (see the module comment). */
export class ObjectStore implements ObjectStorage {
  private readonly clock: Clock;
  private readonly newUid: () => string;
  private readonly random: () => number;
  private readonly bookmarkIntervalMs: number;
  private readonly cache: ObjectCache;
  private readonly transformer?: ValueTransformer;
  /** Per-key queue of guaranteedUpdate calls (see withKeyLock). */
  private readonly keyLocks = new Map<string, Promise<void>>();
  /** Field-selector attributes per kind: the API server registers each strategy's `fields`. */
  private readonly fields = new FieldAttrs();

  constructor(
    private readonly backend: Backend,
    opts: ObjectStoreOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.newUid = opts.newUid ?? randomUUID;
    this.random = opts.random ?? Math.random;
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 60_000;
    this.transformer = opts.transformer;
    this.cache = new ObjectCache(opts.transformer);
  }

  // ---- keys ---------------------------------------------------------------------------------

  private typePrefix(t: ResourceType): string {
    return `/registry/${t.group ? `${t.group}/` : ''}${t.plural}/`;
  }

  private prefix(t: ResourceType, namespace: string | undefined): string {
    return this.typePrefix(t) + (t.namespaced && namespace ? `${namespace}/` : '');
  }

  private key(t: ResourceType, namespace: string | undefined, name: string): string {
    if (t.namespaced && !namespace) throw badRequest(`a namespace is required for ${qualifiedResource(t)}`);
    return this.typePrefix(t) + (t.namespaced ? `${namespace}/` : '') + name;
  }

  // ---- serialization ------------------------------------------------------------------------

  /** The value stored under `key`: the object's JSON, encrypted if its resource is. */
  private serialize(t: ResourceType, key: string, obj: KubeObject): string {
    const { resourceVersion: _rv, ...meta } = obj.metadata;
    const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = obj;
    const json = JSON.stringify({ apiVersion: apiVersionOf(t), kind: t.kind, metadata: meta, ...rest });
    return this.transformer ? this.transformer.toStorage(key, json) : json;
  }

  // ---- selectors ----------------------------------------------------------------------------

  registerFields(t: ResourceType, getter: FieldGetter): void {
    this.fields.register(t, getter);
  }

  // ---- create / get -------------------------------------------------------------------------

  async create(
    t: ResourceType,
    obj: KubeObject,
    opts: { dryRun?: boolean; uid?: string } = {},
  ): Promise<KubeObject> {
    if (obj.metadata?.resourceVersion)
      throw badRequest('resourceVersion should not be set on objects to be created');
    return this.createObject(t, obj, opts.dryRun === true, opts.uid);
  }

  private async createObject(
    t: ResourceType,
    input: KubeObject,
    dryRun: boolean,
    uid?: string,
  ): Promise<KubeObject> {
    const meta = { ...(input.metadata ?? {}) };
    if (!t.namespaced) delete meta.namespace;
    else if (!meta.namespace)
      throw badRequest(`the namespace of the provided object is not set (${qualifiedResource(t)})`);
    if (!meta.name && !meta.generateName) {
      throw invalid(t.kind, '', t.group, [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]);
    }
    for (let attempt = 0; ; attempt++) {
      const generated = !meta.name;
      const name = meta.name || meta.generateName + this.randomSuffix();
      // Like BeforeCreate/FillObjectMetaSystemFields: the server owns these fields.
      const {
        resourceVersion: _rv,
        deletionTimestamp: _dt,
        deletionGracePeriodSeconds: _dg,
        generation: _g,
        ...keep
      } = meta;
      const obj: KubeObject = {
        ...input,
        apiVersion: apiVersionOf(t),
        kind: t.kind,
        metadata: {
          ...keep,
          name,
          uid: uid ?? this.newUid(),
          creationTimestamp: rfc3339(this.clock.now()),
          ...(tracksGeneration(t) ? { generation: 1 } : {}),
        },
      };
      const key = this.key(t, meta.namespace, name);
      try {
        if (dryRun) {
          if ((await this.backend.get(key)).kv) throw new KeyExistsError(key);
          return obj;
        }
        const kv = await storeWrite(this.backend.create(key, this.serialize(t, key, obj)));
        mut(obj).resourceVersion = String(kv.modRevision);
        return obj;
      } catch (err) {
        if (!(err instanceof KeyExistsError)) throw err;
        // Kubernetes (RetryGenerateName, GA in 1.32) retries a colliding generated name.
        if (!generated || attempt + 1 >= GENERATE_ATTEMPTS) throw alreadyExists(t, name);
      }
    }
  }

  private randomSuffix(): string {
    let s = '';
    for (let i = 0; i < 5; i++)
      s += NAME_ALPHABET[Math.floor(this.random() * NAME_ALPHABET.length) % NAME_ALPHABET.length];
    return s;
  }

  async get(t: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject> {
    const { kv } = await this.backend.get(this.key(t, namespace, name));
    if (!kv) throw notFound(t, name);
    return this.cache.fresh(kv);
  }

  // ---- list ---------------------------------------------------------------------------------

  async list(
    t: ResourceType,
    opts: StorageListOptions & { resourceVersionMatch?: 'NotOlderThan' | 'Exact' } = {},
  ): Promise<KubeList> {
    const filter = this.fields.predicate(t, opts.labelSelector, opts.fieldSelector);
    const prefix = this.prefix(t, opts.namespace);
    const limit = opts.limit && opts.limit > 0 ? Math.floor(opts.limit) : 0;
    let rev = 0;
    let startKey = '';
    if (opts.continue) {
      if (opts.resourceVersion && opts.resourceVersion !== '0') {
        throw badRequest('specifying resource version is not allowed when using continue');
      }
      const tok = decodeContinue(opts.continue);
      if (tok.rv < (await this.backend.compactRevision())) throw gone(CONTINUE_EXPIRED_MESSAGE);
      rev = tok.rv;
      startKey = prefix + tok.start;
    } else if (opts.resourceVersion && opts.resourceVersion !== '0') {
      const want = parseResourceVersion(opts.resourceVersion);
      if (opts.resourceVersionMatch === 'Exact') {
        rev = want;
        const compacted = await this.backend.compactRevision();
        if (want < compacted) throw gone(`too old resource version: ${want} (${compacted})`);
      }
      // NotOlderThan (the default): the latest state is never older; wait briefly for a future RV.
      await this.waitForRevision(want);
    }

    const items: KubeObject[] = [];
    let listRev = rev;
    let next: string | undefined;
    let remaining: number | undefined;
    const filtered = filtering(filter);
    for (;;) {
      const res = await this.list0(prefix, startKey, limit > 0 ? limit - items.length : 0, listRev);
      listRev = res.revision; // later chunks read at the same revision
      let stoppedAt = -1;
      for (let i = 0; i < res.kvs.length; i++) {
        const obj = this.cache.shared(res.kvs[i]);
        if (filtered && !this.fields.matches(t, filter, obj)) continue;
        items.push(obj);
        if (limit > 0 && items.length >= limit) {
          stoppedAt = i;
          break;
        }
      }
      const lastScanned = stoppedAt >= 0 ? res.kvs[stoppedAt] : res.kvs[res.kvs.length - 1];
      const more = res.more || (stoppedAt >= 0 && stoppedAt < res.kvs.length - 1);
      if (!more) break;
      if (limit > 0 && items.length >= limit) {
        next = encodeContinue(listRev, lastScanned.key.slice(prefix.length) + '\0');
        // Kubernetes reports remainingItemCount only for unfiltered lists.
        if (!filtered) remaining = res.count - res.kvs.length;
        break;
      }
      startKey = lastScanned.key + '\0';
    }
    return {
      apiVersion: apiVersionOf(t),
      kind: t.listKind,
      metadata: {
        resourceVersion: String(listRev),
        ...(next ? { continue: next } : {}),
        ...(remaining !== undefined ? { remainingItemCount: remaining } : {}),
      },
      items,
    };
  }

  private async list0(prefix: string, startKey: string, limit: number, rev: number) {
    try {
      return await this.backend.list(prefix, startKey, limit, rev);
    } catch (err) {
      if (err instanceof CompactedError)
        throw gone(`too old resource version: ${err.requested} (${err.compactRevision})`);
      throw err;
    }
  }

  /** Kubernetes waits up to 3 s for a requested resourceVersion newer than the store, then 504s. */
  private async waitForRevision(want: number): Promise<void> {
    const deadline = Date.now() + 3000;
    for (;;) {
      const cur = await this.backend.currentRevision();
      if (want <= cur) return;
      if (Date.now() >= deadline) {
        throw new StatusError(504, 'Timeout', `Too large resource version: ${want}, current: ${cur}`, {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        });
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  // ---- update -------------------------------------------------------------------------------

  async guaranteedUpdate(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    tryUpdate: (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>,
    opts: { dryRun?: boolean; allowCreate?: boolean } = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    const key = this.key(t, namespace, name);
    // Writers of one key take turns: each reads the state the previous one made durable, so
    // concurrent updates never spin on revisions still waiting for their fsync.
    return this.withKeyLock(key, () => this.updateLoop(t, key, namespace, name, tryUpdate, opts));
  }

  private async withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.keyLocks.get(key);
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev ? prev.then(() => mine) : mine;
    this.keyLocks.set(key, tail);
    if (prev) await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.keyLocks.get(key) === tail) this.keyLocks.delete(key);
    }
  }

  private async updateLoop(
    t: ResourceType,
    key: string,
    namespace: string | undefined,
    name: string,
    tryUpdate: (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>,
    opts: { dryRun?: boolean; allowCreate?: boolean },
  ): Promise<{ object: KubeObject; created: boolean }> {
    const dryRun = opts.dryRun === true;
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const { kv } = await this.backend.get(key);
      if (!kv) {
        if (!opts.allowCreate) throw notFound(t, name);
        const input = await tryUpdate(undefined);
        const meta = { ...(input.metadata ?? {}), name, namespace };
        delete meta.resourceVersion;
        try {
          // tryUpdate is server code: a uid it chose (Job's generated selector) is kept.
          return {
            object: await this.createObject(t, { ...input, metadata: meta }, dryRun, meta.uid),
            created: true,
          };
        } catch (err) {
          // Someone created it meanwhile: go round again and update it instead.
          if (err instanceof StatusError && err.reason === 'AlreadyExists') continue;
          throw err;
        }
      }
      const cur = this.cache.fresh(kv);
      const input = await tryUpdate(this.cache.fresh(kv));
      const inRv = input.metadata?.resourceVersion;
      if (inRv && inRv !== cur.metadata.resourceVersion) throw conflict(t, name);
      const next = this.prepareUpdate(t, cur, input);
      const result = await this.writeUpdate(t, key, kv, cur, next, dryRun);
      if (result) return { object: result, created: false };
    }
    throw internalError(`too many conflicting updates to ${qualifiedResource(t)} "${name}"`);
  }

  /** Server-owned fields survive a client update, as in Kubernetes' BeforeUpdate. */
  private prepareUpdate(t: ResourceType, cur: KubeObject, input: KubeObject): KubeObject {
    const m = cur.metadata;
    const meta: MutableMeta = { ...(input.metadata ?? {}) };
    meta.name = m.name;
    if (t.namespaced) meta.namespace = m.namespace;
    else delete meta.namespace;
    meta.uid = m.uid;
    meta.creationTimestamp = m.creationTimestamp;
    meta.resourceVersion = m.resourceVersion;
    // Only deletion (below) sets these; an update cannot clear or move them.
    if (m.deletionTimestamp) meta.deletionTimestamp = m.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (m.deletionGracePeriodSeconds !== undefined)
      meta.deletionGracePeriodSeconds = m.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    const next: KubeObject = { ...input, apiVersion: apiVersionOf(t), kind: t.kind, metadata: meta };
    if (tracksGeneration(t)) {
      meta.generation = m.generation ?? 1;
      if (!deepEqual(withoutMetaStatus(next), withoutMetaStatus(cur))) meta.generation += 1;
    } else delete meta.generation;
    return next;
  }

  /**
   * Writes `next` over `cur` (compare-and-swap on kv's revision). Returns undefined when the CAS
   * lost a race (the caller retries), the unchanged `cur` for a no-op, or the written object.
   */
  private async writeUpdate(
    t: ResourceType,
    key: string,
    kv: KeyValue,
    cur: KubeObject,
    next: KubeObject,
    dryRun: boolean,
  ): Promise<KubeObject | undefined> {
    if (deepEqual(next, cur)) return cur; // no-op: same resourceVersion, no event
    const m = mut(next);
    // Behaves like genericregistry.Store.shouldDeleteDuringUpdate: removing the last finalizer of
    // an object whose deletion is due (grace period 0) deletes it. A pod still in its graceful
    // termination period (grace > 0) stays until the kubelet deletes it with grace 0.
    // Namespaces also wait for their spec.finalizers (ShouldDeleteNamespaceDuringUpdate): the
    // namespace controller's PUT …/finalize that empties them is what deletes the namespace.
    const specFinalizers =
      t.group === '' && t.plural === 'namespaces'
        ? ((next.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [])
        : [];
    if (
      m.deletionTimestamp &&
      !(m.finalizers && m.finalizers.length > 0) &&
      specFinalizers.length === 0 &&
      (m.deletionGracePeriodSeconds ?? 0) === 0
    ) {
      if (dryRun) return next;
      const del = await storeWrite(this.backend.delete(key, kv.modRevision));
      if (!del.ok) return undefined;
      this.cache.forget(key);
      m.resourceVersion = String(del.revision);
      return next;
    }
    if (dryRun) return next;
    const res = await storeWrite(this.backend.update(key, this.serialize(t, key, next), kv.modRevision));
    if (!res.ok) return undefined;
    m.resourceVersion = String(res.kv!.modRevision);
    return next;
  }

  // ---- delete -------------------------------------------------------------------------------

  async delete(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    opts: StorageDeleteOptions = {},
  ): Promise<KubeObject> {
    const key = this.key(t, namespace, name);
    const dryRun = opts.dryRun === true;
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const { kv } = await this.backend.get(key);
      if (!kv) throw notFound(t, name);
      const cur = this.cache.fresh(kv);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== cur.metadata.uid) {
        throw conflict(
          t,
          name,
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid ?? ''}`,
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion) {
        throw conflict(
          t,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`,
        );
      }
      const finalizers = gcFinalizers(cur.metadata.finalizers ?? [], opts.propagationPolicy);
      const grace = opts.gracePeriodSeconds;
      if (finalizers.length === 0 && !(grace !== undefined && grace > 0) && !opts.mark) {
        if (dryRun) return cur;
        const del = await storeWrite(this.backend.delete(key, kv.modRevision));
        if (!del.ok) continue;
        this.cache.forget(key);
        // As kube-apiserver's etcd3 store (conditionalDelete decodes at the delete's revision):
        // the object answered carries the deletion's resourceVersion, the RV of its DELETED event.
        mut(cur).resourceVersion = String(del.revision);
        return cur;
      }
      // Mark for deletion: finalizers still pending, or a graceful deletion in progress.
      const next = structuredClone(cur);
      const m = mut(next);
      if (finalizers.length > 0) m.finalizers = finalizers;
      else delete m.finalizers;
      if (!m.deletionTimestamp) {
        const g = grace !== undefined && grace > 0 ? Math.floor(grace) : 0;
        m.deletionTimestamp = rfc3339(this.clock.now() + g * 1000);
        m.deletionGracePeriodSeconds = g;
        if (m.generation) m.generation += 1; // as BeforeDelete does for graceful deletion
      } else if (grace !== undefined && grace < (m.deletionGracePeriodSeconds ?? 0)) {
        // A pending graceful deletion can only be shortened, never extended.
        const g = Math.max(0, Math.floor(grace));
        m.deletionTimestamp = rfc3339(this.clock.now() + g * 1000);
        m.deletionGracePeriodSeconds = g;
      }
      opts.mark?.(next);
      if (deepEqual(next, cur)) return cur;
      if (dryRun) return next;
      const res = await storeWrite(this.backend.update(key, this.serialize(t, key, next), kv.modRevision));
      if (!res.ok) continue;
      m.resourceVersion = String(res.kv!.modRevision);
      return next;
    }
    throw internalError(`too many conflicting deletes of ${qualifiedResource(t)} "${name}"`);
  }

  // ---- watch --------------------------------------------------------------------------------

  async watch(
    t: ResourceType,
    opts: StorageWatchOptions,
    onEvent: (ev: WatchEvent) => void,
  ): Promise<{ stop(): void }> {
    const filter = this.fields.predicate(t, opts.labelSelector, opts.fieldSelector);
    const source = {
      backend: this.backend,
      cache: this.cache,
      clock: this.clock,
      bookmarkIntervalMs: this.bookmarkIntervalMs,
    };
    const matches = filtering(filter) ? (o: KubeObject) => this.fields.matches(t, filter, o) : undefined;
    return watchPrefix(source, t, this.prefix(t, opts.namespace), opts, matches, onEvent);
  }
}

// ---- helpers ----------------------------------------------------------------------------------

/**
 * A store write that failed because its disk is full (507 InsufficientStorage) or read-only (500
 * naming EROFS) becomes a Status that says so; the store keeps serving reads and takes writes
 * again once there is room.
 */
async function storeWrite<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (!(err instanceof StoreWriteError)) throw err;
    throw err.code === 'EROFS' ? internalError(err.message) : insufficientStorage(err.message);
  }
}

/** Applies an explicit propagationPolicy to the GC finalizers, as Kubernetes' deletion does. */
function gcFinalizers(current: string[], policy: StorageDeleteOptions['propagationPolicy']): string[] {
  if (!policy) return [...current];
  const rest = current.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
  if (policy === 'Orphan') return [...rest, 'orphan'];
  if (policy === 'Foreground') return [...rest, 'foregroundDeletion'];
  return rest;
}

function withoutMetaStatus(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}
