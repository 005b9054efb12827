/**
 * Skiff's container files endpoint (`/apis/skiff.dev/v1/namespaces/{ns}/pods/{name}/files`,
 * wire shape in common/pod-files.ts). Checked here like pods/log — the pod exists, the container
 * is one of its containers, the pod is bound and not finished, the path is absolute and has no
 * traversal — then proxied to the kubelet's `/files/{ns}/{pod}/{container}` exactly as logs are
 * (node InternalIP + kubelet port, the kubelet token instead of the client's), the request body
 * streamed up and the answer streamed back as is.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pod } from 'kubernetes-types/core/v1';
import type { Logger } from '../../common/logger';
import { MAX_UPLOAD_BYTES, normalizeContainerPath } from '../../common/pod-files';
import { R } from '../../common/resources';
import { kubeletEndpoint, logContainer } from './pod-logs';
import { StatusError, badRequest, methodNotAllowed, pathNotFound, tooLarge } from './status';
import type { ObjectStorage } from './storage';

/** Handles `rest` = the segments after `/apis/skiff.dev/v1`: `namespaces/{ns}/pods/{name}/files`. */
export async function handlePodFiles(
  req: IncomingMessage,
  res: ServerResponse,
  rest: string[],
  query: URLSearchParams,
  deps: { storage: ObjectStorage; kubeletToken?: string; logger: Logger },
): Promise<void> {
  const [nsSeg, ns, podsSeg, name, filesSeg, ...extra] = rest;
  if (nsSeg !== 'namespaces' || !ns || podsSeg !== 'pods' || !name || filesSeg !== 'files' || extra.length)
    throw pathNotFound();
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'PUT') {
    if (!req.complete) req.resume();
    throw methodNotAllowed(`pods/files only supports get (list or download) and put (upload)`);
  }
  const pod = (await deps.storage.get(R.pods, ns, name)) as unknown as Pod;
  const container = logContainer(pod, query.get('container'));
  const raw = query.get('path');
  if (raw === null) throw badRequest('the path parameter is required');
  const norm = normalizeContainerPath(raw);
  if ('error' in norm) throw badRequest(norm.error);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed')
    throw badRequest(`cannot reach files of a container in a completed pod; current phase is ${phase}`);
  if (!pod.spec?.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  if (method === 'PUT' && Number(req.headers['content-length'] ?? 0) > MAX_UPLOAD_BYTES)
    throw tooLarge(MAX_UPLOAD_BYTES);
  const { host, port } = await kubeletEndpoint(deps.storage, pod.spec.nodeName);
  const path = `/files/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${new URLSearchParams({ path: norm.path })}`;
  const headers: Record<string, string> = {};
  if (deps.kubeletToken) headers.Authorization = `Bearer ${deps.kubeletToken}`;
  if (method === 'PUT') {
    headers['Content-Type'] = 'application/octet-stream';
    if (req.headers['content-length']) headers['Content-Length'] = req.headers['content-length'];
  }
  await new Promise<void>((resolve, reject) => {
    const upstream = http.request(
      { host: host.includes(':') ? `[${host}]` : host, port, path, method, headers },
      (up) => {
        const out: Record<string, string> = { 'Cache-Control': 'no-cache, private' };
        for (const h of ['content-type', 'content-length', 'content-disposition']) {
          const v = up.headers[h];
          if (typeof v === 'string') out[h] = v;
        }
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
        up.on('end', () => resolve());
        up.on('error', () => {
          res.destroy();
          resolve();
        });
      },
    );
    res.on('close', () => upstream.destroy());
    upstream.on('error', (err) => {
      if (res.headersSent) {
        res.destroy();
        resolve();
        return;
      }
      deps.logger.warn('kubelet files proxy failed', { error: err.message, host, port });
      reject(new StatusError(502, 'InternalError', `error dialing backend: ${err.message}`));
    });
    if (method === 'PUT') req.pipe(upstream);
    else upstream.end();
  });
}
