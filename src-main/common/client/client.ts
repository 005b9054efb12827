import type { ResourceType } from '../resources';
import type { KubeList, KubeObject, WatchEvent } from '../types';
import { errorFromResponse } from './errors';
import {
  WebSocketUnavailableError,
  type StreamResponse,
  type Transport,
  type TransportRequest,
} from './transport';

/** Options for list and watch calls. */
export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /**
   * Watch over WebSocket when the transport can (browsers: not bound by the 6-connections-per-
   * host limit of HTTP/1.1); falls back to the HTTP stream when the socket cannot be opened.
   */
  websocket?: boolean;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Writes accept these query options (dryRun, fieldManager...). */
export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  force?: boolean;
}

/** Path of a resource collection or object, e.g. `/apis/apps/v1/namespaces/ns/deployments/x/scale`. */
export function resourcePath(
  t: ResourceType,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  let p = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  if (t.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${t.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '' || v === false) continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/**
 * The one Kubernetes client, used by the scheduler, controllers, kubelet, tests and the
 * dashboard alike. It speaks plain JSON over a Transport and throws ApiError on failure.
 */
export class KubeClient {
  constructor(readonly transport: Transport) {}

  async raw<T>(req: TransportRequest): Promise<T> {
    const res = await this.transport.request({
      ...req,
      headers: {
        Accept: 'application/json',
        ...(req.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...req.headers,
      },
    });
    if (res.status < 200 || res.status >= 300) throw errorFromResponse(res.status, res.body);
    return (res.body ? JSON.parse(res.body) : undefined) as T;
  }

  get<T extends KubeObject>(
    t: ResourceType,
    name: string,
    namespace?: string,
    subresource?: string,
  ): Promise<T> {
    return this.raw<T>({ method: 'GET', path: resourcePath(t, namespace, name, subresource) });
  }

  list<T extends KubeObject>(t: ResourceType, opts: ListOptions = {}): Promise<KubeList<T>> {
    const q = query({
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      limit: opts.limit,
      continue: opts.continue,
      resourceVersion: opts.resourceVersion,
    });
    return this.raw<KubeList<T>>({ method: 'GET', path: resourcePath(t, opts.namespace) + q });
  }

  create<T extends KubeObject>(
    t: ResourceType,
    obj: T,
    opts: WriteOptions & { namespace?: string; subresource?: string; name?: string } = {},
  ): Promise<T> {
    const ns = opts.namespace ?? obj.metadata?.namespace;
    const path = resourcePath(
      t,
      ns,
      opts.subresource ? (opts.name ?? obj.metadata.name) : undefined,
      opts.subresource,
    );
    return this.raw<T>({ method: 'POST', path: path + writeQuery(opts), body: JSON.stringify(obj) });
  }

  update<T extends KubeObject>(
    t: ResourceType,
    obj: T,
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<T> {
    const path = resourcePath(t, obj.metadata.namespace, obj.metadata.name, opts.subresource);
    return this.raw<T>({ method: 'PUT', path: path + writeQuery(opts), body: JSON.stringify(obj) });
  }

  updateStatus<T extends KubeObject>(t: ResourceType, obj: T): Promise<T> {
    return this.update(t, obj, { subresource: 'status' });
  }

  patch<T extends KubeObject>(
    t: ResourceType,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    type: PatchType = 'merge',
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<T> {
    const path = resourcePath(t, namespace, name, opts.subresource);
    return this.raw<T>({
      method: 'PATCH',
      path: path + writeQuery(opts),
      body: JSON.stringify(patch),
      headers: { 'Content-Type': PATCH_CONTENT_TYPES[type] },
    });
  }

  delete<T extends KubeObject = KubeObject>(
    t: ResourceType,
    name: string,
    namespace?: string,
    opts: {
      propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
      gracePeriodSeconds?: number;
      preconditions?: { uid?: string; resourceVersion?: string };
      dryRun?: boolean;
    } = {},
  ): Promise<T> {
    const { dryRun, ...body } = opts;
    return this.raw<T>({
      method: 'DELETE',
      path: resourcePath(t, namespace, name) + query({ dryRun: dryRun ? 'All' : undefined }),
      body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', ...body }),
    });
  }

  /**
   * Opens a watch and yields its events until the server or `signal` ends it. The caller
   * handles ERROR events (410 Gone means: re-list).
   */
  async *watch<T extends KubeObject>(t: ResourceType, opts: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    const q = query({
      watch: true,
      resourceVersion: opts.resourceVersion,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      allowWatchBookmarks: opts.allowWatchBookmarks,
      timeoutSeconds: opts.timeoutSeconds,
    });
    const req: TransportRequest = {
      method: 'GET',
      path: resourcePath(t, opts.namespace) + q,
      headers: { Accept: 'application/json' },
      signal: opts.signal,
    };
    let res: StreamResponse | undefined;
    if (opts.websocket && this.transport.websocket) {
      try {
        res = await this.transport.websocket(req);
      } catch (err) {
        // No WebSocket here (old proxy, refused upgrade): the HTTP stream reports the real error.
        if (!(err instanceof WebSocketUnavailableError)) throw err;
      }
    }
    res ??= await this.transport.stream(req);
    if (res.status !== 200) {
      let body = '';
      for await (const c of res.chunks) body += c;
      throw errorFromResponse(res.status, body);
    }
    yield* parseJsonLines<WatchEvent<T>>(res.chunks);
  }

  /** Streams a pod's log as text chunks (follow keeps it open). */
  async *podLogs(
    namespace: string,
    name: string,
    opts: {
      container?: string;
      follow?: boolean;
      tailLines?: number;
      sinceSeconds?: number;
      timestamps?: boolean;
      previous?: boolean;
      signal?: AbortSignal;
    } = {},
  ): AsyncIterable<string> {
    const { signal, ...params } = opts;
    const path =
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/log` +
      query(params);
    const res = await this.transport.stream({ method: 'GET', path, signal });
    if (res.status !== 200) {
      let body = '';
      for await (const c of res.chunks) body += c;
      throw errorFromResponse(res.status, body);
    }
    yield* res.chunks;
  }
}

function writeQuery(opts: WriteOptions): string {
  return query({
    dryRun: opts.dryRun ? 'All' : undefined,
    fieldManager: opts.fieldManager,
    force: opts.force,
  });
}

/** Splits a stream of text chunks into newline-delimited JSON values. */
export async function* parseJsonLines<T>(chunks: AsyncIterable<string>): AsyncIterable<T> {
  let buf = '';
  for await (const chunk of chunks) {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield JSON.parse(line) as T;
    }
  }
  if (buf.trim()) yield JSON.parse(buf) as T;
}
