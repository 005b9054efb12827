import type { Socket } from 'node:net';

/**
 * The host side of the network agent (`skiff-netd`): one container per cluster network that
 * binds ClusterIPs inside the network, dials pod IPs and splices connections, driven over one
 * control connection published on 127.0.0.1. The proxy uses it to serve Services to pods, and
 * to reach pods from the host without ever dialling a bridge address.
 */
export interface AgentClient {
  /** Connects to the agent's control port, `"127.0.0.1:PORT"`; rejects if unreachable. */
  connect(address: string): Promise<void>;
  /** Closes the control connection; its listeners go away with it. */
  close(): void;
  readonly connected: boolean;
  /** The control connection dropped (or was closed); the caller reconnects and re-listens. */
  on(ev: 'disconnect', fn: (err?: Error) => void): void;
  /**
   * Listens inside the cluster network (ip must be in serviceCidr). Rejects with a readable
   * error (EADDRINUSE…).
   */
  listenTcp(ip: string, port: number, onConnection: (c: InboundConnection) => void): Promise<AgentListener>;
  /** Receives UDP datagrams sent to ip:port inside the network; `reply` answers from ip:port. */
  listenUdp(
    ip: string,
    port: number,
    onDatagram: (msg: Buffer, from: { address: string; port: number }, reply: (b: Buffer) => void) => void,
  ): Promise<AgentListener>;
  /** A TCP connection opened by the agent inside the cluster network to ip:port (e.g. a pod IP), as a host socket. */
  dial(ip: string, port: number): Promise<Socket>;
}

/** A listener the agent holds; `close` stops accepting (connections already handed over live on). */
export interface AgentListener {
  close(): Promise<void>;
}

/** A connection a pod opened to a listened ClusterIP:port, waiting for a verdict. */
export interface InboundConnection {
  /** The pod that connected. */
  readonly remote: { address: string; port: number };
  /** The ClusterIP:port it dialled. */
  readonly local: { address: string; port: number };
  /** The agent dials ip:port and splices (fast path, stays in the network). */
  forwardTo(ip: string, port: number): void;
  /** Brings it to the host as a socket (e.g. for the API server). */
  accept(): Promise<Socket>;
  /** Resets it at once. */
  reject(): void;
}
