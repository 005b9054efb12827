// The WATCH handler (upstream endpoints/handlers/watch.go): streams storage watch events as JSON lines or Table rows until timeout or disconnect; reads storage, writes only the response.
import type { ResourceType } from '../../../common/resources';
import type { KubeObject, WatchEvent } from '../../../common/types';
import { boolParam, intParam, wantsTable } from '../http';
import type { Strategy } from '../registry';
import type { ResourceRequest } from '../request';
import { StatusError } from '../status';
import { TABLE_CONTENT_TYPE, includeObjectParam, toTable } from '../table';
import { withType, type RestDeps } from './common';

/**
 * Bytes of events a watch may have queued for a client that does not read them. Past it the watch
 * is cut (the connection closed), as kube-apiserver's cacher drops a watcher whose buffer stays
 * full: the client re-watches from its last resourceVersion or relists. Writers never wait for it.
 */
export const MAX_UNSENT_WATCH_BYTES = 16 * 1024 * 1024;

/**
 * The JSON of objects sent in this turn of the event loop. The store hands every watch of a
 * resource the same frozen object for a revision (object-storage-cache.ts) and delivers a change
 * to all watches in one turn, so 100 watchers of a busy resource serialize each change once
 * rather than 100 times. Cleared on the next turn: nothing outlives the delivery.
 */
let recentJson: Map<KubeObject, { t: ResourceType; json: string }> | undefined;

function objectJson(t: ResourceType, obj: KubeObject): string {
  if (!Object.isFrozen(obj)) return JSON.stringify(withType(t, obj));
  if (!recentJson) {
    recentJson = new Map();
    setImmediate(() => (recentJson = undefined));
  }
  const hit = recentJson.get(obj);
  if (hit?.t === t) return hit.json;
  const json = JSON.stringify(withType(t, obj));
  recentJson.set(obj, { t, json });
  return json;
}

export async function watch(deps: RestDeps, r: ResourceRequest, s: Strategy): Promise<void> {
  const { req, res, query: q } = r;
  const table = wantsTable(req.headers.accept);
  const include = table ? includeObjectParam(q) : 'None';
  const timeout = intParam(q, 'timeoutSeconds');
  // Parsed before the 200 goes out, so a malformed value is a 400 rather than an ERROR event.
  const allowBookmarks = boolParam(q, 'allowWatchBookmarks');
  let first = true;
  let ended = false;
  let stop: (() => void) | undefined;
  let timer: unknown;
  const end = () => {
    if (ended) return;
    ended = true;
    stop?.();
    if (timer !== undefined) deps.clock.clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const write = (ev: WatchEvent) => {
    if (ended) return;
    let line: string;
    if (ev.type === 'ERROR' || ev.type === 'BOOKMARK')
      line = JSON.stringify({ type: ev.type, object: ev.object });
    else if (table) {
      const object = toTable(r.type, s.table, [ev.object as KubeObject], {
        now: deps.clock.now(),
        include,
        columns: first,
      });
      first = false;
      line = JSON.stringify({ type: ev.type, object });
    } else
      line = `{"type":${JSON.stringify(ev.type)},"object":${objectJson(r.type, ev.object as KubeObject)}}`;
    res.write(line + '\n');
    if (ev.type === 'ERROR') end();
    else if (res.writableLength > MAX_UNSENT_WATCH_BYTES) {
      deps.logger.warn('watch client does not keep up; closing its watch', {
        resource: r.type.plural,
        unsentBytes: res.writableLength,
      });
      ended = true;
      stop?.();
      if (timer !== undefined) deps.clock.clearTimeout(timer);
      res.destroy();
    }
  };
  res.writeHead(200, {
    'Content-Type': table ? TABLE_CONTENT_TYPE : 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  req.socket.setNoDelay(true);
  // Node 20: the request's 'close' fires once its body is read; only the response's 'close'
  // means the client went away (kubectl-wire G7).
  res.on('close', end);
  if (timeout !== undefined && timeout > 0) timer = deps.clock.setTimeout(end, timeout * 1000);
  try {
    const w = await deps.storage.watch(
      r.type,
      {
        namespace: r.namespace,
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
        resourceVersion: q.get('resourceVersion') ?? undefined,
        allowBookmarks,
      },
      write,
    );
    if (ended) w.stop();
    else stop = () => w.stop();
  } catch (err) {
    // A compacted resourceVersion (or a bad selector) arrives as one ERROR event, like the
    // real server does once the watch has started.
    const status =
      err instanceof StatusError ? err : new StatusError(500, 'InternalError', (err as Error).message);
    if (!(err instanceof StatusError)) deps.logger.error('watch failed', { error: String(err) });
    write({ type: 'ERROR', object: status.toStatus() as never });
    end();
  }
}
