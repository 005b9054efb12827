/**
 * The server side of Kubernetes' port-forward protocol `portforward.k8s.io` over SPDY/3.1 — on
 * a plain upgraded socket or tunnelled in WebSocket binary messages
 * (`SPDY/3.1+portforward.k8s.io`, the default of kubectl 1.32). Every local connection of the
 * client is a pair of streams with the same `requestid`: `error` and `data` (headers `port`,
 * `streamtype`). Behaves like the kubelet's cri/streaming/portforward/httpstream.go.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from '../../../common/logger';
import { SpdyConnection, type SpdyStream } from './spdy';

/** Opens a byte stream to a port of the pod. */
export type PortDialer = (port: number) => Promise<Duplex>;

/** The text both transports report a failed forward with (the kubelet's wording). */
export function forwardError(port: number, podDesc: string, err: unknown): string {
  return `error forwarding port ${port} to pod ${podDesc}: ${String((err as Error)?.message ?? err)}`;
}

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  port: number;
  started: boolean;
}

/**
 * Serves port-forward streams on a SPDY connection until it closes (kubectl port-forward keeps
 * one connection for its whole run and PINGs it). `podDesc` names the pod in error messages.
 */
export function servePortForward(
  transport: Duplex,
  podDesc: string,
  dial: PortDialer,
  log: Logger,
): SpdyConnection {
  const conn = new SpdyConnection(transport);
  const pairs = new Map<string, Pair>();
  const open = new Set<Duplex>();
  conn.on('close', () => {
    for (const d of open) d.destroy();
    open.clear();
  });
  conn.on('stream', (s: SpdyStream) => {
    const type = s.headers['streamtype'];
    const port = Number(s.headers['port']);
    const requestId = s.headers['requestid'] ?? `stream-${s.id}`;
    if ((type !== 'error' && type !== 'data') || !Number.isInteger(port) || port < 1 || port > 65535) {
      log.debug('port-forward: bad stream', { headers: s.headers });
      s.reset();
      return;
    }
    const pair = pairs.get(requestId) ?? { port, started: false };
    pairs.set(requestId, pair);
    if (pair[type]) {
      s.reset();
      return;
    }
    pair[type] = s;
    // The error stream is opened first; the data stream completes the pair.
    if (pair.error && pair.data && !pair.started) {
      pair.started = true;
      void forward(requestId, pair);
    }
  });

  const forward = async (requestId: string, pair: Pair) => {
    const data = pair.data!;
    const errorStream = pair.error!;
    const finish = (err?: string) => {
      pairs.delete(requestId);
      if (err) errorStream.end(Buffer.from(err));
      else errorStream.end();
      data.end();
    };
    const failure = (err: unknown) => forwardError(pair.port, podDesc, err);
    let target: Duplex;
    try {
      target = await dial(pair.port);
    } catch (err) {
      finish(failure(err));
      return;
    }
    open.add(target);
    // Client → pod.
    // What the client sent while the pod side was being dialled waits in data.incoming.
    data.incoming.on('data', (c: Buffer) => {
      if (!target.write(c)) {
        // SPDY streams have no pause of their own here: hold the whole connection's input.
        conn.holdInput();
        target.once('drain', () => conn.releaseInput());
      }
    });
    data.incoming.on('end', () => target.end());
    data.on('reset', () => target.destroy());
    // Pod → client, pausing the pod side while the client's transport is full.
    target.on('data', (c: Buffer) => {
      if (!data.write(c)) {
        target.pause();
        conn.once('drain', () => target.resume());
      }
    });
    let done = false;
    const complete = (err?: string) => {
      if (done) return;
      done = true;
      open.delete(target);
      finish(err);
      target.destroy();
    };
    // The pod side closed (e.g. an HTTP server ending its response): FIN both streams, as the
    // kubelet does, even though the client never half-closed.
    target.on('end', () => complete());
    target.on('error', (err) => complete(failure(err)));
    target.on('close', () => complete());
  };
  return conn;
}
