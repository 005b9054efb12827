// The proxy's client of the in-cluster network agent (skiff-netd) control socket on 127.0.0.1; imports only common/.
import { EventEmitter } from 'node:events';
import net, { type Socket } from 'node:net';
import { silentLogger, type Logger } from '../../../common/logger';
import { intToIp, ipToInt, isIPv4 } from '../../../common/network';

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
  /** The control connection dropped (not after `close()`); the caller reconnects and re-listens. */
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

/** Control frame opcodes (see the opening comment of resources/netd/netd.c). */
const OP = {
  listen: 1,
  close: 2,
  forward: 3,
  reject: 4,
  udpSend: 5,
  ping: 6,
  result: 0x81,
  inbound: 0x82,
  udpRecv: 0x83,
} as const;
/** Largest control frame netd accepts; UDP payloads are bounded by it. */
const MAX_FRAME = 70_000;
/** How long connect/dial/attach wait for netd's status line. */
const HANDSHAKE_TIMEOUT_MS = 15_000;

/** An error netd reported, with its errno name as `code` (ECONNREFUSED, EADDRINUSE…). */
export class AgentError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

type DatagramHandler = (
  msg: Buffer,
  from: { address: string; port: number },
  reply: (b: Buffer) => void,
) => void;

/**
 * The client of netd's control port (node:net only). One control connection carries listen /
 * close / verdict requests and inbound-connection notices; each dial and each accepted inbound
 * connection is a data connection of its own to the same port, so a slow stream never holds up
 * the others. Reconnecting is the caller's job: after 'disconnect' every listener is gone.
 */
export class NetworkAgentClient implements AgentClient {
  private socket?: Socket;
  private host = '';
  private port = 0;
  private buf: Buffer = Buffer.alloc(0);
  private nextReq = 1;
  private readonly requests = new Map<number, { resolve(v: number): void; reject(e: Error): void }>();
  private readonly tcpHandlers = new Map<number, (c: InboundConnection) => void>();
  private readonly udpHandlers = new Map<number, DatagramHandler>();
  private readonly emitter = new EventEmitter();
  private closing = false;

  constructor(private readonly log: Logger = silentLogger) {}

  get connected(): boolean {
    return !!this.socket && !this.socket.destroyed;
  }

  /** The host:port this client talks to (valid after connect). */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  on(ev: 'disconnect', fn: (err?: Error) => void): void {
    this.emitter.on(ev, fn);
  }

