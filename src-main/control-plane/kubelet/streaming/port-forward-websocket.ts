// Port-forward over WebSocket channels (v4.channel.k8s.io, v4.base64.channel.k8s.io), the kubelet's websocket.go: one pod connection per listed port; touches only the accepted WebSocket and the dialled pod streams.
/**
 * The non-SPDY port-forward clients use (client libraries such as @kubernetes/client-node; kubectl
 * itself tunnels SPDY instead). The request names its ports in the query (`port=80,8080`, also
 * repeated); port i gets data channel 2i and error channel 2i+1, and the first message the
 * server sends on each channel is the port as a little-endian uint16 so the client can tell the
 * pairs apart. Data on channel 2i goes to the pod's port, the pod's bytes come back on 2i, and a
 * failure is a text message on 2i+1. A port's pair is done when the pod side closes or fails;
 * when every pair is done the WebSocket closes — one WebSocket is one connection per port, as
 * upstream. Binary frames are `[channel][bytes]`; the base64 protocol sends text frames of an
 * ASCII channel digit followed by base64.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Logger } from '../../../common/logger';
import { forwardError, type PortDialer } from './port-forward';

/** The WebSocket channel protocols of port-forward, best first (upstream's v4 pair). */
export const WS_PORT_FORWARD_CHANNEL_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];

/** Pause a pod stream while this many WebSocket sends are unacknowledged. */
const MAX_PENDING_SENDS = 64;

/**
 * The ports of a WebSocket port-forward request (`port`, repeated or comma-separated, as the
 * kubelet's NewV4Options reads them), or the message of the 400 when they are missing or bad.
 */
export function portsOf(q: URLSearchParams): number[] | { error: string } {
  const values = q.getAll('port');
  if (!values.length) return { error: 'query parameter "port" is required' };
  const ports: number[] = [];
  for (const v of values) {
    if (!v) return { error: 'query parameter "port" cannot be empty' };
    for (const p of v.split(',')) {
      const n = /^\d+$/.test(p) ? Number(p) : NaN;
      if (!Number.isInteger(n) || n > 65535)
        return { error: `unable to parse "${v}" as a port: invalid syntax` };
      if (n < 1) return { error: `port "${v}" must be > 0` };
      ports.push(n);
    }
  }
  return ports;
}

interface Pair {
  port: number;
  target?: Duplex;
  /** Client bytes that arrived before the pod side was dialled. */
  early: Buffer[];
  done: boolean;
}

/** Serves port-forward on an accepted WebSocket until every port's pair is done. */
export function servePortForwardWebSocket(
  ws: WebSocket,
  protocol: string,
  ports: number[],
  podDesc: string,
  dial: PortDialer,
  log: Logger,
): void {
  const base64 = protocol === 'v4.base64.channel.k8s.io';
  let pending = 0;
  const paused = new Set<Duplex>();
  const send = (ch: number, data: Buffer, from?: Duplex) => {
    if (ws.readyState !== ws.OPEN) return;
    pending++;
    const done = () => {
      pending--;
      if (pending < MAX_PENDING_SENDS / 2) {
        for (const s of paused) s.resume();
        paused.clear();
      }
    };
    if (base64) ws.send(String.fromCharCode(48 + ch) + data.toString('base64'), { binary: false }, done);
    else ws.send(Buffer.concat([Buffer.from([ch]), data]), { binary: true }, done);
    if (from && pending >= MAX_PENDING_SENDS) {
      from.pause();
      paused.add(from);
    }
  };

  const pairs: Pair[] = ports.map((port) => ({ port, early: [], done: false }));
  // Each channel opens with its port, so the client can match channels to ports.
  pairs.forEach((p, i) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(p.port);
    send(2 * i, b);
    send(2 * i + 1, b);
  });

  const finish = (p: Pair, err?: string) => {
    if (p.done) return;
    p.done = true;
    if (err) send(2 * pairs.indexOf(p) + 1, Buffer.from(err));
    p.target?.destroy();
    if (pairs.every((x) => x.done) && ws.readyState === ws.OPEN) ws.close(1000);
  };

  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    let ch: number;
    let data: Buffer;
    if (isBinary) {
      if (!raw.length) return;
      ch = raw[0]!;
      data = raw.subarray(1);
    } else {
      const text = raw.toString('utf8');
      if (!text.length) return;
      ch = text.charCodeAt(0) - 48;
      data = Buffer.from(text.slice(1), 'base64');
    }
    // Only data channels carry client bytes; error channels are written by the server.
    const p = ch % 2 === 0 ? pairs[ch / 2] : undefined;
    if (!p || p.done || !data.length) return;
    if (!p.target) p.early.push(data);
    else if (!p.target.write(data)) {
      ws.pause();
      p.target.once('drain', () => ws.resume());
    }
  });
  ws.on('close', () => {
    for (const p of pairs) {
      p.done = true;
      p.target?.destroy();
    }
  });
  ws.on('error', () => undefined);

  pairs.forEach((p, i) => {
    dial(p.port).then(
      (target) => {
        if (p.done) {
          target.destroy();
          return;
        }
        p.target = target;
        for (const b of p.early.splice(0)) target.write(b);
        target.on('data', (c: Buffer) => send(2 * i, c, target));
        // The pod side closing ends the pair (and with the last pair, the WebSocket).
        target.on('end', () => finish(p));
        target.on('close', () => finish(p));
        target.on('error', (err) => finish(p, forwardError(p.port, podDesc, err)));
      },
      (err: unknown) => {
        log.debug('port-forward: dial failed', { port: p.port, err: String(err) });
        finish(p, forwardError(p.port, podDesc, err));
      },
    );
  });
}
