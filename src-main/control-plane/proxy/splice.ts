/**
 * Byte plumbing shared by the proxy's TCP paths: splice two sockets both ways (half-close
 * passes through, an error on one side tears down the other) and open a connection that
 * resolves only once it is established.
 */
import net, { type Socket } from 'node:net';

/** Pipes `a` ↔ `b` until both sides finish; an error or reset on either destroys both. */
export function splice(a: Socket, b: Socket): void {
  a.setNoDelay(true);
  b.setNoDelay(true);
  const kill = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', kill);
  b.on('error', kill);
  a.pipe(b);
  b.pipe(a);
  // Once one side is fully closed the other can no longer be answered.
  a.on('close', () => b.destroySoon?.() ?? b.end());
  b.on('close', () => a.destroySoon?.() ?? a.end());
}

/** Connects to host:port; resolves when connected, rejects on failure or after `timeoutMs`. */
export function connectTcp(host: string, port: number, timeoutMs = 5000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, allowHalfOpen: true });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeListener('error', onError);
      resolve(s);
    });
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    s.once('error', onError);
  });
}

/** Resets a socket at once (RST), so a client sees "connection reset" rather than a hang. */
export function resetSocket(s: Socket): void {
  if (typeof s.resetAndDestroy === 'function' && s.readyState !== 'closed') s.resetAndDestroy();
  else s.destroy();
}
