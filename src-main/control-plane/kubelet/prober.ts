/**
 * Container probes (startup, liveness, readiness) with exec, httpGet and tcpSocket handlers,
 * like the kubelet's prober + prober workers: one worker per probe and running container
 * instance, honouring initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold and
 * failureThreshold; liveness and readiness wait for the startup probe.
 *
 * The host reaches pods only through 127.0.0.1 (also on Docker Desktop), so httpGet/tcpSocket
 * connect to the port the sandbox publishes on 127.0.0.1 for the probed container port (the
 * path Kubernetes takes: the pod IP, not the pod's loopback) and, when that port is not
 * published, through the runtime's port-forward relay inside the pod's network namespace.
 */
import http2 from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Container, Probe } from 'kubernetes-types/core/v1';
import type { Clock } from '../../common/clock';
import type { ContainerRuntime, SandboxStatus } from './runtime/runtime';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

/** What a probe run found. */
export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** Where a worker reports: the kubelet turns results into status, events and kills. */
export interface ProbeListener {
  (containerId: string, kind: ProbeKind, result: ProbeResult, thresholdReached: boolean): void;
}

interface Worker {
  timer?: unknown;
  stopped: boolean;
  successes: number;
  failures: number;
  /** The last result that crossed its threshold. */
  state?: boolean;
}

