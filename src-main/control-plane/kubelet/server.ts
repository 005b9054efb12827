import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import type { Logger } from '../../common/logger';
import type { ContainerRuntime } from './runtime/runtime';

/** Where the server finds the container instance whose log is asked for. */
export interface LogTargetResolver {
  /**
   * The runtime container id of the current (or previous) instance of a pod's container, or
   * an HTTP error code and message. `container` may be omitted when the pod has one container.
   */
  resolveLogTarget(
    namespace: string,
    pod: string,
    container: string | undefined,
    previous: boolean,
  ): Promise<{ id: string } | { code: number; reason: string; message: string }>;
}

/** Options of the kubelet's HTTP server. */
export interface KubeletServerOptions {
  host: string;
  port: number;
  token: string;
  logger: Logger;
}

/**
 * The kubelet's HTTP endpoint (the API server proxies `pods/{name}/log` here): `/healthz` and
 * `/containerLogs/{ns}/{pod}/{container}`, every request authenticated by a bearer token.
 */
export class KubeletServer {
  private server?: http.Server;
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(
    private readonly resolver: LogTargetResolver,
    private readonly runtime: ContainerRuntime,
    private readonly opts: KubeletServerOptions,
  ) {}

  /** Listens; resolves with the bound port. */
  async start(): Promise<number> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.opts.logger.warn('kubelet request failed', { url: req.url, err: String(err) });
        if (!res.headersSent) sendStatus(res, 500, 'InternalError', String((err as Error)?.message ?? err));
        else res.destroy();
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Following log streams never end by themselves: cut them so close() can finish.
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.opts.token}`) {
      sendStatus(res, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://kubelet');
    if (req.method !== 'GET') {
      sendStatus(res, 405, 'MethodNotAllowed', `method ${req.method} not allowed`);
      return;
    }
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (!m) {
      sendStatus(res, 404, 'NotFound', `the server could not find the requested resource`);
      return;
    }
    const [ns, pod, container] = [m[1]!, m[2]!, m[3]].map((s) =>
      s === undefined ? s : decodeURIComponent(s),
    );
    await this.logs(req, res, ns!, pod!, container, url.searchParams);
  }

  private async logs(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    ns: string,
    pod: string,
    container: string | undefined,
    q: URLSearchParams,
  ): Promise<void> {
    const bool = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
    const int = (k: string): number | undefined => {
      const v = q.get(k);
      if (v === null || v === '') return undefined;
      const n = Number(v);
      return Number.isInteger(n) && n >= 0 ? n : NaN;
    };
    const tailLines = int('tailLines');
    const sinceSeconds = int('sinceSeconds');
    const limitBytes = int('limitBytes');
    const sinceTime = q.get('sinceTime');
    for (const [k, v] of [
      ['tailLines', tailLines],
      ['sinceSeconds', sinceSeconds],
      ['limitBytes', limitBytes],
    ] as const) {
      if (Number.isNaN(v)) {
        sendStatus(res, 400, 'BadRequest', `invalid ${k}: must be a non-negative integer`);
        return;
      }
    }
    let sinceMs: number | undefined;
    if (sinceSeconds !== undefined) sinceMs = Date.now() - sinceSeconds * 1000;
    else if (sinceTime) {
      sinceMs = Date.parse(sinceTime);
      if (Number.isNaN(sinceMs)) {
        sendStatus(res, 400, 'BadRequest', `invalid sinceTime: ${sinceTime}`);
        return;
      }
    }
    const target = await this.resolver.resolveLogTarget(ns, pod, container, bool('previous'));
    if (!('id' in target)) {
      sendStatus(res, target.code, target.reason, target.message);
      return;
    }
    const stream = await this.runtime.containerLogs(target.id, {
      follow: bool('follow'),
      tailLines,
      sinceMs,
      timestamps: bool('timestamps'),
    });
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    // The client went away (kubectl ^C): stop reading from the engine.
    res.on('close', () => stream.destroy());
    const source =
      limitBytes !== undefined ? stream.pipe(new ByteLimit(limitBytes, () => stream.destroy())) : stream;
    source.on('error', () => res.destroy());
    source.pipe(res);
  }
}

/** Passes at most `limit` bytes, then ends (kubectl's --limit-bytes). */
class ByteLimit extends Transform {
  private left: number;
  constructor(
    limit: number,
    private readonly onDone: () => void,
  ) {
    super();
    this.left = limit;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.left <= 0) return cb();
    const part = chunk.length > this.left ? chunk.subarray(0, this.left) : chunk;
    this.left -= part.length;
    this.push(part);
    if (this.left <= 0) {
      this.push(null);
      this.onDone();
    }
    cb();
  }
}

function sendStatus(res: http.ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json' }).end(
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
    }),
  );
}
