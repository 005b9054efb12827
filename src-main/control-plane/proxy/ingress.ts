/**
 * The built-in ingress controller (IngressClass `skiff`, the default): one HTTP server on
 * 127.0.0.1:80 where it can bind it, else the configured port, routing networking.k8s.io/v1
 * rules — host (exact or `*.` wildcard), path (Exact, Prefix, ImplementationSpecific as Prefix),
 * default backend — to Service ports, through the proxy's backend selection and dialer (so the
 * same ready-endpoint, published-port-or-agent rules apply). Responses are streamed, WebSocket
 * upgrades pass through as spliced sockets, and a rule whose Service has no ready endpoint
 * answers 503 with a readable page. `*.localhost` resolves to the machine in every browser, so
 * `http://shop.localhost` works with no DNS setup.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Ingress, IngressBackend } from 'kubernetes-types/networking/v1';
import type { KubeClient } from '../../common/client/client';
import { isNotFound } from '../../common/client/errors';
import { keyOf, type Informer } from '../../common/client/informer';
import { silentLogger, type Logger } from '../../common/logger';
import { R } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import type { KubeProxy, Svc } from './kube-proxy';
import { resetSocket, splice } from './splice';

type Ing = Ingress & KubeObject;

/** The IngressClass Skiff serves, and its controller name. */
export const SKIFF_INGRESS_CLASS = 'skiff';
export const SKIFF_INGRESS_CONTROLLER = 'skiff.dev/ingress';

/** A matched route: which Ingress and backend answer a request. */
export interface IngressMatch {
  ingress: Ing;
  backend: IngressBackend;
  /** The matched rule's path ('' for the default backend). */
  path: string;
}

/** True when the Ingress is for Skiff: class `skiff`, or no class (skiff is the default class). */
export function isSkiffIngress(ing: Ingress): boolean {
  const legacy = ing.metadata?.annotations?.['kubernetes.io/ingress.class'];
  const cls = ing.spec?.ingressClassName ?? legacy;
  return cls === undefined || cls === '' || cls === SKIFF_INGRESS_CLASS;
}

function hostMatches(ruleHost: string | undefined, host: string): number {
  if (!ruleHost) return 1;
  const h = ruleHost.toLowerCase();
  if (h.startsWith('*.')) {
    // A wildcard covers exactly one label (networking/v1 IngressRule.host).
    const suffix = h.slice(1);
    return host.endsWith(suffix) &&
      !host.slice(0, -suffix.length).includes('.') &&
      host.length > suffix.length
      ? 2
      : 0;
  }
  return h === host ? 3 : 0;
}

function pathMatches(type: string, rulePath: string, path: string): boolean {
  if (type === 'Exact') return rulePath === path;
  // Prefix: element-wise on '/'-separated segments, a trailing '/' ignored (networking/v1 HTTPIngressPath).
  const p = rulePath.replace(/\/+$/, '');
  if (p === '') return true;
  return path === p || path.startsWith(`${p}/`);
}

/**
 * The route for a request, across every Skiff Ingress, by Kubernetes' precedence: an exact host
 * beats a wildcard beats a rule without host; within that an Exact path beats a Prefix, a longer
 * Prefix beats a shorter one; ties go to the older Ingress. Without a match, the oldest Ingress's
 * defaultBackend, if any.
 */
