// The watcher of the object storage (upstream storage/etcd3/watcher.go): backend events under one key prefix become ADDED/MODIFIED/DELETED events of matching objects, with bookmarks; reads the backend, never writes it.
import type { Clock } from '../../common/clock';
import { apiVersionOf, type ResourceType } from '../../common/resources';
import type { KubeObject, WatchEvent } from '../../common/types';
import { CompactedError, type Backend, type StoreEvent, type Watcher } from '../store/backend';
import type { ObjectCache } from './object-storage-cache';
import { parseResourceVersion } from './object-storage-continue';
import { StatusError, gone } from './status';
import type { StorageWatchOptions } from './storage';

/** What a watch reads from: the backend, the shared object cache and the clock for bookmarks. */
export interface WatchSource {
  backend: Backend;
  cache: ObjectCache;
  clock: Clock;
  bookmarkIntervalMs: number;
}

/**
 * Watches the objects of `t` under `prefix`; `matches` undefined means every object matches.
 * Events are delivered after this resolves.
 */
export async function watchPrefix(
  src: WatchSource,
  t: ResourceType,
  prefix: string,
  opts: StorageWatchOptions,
  matches: ((obj: KubeObject) => boolean) | undefined,
  onEvent: (ev: WatchEvent) => void,
): Promise<{ stop(): void }> {
  const passes = (obj: KubeObject) => !matches || matches(obj);
  const rvParam = opts.resourceVersion;

  let initial: KubeObject[] = [];
  let from: number;
  let lastRev: number;
  if (!rvParam || rvParam === '0') {
    // Start from the current state: synthetic ADDED events, then changes after that list.
    const res = await src.backend.list(prefix, '', 0, 0);
    initial = res.kvs.map((kv) => src.cache.shared(kv)).filter(passes);
    from = res.revision + 1;
    lastRev = res.revision;
  } else {
    lastRev = parseResourceVersion(rvParam);
    from = lastRev + 1;
  }

  let stopped = false;
  let ready = false;
  const buffered: StoreEvent[][] = [];
  const emit = (ev: WatchEvent) => {
    if (!stopped) onEvent(ev);
  };
  const handle = (ev: StoreEvent) => {
    const rev = ev.kv.modRevision;
    if (ev.type === 'DELETE') {
      const prev = src.cache.shared(ev.prevKv!, false);
      if (passes(prev)) emit({ type: 'DELETED', object: withRv(prev, rev) });
    } else {
      const obj = src.cache.shared(ev.kv);
      const curPasses = passes(obj);
      if (!ev.prevKv) {
        if (curPasses) emit({ type: 'ADDED', object: obj });
      } else {
        const prevPasses = passes(src.cache.shared(ev.prevKv));
        // Kubernetes' etcd3 watcher: an object that starts matching is ADDED, one that stops
        // matching is DELETED (carrying its old state at the new revision).
        if (curPasses && prevPasses) emit({ type: 'MODIFIED', object: obj });
        else if (curPasses) emit({ type: 'ADDED', object: obj });
        else if (prevPasses) emit({ type: 'DELETED', object: withRv(src.cache.shared(ev.prevKv), rev) });
      }
    }
    lastRev = rev;
  };
  const onBatch = (events: StoreEvent[]) => {
    if (stopped) return;
    if (!ready) {
      buffered.push(events);
      return;
    }
    for (const ev of events) handleSafely(ev);
  };
  // A value that cannot be read (it does not decrypt) ends the watch with that 500, as
  // kube-apiserver's watcher sends an ERROR event for an undecodable object; the process and
  // every other watch carry on.
  const handleSafely = (ev: StoreEvent) => {
    try {
      handle(ev);
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      emit({ type: 'ERROR', object: err.toStatus() as never });
      stopped = true;
      setImmediate(() => watcher.cancel());
    }
  };

  // The backend ended the watch (too slow, or lost and not resumable): one ERROR event, after
  // whatever was delivered before it, like the API server's etcd3 watcher.
  const onEnded = (err: Error) => {
    if (stopped) return;
    const status =
      err instanceof CompactedError
        ? gone(`too old resource version: ${lastRev} (${err.compactRevision})`)
        : new StatusError(500, 'InternalError', `watch of ${t.plural} ended: ${err.message}`);
    const send = () => emit({ type: 'ERROR', object: status.toStatus() as never });
    if (ready) send();
    else setImmediate(send);
  };

  let watcher: Watcher;
  try {
    watcher = await src.backend.watch(prefix, from, onBatch, onEnded);
  } catch (err) {
    if (err instanceof CompactedError)
      throw gone(`too old resource version: ${from - 1} (${err.compactRevision})`);
    throw err;
  }

  let timer: unknown;
  const bookmark = () => {
    if (stopped) return;
    const progress = Math.max(lastRev, watcher.progressRevision?.() ?? 0);
    emit({
      type: 'BOOKMARK',
      object: {
        kind: t.kind,
        apiVersion: apiVersionOf(t),
        metadata: { resourceVersion: String(progress) },
      },
    });
    timer = src.clock.setTimeout(bookmark, src.bookmarkIntervalMs);
  };
  if (opts.allowBookmarks) timer = src.clock.setTimeout(bookmark, src.bookmarkIntervalMs);

  // Deliver after watch() has resolved, so the caller is ready to write events.
  setImmediate(() => {
    if (stopped) return;
    for (const obj of initial) emit({ type: 'ADDED', object: obj });
    ready = true;
    for (const batch of buffered.splice(0)) for (const ev of batch) handleSafely(ev);
  });

  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      watcher.cancel();
      if (timer !== undefined) src.clock.clearTimeout(timer);
      buffered.length = 0;
    },
  };
}

function withRv(obj: KubeObject, rev: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rev) } };
}