/** Runs the probes of running containers. */
export class ProbeManager {
  private readonly workers = new Map<string, Worker>();
  /** Per container id: startup passed, ready. */
  private readonly started = new Map<string, boolean>();
  private readonly ready = new Map<string, boolean>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly clock: Clock,
    private readonly onResult: ProbeListener,
  ) {}

  /** Starts the probe workers of a running container instance (no-op when already running). */
  ensure(containerId: string, spec: Container, sandbox: () => SandboxStatus | undefined): void {
    const kinds: [ProbeKind, Probe | undefined][] = [
      ['startup', spec.startupProbe],
      ['liveness', spec.livenessProbe],
      ['readiness', spec.readinessProbe],
    ];
    if (!this.started.has(containerId)) this.started.set(containerId, !spec.startupProbe);
    if (!this.ready.has(containerId)) this.ready.set(containerId, !spec.readinessProbe);
    for (const [kind, probe] of kinds) {
      if (!probe) continue;
      const key = `${containerId}/${kind}`;
      if (this.workers.has(key)) continue;
      const w: Worker = { stopped: false, successes: 0, failures: 0 };
      this.workers.set(key, w);
      const period = Math.max(1, probe.periodSeconds ?? 10) * 1000;
      const run = async () => {
        w.timer = undefined;
        if (w.stopped) return;
        // liveness and readiness only start once the startup probe has succeeded.
        if (kind !== 'startup' && !this.started.get(containerId)) {
          w.timer = this.clock.setTimeout(run, 1000);
          return;
        }
        const r = await this.probe(containerId, spec, probe, sandbox()).catch(
          (err: unknown): ProbeResult => ({ ok: false, message: String((err as Error)?.message ?? err) }),
        );
        if (w.stopped) return;
        if (r.ok) {
          w.successes++;
          w.failures = 0;
        } else {
          w.failures++;
          w.successes = 0;
        }
        const success = Math.max(1, probe.successThreshold ?? 1);
        const failure = Math.max(1, probe.failureThreshold ?? 3);
        let reached = false;
        if (r.ok && w.successes >= success && w.state !== true) {
          w.state = true;
          reached = true;
        } else if (!r.ok && w.failures >= failure && (w.state !== false || kind === 'liveness')) {
          w.state = false;
          reached = true;
          w.failures = 0;
        }
        if (kind === 'startup' && reached && r.ok) this.started.set(containerId, true);
        if (kind === 'readiness' && reached) this.ready.set(containerId, r.ok);
        this.onResult(containerId, kind, r, reached);
        // A passed startup probe is done for this container instance.
        if (kind === 'startup' && this.started.get(containerId)) return;
        if (!w.stopped) w.timer = this.clock.setTimeout(run, period);
      };
      w.timer = this.clock.setTimeout(run, Math.max(0, probe.initialDelaySeconds ?? 0) * 1000);
    }
  }

  /** Startup probe passed (true without one). */
  isStarted(containerId: string): boolean {
    return this.started.get(containerId) ?? true;
  }

  /** Readiness (true without a readiness probe). */
  isReady(containerId: string): boolean {
    return (this.started.get(containerId) ?? true) && (this.ready.get(containerId) ?? true);
  }

  /** Stops the workers of containers not in `keep`. */
  retain(keep: Set<string>): void {
    for (const [key, w] of this.workers) {
      const id = key.slice(0, key.lastIndexOf('/'));
      if (keep.has(id)) continue;
      w.stopped = true;
      if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
      this.workers.delete(key);
    }
    for (const id of [...this.started.keys()]) if (!keep.has(id)) this.started.delete(id);
    for (const id of [...this.ready.keys()]) if (!keep.has(id)) this.ready.delete(id);
  }

  stopAll(): void {
    this.retain(new Set());
  }

  /** One probe run. */
  async probe(
    containerId: string,
    spec: Container,
    probe: Probe,
    sb: SandboxStatus | undefined,
  ): Promise<ProbeResult> {
    const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
    if (probe.exec) {
      const s = await this.runtime.exec(containerId, {
        command: probe.exec.command ?? [],
        stdin: false,
        stdout: true,
        stderr: true,
        tty: false,
      });
      let out = '';
      s.stdout.on('data', (c: Buffer) => (out.length < 10_240 ? (out += c.toString()) : undefined));
      s.stderr?.on('data', (c: Buffer) => (out.length < 10_240 ? (out += c.toString()) : undefined));
      const done = await withTimeout(s.done, timeoutMs);
      if (!done) {
        s.close();
        return { ok: false, message: `command timed out after ${timeoutMs / 1000}s` };
      }
      return done.exitCode === 0
        ? { ok: true, message: '' }
        : { ok: false, message: out.trim() || `command exited with ${done.exitCode}` };
    }
    if (probe.grpc) return this.grpcProbe(probe.grpc.port, probe.grpc.service ?? '', sb, timeoutMs);
    const port = resolvePort(spec, (probe.httpGet ?? probe.tcpSocket)?.port);
    if (port === undefined)
      return { ok: false, message: 'probe has no handler Skiff supports (exec, httpGet, tcpSocket, grpc)' };
    const conn = await this.connect(sb, port, timeoutMs);
    if (!conn.ok) return { ok: false, message: conn.message };
    const socket = conn.socket;
    try {
      if (probe.tcpSocket) return { ok: true, message: '' };
      const g = probe.httpGet!;
      const headers = [
        `Host: ${g.host ?? 'localhost'}:${port}`,
        'User-Agent: kube-probe/1.32',
        'Accept: */*',
        'Connection: close',
      ];
      for (const h of g.httpHeaders ?? []) headers.push(`${h.name}: ${h.value}`);
      socket.write(`GET ${g.path || '/'} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      const line = await withTimeout(
        firstLine(socket).catch((err: Error) => err),
        timeoutMs,
      );
      if (line instanceof Error)
        return {
          ok: false,
          message: `Get "http://${g.host ?? 'localhost'}:${port}${g.path ?? '/'}": ${line.message}`,
        };
      if (line === undefined)
        return {
          ok: false,
          message: `Get "http://${g.host ?? 'localhost'}:${port}${g.path ?? '/'}": context deadline exceeded`,
        };
      const code = Number(/^HTTP\/\d\.\d (\d{3})/.exec(line)?.[1] ?? 0);
      return code >= 200 && code < 400
        ? { ok: true, message: '' }
        : { ok: false, message: `HTTP probe failed with statuscode: ${code}` };
    } finally {
      socket.destroy();
    }
  }

  /**
   * gRPC health checking (grpc.health.v1.Health/Check) over h2c, like the kubelet's grpc
   * prober: healthy only when the answer is SERVING.
   */
  private async grpcProbe(
    port: number,
    service: string,
    sb: SandboxStatus | undefined,
    timeoutMs: number,
  ): Promise<ProbeResult> {
    const conn = await this.connect(sb, port, timeoutMs);
    if (!conn.ok)
      return {
        ok: false,
        message: `failed to connect service ":${port}" within ${timeoutMs / 1000}s: ${conn.message}`,
      };
    const session = http2.connect(`http://localhost:${port}`, {
      createConnection: () => conn.socket as never,
    });
    try {
      const svc = Buffer.from(service, 'utf8');
      // HealthCheckRequest{service}: field 1, length-delimited (names are short: one length byte).
      const msg = svc.length ? Buffer.concat([Buffer.from([0x0a, svc.length & 0x7f]), svc]) : Buffer.alloc(0);
      const head = Buffer.alloc(5);
      head.writeUInt32BE(msg.length, 1);
      const result = await withTimeout(
        new Promise<{ body: Buffer; grpcStatus?: string }>((resolve, reject) => {
          const req = session.request({
            ':method': 'POST',
            ':path': '/grpc.health.v1.Health/Check',
            'content-type': 'application/grpc',
            te: 'trailers',
            'user-agent': 'kube-probe/1.32',
          });
          const chunks: Buffer[] = [];
          let grpcStatus: string | undefined;
          req.on('response', (h) => (grpcStatus ??= h['grpc-status'] as string | undefined));
          req.on('trailers', (h) => (grpcStatus = (h['grpc-status'] as string | undefined) ?? grpcStatus));
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => resolve({ body: Buffer.concat(chunks), grpcStatus }));
          req.on('error', reject);
          req.end(Buffer.concat([head, msg]));
        }).catch((err: Error) => err),
        timeoutMs,
      );
      if (result === undefined)
        return { ok: false, message: `timeout: health rpc did not complete within ${timeoutMs / 1000}s` };
      if (result instanceof Error)
        return { ok: false, message: `error: health rpc failed: ${result.message}` };
      if (result.grpcStatus && result.grpcStatus !== '0')
        return { ok: false, message: `error: health rpc probe failed: grpc-status ${result.grpcStatus}` };
      // HealthCheckResponse{status}: after the 5-byte frame header, field 1 varint.
      const m = result.body.subarray(5);
      const status = m[0] === 0x08 ? m[1]! : 0;
      const names = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
      return status === 1
        ? { ok: true, message: '' }
        : { ok: false, message: `service unhealthy (responded with "${names[status] ?? status}")` };
    } finally {
      session.destroy();
      conn.socket.destroy();
    }
  }

  private async connect(
    sb: SandboxStatus | undefined,
    port: number,
    timeoutMs: number,
  ): Promise<{ ok: true; socket: Duplex } | { ok: false; message: string }> {
    if (!sb) return { ok: false, message: 'pod sandbox is not running' };
    const published = sb.ports.find((p) => p.containerPort === port && p.protocol === 'TCP');
    if (published) {
      return new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port: published.hostPort });
        const t = setTimeout(() => {
          s.destroy();
          resolve({ ok: false, message: `dial tcp :${port}: i/o timeout` });
        }, timeoutMs);
        s.once('connect', () => {
          clearTimeout(t);
          // Docker's userland proxy accepts before the container does: a refused connection
          // shows as an immediate close, so give it a moment to tell.
          resolve({ ok: true, socket: s });
        });
        s.once('error', (err) => {
          clearTimeout(t);
          resolve({ ok: false, message: `dial tcp :${port}: ${err.message}` });
        });
      });
    }
    // Not published: the relay in the pod's network namespace. It exits at once when nothing
    // listens; still running after a short wait means it connected.
    const s = await this.runtime.portForward(sb.id, port);
    return new Promise((resolve) => {
      let settled = false;
      const t = setTimeout(
        () => {
          settled = true;
          resolve({ ok: true, socket: s });
        },
        Math.min(300, timeoutMs),
      );
      s.once('error', (err) => {
        if (settled) return;
        clearTimeout(t);
        settled = true;
        resolve({ ok: false, message: `dial tcp :${port}: ${err.message}` });
      });
      s.once('end', () => {
        if (settled) return;
        clearTimeout(t);
        settled = true;
        resolve({ ok: false, message: `dial tcp :${port}: connection closed` });
      });
    });
  }
}

/** A probe's port: a number or a named container port. */
export function resolvePort(spec: Container, port: number | string | undefined): number | undefined {
  if (port === undefined) return undefined;
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return spec.ports?.find((p) => p.name === port)?.containerPort;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      () => {
        clearTimeout(t);
        resolve(undefined);
      },
    );
  });
}

function firstLine(s: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    s.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      const nl = buf.indexOf('\r\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    s.on('end', () => (buf ? resolve(buf.split('\r\n')[0]!) : reject(new Error('connection closed'))));
    s.on('error', reject);
  });
}