export function matchIngress(
  ingresses: readonly Ing[],
  rawHost: string,
  rawPath: string,
): IngressMatch | undefined {
  const host = rawHost.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const path = (rawPath.split('?')[0] ?? '/') || '/';
  const sorted = [...ingresses].sort(
    (a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
      keyOf(a).localeCompare(keyOf(b)),
  );
  let best: { m: IngressMatch; score: [number, number, number] } | undefined;
  for (const ing of sorted) {
    for (const rule of ing.spec?.rules ?? []) {
      const hs = hostMatches(rule.host, host);
      if (!hs) continue;
      for (const p of rule.http?.paths ?? []) {
        const rp = p.path ?? '/';
        if (!pathMatches(p.pathType, rp, path)) continue;
        const score: [number, number, number] = [
          hs,
          p.pathType === 'Exact' ? 1 : 0,
          rp.replace(/\/+$/, '').length,
        ];
        if (
          !best ||
          score[0] > best.score[0] ||
          (score[0] === best.score[0] &&
            (score[1] > best.score[1] || (score[1] === best.score[1] && score[2] > best.score[2])))
        )
          best = { m: { ingress: ing, backend: p.backend, path: rp }, score };
      }
    }
  }
  if (best) return best.m;
  const def = sorted.find((i) => i.spec?.defaultBackend);
  return def ? { ingress: def, backend: def.spec!.defaultBackend!, path: '' } : undefined;
}

/** A readable error page (the browser shows it; curl users read the title). */
export function errorPage(status: number, title: string, detail: string): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${status} ${esc(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}
h1{font-size:1.4em}code{background:#f2f2f2;padding:0 .2em}small{color:#777}</style></head>
<body><h1>${status} — ${esc(title)}</h1><p>${esc(detail)}</p><p><small>Skiff ingress</small></p></body></html>
`;
}

export interface IngressControllerOptions {
  /** The port to listen on; undefined = 80, falling back to any free port when 80 cannot be bound. */
  port?: number;
  host?: string;
  logger?: Logger;
}

/** Serves Ingresses of class `skiff` on one HTTP listener and keeps their status. */
export class IngressController {
  private server?: http.Server;
  private readonly ingresses: Informer<Ing>;
  private readonly log: Logger;
  private listenPort = 0;
  private readonly statusWritten = new Map<string, string>();

  constructor(
    private readonly client: KubeClient,
    private readonly proxy: KubeProxy,
    private readonly opts: IngressControllerOptions = {},
  ) {
    this.log = (opts.logger ?? silentLogger).child('ingress');
    this.ingresses = proxy.informers.informerFor<Ing>(R.ingresses);
    const sync = (i: Ing) => void this.writeStatus(i);
    this.ingresses.addHandler({
      add: sync,
      update: sync,
      delete: (i) => this.statusWritten.delete(keyOf(i)),
    });
  }

  /** The port the ingress listens on (0 before start). */
  get port(): number {
    return this.listenPort;
  }

  get address(): string {
    return `${this.opts.host ?? '127.0.0.1'}:${this.listenPort}`;
  }

  async start(): Promise<void> {
    const host = this.opts.host ?? '127.0.0.1';
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on(
      'upgrade',
      (req: IncomingMessage, socket: Socket, head: Buffer) => void this.upgrade(req, socket, head),
    );
    server.on('clientError', (_e, s) => s.destroy());
    server.keepAliveTimeout = 60_000;
    const tryListen = (port: number) =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    if (this.opts.port !== undefined) await tryListen(this.opts.port);
    else {
      try {
        await tryListen(80);
      } catch (err) {
        this.log.info(
          `cannot listen on ${host}:80 (${(err as NodeJS.ErrnoException).code}); using a free port`,
        );
        await tryListen(0);
      }
    }
    this.server = server;
    this.listenPort = (server.address() as { port: number }).port;
    this.log.info(`ingress listening on http://${host}:${this.listenPort}/`);
    for (const i of this.ingresses.list()) void this.writeStatus(i);
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private route(req: IncomingMessage): IngressMatch | undefined {
    const ours = this.ingresses.list().filter((i) => isSkiffIngress(i));
    return matchIngress(ours, req.headers.host ?? '', req.url ?? '/');
  }

  /** The backend's Service port and a connected socket, or an HTTP error to answer. */
  private async connect(
    m: IngressMatch | undefined,
    client: string,
  ): Promise<{ socket: Socket; svc: Svc } | { status: number; title: string; detail: string }> {
    if (!m) return { status: 404, title: 'Not Found', detail: 'No Ingress rule matches this host and path.' };
    const ns = m.ingress.metadata.namespace ?? 'default';
    const ref = m.backend.service;
    if (!ref)
      return {
        status: 503,
        title: 'Service Unavailable',
        detail: `Ingress ${ns}/${m.ingress.metadata.name} uses a resource backend, which Skiff does not serve.`,
      };
    const svc = this.proxy.services.get(`${ns}/${ref.name}`);
    const what = `Service ${ns}/${ref.name}`;
    if (!svc) return { status: 503, title: 'Service Unavailable', detail: `${what} does not exist.` };
    const port = (svc.spec?.ports ?? []).find((p) =>
      ref.port?.name ? p.name === ref.port.name : p.port === ref.port?.number,
    );
    if (!port)
      return {
        status: 503,
        title: 'Service Unavailable',
        detail: `${what} has no port ${ref.port?.name ?? ref.port?.number}.`,
      };
    const { key, pk } = this.proxy.routeKey(svc, port);
    const socket = await this.proxy.connectToBackend(key, pk, client);
    if (!socket)
      return { status: 503, title: 'Service Unavailable', detail: `${what} has no ready endpoints.` };
    return { socket, svc };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    void this.connect(this.route(req), req.socket.remoteAddress ?? '').then(
      (r) => {
        if ('status' in r) return sendError(res, r.status, r.title, r.detail);
        const socket = r.socket;
        const headers = { ...req.headers };
        for (const h of HOP_BY_HOP) delete headers[h];
        addForwarded(headers, req);
        const up = http.request({
          method: req.method,
          path: req.url,
          headers,
          // No agent: the request goes over the socket already dialled to the chosen endpoint.
          createConnection: () => socket,
        });
        up.on('response', (ur) => {
          res.writeHead(ur.statusCode ?? 502, ur.statusMessage, endToEnd(ur.rawHeaders));
          ur.pipe(res);
          ur.on('error', () => res.destroy());
        });
        up.on('error', (err) => {
          if (!res.headersSent)
            sendError(res, 502, 'Bad Gateway', `The backend closed the connection: ${err.message}`);
          else res.destroy();
        });
        res.on('close', () => {
          if (!res.writableFinished) up.destroy();
        });
        req.pipe(up);
      },
      (err: Error) => sendError(res, 502, 'Bad Gateway', err.message),
    );
  }

  private async upgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const r = await this.connect(this.route(req), socket.remoteAddress ?? '').catch((err: Error) => ({
      status: 502,
      title: 'Bad Gateway',
      detail: err.message,
    }));
    if ('status' in r) {
      const body = errorPage(r.status, r.title, r.detail);
      socket.end(
        `HTTP/1.1 ${r.status} ${r.title}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    const up = r.socket;
    // Replay the request head as received, then splice: the backend answers 101 itself.
    let headText = `${req.method} ${req.url} HTTP/1.1\r\n`;
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      headText += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
    up.write(headText + '\r\n');
    if (head.length) up.write(head);
    if (socket.destroyed) return resetSocket(up);
    splice(socket, up);
  }

  /** Ingress status: `localhost` and the listen port, written when it changes. */
  private async writeStatus(ing: Ing): Promise<void> {
    if (!this.listenPort || !isSkiffIngress(ing)) return;
    const want = [{ hostname: 'localhost', ports: [{ port: this.listenPort, protocol: 'TCP' }] }];
    const sig = JSON.stringify(want);
    const key = keyOf(ing);
    if (this.statusWritten.get(key) === sig) return;
    if (JSON.stringify(ing.status?.loadBalancer?.ingress ?? []) === sig) {
      this.statusWritten.set(key, sig);
      return;
    }
    try {
      await this.client.patch(
        R.ingresses,
        ing.metadata.name!,
        ing.metadata.namespace,
        { status: { loadBalancer: { ingress: want } } },
        'merge',
        { subresource: 'status' },
      );
      this.statusWritten.set(key, sig);
    } catch (err) {
      if (!isNotFound(err)) this.log.warn(`status of ingress ${key}: ${(err as Error).message}`);
    }
  }
}

/** Hop-by-hop headers (RFC 9110 §7.6.1): each side of the proxy has its own connection. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** The end-to-end headers of a response, in order, as writeHead's flat [name, value, …] array. */
function endToEnd(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2)
    if (!HOP_BY_HOP.includes(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  return out;
}

function addForwarded(headers: http.IncomingHttpHeaders, req: IncomingMessage): void {
  const client = req.socket.remoteAddress ?? '';
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${client}`
    : client;
  headers['x-forwarded-host'] ??= req.headers.host;
  headers['x-forwarded-proto'] ??= 'http';
}

function sendError(res: ServerResponse, status: number, title: string, detail: string): void {
  if (res.headersSent) return void res.destroy();
  const body = errorPage(status, title, detail);
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
