/**
 * pods/log: validates the pod and container like the real server, then proxies the kubelet's
 * `/containerLogs/{ns}/{pod}/{container}` stream (plain HTTP on the node's InternalIP and
 * kubelet port) back to the client, closing the upstream when the client goes away.
 */
import http from 'node:http';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import type { Logger } from '../../common/logger';
import { R } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { boolParam } from './http';
import type { ResourceRequest } from './request';
import { StatusError, badRequest } from './status';
import type { ObjectStorage } from './storage';

/** PodLogOptions' booleans: checked here, sent on to the kubelet as `true`/`false`. */
const BOOL_OPTIONS = new Set(['follow', 'timestamps', 'previous', 'insecureSkipTLSVerifyBackend']);

const PASSTHROUGH = [
  'follow',
  'tailLines',
  'sinceSeconds',
  'sinceTime',
  'timestamps',
  'previous',
  'limitBytes',
  'stream',
];

/** Picks and checks the container the log request is for. */
export function logContainer(pod: Pod, requested: string | null): string {
  const name = pod.metadata?.name ?? '';
  const all = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.ephemeralContainers ?? []),
  ].map((c) => c.name);
  if (requested) {
    if (!all.includes(requested)) {
      const init = (pod.spec?.initContainers ?? []).map((c) => c.name);
      const normal = (pod.spec?.containers ?? []).map((c) => c.name);
      throw badRequest(
        `container ${requested} is not valid for pod ${name}` +
          (init.length ? ` (init containers: [${init.join(' ')}], containers: [${normal.join(' ')}])` : ''),
      );
    }
    return requested;
  }
  const containers = pod.spec?.containers ?? [];
  if (containers.length === 1) return containers[0].name;
  const def = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  if (def && all.includes(def)) return def;
  throw badRequest(
    `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`,
  );
}

/** The 400 the real server gives when a container has not started (yet). */
function checkStarted(pod: Pod, container: string, previous: boolean): void {
  const name = pod.metadata?.name ?? '';
  const statuses = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.ephemeralContainerStatuses ?? []),
  ];
  const st = statuses.find((c) => c.name === container);
  if (previous) {
    if (!st?.lastState?.terminated)
      throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    return;
  }
  if (!pod.spec?.nodeName || !st)
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
  if (st.state?.waiting && !st.lastState?.terminated && !st.containerID) {
    throw badRequest(
      `container "${container}" in pod "${name}" is waiting to start: ${st.state.waiting.reason ?? 'ContainerCreating'}`,
    );
  }
}

/** The kubelet address of a node: its InternalIP and daemonEndpoints port, or a 500 Status. */
export async function kubeletEndpoint(
  storage: ObjectStorage,
  nodeName: string,
): Promise<{ host: string; port: number }> {
  const node = (await storage.get(R.nodes, undefined, nodeName)) as unknown as Node;
  const host = (node.status?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!host || !port)
    throw new StatusError(
      500,
      'InternalError',
      `Internal error occurred: node "${node.metadata?.name}" has no kubelet endpoint (InternalIP and kubelet port)`,
    );
  return { host, port };
}

/** Streams a pod's log from its node's kubelet to the client. */
export async function streamPodLogs(
  obj: KubeObject,
  r: ResourceRequest,
  deps: { storage: ObjectStorage; kubeletToken?: string; logger: Logger },
): Promise<void> {
  const pod = obj as unknown as Pod;
  const bools = new Map([...BOOL_OPTIONS].map((p) => [p, boolParam(r.query, p)]));
  const container = logContainer(pod, r.query.get('container'));
  const previous = bools.get('previous')!;
  checkStarted(pod, container, previous);
  for (const p of ['tailLines', 'sinceSeconds', 'limitBytes']) {
    const v = r.query.get(p);
    if (v !== null && (!/^\d+$/.test(v) || (p !== 'tailLines' && Number(v) < 1)))
      throw new StatusError(
        422,
        'Invalid',
        `PodLogOptions "${pod.metadata?.name}" is invalid: ${p}: Invalid value: ${v}: must be greater than 0`,
      );
  }
  const { host, port } = await kubeletEndpoint(deps.storage, pod.spec!.nodeName!);

  const q = new URLSearchParams();
  for (const p of PASSTHROUGH) {
    const v = r.query.get(p);
    if (v !== null) q.set(p, BOOL_OPTIONS.has(p) ? String(bools.get(p)) : v);
  }
  const path = `/containerLogs/${encodeURIComponent(pod.metadata!.namespace!)}/${encodeURIComponent(pod.metadata!.name!)}/${encodeURIComponent(container)}${q.size ? `?${q}` : ''}`;
  await new Promise<void>((resolve, reject) => {
    const upstream = http.request(
      {
        host: host.includes(':') ? `[${host}]` : host,
        port,
        path,
        method: 'GET',
        headers: deps.kubeletToken ? { Authorization: `Bearer ${deps.kubeletToken}` } : {},
      },
      (up) => {
        const headers: Record<string, string> = {
          'Content-Type': up.headers['content-type'] ?? 'text/plain',
          'Cache-Control': 'no-cache, private',
        };
        r.res.writeHead(up.statusCode ?? 502, headers);
        r.res.flushHeaders();
        r.req.socket.setNoDelay(true);
        up.on('data', (c: Buffer) => r.res.write(c));
        up.on('end', () => {
          r.res.end();
          resolve();
        });
        up.on('error', () => {
          r.res.destroy();
          resolve();
        });
      },
    );
    // The client going away ends the upstream follow (kubectl logs -f ^C).
    r.res.on('close', () => upstream.destroy());
    upstream.on('error', (err) => {
      if (r.res.headersSent) {
        r.res.destroy();
        resolve();
        return;
      }
      deps.logger.warn('kubelet log proxy failed', { error: err.message, host, port });
      reject(new StatusError(502, 'InternalError', `Get "http://${host}:${port}${path}": ${err.message}`));
    });
    upstream.end();
  });
}
