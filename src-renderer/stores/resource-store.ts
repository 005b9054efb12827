/**
 * The one way the dashboard holds Kubernetes objects: a Pinia setup store per kind, fed by
 * the common `Informer` (list, then watch from its resourceVersion, re-list on 410; the first
 * list page by page, so the first rows show after the first 250, later pages 2,500 each;
 * managedFields dropped on the way in). Events are applied
 * immutably to a non-reactive map and published as a new frozen array in a shallowRef — never
 * deep-reactive, so 50,000 pods cost no proxies. A small cache publishes once per microtask; a
 * big one (over `batchThreshold` objects) at most once per `batchMs`, so 100 watch events a
 * second over 50,000 pods cost ten O(n) publishes a second, not a hundred. Watches run over
 * WebSocket (one socket each, not bound by the browser's six HTTP/1.1 connections per host), so
 * a store keeps watching across pages: it starts when a page first uses it (acquire) and stops
 * only after it has gone unused for a while (release + `idleReleaseMs`).
 */
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import { Informer, keyOf, type KubeClient } from '@common/client';
import type { ResourceType } from '@common/resources';
import type { KubeObject } from '../models/kube';
import { errorMessage } from '../models/format';

/** Async state of any store cache. */
export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** A change to apply to a store (the informer's add/update/delete). */
export interface StoreEvent<T extends KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
}

/** Hooks a store reports its connection outcome to (the connection store). */
export interface StoreHooks {
  onError?(err: unknown): void;
  onSync?(): void;
}

/** True when `incoming` is older than `current` (same object, smaller numeric resourceVersion). */
export function isStale(current: KubeObject | undefined, incoming: KubeObject): boolean {
  if (!current) return false;
  if (current.metadata.uid && incoming.metadata.uid && current.metadata.uid !== incoming.metadata.uid)
    return false;
  const a = current.metadata.resourceVersion;
  const b = incoming.metadata.resourceVersion;
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(b) < BigInt(a);
}

/** Tunables shared by every resource store (tests set `idleReleaseMs` to 0). */
export const resourceStoreConfig = {
  /** How long a store keeps watching after its last user went (page switches are free). */
  idleReleaseMs: 120_000,
  /** Watch over WebSocket where the transport offers it. */
  websocket: true,
  /**
   * Caches bigger than this publish changes at most once per `batchMs` (smaller: per microtask;
   * past 10,000 objects once per size/100 ms, at most 1 s).
   */
  batchThreshold: 2000,
  batchMs: 100,
  /** Objects in the first list page (its rows show at once) and in every later one. */
  firstPageSize: 250,
  pageSize: 2500,
};

/**
 * The object without metadata.managedFields, which no page reads (the YAML views hide them,
 * updates leave them to the server) and which is a third of a pod's JSON: 50,000 pods keep
 * ~100 MB less (Headlamp and Lens drop them too). Other objects are returned as they are.
 */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  const meta = obj.metadata as (KubeObject['metadata'] & { managedFields?: unknown }) | undefined;
  if (!meta || meta.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...metadata } = meta;
  return { ...obj, metadata };
}

