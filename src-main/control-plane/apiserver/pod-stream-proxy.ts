/**
 * pods/exec, pods/attach and pods/portforward: like kube-apiserver's UpgradeAwareHandler, the
 * API server checks the request, then forwards the upgrade request (WebSocket or SPDY/3.1) to
 * the pod's kubelet — node InternalIP + daemonEndpoints port, the kubelet bearer token instead of
 * the client's — and from then on copies bytes both ways. The kubelet speaks the protocols
 * (kubelet/server.ts); the kubelet's answer, 101 or an error Status, reaches the client as is.
 */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Pod } from 'kubernetes-types/core/v1';
import type { Logger } from '../../common/logger';
import type { KubeObject } from '../../common/types';
import { boolParam } from './http';
import { kubeletEndpoint, logContainer } from './pod-logs';
import type { ResourceRequest } from './request';
import { StatusError, badRequest } from './status';
import type { ObjectStorage } from './storage';
import { BEARER_PROTOCOL_PREFIX } from './watch-websocket';

interface Upgrade {
  socket: Duplex;
  head: Buffer;
}

const UPGRADES = new WeakMap<IncomingMessage, Upgrade>();

/** Called by the server's 'upgrade' listener: the request's raw socket and first bytes. */
export function markUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
  UPGRADES.set(req, { socket, head });
}

/** True for requests that arrived through the server's 'upgrade' listener. */
export function isUpgrade(req: IncomingMessage): boolean {
  return UPGRADES.has(req);
}

const STREAM_BOOLS = ['stdin', 'stdout', 'stderr', 'tty'];

const KUBELET_PATHS = { exec: 'exec', attach: 'attach', portforward: 'portForward' } as const;

/** Proxies one exec/attach/portforward upgrade to the pod's kubelet. */
export async function proxyPodStream(
  obj: KubeObject,
  r: ResourceRequest,
  deps: { storage: ObjectStorage; kubeletToken?: string; logger: Logger },
): Promise<void> {
  const up = UPGRADES.get(r.req);
  if (!up) throw badRequest('Upgrade request required');
  const sub = r.subresource as keyof typeof KUBELET_PATHS;
  // PodExecOptions / PodAttachOptions booleans first, as upstream decodes the options before
  // anything else: a malformed one is this server's 400, and the kubelet gets them re-encoded.
  const q = new URLSearchParams(r.query);
  q.delete('container');
  for (const p of STREAM_BOOLS) if (q.has(p)) q.set(p, String(boolParam(r.query, p)));
  const pod = obj as unknown as Pod;
  const name = pod.metadata?.name ?? '';
  const ns = pod.metadata?.namespace ?? '';
  const phase = pod.status?.phase;
  if (sub !== 'portforward' && (phase === 'Succeeded' || phase === 'Failed'))
    throw badRequest(`cannot ${sub} into a container in a completed pod; current phase is ${phase}`);
  if (!pod.spec?.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  let path = `/${KUBELET_PATHS[sub]}/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;
  if (sub === 'portforward') {
    // PodPortForwardOptions.ports (repeated or comma-separated) is the kubelet's `port`, which
    // the WebSocket channel protocols need; SPDY clients send none.
    const ports = r.query.getAll('ports');
    if (ports.length) path += `?${new URLSearchParams({ port: ports.join(',') })}`;
  } else {
    const container = logContainer(pod, r.query.get('container'));
    path += `/${encodeURIComponent(container)}?${q}`;
  }
  const { host, port } = await kubeletEndpoint(deps.storage, pod.spec.nodeName);

  const upstream = net.connect({ host, port });
  upstream.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    upstream.once('connect', () => resolve());
    upstream.once('error', (err) =>
      reject(
        new StatusError(
          502,
          'InternalError',
          `error dialing backend: dial tcp ${host}:${port}: ${err.message}`,
        ),
      ),
    );
  });
  // From here on the raw socket is ours: the ServerResponse must not write to it.
  r.res.detachSocket(up.socket as net.Socket);
  const lines = [`${r.req.method ?? 'GET'} ${path} HTTP/1.1`, `Host: ${host}:${port}`];
  const raw = r.req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    if (k === 'authorization' || k === 'host') continue;
    if (k === 'sec-websocket-protocol') {
      // The client's token (a browser's `base64url.bearer.authorization.k8s.io.` offer) stays
      // here: the kubelet gets the stream protocols only.
      const kept = raw[i + 1]!.split(',')
        .map((p) => p.trim())
        .filter((p) => p && !p.startsWith(BEARER_PROTOCOL_PREFIX));
      if (kept.length) lines.push(`${raw[i]}: ${kept.join(', ')}`);
      continue;
    }
    lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  if (deps.kubeletToken) lines.push(`Authorization: Bearer ${deps.kubeletToken}`);
  upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (up.head.length) upstream.write(up.head);
  const client = up.socket;
  if ((client as net.Socket).setNoDelay) (client as net.Socket).setNoDelay(true);
  upstream.pipe(client);
  client.pipe(upstream);
  const close = () => {
    upstream.destroy();
    client.destroy();
  };
  upstream.on('error', (err) => {
    deps.logger.debug('pod stream upstream failed', { error: err.message });
    close();
  });
  client.on('error', close);
  upstream.on('close', () => client.end());
  client.on('close', () => upstream.destroy());
}
