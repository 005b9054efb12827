/**
 * One TCP listener on the host's loopback (a NodePort or LoadBalancer port). Binding can fail —
 * the port is taken by another program, or below 1024 without the right — and the state says
 * which, in words a user can act on; the proxy retries the bind until it succeeds. The
 * connection handler is looked up per connection, so endpoint changes never rebind.
 */
import net, { type Server, type Socket } from 'node:net';

/** The states of a host listener as the `skiff.dev/host-listeners` annotation shows them. */
export type ListenerBindState = 'Listening' | 'PortInUse' | 'PermissionDenied' | 'Error';

export class HostListener {
  state: ListenerBindState | 'Closed' = 'Closed';
  message = '';
  private server?: Server;
  private extra?: Server;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly onConnection: (s: Socket) => void,
    /** Also listen on this address when it is available (LoadBalancer: ::1), best effort. */
    private readonly alsoOn?: string,
  ) {}

  /** Tries to bind (again) unless already listening; never throws. */
  async open(): Promise<void> {
    if (this.state === 'Listening') return;
    const srv = net.createServer({ allowHalfOpen: true, noDelay: true }, this.onConnection);
    try {
      await listen(srv, this.port, this.address);
      this.server = srv;
      this.state = 'Listening';
      this.message = `listening on ${this.address}:${this.port}`;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE') {
        this.state = 'PortInUse';
        this.message = `port ${this.port} on ${this.address} is already in use by another program`;
      } else if (e.code === 'EACCES' || e.code === 'EPERM') {
        this.state = 'PermissionDenied';
        this.message = `not allowed to listen on ${this.address}:${this.port} (ports below 1024 need extra rights on this system)`;
      } else {
        this.state = 'Error';
        this.message = `cannot listen on ${this.address}:${this.port}: ${e.message}`;
      }
      return;
    }
    if (this.alsoOn) {
      const six = net.createServer({ allowHalfOpen: true, noDelay: true }, this.onConnection);
      // ::1 may be missing (IPv6 off) or taken; the IPv4 listener is the one that counts.
      await listen(six, this.port, this.alsoOn).then(
        () => (this.extra = six),
        () => undefined,
      );
    }
  }

  /** Marks the bind as refused without trying (the port belongs to another Service here). */
  refuse(message: string): void {
    this.state = 'PortInUse';
    this.message = message;
  }

  async close(): Promise<void> {
    this.state = 'Closed';
    await Promise.all([closeServer(this.server), closeServer(this.extra)]);
    this.server = this.extra = undefined;
  }
}

function listen(srv: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    // exclusive: a second Skiff process must not share the port through the cluster module.
    srv.listen({ port, host, exclusive: true }, () => {
      srv.off('error', reject);
      resolve();
    });
  });
}

function closeServer(srv: Server | undefined): Promise<void> {
  if (!srv) return Promise.resolve();
  return new Promise((resolve) => srv.close(() => resolve()));
}