/** Creates the `useXxxStore` of one resource kind. */
export function defineResourceStore<T extends KubeObject>(id: string, type: ResourceType) {
  return defineStore(id, () => {
    const items = shallowRef<readonly T[]>([]);
    const index = shallowRef<ReadonlyMap<string, T>>(new Map());
    const status = ref<LoadStatus>('idle');
    const error = ref<string | null>(null);
    const synced = ref(false);

    const map = new Map<string, T>();
    let informer: Informer<T> | undefined;
    let flushQueued = false;
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    let lastFlush = 0;

    function flush(): void {
      flushQueued = false;
      clearTimeout(flushTimer);
      flushTimer = undefined;
      lastFlush = Date.now();
      index.value = new Map(map);
      items.value = Object.freeze([...map.values()]);
    }

    function queueFlush(): void {
      if (flushQueued) return;
      flushQueued = true;
      if (map.size <= resourceStoreConfig.batchThreshold) {
        queueMicrotask(() => {
          if (flushQueued) flush();
        });
        return;
      }
      // Big cache: coalesce, but never wait longer than batchMs after the previous publish.
      // Each publish costs the pages O(n), so the interval grows with the cache past 10,000
      // objects (50,000: 500 ms, at most 1 s) — fewer, not longer, main-thread tasks.
      const interval = Math.max(resourceStoreConfig.batchMs, Math.min(1000, map.size / 100));
      const wait = Math.max(0, interval - (Date.now() - lastFlush));
      flushTimer = setTimeout(flush, wait);
    }

    /** Applies one event; stale updates (older resourceVersion) are ignored. */
    function applyEvent(ev: StoreEvent<T>): void {
      const key = keyOf(ev.object);
      const current = map.get(key);
      if (ev.type === 'DELETED') {
        if (!current || isStale(current, ev.object)) return;
        map.delete(key);
      } else {
        if (isStale(current, ev.object)) return;
        map.set(key, ev.object);
      }
      queueFlush();
    }

    let client: KubeClient | undefined;
    let hooks: StoreHooks = {};
    let users = 0;

    /** Starts list+watch with a client; restarting replaces the previous informer. */
    function start(c: KubeClient, h: StoreHooks = {}): void {
      stop();
      if (c !== client) {
        // Another cluster or token: nothing cached is valid any more.
        map.clear();
        flush();
        synced.value = false;
      }
      client = c;
      hooks = h;
      status.value = synced.value ? 'ready' : 'loading';
      error.value = null;
      const inf = new Informer<T>(c, type, {
        websocket: resourceStoreConfig.websocket,
        pagedInitialList: true,
        pageSize: resourceStoreConfig.firstPageSize,
        laterPageSize: resourceStoreConfig.pageSize,
        transform: withoutManagedFields,
        onError(err) {
          status.value = 'error';
          error.value = errorMessage(err);
          hooks.onError?.(err);
        },
        onSync() {
          // Objects deleted while this store was not watching are not in the new list: drop them.
          const live = new Set(inf.list().map((o) => keyOf(o)));
          let pruned = false;
          for (const key of [...map.keys()]) {
            if (!live.has(key)) {
              map.delete(key);
              pruned = true;
            }
          }
          if (pruned) queueFlush();
          status.value = 'ready';
          error.value = null;
          synced.value = true;
          hooks.onSync?.();
        },
      });
      inf.addHandler({
        add: (object) => applyEvent({ type: 'ADDED', object }),
        update: (object) => applyEvent({ type: 'MODIFIED', object }),
        delete: (object) => applyEvent({ type: 'DELETED', object }),
      });
      informer = markRaw(inf);
      inf.start();
    }

    function stop(): void {
      informer?.stop();
      informer = undefined;
      if (status.value !== 'idle' && !synced.value) status.value = 'idle';
    }

    /**
     * Connects the store to a client. It watches only while some page uses it (`acquire`):
     * a browser allows six HTTP/1.1 connections per host and every watch holds one open.
     */
    function bind(c: KubeClient, h: StoreHooks = {}): void {
      if (c !== client) {
        stop();
        map.clear();
        flush();
        synced.value = false;
      }
      client = c;
      hooks = h;
      if (users > 0) start(c, h);
    }

    /** Disconnects (401, sign-out): stops watching and forgets the client. */
    function unbind(): void {
      stop();
      client = undefined;
    }

    let idleTimer: ReturnType<typeof setTimeout> | undefined;

    /** A page starts using this store: watch while at least one does (and a while after). */
    function acquire(): void {
      users++;
      clearTimeout(idleTimer);
      idleTimer = undefined;
      if (users === 1 && client && !informer) start(client, hooks);
    }

    function release(): void {
      users = Math.max(0, users - 1);
      if (users > 0) return;
      clearTimeout(idleTimer);
      if (resourceStoreConfig.idleReleaseMs <= 0) stop();
      else
        idleTimer = setTimeout(() => {
          idleTimer = undefined;
          if (users === 0) stop();
        }, resourceStoreConfig.idleReleaseMs);
    }

    /** True while the informer runs (for tests and the status bar). */
    function watching(): boolean {
      return informer !== undefined;
    }

    /** Marks the cache as synced without an informer (tests, fixtures). */
    function markSynced(): void {
      synced.value = true;
      status.value = 'ready';
      error.value = null;
    }

    /** Object by namespace and name (cluster-scoped: name only). */
    function get(name: string, namespace?: string): T | undefined {
      return index.value.get(namespace ? `${namespace}/${name}` : name);
    }

    const count = computed(() => items.value.length);

    return {
      items,
      index,
      status,
      error,
      synced,
      count,
      applyEvent,
      flush,
      start,
      stop,
      bind,
      unbind,
      acquire,
      release,
      watching,
      markSynced,
      get,
    };
  });
}
