import type { ResourceType } from '../resources';
import type { KubeObject } from '../types';
import { realClock, type Clock } from '../clock';
import type { KubeClient } from './client';
import { ApiError } from './errors';

/** Event callbacks of an informer. `old` is the previous cached copy on update. */
export interface InformerHandlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(obj: T, old: T): void;
  delete?(obj: T): void;
}

/** Cache key of an object: `namespace/name`, or `name` for cluster-scoped ones. */
export function keyOf(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : obj.metadata.name!;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  clock?: Clock;
  /** Watch over WebSocket where the transport offers it (see WatchOptions.websocket). */
  websocket?: boolean;
  /** Called with a readable message whenever the list or watch fails (it retries by itself). */
  onError?(err: unknown): void;
  /** Called after every successful (re-)list, e.g. to clear an error state once the API is back. */
  onSync?(): void;
  /**
   * Deliver the first list page by page (adds as each page of `pageSize` arrives) instead of
   * once complete, so a dashboard shows its first rows after the first page of 50,000 objects.
   * Only the first list: a re-list still diffs against the cache once complete.
   */
  pagedInitialList?: boolean;
  /** Objects per list page (default 500). */
  pageSize?: number;
  /**
   * Objects per page after the first (default `pageSize`): with `pagedInitialList` a small
   * first page shows rows at once, bigger later ones cut the round trips of a huge list.
   */
  laterPageSize?: number;
  /**
   * Applied to every listed or watched object before it is cached or handed to a handler
   * (client-go's SetTransform), e.g. to drop managedFields nobody reads. Must return an object
   * with the same namespace, name and resourceVersion.
   */
  transform?(obj: KubeObject): KubeObject;
}

/**
 * A list+watch cache (client-go's SharedInformer / Headlamp's KubeList): lists, then watches
 * from the list's resourceVersion, applies events in order, ignores stale ones and re-lists on
 * 410 Gone or a broken stream, replaying the differences as add/update/delete.
 */
export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private resourceVersion = '';
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private abort?: AbortController;
  private running = false;
  private readonly clock: Clock;

  constructor(
    private readonly client: KubeClient,
    readonly type: ResourceType,
    private readonly opts: InformerOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
  }

  addHandler(h: InformerHandlers<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const obj of this.cache.values()) h.add?.(obj);
  }

  /** Current cached objects (do not mutate: clone first). */
  list(): T[] {
    return [...this.cache.values()];
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.abort?.abort();
  }

  private async run(): Promise<void> {
    let backoff = 200;
    while (this.running) {
      try {
        await this.relist();
        backoff = 200;
        await this.watchLoop();
      } catch (err) {
        if (!this.running) return;
        this.opts.onError?.(err);
        await new Promise<void>((r) => this.clock.setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private async relist(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    let incremental = false;
    do {
      const list = await this.client.list<T>(this.type, {
        namespace: this.opts.namespace,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        limit: cont ? (this.opts.laterPageSize ?? this.opts.pageSize ?? 500) : (this.opts.pageSize ?? 500),
        continue: cont,
      });
      const transform = this.opts.transform;
      if (transform)
        for (let i = 0; i < list.items.length; i++) list.items[i] = transform(list.items[i]) as T;
      if (this.opts.pagedInitialList && !this.synced && this.cache.size === 0 && !cont) incremental = true;
      if (incremental) {
        // First list into an empty cache: every object is an add, nothing can have gone.
        for (const obj of list.items) {
          const key = keyOf(obj);
          const old = this.cache.get(key);
          this.cache.set(key, obj);
          if (!old) this.emit('add', obj);
          else this.emit('update', obj, old);
        }
      }
      for (const obj of list.items) items.push(obj);
      cont = list.metadata.continue || undefined;
      rv = list.metadata.resourceVersion ?? '';
    } while (cont);
    const seen = new Set<string>();
    for (const obj of items) {
      const key = keyOf(obj);
      seen.add(key);
      if (incremental) continue;
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (!old) this.emit('add', obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('update', obj, old);
    }
    for (const [key, old] of [...this.cache]) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit('delete', old);
      }
    }
    this.resourceVersion = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    this.opts.onSync?.();
  }

  private async watchLoop(): Promise<void> {
    while (this.running) {
      this.abort = new AbortController();
      const events = this.client.watch<T>(this.type, {
        namespace: this.opts.namespace,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        signal: this.abort.signal,
        websocket: this.opts.websocket,
      });
      for await (const ev of events) {
        if (ev.type === 'ERROR') {
          const status = ev.object as unknown as { code?: number; message?: string };
          throw new ApiError(status.code ?? 500, ev.object as never);
        }
        const obj = (
          this.opts.transform && ev.type !== 'BOOKMARK' ? this.opts.transform(ev.object) : ev.object
        ) as T;
        const rv = obj.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        if (ev.type === 'BOOKMARK') continue;
        const key = keyOf(obj);
        const old = this.cache.get(key);
        if (ev.type === 'DELETED') {
          this.cache.delete(key);
          this.emit('delete', obj);
        } else {
          this.cache.set(key, obj);
          if (old) this.emit('update', obj, old);
          else this.emit('add', obj);
        }
      }
      // The server closed a healthy watch (timeout): resume from the last resourceVersion.
    }
  }

  private emit(kind: 'add' | 'update' | 'delete', obj: T, old?: T): void {
    for (const h of this.handlers) {
      try {
        if (kind === 'add') h.add?.(obj);
        else if (kind === 'update') h.update?.(obj, old!);
        else h.delete?.(obj);
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
  }
}
