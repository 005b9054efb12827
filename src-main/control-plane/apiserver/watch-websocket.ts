/**
 * Watches over WebSocket, as kube-apiserver serves them: a `GET …?watch=true` that asks for a
 * WebSocket upgrade gets the same watch as over HTTP, one event per message (the same JSON,
 * text frames; binary frames when the client offers `binary.k8s.io`, base64 text with
 * `base64.binary.k8s.io`). Browsers cannot set headers on a WebSocket, so the bearer token may
 * also arrive as the subprotocol `base64url.bearer.authorization.k8s.io.<base64url token>`
 * (what upstream's authenticator accepts); it is never echoed back.
 *
 * The request runs through the server's normal dispatch (authentication, routing, the REST
 * layer's watch) with a small response object that turns the watch's newline-delimited JSON
 * into messages. A non-200 answer (401, 404, a bad selector) is written as a plain HTTP
 * response instead of upgrading, so clients see the real status.
 */
import { EventEmitter } from 'node:events';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseBool } from '../../common/parse-bool';

/** Prefix of the subprotocol that carries the bearer token. */
export const BEARER_PROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';
/** Subprotocols a watch client may ask for (upstream's names). */
export const BINARY_PROTOCOL = 'binary.k8s.io';
export const BASE64_PROTOCOL = 'base64.binary.k8s.io';

const PING_INTERVAL_MS = 30_000;

/** True for a WebSocket upgrade of a watch (`GET …?watch=true`, or any value but 0/false, as kube-apiserver reads it). */
export function isWatchUpgrade(req: IncomingMessage): boolean {
  if (req.method !== 'GET' || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return false;
  const q = (req.url ?? '').split('?')[1];
  if (!q) return false;
  const w = new URLSearchParams(q).get('watch');
  return w !== null && parseBool(w);
}

/** The offered subprotocols, in order. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const h = req.headers['sec-websocket-protocol'];
  return (Array.isArray(h) ? h.join(',') : (h ?? ''))
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** The token of a `base64url.bearer.authorization.k8s.io.` subprotocol, if one is offered. */
export function bearerFromProtocols(protocols: string[]): string | undefined {
  for (const p of protocols) {
    if (!p.startsWith(BEARER_PROTOCOL_PREFIX)) continue;
    const enc = p.slice(BEARER_PROTOCOL_PREFIX.length);
    if (!/^[A-Za-z0-9_-]+$/.test(enc)) return undefined;
    const token = Buffer.from(enc, 'base64url').toString('utf8');
    return token || undefined;
  }
  return undefined;
}

/** Which subprotocol the server answers with (never the token one), if any. */
export function chooseProtocol(protocols: Iterable<string>): string | false {
  const offered = [...protocols].filter((p) => !p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (offered.includes(BINARY_PROTOCOL)) return BINARY_PROTOCOL;
  if (offered.includes(BASE64_PROTOCOL)) return BASE64_PROTOCOL;
  return false;
}

/** Runs a request through the server's routing with a given response. */
export type Dispatch = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Accepts watch upgrades for one API server. */
export class WatchWebSocketServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (protocols) => chooseProtocol(protocols),
  });
  private readonly open = new Set<WebSocket>();

  constructor(private readonly dispatch: Dispatch) {}

  /** Takes over an upgrade request (the caller checked `isWatchUpgrade`). */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (!req.headers.authorization) {
      const token = bearerFromProtocols(offeredProtocols(req));
      if (token) req.headers.authorization = `Bearer ${token}`;
    }
    const res = new WatchSocketResponse(req, socket, head, this.wss, this.open);
    void this.dispatch(req, res as unknown as ServerResponse);
  }

  /** Closes every open watch socket (server stop). */
  closeAll(): void {
    for (const ws of this.open) ws.terminate();
    this.open.clear();
  }
}

/**
 * The part of ServerResponse the dispatch path and the REST watch use, over a WebSocket:
 * `writeHead(200)` upgrades, each written line becomes a message, `end` closes the socket.
 */
class WatchSocketResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  private readonly headers = new Map<string, string | number | string[]>();
  private ws?: WebSocket;
  private mode: 'pending' | 'ws' | 'http' = 'pending';
  private body: Buffer[] = [];
  private pending: string[] = [];
  private framing: 'text' | 'binary' | 'base64' = 'text';
  private partial = '';
  private closed = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly socket: Duplex,
    private readonly head: Buffer,
    private readonly wss: WebSocketServer,
    private readonly open: Set<WebSocket>,
  ) {
    super();
    socket.once('close', () => this.markClosed());
  }

  setHeader(name: string, value: string | number | string[]): this {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }

  getHeader(name: string): string | number | string[] | undefined {
    return this.headers.get(name.toLowerCase());
  }

  removeHeader(name: string): void {
    this.headers.delete(name.toLowerCase());
  }

  writeHead(code: number, ...rest: unknown[]): this {
    this.statusCode = code;
    this.headersSent = true;
    const hdrs = rest.find((r) => typeof r === 'object' && r !== null) as Record<string, string> | undefined;
    for (const [k, v] of Object.entries(hdrs ?? {})) this.setHeader(k, v);
    if (code === 200) this.upgrade();
    else this.mode = 'http';
    return this;
  }

  /** Bytes queued for the client and not yet sent (the watch handler cuts slow clients by it). */
  get writableLength(): number {
    return this.mode === 'http'
      ? 0
      : (this.ws?.bufferedAmount ?? 0) + this.pending.reduce((n, l) => n + l.length, 0);
  }

  flushHeaders(): void {
    if (!this.headersSent) this.writeHead(this.statusCode);
  }

  write(chunk: string | Buffer): boolean {
    if (!this.headersSent) this.writeHead(this.statusCode);
    if (this.mode === 'http') {
      this.body.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      return true;
    }
    // The REST watch writes one JSON event per line; a line is one message.
    this.partial += Buffer.isBuffer(chunk) ? chunk.toString('utf8') : chunk;
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      if (line.trim()) this.send(line);
    }
    return true;
  }

  end(chunk?: string | Buffer | (() => void)): this {
    if (this.writableEnded) return this;
    if (chunk !== undefined && typeof chunk !== 'function') this.write(chunk);
    else if (!this.headersSent) this.writeHead(this.statusCode);
    this.writableEnded = true;
    if (this.mode === 'http') this.writeHttp();
    else {
      if (this.partial.trim()) this.send(this.partial);
      this.partial = '';
      if (this.ws) this.ws.close(1000);
    }
    this.emit('finish');
    return this;
  }

  destroy(): this {
    this.writableEnded = true;
    if (this.ws) this.ws.terminate();
    else this.socket.destroy();
    this.markClosed();
    return this;
  }

  private send(line: string): void {
    if (!this.ws) {
      this.pending.push(line);
      return;
    }
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.framing === 'binary') this.ws.send(Buffer.from(line), { binary: true });
    else if (this.framing === 'base64') this.ws.send(Buffer.from(line).toString('base64'));
    else this.ws.send(line);
  }

  private upgrade(): void {
    this.mode = 'ws';
    this.wss.handleUpgrade(this.req, this.socket, this.head, (ws) => {
      this.ws = ws;
      this.open.add(ws);
      this.framing =
        ws.protocol === BINARY_PROTOCOL ? 'binary' : ws.protocol === BASE64_PROTOCOL ? 'base64' : 'text';
      let alive = true;
      const ping = setInterval(() => {
        if (!alive) return ws.terminate();
        alive = false;
        ws.ping();
      }, PING_INTERVAL_MS);
      ping.unref?.();
      ws.on('pong', () => (alive = true));
      ws.on('error', () => ws.terminate());
      ws.on('close', () => {
        clearInterval(ping);
        this.open.delete(ws);
        this.markClosed();
      });
      // What clients send on a watch socket means nothing; closing it ends the watch.
      ws.on('message', () => undefined);
      for (const line of this.pending.splice(0)) this.send(line);
      if (this.writableEnded) ws.close(1000);
    });
  }

  private writeHttp(): void {
    const body = Buffer.concat(this.body);
    const lines = [`HTTP/1.1 ${this.statusCode} ${STATUS_CODES[this.statusCode] ?? ''}`];
    for (const [k, v] of this.headers) {
      if (k === 'content-length' || k === 'transfer-encoding' || k === 'connection') continue;
      lines.push(`${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
    }
    lines.push(`content-length: ${body.length}`, 'connection: close');
    if (this.socket.writable)
      this.socket.end(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), body]));
    else this.socket.destroy();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.destroyed = true;
    this.emit('close');
  }
}

/**
 * Skiff's own process figures (`GET /skiff/v1/process`, the dashboard's status bar): the
 * control plane, kubelet and dashboard server all run in this one Node process.
 */
export function processStats(): {
  pid: number;
  uptimeSeconds: number;
  cpuUserMicros: number;
  cpuSystemMicros: number;
  rssBytes: number;
  heapUsedBytes: number;
  sampledAt: string;
} {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    pid: process.pid,
    uptimeSeconds: process.uptime(),
    cpuUserMicros: cpu.user,
    cpuSystemMicros: cpu.system,
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    sampledAt: new Date().toISOString(),
  };
}
