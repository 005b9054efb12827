import https from 'node:https';
import http from 'node:http';
import type {
  StreamResponse,
  Transport,
  TransportRequest,
  TransportResponse,
} from '../../common/client/transport';

/** TLS and credentials for reaching an API server from Node. */
export interface HttpsTransportOptions {
  /** PEM of the CA that signed the server certificate. */
  ca?: string;
  token?: string;
  /** Skip certificate checks (only for talking to yourself in tests). */
  insecure?: boolean;
}

/**
 * A Transport over node:https with the cluster CA and a bearer token, with keep-alive so the
 * in-process scheduler, controllers and kubelet reuse connections to the API server.
 */
export class HttpsTransport implements Transport {
  private readonly agent: https.Agent | http.Agent;
  private readonly url: URL;

  constructor(
    baseUrl: string,
    private readonly opts: HttpsTransportOptions = {},
  ) {
    this.url = new URL(baseUrl);
    this.agent =
      this.url.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ca: opts.ca,
            rejectUnauthorized: !opts.insecure,
            maxSockets: 64,
          })
        : new http.Agent({ keepAlive: true, maxSockets: 64 });
  }

  private send(req: TransportRequest): Promise<http.IncomingMessage> {
    const headers: Record<string, string | number> = { ...(req.headers ?? {}) };
    if (this.opts.token) headers['Authorization'] = `Bearer ${this.opts.token}`;
    if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
    const mod = this.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const r = mod.request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port,
          path: req.path,
          method: req.method,
          headers,
          agent: this.agent,
          signal: req.signal,
        },
        resolve,
      );
      r.on('error', reject);
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    const res = await this.send(req);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return {
      status: res.statusCode ?? 0,
      headers: flatten(res.headers),
      body: Buffer.concat(chunks).toString('utf8'),
    };
  }

  async stream(req: TransportRequest): Promise<StreamResponse> {
    const res = await this.send(req);
    res.setEncoding('utf8');
    async function* chunks(): AsyncIterable<string> {
      try {
        for await (const c of res) yield c as string;
      } catch (err) {
        // An aborted stream ends quietly; anything else is the caller's business.
        if (
          (err as { name?: string }).name !== 'AbortError' &&
          (err as { code?: string }).code !== 'ECONNRESET'
        )
          throw err;
      }
    }
    return { status: res.statusCode ?? 0, headers: flatten(res.headers), chunks: chunks() };
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}

function flatten(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
