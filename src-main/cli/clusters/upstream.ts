/**
 * An API server the dashboard server talks to on the page's behalf: the local Skiff cluster
 * (its CA, the page's own token) or a kubeconfig context (its credentials). One interface so
 * the proxy and port-forwards treat both alike.
 */
import http from 'node:http';
import https from 'node:https';
import type { ResolvedAuth } from './credentials';

export interface Upstream {
  /** '' for the local Skiff cluster, else the context name. */
  readonly name: string;
  readonly server: URL;
  resolve(): Promise<ResolvedAuth>;
  /** The server answered 401 to what resolve() gave. */
  invalidate(): void;
}

/** The local cluster: Skiff's CA and its admin token. */
export function localUpstream(apiUrl: string, caPem: string, token: string): Upstream {
  const server = new URL(apiUrl);
  const tls = { ca: Buffer.from(caPem) };
  const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ...tls });
  const auth: ResolvedAuth = { agent, tls, authorization: `Bearer ${token}` };
  return { name: '', server, resolve: async () => auth, invalidate: () => undefined };
}

/** The server's path prefix (a server URL may carry one, e.g. Rancher's /k8s/clusters/x). */
export function upstreamPath(server: URL, rest: string): string {
  return server.pathname.replace(/\/$/, '') + rest;
}

/** Sends one request to the upstream and answers its status and body. */
export async function upstreamRequest(
  up: Upstream,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  const auth = await up.resolve();
  const mod = up.server.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth.authorization) headers.authorization = auth.authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = mod.request(
      {
        hostname: up.server.hostname,
        port: up.server.port,
        path: upstreamPath(up.server, path),
        method,
        headers,
        agent: auth.agent,
        timeout: 30_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          if (res.statusCode === 401) up.invalidate();
          resolve({ status: res.statusCode ?? 0, body: text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('the API server did not answer in 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** A non-2xx answer from the upstream, with the Status it sent. */
export class UpstreamError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** GET that parses JSON and throws UpstreamError with the Status message on failure. */
export async function upstreamJson<T>(up: Upstream, path: string): Promise<T> {
  const res = await upstreamRequest(up, 'GET', path);
  if (res.status < 200 || res.status >= 300) {
    let msg = res.body.slice(0, 300);
    try {
      msg = String((JSON.parse(res.body) as { message?: string }).message ?? msg);
    } catch {
      // not a Status: keep the text
    }
    throw new UpstreamError(res.status, msg);
  }
  return JSON.parse(res.body) as T;
}
