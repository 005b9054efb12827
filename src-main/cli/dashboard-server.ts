/**
 * Serves the dashboard on 127.0.0.1 in serve mode (and for the Electron window): the built
 * renderer as static files, plus a same-origin reverse proxy to the HTTPS API server so a plain
 * browser never has to trust Skiff's CA. The proxy adds no credentials: the page sends its own
 * bearer token, so other local web pages cannot use the proxy on the user's behalf.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { Duplex } from 'node:stream';

export interface DashboardServerOptions {
  /** Folder with the built renderer (index.html + assets). */
  staticDir: string;
  /** The API server's base URL (https://127.0.0.1:PORT). */
  apiUrl: string;
  /** CA that signed the API server's certificate. */
  caPem: string;
  port?: number;
  host?: string;
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

  constructor(private readonly opts: DashboardServerOptions) {
    this.api = new URL(opts.apiUrl);
    this.agent = new https.Agent({ keepAlive: true, ca: opts.caPem, maxSockets: 256 });
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
    this.serveStatic(urlPath, res);
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
