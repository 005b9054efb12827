/**
 * Serves the dashboard on 127.0.0.1 in serve mode (and for the Electron window): the built
 * renderer as static files, plus a same-origin reverse proxy to the HTTPS API server so a plain
 * browser never has to trust Skiff's CA. The proxy adds no credentials: the page sends its own
 * bearer token, so other local web pages cannot use the proxy on the user's behalf.
 *
 * With `token` set it also serves, to the page that holds that token only:
 * - `/clusters/<context>/…`: the Kubernetes API of a kubeconfig context, with that context's
 *   credentials (added here, never sent to the page; the page's own token is checked and
 *   removed), including WebSocket upgrades (watches, exec, port-forward);
 * - `/dashboard/v1/clusters`, `/dashboard/v1/kubeconfigs`: the switchable contexts and the
 *   kubeconfig files added in Settings;
 * - `/dashboard/v1/port-forwards`: session port-forwards on 127.0.0.1, stopped with the server.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { bearerProtocolToken } from './clusters/bearer';
import { ClusterRegistry } from './clusters/registry';
import { PortForwardError, PortForwardManager, parsePortForwardRequest } from './clusters/port-forwards';
import { localUpstream, upstreamPath, UpstreamError, type Upstream } from './clusters/upstream';

export interface DashboardServerOptions {
  /** Folder with the built renderer (index.html + assets). */
  staticDir: string;
  /** The API server's base URL (https://127.0.0.1:PORT). */
  apiUrl: string;
  /** CA that signed the API server's certificate. */
  caPem: string;
  port?: number;
  host?: string;
  /**
   * The local cluster's token. When set, the page holding it may use other clusters (kubeconfig
   * contexts) and port-forwards through this server; without it those routes answer 404.
   */
  token?: string;
  /** Where the kubeconfig files added in Settings are remembered. */
  dataDir?: string;
  /** Environment for $KUBECONFIG / $HOME (tests). */
  env?: NodeJS.ProcessEnv;
}

const CLUSTERS_PREFIX = '/clusters/';
const DASHBOARD_PREFIX = '/dashboard/v1/';

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  404: 'NotFound',
  409: 'Conflict',
  413: 'RequestEntityTooLarge',
  500: 'InternalError',
  502: 'ServiceUnavailable',
  503: 'ServiceUnavailable',
};

function sendStatus(res: http.ServerResponse, code: number, message: string): void {
  res
    .writeHead(code, { 'Content-Type': 'application/json' })
    .end(status(code, REASONS[code] ?? 'Unknown', message));
}

function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
  res
    .writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
    .end(JSON.stringify(body));
}

