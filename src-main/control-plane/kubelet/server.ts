import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import type { Logger } from '../../common/logger';
import { queryBool } from '../../common/parse-bool';
import type { ContainerRuntime } from './runtime/runtime';
import { FilesError, serveFiles } from './server-files';
import { servePortForward } from './streaming/port-forward';
import {
  WS_PORT_FORWARD_CHANNEL_PROTOCOLS,
  portsOf,
  servePortForwardWebSocket,
} from './streaming/port-forward-websocket';
import {
  SPDY_REMOTE_COMMAND_PROTOCOLS,
  WS_REMOTE_COMMAND_PROTOCOLS,
  serveRemoteCommandSpdy,
  serveRemoteCommandWebSocket,
  streamOptions,
} from './streaming/remote-command';

/** The WebSocket subprotocol of the port-forward tunnel: SPDY/3.1 carried in binary messages. */
export const WS_PORT_FORWARD_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
/** Every WebSocket subprotocol of port-forward, preferred first: the tunnel, then the v4 channels. */
export const WS_PORT_FORWARD_PROTOCOLS = [WS_PORT_FORWARD_PROTOCOL, ...WS_PORT_FORWARD_CHANNEL_PROTOCOLS];
/** The SPDY `X-Stream-Protocol-Version` of port-forward. */
export const SPDY_PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

/** An HTTP-style failure of a lookup. */
export interface ResolveFailure {
  code: number;
  reason: string;
  message: string;
}

/** Where the server finds the containers and sandboxes that exec, attach and port-forward use. */
export interface StreamTargetResolver {
  /** The running runtime container for exec/attach (container may be omitted for one-container pods). */
  resolveStreamTarget(
    namespace: string,
    pod: string,
    container: string | undefined,
  ): Promise<{ id: string } | ResolveFailure>;
  /** The pod's ready sandbox for port-forward; `desc` names the pod in error messages. */
  resolvePortForwardTarget(
    namespace: string,
    pod: string,
  ): Promise<{ sandboxId: string; desc: string } | ResolveFailure>;
}

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

