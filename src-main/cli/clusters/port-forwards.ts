/**
 * Session port-forwards owned by the dashboard server: a listener on 127.0.0.1 (a chosen or a
 * free port) whose every connection opens one Kubernetes port-forward WebSocket
 * (v4.channel.k8s.io: binary frames `[channel][bytes]`, data on channel 0, errors on 1, each
 * channel first carrying the port as little-endian uint16) to the pod, through the same upstream
 * (local Skiff or a kubeconfig context) the pages use. A Service resolves once, as
 * `kubectl port-forward svc/x` does, to a ready pod selected by its selector and the targetPort
 * of the chosen service port. Everything stops with the dashboard server.
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { PortForwardTarget, PortForwardView } from '../../common/port-forward';
import { upstreamJson, upstreamPath, type Upstream } from './upstream';

export type { PortForwardView };

/** The body of `POST /dashboard/v1/port-forwards` (a name is allowed as a Service's port). */
export interface PortForwardRequest extends PortForwardTarget {
  /** 0 / absent = any free port. */
  localPort?: number;
}

interface PodLike {
  metadata: { name: string; deletionTimestamp?: string };
  spec?: { containers?: { ports?: { name?: string; containerPort: number }[] }[] };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

interface ServiceLike {
  spec?: {
    selector?: Record<string, string>;
    ports?: { name?: string; port: number; targetPort?: number | string }[];
  };
}

export class PortForwardError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const ready = (p: PodLike) =>
  p.status?.phase === 'Running' &&
  !p.metadata.deletionTimestamp &&
  !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

function namedPort(pod: PodLike, name: string): number | undefined {
  for (const c of pod.spec?.containers ?? [])
    for (const p of c.ports ?? []) if (p.name === name) return p.containerPort;
  return undefined;
}

/** Resolves a Service port to a ready pod and its port, as kubectl port-forward svc/x. */
export async function resolveTarget(
  up: Upstream,
  r: PortForwardRequest,
): Promise<{ pod: string; port: number }> {
  const ns = encodeURIComponent(r.namespace);
  if (r.kind === 'pod') {
    const pod = await upstreamJson<PodLike>(
      up,
      `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(r.name)}`,
    );
    const port = typeof r.port === 'number' ? r.port : namedPort(pod, r.port);
    if (!port) throw new PortForwardError(400, `pod ${r.name} has no port named ${r.port}`);
    return { pod: pod.metadata.name, port };
  }
  const svc = await upstreamJson<ServiceLike>(
    up,
    `/api/v1/namespaces/${ns}/services/${encodeURIComponent(r.name)}`,
  );
  const sp = svc.spec?.ports?.find((p) => p.port === r.port || (p.name !== undefined && p.name === r.port));
  if (!sp) throw new PortForwardError(400, `service ${r.name} has no port ${r.port}`);
  const sel = Object.entries(svc.spec?.selector ?? {});
  if (!sel.length) throw new PortForwardError(400, `service ${r.name} has no selector`);
  const labelSelector = encodeURIComponent(sel.map(([k, v]) => `${k}=${v}`).join(','));
  const pods = await upstreamJson<{ items: PodLike[] }>(
    up,
    `/api/v1/namespaces/${ns}/pods?labelSelector=${labelSelector}`,
  );
  const pod = pods.items.find(ready);
  if (!pod) throw new PortForwardError(503, `service ${r.name} has no ready pod`);
  const tp = sp.targetPort ?? sp.port;
  const port = typeof tp === 'number' ? tp : /^\d+$/.test(tp) ? Number(tp) : namedPort(pod, tp);
  if (!port) throw new PortForwardError(400, `pod ${pod.metadata.name} has no port named ${String(tp)}`);
  return { pod: pod.metadata.name, port };
}

class Forward {
  readonly sockets = new Set<net.Socket>();
  readonly view: PortForwardView;

  constructor(
    readonly server: net.Server,
    readonly up: Upstream,
    view: PortForwardView,
  ) {
    this.view = view;
    server.on('connection', (s) => void this.handle(s));
  }