  async connect(address: string): Promise<void> {
    if (this.socket) throw new Error('network agent client: already connected');
    const m = /^(.+):(\d{1,5})$/.exec(address);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      throw new Error(`network agent address must be host:port, got ${JSON.stringify(address)}`);
    }
    this.host = m[1].replace(/^\[(.*)\]$/, '$1');
    this.port = Number(m[2]);
    this.closing = false;
    const socket = await this.openStream('CTRL');
    this.socket = socket;
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (err) => this.onDrop(err));
    socket.on('close', () => this.onDrop());
    socket.resume();
  }

  /** Closes the control connection; no 'disconnect' event follows a close asked for. */
  close(): void {
    this.closing = true;
    this.socket?.destroy();
    this.onDrop();
  }

  /** A round trip on the control connection (liveness check). */
  async ping(): Promise<void> {
    const req = this.nextReq++;
    const b = Buffer.alloc(4);
    b.writeUInt32BE(req);
    await this.request(req, OP.ping, b);
  }

  async listenTcp(
    ip: string,
    port: number,
    onConnection: (c: InboundConnection) => void,
  ): Promise<AgentListener> {
    const id = await this.listen(6, ip, port);
    this.tcpHandlers.set(id, onConnection);
    return { close: () => this.closeListener(id) };
  }

  async listenUdp(ip: string, port: number, onDatagram: DatagramHandler): Promise<AgentListener> {
    const id = await this.listen(17, ip, port);
    this.udpHandlers.set(id, onDatagram);
    return { close: () => this.closeListener(id) };
  }

  dial(ip: string, port: number): Promise<Socket> {
    checkEndpoint(ip, port);
    return this.openStream(`DIAL ${ip} ${port}`);
  }

  // ---- control connection ----------------------------------------------------------------

  private async listen(proto: 6 | 17, ip: string, port: number): Promise<number> {
    checkEndpoint(ip, port);
    const req = this.nextReq++;
    const b = Buffer.alloc(11);
    b.writeUInt32BE(req, 0);
    b.writeUInt8(proto, 4);
    b.writeUInt32BE(ipToInt(ip), 5);
    b.writeUInt16BE(port, 9);
    return this.request(req, OP.listen, b);
  }

  private async closeListener(id: number): Promise<void> {
    this.tcpHandlers.delete(id);
    this.udpHandlers.delete(id);
    if (!this.connected) return; // gone with the control connection already
    const req = this.nextReq++;
    const b = Buffer.alloc(8);
    b.writeUInt32BE(req, 0);
    b.writeUInt32BE(id, 4);
    await this.request(req, OP.close, b).catch((err: unknown) => {
      if (err instanceof AgentError && err.code === 'ENOENT') return; // already closed
      throw err;
    });
  }

  private request(req: number, op: number, body: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      if (!this.send(op, body)) {
        reject(new Error('network agent: not connected'));
        return;
      }
      this.requests.set(req, { resolve, reject });
    });
  }

  private send(op: number, ...parts: Buffer[]): boolean {
    const socket = this.socket;
    if (!socket || socket.destroyed) return false;
    const len = 1 + parts.reduce((n, p) => n + p.length, 0);
    const head = Buffer.alloc(5);
    head.writeUInt32BE(len, 0);
    head.writeUInt8(op, 4);
    socket.write(Buffer.concat([head, ...parts]));
    return true;
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let off = 0;
    while (this.buf.length - off >= 4) {
      const len = this.buf.readUInt32BE(off);
      if (len === 0 || len > MAX_FRAME + 64) {
        this.socket?.destroy(new Error(`network agent sent a malformed frame (length ${len})`));
        return;
      }
      if (this.buf.length - off - 4 < len) break;
      const frame = this.buf.subarray(off + 4, off + 4 + len);
      off += 4 + len;
      try {
        this.onFrame(frame);
      } catch (err) {
        // A handler's bug or a malformed frame must not take the control connection down.
        this.log.error('network agent: a control frame handler failed', { error: String(err) });
      }
    }
    this.buf = off === this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(off));
  }

  private onFrame(f: Buffer): void {
    const op = f.readUInt8(0);
    if (op === OP.result && f.length >= 9) {
      const req = f.readUInt32BE(1);
      const value = f.readUInt32BE(5);
      const pending = this.requests.get(req);
      if (!pending) return;
      this.requests.delete(req);
      if (f.length === 9) pending.resolve(value);
      else pending.reject(agentError(f.subarray(9).toString('utf8')));
    } else if (op === OP.inbound && f.length >= 21) {
      const lid = f.readUInt32BE(1);
      const conn = new AgentInbound(
        this,
        f.readUInt32BE(5),
        { address: intToIp(f.readUInt32BE(9)), port: f.readUInt16BE(13) },
        { address: intToIp(f.readUInt32BE(15)), port: f.readUInt16BE(19) },
      );
      const handler = this.tcpHandlers.get(lid);
      if (handler) handler(conn);
      else conn.reject();
    } else if (op === OP.udpRecv && f.length >= 11) {
      const lid = f.readUInt32BE(1);
      const from = { address: intToIp(f.readUInt32BE(5)), port: f.readUInt16BE(9) };
      const handler = this.udpHandlers.get(lid);
      handler?.(Buffer.from(f.subarray(11)), from, (reply) => this.udpSend(lid, from, reply));
    }
  }

  private udpSend(lid: number, to: { address: string; port: number }, data: Buffer): void {
    if (data.length > MAX_FRAME - 64) throw new Error(`UDP reply of ${data.length} bytes is too large`);
    const b = Buffer.alloc(10);
    b.writeUInt32BE(lid, 0);
    b.writeUInt32BE(ipToInt(to.address), 4);
    b.writeUInt16BE(to.port, 8);
    this.send(OP.udpSend, b, data);
  }

  /** @internal verdicts of AgentInbound */
  verdict(conn: number, kind: 'forward' | 'reject', ip?: string, port?: number): void {
    if (kind === 'reject') {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(conn);
      this.send(OP.reject, b);
      return;
    }
    const b = Buffer.alloc(10);
    b.writeUInt32BE(conn, 0);
    b.writeUInt32BE(ipToInt(ip ?? ''), 4);
    b.writeUInt16BE(port ?? 0, 8);
    this.send(OP.forward, b);
  }

  private onDrop(err?: Error): void {
    if (!this.socket) return;
    const wasClosing = this.closing;
    this.socket.destroy();
    this.socket = undefined;
    this.buf = Buffer.alloc(0);
    const gone = new Error(
      `network agent at ${this.address}: control connection closed${err ? `: ${err.message}` : ''}`,
    );
    for (const p of this.requests.values()) p.reject(gone);
    this.requests.clear();
    this.tcpHandlers.clear();
    this.udpHandlers.clear();
    if (!wasClosing) this.emitter.emit('disconnect', err ?? gone);
  }

  // ---- data connections ------------------------------------------------------------------

  /**
   * @internal Opens a connection to netd, sends `header`, waits for its status line. The line
   * is read in paused mode ('readable' + read()), so once the listener is gone the socket is
   * back in its initial state: bytes after the line stay buffered until the caller reads, and a
   * 'data' listener or pipe starts the flow as on any fresh socket.
   */
  openStream(header: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      let got = Buffer.alloc(0);
      const timer = setTimeout(
        () =>
          fail(new Error(`network agent at ${this.address} did not answer ${header.split(' ')[0]} in time`)),
        HANDSHAKE_TIMEOUT_MS,
      );
      const cleanup = (): void => {
        clearTimeout(timer);
        socket.off('readable', onReadable);
        socket.off('error', fail);
        socket.off('end', onEnd);
      };
      const fail = (err: Error): void => {
        cleanup();
        socket.destroy();
        reject(err);
      };
      const onEnd = (): void => fail(new Error(`network agent at ${this.address} closed the connection`));
      const onReadable = (): void => {
        let chunk: Buffer | null;
        while ((chunk = socket.read() as Buffer | null) !== null) {
          got = Buffer.concat([got, chunk]);
          const nl = got.indexOf(10);
          if (nl < 0) {
            if (got.length > 512) fail(new Error('network agent sent an overlong status line'));
            continue;
          }
          cleanup();
          const line = got.subarray(0, nl).toString('utf8');
          const rest = got.subarray(nl + 1);
          if (line !== 'OK') {
            socket.destroy();
            reject(agentError(line.replace(/^ERR /, '')));
            return;
          }
          if (rest.length) socket.unshift(rest);
          resolve(socket);
          return;
        }
      };
      socket.on('readable', onReadable);
      socket.on('error', fail);
      socket.on('end', onEnd);
      socket.once('connect', () => socket.write(`${header}\n`));
    });
  }
}

