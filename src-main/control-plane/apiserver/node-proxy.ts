/**
 * nodes/proxy: like kube-apiserver, `/api/v1/nodes/{name}/proxy/{path...}` is forwarded to that
 * node's kubelet (plain HTTP on its InternalIP and kubelet port, with the kubelet token) with the
 * query passed through, so `kubectl get --raw /api/v1/nodes/<node>/proxy/stats/summary` works and
 * the dashboard reads `/stats/history` for its charts. Read-only here: GET only (the router
 * answers 405 otherwise). An unknown node is the store's 404; a kubelet that cannot be reached
 * is a 503 ServiceUnavailable, as upstream's proxy answers.
 */
import http from 'node:http';
import type { Node } from 'kubernetes-types/core/v1';
import type { Logger } from '../../common/logger';
import { R } from '../../common/resources';
import type { ResourceRequest } from './request';
import { StatusError } from './status';
import type { ObjectStorage } from './storage';

/** How long the kubelet may take to answer before the proxy gives up. */
export const NODE_PROXY_TIMEOUT_MS = 15_000;

/** Response headers copied from the kubelet. */
const COPIED = ['content-type', 'content-length', 'cache-control', 'content-encoding'];

/** Where a node's kubelet listens, from its status (InternalIP, daemonEndpoints). */
export function kubeletAddress(node: Node): { host: string; port: number } | undefined {
  const host = (node.status?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  return host && port ? { host, port } : undefined;
}

/** Proxies one GET under a node's proxy subresource to its kubelet. */
export async function proxyNode(
  r: ResourceRequest,
  deps: { storage: ObjectStorage; kubeletToken?: string; logger: Logger },
): Promise<void> {
  const node = (await deps.storage.get(R.nodes, undefined, r.name!)) as unknown as Node;
  const name = node.metadata?.name ?? r.name!;
  const addr = kubeletAddress(node);
  if (!addr)
    throw new StatusError(
      503,
      'ServiceUnavailable',
      `no preferred addresses found; known addresses: [] (node "${name}" has no kubelet endpoint)`,
    );
  const { host, port } = addr;
  const query = r.query.toString();
  const path = `/${(r.proxyPath ?? []).map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`;
  const target = `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  await new Promise<void>((resolve, reject) => {
    const upstream = http.request(
      {
        host,
        port,
        path,
        method: 'GET',
        headers: {
          Accept: r.req.headers.accept ?? '*/*',
          ...(deps.kubeletToken ? { Authorization: `Bearer ${deps.kubeletToken}` } : {}),
        },
        timeout: NODE_PROXY_TIMEOUT_MS,
      },
      (up) => {
        const headers: Record<string, string> = {};
        for (const h of COPIED) {
          const v = up.headers[h];
          if (typeof v === 'string') headers[h] = v;
        }
        r.res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(r.res);
        up.on('end', () => resolve());
        up.on('error', () => {
          r.res.destroy();
          resolve();
        });
      },
    );
    r.res.on('close', () => upstream.destroy());
    upstream.on('timeout', () => upstream.destroy(new Error('timeout awaiting response headers')));
    upstream.on('error', (err) => {
      if (r.res.headersSent) {
        r.res.destroy();
        resolve();
        return;
      }
      deps.logger.warn('node proxy failed', { node: name, error: err.message, host, port });
      reject(
        new StatusError(
          503,
          'ServiceUnavailable',
          `error trying to reach service: ${err.message} (${target})`,
        ),
      );
    });
    upstream.end();
  });
}