  private async handle(sock: net.Socket): Promise<void> {
    const v = this.view;
    v.connections++;
    v.activeConnections++;
    this.sockets.add(sock);
    sock.pause();
    let ws: WebSocket | undefined;
    const done = () => {
      if (!this.sockets.delete(sock)) return;
      v.activeConnections--;
      sock.destroy();
      ws?.close();
    };
    sock.on('close', done);
    sock.on('error', done);
    try {
      const auth = await this.up.resolve();
      const scheme = this.up.server.protocol === 'https:' ? 'wss:' : 'ws:';
      const p = upstreamPath(
        this.up.server,
        `/api/v1/namespaces/${encodeURIComponent(v.namespace)}/pods/${encodeURIComponent(v.pod)}/portforward?ports=${v.podPort}`,
      );
      const headers: Record<string, string> = {};
      if (auth.authorization) headers.authorization = auth.authorization;
      ws = new WebSocket(`${scheme}//${this.up.server.host}${p}`, ['v4.channel.k8s.io'], {
        ...auth.tls,
        headers,
      });
    } catch (err) {
      v.lastError = (err as Error).message;
      done();
      return;
    }
    const socket = ws;
    // The first frame on each channel is the port number, not data.
    const seen = new Set<number>();
    socket.binaryType = 'nodebuffer';
    // The first failure of this connection is the one to show; closing after it adds noise.
    let failed = false;
    const fail = (message: string) => {
      if (!failed) v.lastError = message;
      failed = true;
      done();
    };
    socket.on('unexpected-response', (_req, res) => {
      if (res.statusCode === 401) this.up.invalidate();
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text = (text + d).slice(0, 2000)));
      res.on('end', () => {
        let msg = text.trim();
        try {
          msg = String((JSON.parse(text) as { message?: string }).message ?? msg);
        } catch {
          // not a Status: keep the text
        }
        fail(`port-forward refused: HTTP ${res.statusCode}${msg ? `: ${msg}` : ''}`);
      });
    });
    socket.on('open', () => {
      sock.on('data', (d: Buffer) => {
        v.bytesOut += d.length;
        socket.send(Buffer.concat([Buffer.from([0]), d]));
      });
      sock.on('end', () => socket.close());
      sock.resume();
    });
    socket.on('message', (data: Buffer, isBinary) => {
      if (!isBinary || data.length < 1) return;
      const ch = data[0];
      if (!seen.has(ch)) {
        seen.add(ch);
        return;
      }
      const body = data.subarray(1);
      if (ch === 0) {
        v.bytesIn += body.length;
        sock.write(body);
      } else if (ch === 1 && body.length) {
        fail(body.toString('utf8'));
      }
    });
    socket.on('close', () => {
      sock.end();
      done();
    });
    socket.on('error', (err) => fail(err.message));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

export class PortForwardManager {
  private readonly forwards = new Map<string, Forward>();

  constructor(private readonly upstreamFor: (cluster: string) => Upstream) {}

  list(): PortForwardView[] {
    return [...this.forwards.values()].map((f) => ({ ...f.view }));
  }

  async start(r: PortForwardRequest): Promise<PortForwardView> {
    const up = this.upstreamFor(r.cluster);
    const target = await resolveTarget(up, r);
    const server = net.createServer();
    server.maxConnections = 256;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new PortForwardError(409, `local port ${r.localPort} is in use`)
            : new PortForwardError(500, err.message),
        ),
      );
      server.listen(r.localPort ?? 0, '127.0.0.1', () => resolve());
    });
    const localPort = (server.address() as net.AddressInfo).port;
    const view: PortForwardView = {
      id: randomUUID(),
      cluster: r.cluster,
      namespace: r.namespace,
      kind: r.kind,
      name: r.name,
      port: r.port,
      pod: target.pod,
      podPort: target.port,
      localPort,
      url: `http://127.0.0.1:${localPort}/`,
      connections: 0,
      activeConnections: 0,
      bytesIn: 0,
      bytesOut: 0,
      startedAt: new Date().toISOString(),
    };
    this.forwards.set(view.id, new Forward(server, up, view));
    return { ...view };
  }

  async stop(id: string): Promise<boolean> {
    const f = this.forwards.get(id);
    if (!f) return false;
    this.forwards.delete(id);
    await f.stop();
    return true;
  }

  async stopAll(): Promise<void> {
    const all = [...this.forwards.keys()];
    await Promise.all(all.map((id) => this.stop(id)));
  }
}

/** Validates a POST body into a PortForwardRequest. */
export function parsePortForwardRequest(body: unknown): PortForwardRequest {
  const b = (body ?? {}) as Record<string, unknown>;
  const bad = (m: string) => new PortForwardError(400, m);
  if (typeof b.namespace !== 'string' || !b.namespace) throw bad('namespace is required');
  if (typeof b.name !== 'string' || !b.name) throw bad('name is required');
  if (b.kind !== 'pod' && b.kind !== 'service') throw bad('kind must be pod or service');
  const port = b.port;
  if (!(
    (typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536) ||
    (typeof port === 'string' && port)
  ))
    throw bad('port must be a port number or name');
  const lp = b.localPort ?? 0;
  if (typeof lp !== 'number' || !Number.isInteger(lp) || lp < 0 || lp > 65535)
    throw bad('localPort must be 0-65535');
  return {
    cluster: typeof b.cluster === 'string' ? b.cluster : '',
    namespace: b.namespace,
    kind: b.kind,
    name: b.name,
    port,
    localPort: lp,
  };
}