/** An inbound connection notice turned into the InboundConnection of the contract. */
class AgentInbound implements InboundConnection {
  private decided = false;
  constructor(
    private readonly client: NetworkAgentClient,
    private readonly id: number,
    readonly remote: { address: string; port: number },
    readonly local: { address: string; port: number },
  ) {}

  forwardTo(ip: string, port: number): void {
    checkEndpoint(ip, port);
    if (this.decide()) this.client.verdict(this.id, 'forward', ip, port);
  }

  accept(): Promise<Socket> {
    if (!this.decide()) return Promise.reject(new Error('inbound connection already decided'));
    return this.client.openStream(`ATTACH ${this.id}`);
  }

  reject(): void {
    if (this.decide()) this.client.verdict(this.id, 'reject');
  }

  private decide(): boolean {
    if (this.decided) return false;
    this.decided = true;
    return true;
  }
}

/** "CODE message" from netd as an AgentError. */
function agentError(text: string): AgentError {
  const m = /^([A-Z0-9]+) (.*)$/s.exec(text);
  return m ? new AgentError(`network agent: ${m[2]}`, m[1]) : new AgentError(`network agent: ${text}`, 'EIO');
}

function checkEndpoint(ip: string, port: number): void {
  if (!isIPv4(ip)) throw new Error(`network agent: ${JSON.stringify(ip)} is not an IPv4 address`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`network agent: port must be 1..65535, got ${port}`);
  }
}