/** Resource statistics the server publishes (kubelet/stats.ts through the kubelet). */
export interface StatsProvider {
  /** The Summary API document (`/stats/summary`). */
  statsSummary(): unknown;
  /** `/stats/history`: the node's series, or a pod's (by namespace/name) when given. */
  statsHistory(q: {
    namespace?: string;
    pod?: string;
    container?: string;
    since?: number;
  }): unknown | ResolveFailure;
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
  private readonly sockets = new Set<Socket>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    // Subprotocols are chosen per route in upgrade(); this only echoes that choice.
    handleProtocols: (_offered, req) => (req as UpgradeRequest).chosenProtocol ?? false,
  });

  constructor(
    private readonly resolver: LogTargetResolver & StreamTargetResolver & StatsProvider,
    private readonly runtime: ContainerRuntime,
    private readonly opts: KubeletServerOptions,
  ) {
    this.wss.on('headers', (headers: string[], req: UpgradeRequest) => {
      if (req.echoProtocolHeader) headers.push(`Sec-WebSocket-Protocol: ${req.chosenProtocol}`);
    });
  }

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
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgrade(req, socket, head).catch((err: unknown) => {
        this.opts.logger.warn('kubelet stream request failed', { url: req.url, err: String(err) });
        rawStatus(socket, 500, 'InternalError', String((err as Error)?.message ?? err));
      });
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
    // Following log streams and exec/port-forward sessions never end by themselves: cut them
    // so close() can finish.
    for (const s of this.sockets) s.destroy();
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.opts.token}`) {
      sendStatus(res, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const files = /^\/files\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    if (files) {
      await this.files(req, res, files.slice(1).map(decodeURIComponent) as [string, string, string], url);
      return;
    }
    if (req.method !== 'GET' && !/^\/(exec|attach|portForward)\//.test(url.pathname)) {
      sendStatus(res, 405, 'MethodNotAllowed', `method ${req.method} not allowed`);
      return;
    }
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    if (/^\/(exec|attach|portForward)\//.test(url.pathname)) {
      sendStatus(res, 400, 'BadRequest', 'Upgrade request required');
      return;
    }
    if (url.pathname === '/stats/summary' || url.pathname === '/stats/summary/') {
      sendJson(res, 200, this.resolver.statsSummary());
      return;
    }
    if (url.pathname === '/stats/history') {
      const q = url.searchParams;
      const since = q.get('since') ? Number(q.get('since')) : undefined;
      if (since !== undefined && !Number.isFinite(since)) {
        sendStatus(res, 400, 'BadRequest', 'invalid since: epoch milliseconds expected');
        return;
      }
      const h = this.resolver.statsHistory({
        namespace: q.get('namespace') ?? undefined,
        pod: q.get('pod') ?? undefined,
        container: q.get('container') ?? undefined,
        since,
      });
      const failure = h as ResolveFailure;
      if (typeof failure?.code === 'number' && failure.reason)
        sendStatus(res, failure.code, failure.reason, failure.message);
      else sendJson(res, 200, h);
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

  /**
   * exec, attach and port-forward: a WebSocket upgrade (GET, `Sec-WebSocket-Protocol`) or a
   * SPDY/3.1 upgrade (POST, `X-Stream-Protocol-Version`), like the kubelet's streaming server.
   */
  private async upgrade(req: UpgradeRequest, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    if (req.headers.authorization !== `Bearer ${this.opts.token}`)
      return rawStatus(socket, 401, 'Unauthorized', 'Unauthorized');
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const m = /^\/(exec|attach|portForward)\/([^/]+)\/([^/]+)(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (!m) return rawStatus(socket, 404, 'NotFound', 'the server could not find the requested resource');
    const kind = m[1] as 'exec' | 'attach' | 'portForward';
    const [ns, pod, container] = [m[2]!, m[3]!, m[4]].map((x) =>
      x === undefined ? x : decodeURIComponent(x),
    );
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    const isWs = upgrade === 'websocket';
    const isSpdy = upgrade === 'spdy/3.1';
    if (!isWs && !isSpdy) return rawStatus(socket, 400, 'BadRequest', `unsupported upgrade "${upgrade}"`);
    const offered = isWs
      ? headerList(req, 'sec-websocket-protocol')
      : headerList(req, 'x-stream-protocol-version');
    const supported =
      kind === 'portForward'
        ? isWs
          ? WS_PORT_FORWARD_PROTOCOLS
          : [SPDY_PORT_FORWARD_PROTOCOL]
        : isWs
          ? WS_REMOTE_COMMAND_PROTOCOLS
          : SPDY_REMOTE_COMMAND_PROTOCOLS;
    // Port-forward: a tunnelling client wins (as kube-apiserver checks for the tunnel first),
    // else the first channel protocol the client offered, as wsstream negotiates; a WebSocket
    // that offers none gets the binary v4 framing (upstream's "" entry).
    const protocol =
      kind === 'portForward' && isWs
        ? offered.includes(WS_PORT_FORWARD_PROTOCOL)
          ? WS_PORT_FORWARD_PROTOCOL
          : (offered.find((p) => WS_PORT_FORWARD_CHANNEL_PROTOCOLS.includes(p)) ??
            (offered.length ? undefined : ''))
        : supported.find((p) => offered.includes(p));
    if (protocol === undefined)
      return rawStatus(
        socket,
        403,
        'Forbidden',
        `unable to upgrade: no supported protocol among [${offered.join(', ')}], supported: [${supported.join(', ')}]`,
      );
    const log = this.opts.logger;

    if (kind === 'portForward') {
      // The channel protocols name their ports in the query; checked first, as the kubelet does.
      const channels = isWs && protocol !== WS_PORT_FORWARD_PROTOCOL;
      const ports = channels ? portsOf(url.searchParams) : [];
      if (!Array.isArray(ports)) return rawStatus(socket, 400, 'BadRequest', ports.error);
      const target = await this.resolver.resolvePortForwardTarget(ns!, pod!);
      if (!('sandboxId' in target)) return rawStatus(socket, target.code, target.reason, target.message);
      const dial = (port: number) => this.runtime.portForward(target.sandboxId, port);
      if (channels) {
        // Answered by the 'headers' hook, so other (non-token) offers beside it cannot make
        // `ws` refuse the handshake.
        delete req.headers['sec-websocket-protocol'];
        req.chosenProtocol = protocol;
        req.echoProtocolHeader = protocol !== '';
        this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) =>
          servePortForwardWebSocket(ws, protocol, ports, target.desc, dial, log),
        );
      } else if (isWs) {
        // `ws` refuses subprotocols that are not RFC 7230 tokens, and this one has a '/': take
        // the header out of its sight and add the answer ourselves (see the 'headers' hook).
        delete req.headers['sec-websocket-protocol'];
        req.chosenProtocol = protocol;
        req.echoProtocolHeader = true;
        this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
          // The SPDY byte stream rides in binary messages with arbitrary boundaries.
          const stream = createWebSocketStream(ws);
          stream.on('error', () => undefined);
          servePortForward(stream, target.desc, dial, log);
        });
      } else {
        acceptSpdy(socket, head, protocol);
        servePortForward(socket, target.desc, dial, log);
      }
      return;
    }

    const target = await this.resolver.resolveStreamTarget(ns!, pod!, container);
    if (!('id' in target)) return rawStatus(socket, target.code, target.reason, target.message);
    const opts = streamOptions(url.searchParams);
    const command = url.searchParams.getAll('command');
    if (kind === 'exec' && !command.length)
      return rawStatus(socket, 400, 'BadRequest', 'you must specify at least 1 command');
    if (!opts.stdin && !opts.stdout && !opts.stderr)
      return rawStatus(socket, 400, 'BadRequest', 'you must specify at least 1 of stdin, stdout, stderr');
    const start =
      kind === 'exec'
        ? (o: typeof opts) => this.runtime.exec(target.id, { ...o, command })
        : (o: typeof opts) => this.runtime.attach(target.id, o);
    if (isWs) {
      req.chosenProtocol = protocol;
      this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) =>
        serveRemoteCommandWebSocket(ws, protocol, opts, kind === 'exec' ? command : undefined, start, log),
      );
    } else {
      acceptSpdy(socket, head, protocol);
      serveRemoteCommandSpdy(socket, protocol, opts, kind === 'exec' ? command : undefined, start, log);
    }
  }

  /** Skiff's files endpoint: a running container's files through the runtime (server-files.ts). */
  private async files(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    [ns, pod, container]: [string, string, string],
    url: URL,
  ): Promise<void> {
    const files = this.runtime.files;
    try {
      if (!files) throw new FilesError(501, 'NotImplemented', 'this container runtime cannot serve files');
      const target = await this.resolver.resolveStreamTarget(ns, pod, container);
      if (!('id' in target)) throw new FilesError(target.code, target.reason, target.message);
      await serveFiles(req, res, files, target.id, url.searchParams.get('path'));
    } catch (err) {
      if (!(err instanceof FilesError)) throw err;
      if (!req.complete) req.resume();
      if (res.headersSent) res.destroy();
      else sendStatus(res, err.code, err.reason, err.message);
    }
  }

  private async logs(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    ns: string,
    pod: string,
    container: string | undefined,
    q: URLSearchParams,
  ): Promise<void> {
    // Read as kube-apiserver reads booleans: only 0/false are false.
    const [follow, previous, timestamps] = ['follow', 'previous', 'timestamps'].map((k) => queryBool(q, k));
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
    const target = await this.resolver.resolveLogTarget(ns, pod, container, previous);
    if (!('id' in target)) {
      sendStatus(res, target.code, target.reason, target.message);
      return;
    }
    const stream = await this.runtime.containerLogs(target.id, {
      follow,
      tailLines,
      sinceMs,
      timestamps,
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

/** An upgrade request, with the subprotocol this server picked for the WebSocket handshake. */
type UpgradeRequest = http.IncomingMessage & { chosenProtocol?: string; echoProtocolHeader?: boolean };

/** Every value of a (possibly repeated, comma-joined) header. */
function headerList(req: http.IncomingMessage, name: string): string[] {
  const values = req.headersDistinct[name] ?? [];
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Answers a SPDY/3.1 upgrade with 101 and the chosen stream protocol. */
function acceptSpdy(socket: Duplex, head: Buffer, protocol: string): void {
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\n' +
      'Connection: Upgrade\r\n' +
      'Upgrade: SPDY/3.1\r\n' +
      `X-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
  if ((socket as Socket).setNoDelay) (socket as Socket).setNoDelay(true);
  if (head.length) socket.unshift(head);
}

/** A Status answer on a socket that asked for an upgrade (no ServerResponse there). */
function rawStatus(socket: Duplex, code: number, reason: string, message: string): void {
  if (!socket.writable) return;
  const body = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
  socket.end(
    `HTTP/1.1 ${code} ${http.STATUS_CODES[code] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
  res
    .writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' })
    .end(JSON.stringify(body));
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