function readBody(req: http.IncomingMessage, limit = 64 * 1024): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size > limit) {
        reject(new PortForwardError(413, 'request body too large'));
        req.destroy();
      } else parts.push(d);
    });
    req.on('end', () => {
      try {
        resolve(parts.length ? JSON.parse(Buffer.concat(parts).toString('utf8')) : {});
      } catch {
        reject(new PortForwardError(400, 'body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

const API_PREFIXES = ['/api', '/apis', '/version', '/healthz', '/livez', '/readyz', '/openapi', '/skiff/v1'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** True for the API paths the proxy forwards. */
export function isApiPath(urlPath: string): boolean {
  return API_PREFIXES.some(
    (p) => urlPath === p || urlPath.startsWith(p + '/') || urlPath.startsWith(p + '?'),
  );
}

/** A running dashboard server. */
export class DashboardServer {
  private server?: http.Server;
  private readonly agent: https.Agent;
  /** Upgraded (WebSocket) sockets: the HTTP server no longer tracks them, so stop() ends them. */
  private readonly upgraded = new Set<Duplex>();
  private readonly api: URL;
  private allowedHosts = new Set<string>();
  readonly clusters?: ClusterRegistry;
  readonly forwards?: PortForwardManager;
  private readonly local?: Upstream;

  constructor(private readonly opts: DashboardServerOptions) {
    this.api = new URL(opts.apiUrl);
    this.agent = new https.Agent({ keepAlive: true, ca: opts.caPem, maxSockets: 256 });
    if (opts.token) {
      const local = localUpstream(opts.apiUrl, opts.caPem, opts.token);
      const clusters = new ClusterRegistry(opts.dataDir, opts.env);
      this.local = local;
      this.clusters = clusters;
      this.forwards = new PortForwardManager((c) => (c ? clusters.upstream(c) : local));
    }
  }

  /** True when the request carries the local cluster's token (header or WebSocket subprotocol). */
  private authorized(req: http.IncomingMessage): boolean {
    const want = this.opts.token;
    if (!want) return false;
    const h = req.headers.authorization;
    const got = h?.startsWith('Bearer ')
      ? h.slice(7).trim()
      : bearerProtocolToken(req.headers['sec-websocket-protocol']);
    if (!got) return false;
    const a = Buffer.from(got);
    const b = Buffer.from(want);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** `/clusters/<context>/rest` → the context's upstream and the rest of the path. */
  private contextRoute(url: string): { up: Upstream; rest: string } | { error: number; message: string } {
    const tail = url.slice(CLUSTERS_PREFIX.length);
    const slash = tail.search(/[/?]/);
    const rawName = slash < 0 ? tail : tail.slice(0, slash);
    let rest = slash < 0 ? '/' : tail.slice(slash);
    if (rest.startsWith('?')) rest = '/' + rest;
    let name: string;
    try {
      name = decodeURIComponent(rawName);
    } catch {
      return { error: 400, message: 'bad context name' };
    }
    try {
      return { up: this.clusters!.upstream(name), rest };
    } catch (err) {
      return { error: 404, message: (err as Error).message };
    }
  }

  async start(): Promise<{ url: string; port: number }> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server = server;
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, host, () => resolve());
    });
    const port = (server.address() as { port: number }).port;
    // Only answer to our own names: a guard against DNS rebinding from web pages.
    this.allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
    return { url: `http://${host}:${port}`, port };
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    await this.forwards?.stopAll();
    this.clusters?.close();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    for (const s of this.upgraded) s.destroy();
    this.upgraded.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private hostAllowed(req: http.IncomingMessage): boolean {
    return this.allowedHosts.has(req.headers.host ?? '');
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.hostAllowed(req)) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('misdirected request');
      return;
    }
    const urlPath = (req.url ?? '/').split('?')[0];
    if (isApiPath(urlPath)) return this.proxy(req, res);
    if (this.opts.token && (urlPath.startsWith(CLUSTERS_PREFIX) || urlPath.startsWith(DASHBOARD_PREFIX))) {
      if (!this.authorized(req)) return sendStatus(res, 401, 'Unauthorized');
      if (urlPath.startsWith(DASHBOARD_PREFIX)) {
        this.dashboardApi(req, res, urlPath).catch((err: unknown) => {
          const code = err instanceof PortForwardError || err instanceof UpstreamError ? err.code : 500;
          if (!res.headersSent) sendStatus(res, code, err instanceof Error ? err.message : String(err));
        });
        return;
      }
      const route = this.contextRoute(req.url ?? '/');
      if ('error' in route) return sendStatus(res, route.error, route.message);
      void this.proxyContext(req, res, route.up, route.rest);
      return;
    }
    this.serveStatic(urlPath, res);
  }

  private async dashboardApi(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    urlPath: string,
  ): Promise<void> {
    const sub = urlPath.slice(DASHBOARD_PREFIX.length);
    const clusters = this.clusters!;
    const forwards = this.forwards!;
    if (sub === 'clusters' && req.method === 'GET') return sendJson(res, 200, clusters.view());
    if (sub === 'kubeconfigs' && req.method === 'POST') {
      const body = (await readBody(req)) as { path?: unknown };
      if (typeof body.path !== 'string' || !body.path) throw new PortForwardError(400, 'path is required');
      try {
        clusters.addFile(body.path);
      } catch (err) {
        throw new PortForwardError(400, (err as Error).message);
      }
      return sendJson(res, 200, clusters.view());
    }
    if (sub === 'kubeconfigs' && req.method === 'DELETE') {
      const file = new URL(req.url ?? '/', 'http://x').searchParams.get('path') ?? '';
      if (!clusters.removeFile(file)) throw new PortForwardError(404, `${file} was not added in Settings`);
      return sendJson(res, 200, clusters.view());
    }
    if (sub === 'port-forwards' && req.method === 'GET')
      return sendJson(res, 200, { items: forwards.list() });
    if (sub === 'port-forwards' && req.method === 'POST') {
      const r = parsePortForwardRequest(await readBody(req));
      return sendJson(res, 201, await forwards.start(r));
    }
    const m = /^port-forwards\/([\w-]+)$/.exec(sub);
    if (m && req.method === 'DELETE') {
      if (!(await forwards.stop(m[1]))) throw new PortForwardError(404, `port-forward ${m[1]} not found`);
      return sendJson(res, 200, { items: forwards.list() });
    }
    throw new PortForwardError(404, `${req.method} ${urlPath} not found`);
  }

  /** Headers for a context's upstream: the page's token and cookies are not forwarded. */
  private contextHeaders(
    req: http.IncomingMessage,
    up: Upstream,
    authorization?: string,
  ): http.OutgoingHttpHeaders {
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: up.server.host };
    delete headers.authorization;
    delete headers.cookie;
    delete headers.origin;
    delete headers.referer;
    const proto = req.headers['sec-websocket-protocol'];
    if (proto) {
      const kept = proto
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p && !p.startsWith('base64url.bearer.authorization.k8s.io.'));
      if (kept.length) headers['sec-websocket-protocol'] = kept.join(', ');
      else delete headers['sec-websocket-protocol'];
    }
    if (authorization) headers.authorization = authorization;
    return headers;
  }

  private async proxyContext(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    up: Upstream,
    rest: string,
  ): Promise<void> {
    let auth;
    try {
      auth = await up.resolve();
    } catch (err) {
      return sendStatus(res, 502, `credentials for context ${up.name}: ${(err as Error).message}`);
    }
    const mod = up.server.protocol === 'https:' ? https : http;
    const upstream = mod.request(
      {
        hostname: up.server.hostname,
        port: up.server.port,
        path: upstreamPath(up.server, rest),
        method: req.method,
        headers: this.contextHeaders(req, up, auth.authorization),
        agent: auth.agent,
      },
      (r) => {
        if (r.statusCode === 401) up.invalidate();
        res.writeHead(r.statusCode ?? 502, r.headers);
        res.flushHeaders();
        r.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent)
        sendStatus(res, 502, `the API server of context ${up.name} is not reachable: ${err.message}`);
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  private async upgradeContext(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const route = this.contextRoute(req.url ?? '/');
    if ('error' in route) {
      socket.end(
        `HTTP/1.1 ${route.error} Error\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${status(route.error, REASONS[route.error] ?? 'Unknown', route.message)}`,
      );
      return;
    }
    const { up, rest } = route;
    let auth;
    try {
      auth = await up.resolve();
    } catch (err) {
      socket.end(
        `HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n${status(502, 'ServiceUnavailable', (err as Error).message)}`,
      );
      return;
    }
    const mod = up.server.protocol === 'https:' ? https : http;
    const upstream = mod.request({
      hostname: up.server.hostname,
      port: up.server.port,
      path: upstreamPath(up.server, rest),
      method: req.method,
      headers: this.contextHeaders(req, up, auth.authorization),
      ...auth.tls,
    });
    this.pipeUpgrade(upstream, socket, head);
  }

  /** Splices an upgrade answer from `upstream` onto the browser's socket. */
  private pipeUpgrade(upstream: http.ClientRequest, socket: Duplex, head: Buffer): void {
    upstream.on('upgrade', (upRes, upSocket, upHead) => {
      const lines = [`HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}`];
      for (let i = 0; i < upRes.rawHeaders.length; i += 2)
        lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`);
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.pipe(socket).pipe(upSocket);
      upSocket.on('error', () => socket.destroy());
      socket.on('error', () => upSocket.destroy());
      socket.on('close', () => upSocket.destroy());
    });
    upstream.on('response', (upRes) => {
      socket.write(
        `HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`,
      );
      upRes.pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    upstream.end();
  }

  private proxy(req: http.IncomingMessage, res: http.ServerResponse): void {
    const headers = { ...req.headers, host: this.api.host };
    const upstream = https.request(
      {
        hostname: this.api.hostname,
        port: this.api.port,
        path: req.url,
        method: req.method,
        headers,
        agent: this.agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        // Watches and log follows: flush every chunk as it comes.
        res.flushHeaders();
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: 'ServiceUnavailable',
            message: `the Skiff API server is not reachable: ${err.message}`,
            code: 502,
          }),
        );
      } else res.destroy();
    });
    // Closing the browser side (a stopped watch) closes the upstream request.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.upgraded.add(socket);
    socket.on('close', () => this.upgraded.delete(socket));
    const urlPath = (req.url ?? '/').split('?')[0];
    if (this.hostAllowed(req) && this.opts.token && urlPath.startsWith(CLUSTERS_PREFIX)) {
      if (!this.authorized(req)) {
        socket.end(
          `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${status(401, 'Unauthorized', 'Unauthorized')}`,
        );
        return;
      }
      void this.upgradeContext(req, socket, head);
      return;
    }
    if (!this.hostAllowed(req) || !isApiPath(urlPath)) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    const upstream = https.request({
      hostname: this.api.hostname,
      port: this.api.port,
      path: req.url,
      method: req.method,
      headers: { ...req.headers, host: this.api.host },
      ca: this.opts.caPem,
    });
    upstream.on('upgrade', (upRes, upSocket, upHead) => {
      const lines = [`HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}`];
      for (let i = 0; i < upRes.rawHeaders.length; i += 2)
        lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`);
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.pipe(socket).pipe(upSocket);
      upSocket.on('error', () => socket.destroy());
      socket.on('error', () => upSocket.destroy());
    });
    upstream.on('response', (upRes) => {
      // The API refused the upgrade: pass its answer through.
      socket.write(
        `HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`,
      );
      upRes.pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    upstream.end();
  }

  private serveStatic(urlPath: string, res: http.ServerResponse): void {
    const root = path.resolve(this.opts.staticDir);
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath);
    } catch {
      res.writeHead(400).end('bad path');
      return;
    }
    let file = path.resolve(root, '.' + rel);
    if (!file.startsWith(root + path.sep) && file !== root) {
      res.writeHead(403).end('forbidden');
      return;
    }
    // Single-page app: unknown paths get index.html so deep links work.
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
    fs.readFile(file, (err, data) => {
      if (err) {
        res
          .writeHead(404, { 'Content-Type': 'text/plain' })
          .end('The dashboard has not been built: run `npm run build`.');
        return;
      }
      const ext = path.extname(file);
      res.writeHead(200, {
        'Content-Type': TYPES[ext] ?? 'application/octet-stream',
        'Content-Security-Policy': CSP,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': ext === '.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
      });
      res.end(data);
    });
  }
}
