/**
 * How the Kubernetes client reaches a server. Pure interface: the browser implements it with
 * fetch, Node with https and the cluster CA (control-plane/client/https-transport.ts).
 */
export interface TransportRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute path with query string, e.g. `/api/v1/namespaces/default/pods?limit=500`. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface StreamResponse {
  status: number;
  headers: Record<string, string>;
  /** Chunks of the body as they arrive (UTF-8 text). Ends when the server closes. */
  chunks: AsyncIterable<string>;
}

export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  /** A long-lived response (watch, log follow). Aborting `signal` ends it. */
  stream(req: TransportRequest): Promise<StreamResponse>;
}

/** A Transport over the WHATWG fetch API (browsers; Node where no custom CA is needed). */
export class FetchTransport implements Transport {
  constructor(
    private readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  private init(req: TransportRequest): RequestInit {
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (this.token) headers['Authorization'] = `Bearer ${this.token}`;
    return { method: req.method, headers, body: req.body, signal: req.signal };
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    const res = await fetch(this.baseUrl + req.path, this.init(req));
    return { status: res.status, headers: headersOf(res.headers), body: await res.text() };
  }

  async stream(req: TransportRequest): Promise<StreamResponse> {
    const res = await fetch(this.baseUrl + req.path, this.init(req));
    const body = res.body;
    async function* chunks(): AsyncIterable<string> {
      if (!body) return;
      const reader = body.getReader();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          yield decoder.decode(value, { stream: true });
        }
      } finally {
        reader.releaseLock();
      }
    }
    return { status: res.status, headers: headersOf(res.headers), chunks: chunks() };
  }
}

function headersOf(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
}
