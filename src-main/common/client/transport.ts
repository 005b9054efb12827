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
  /**
   * Optional: a watch over WebSocket (GET only). Each message is one event, yielded as one
   * newline-terminated chunk. Rejects with WebSocketUnavailableError when the socket cannot
   * be opened, so callers can fall back to `stream`.
   */
  websocket?(req: TransportRequest): Promise<StreamResponse>;
}

/** The WebSocket could not be opened (no WebSocket support, refused upgrade, network). */
export class WebSocketUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebSocketUnavailableError';
  }
}

/** The subprotocol that carries a bearer token where headers cannot be set (browsers). */
export function bearerProtocol(token: string): string {
  const bytes = new TextEncoder().encode(token);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `base64url.bearer.authorization.k8s.io.${btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

/**
 * Opens a watch WebSocket with the platform's WHATWG WebSocket (browsers, Electron's renderer)
 * and yields its messages. The token travels as a subprotocol; `binary.k8s.io` is offered so
 * the server has a protocol to select (it then sends binary frames of the same JSON).
 */
export function openWatchSocket(
  url: string,
  token: string | undefined,
  signal?: AbortSignal,
): Promise<StreamResponse> {
  const WS = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
  if (!WS) return Promise.reject(new WebSocketUnavailableError('WebSocket is not available here'));
  if (signal?.aborted) return Promise.reject(new DOMException('aborted', 'AbortError'));
  const protocols = token ? [bearerProtocol(token), 'binary.k8s.io'] : ['binary.k8s.io'];
  return new Promise((resolve, reject) => {
    let ws: WebSocket;
    try {
      ws = new WS(url, protocols);
    } catch (err) {
      reject(new WebSocketUnavailableError(String(err)));
      return;
    }
    ws.binaryType = 'arraybuffer';
    const queue: string[] = [];
    let done = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    let opened = false;
    const decoder = new TextDecoder();
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const onAbort = () => ws.close(1000);
    signal?.addEventListener('abort', onAbort, { once: true });
    ws.onmessage = (ev: MessageEvent) => {
      const data = typeof ev.data === 'string' ? ev.data : decoder.decode(ev.data as ArrayBuffer);
      queue.push(data.endsWith('\n') ? data : `${data}\n`);
      notify();
    };
    ws.onopen = () => {
      opened = true;
      resolve({ status: 200, headers: {}, chunks: chunks() });
    };
    ws.onerror = () => {
      if (!opened) reject(new WebSocketUnavailableError(`WebSocket to ${url.split('?')[0]} failed`));
    };
    ws.onclose = (ev: { code: number; reason: string }) => {
      signal?.removeEventListener('abort', onAbort);
      done = true;
      if (!opened) reject(new WebSocketUnavailableError(`WebSocket closed before opening (${ev.code})`));
      else if (ev.code !== 1000 && ev.code !== 1005 && !signal?.aborted)
        failure = new Error(`watch WebSocket closed (${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`);
      notify();
    };
    async function* chunks(): AsyncIterable<string> {
      try {
        for (;;) {
          if (queue.length) {
            yield queue.shift()!;
            continue;
          }
          if (done) break;
          await new Promise<void>((r) => (wake = r));
        }
        if (failure) throw failure;
      } finally {
        if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000);
      }
    }
  });
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

  /** Watch over WebSocket: `ws(s)://` of the base URL (or of this page, behind the proxy). */
  websocket(req: TransportRequest): Promise<StreamResponse> {
    const loc = (globalThis as { location?: { origin?: string } }).location;
    const base = this.baseUrl || loc?.origin || '';
    if (!/^https?:/.test(base)) return Promise.reject(new WebSocketUnavailableError('no http(s) base URL'));
    return openWatchSocket(base.replace(/^http/, 'ws') + req.path, this.token, req.signal);
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
