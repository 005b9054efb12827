/**
 * The server side of SPDY/3.1 as Kubernetes' streaming clients speak it (moby/spdystream, used
 * by client-go for exec/attach fallback and for port-forward): framing, header blocks, stream
 * replies, PING echo, RST/GOAWAY. See kubectl-wire.md part (c) and gotcha G13.
 *
 * Header blocks from the client are zlib streams with the SPDY/3 dictionary, one context per
 * connection: they are inflated with one async node:zlib Inflate, flushed per block and
 * processed strictly in order. Header blocks we send are "stored" deflate blocks, each followed
 * by the empty stored block `00 00 00 FF FF` (the sync-flush marker): without it Go's flate
 * reader reads past the frame and the second SYN_REPLY is never parsed.
 */
import { EventEmitter } from 'node:events';
import { PassThrough, type Duplex } from 'node:stream';
import zlib from 'node:zlib';

/** The SPDY/3 header compression dictionary (spdy-transport's `dictionary[3]`, 1423 bytes). */
export const SPDY3_DICTIONARY = Buffer.from(
  [
    '000000076f7074696f6e73000000046865616400000004706f7374000000037075740000000664656c65746500000005',
    '7472616365000000066163636570740000000e6163636570742d636861727365740000000f6163636570742d656e636f',
    '64696e670000000f6163636570742d6c616e67756167650000000d6163636570742d72616e6765730000000361676500',
    '000005616c6c6f770000000d617574686f72697a6174696f6e0000000d63616368652d636f6e74726f6c0000000a636f',
    '6e6e656374696f6e0000000c636f6e74656e742d6261736500000010636f6e74656e742d656e636f64696e6700000010',
    '636f6e74656e742d6c616e67756167650000000e636f6e74656e742d6c656e67746800000010636f6e74656e742d6c6f',
    '636174696f6e0000000b636f6e74656e742d6d64350000000d636f6e74656e742d72616e67650000000c636f6e74656e',
    '742d74797065000000046461746500000004657461670000000665787065637400000007657870697265730000000466',
    '726f6d00000004686f73740000000869662d6d617463680000001169662d6d6f6469666965642d73696e63650000000d',
    '69662d6e6f6e652d6d617463680000000869662d72616e67650000001369662d756e6d6f6469666965642d73696e6365',
    '0000000d6c6173742d6d6f646966696564000000086c6f636174696f6e0000000c6d61782d666f727761726473000000',
    '06707261676d610000001270726f78792d61757468656e7469636174650000001370726f78792d617574686f72697a61',
    '74696f6e0000000572616e676500000007726566657265720000000b72657472792d6166746572000000067365727665',
    '7200000002746500000007747261696c6572000000117472616e736665722d656e636f64696e67000000077570677261',
    '64650000000a757365722d6167656e74000000047661727900000003766961000000077761726e696e67000000107777',
    '772d61757468656e746963617465000000066d6574686f64000000036765740000000673746174757300000006323030',
    '204f4b0000000776657273696f6e00000008485454502f312e310000000375726c000000067075626c69630000000a73',
    '65742d636f6f6b69650000000a6b6565702d616c697665000000066f726967696e313030313031323031323032323035',
    '323036333030333032333033333034333035333036333037343032343035343036343037343038343039343130343131',
    '343132343133343134343135343136343137353032353034353035323033204e6f6e2d417574686f7269746174697665',
    '20496e666f726d6174696f6e323034204e6f20436f6e74656e74333031204d6f766564205065726d616e656e746c7934',
    '303020426164205265717565737434303120556e617574686f72697a656434303320466f7262696464656e343034204e',
    '6f7420466f756e6435303020496e7465726e616c20536572766572204572726f72353031204e6f7420496d706c656d65',
    '6e746564353033205365727669636520556e617661696c61626c654a616e20466562204d617220417072204d6179204a',
    '756e204a756c204175672053657074204f6374204e6f76204465632030303a30303a3030204d6f6e2c205475652c2057',
    '65642c205468752c204672692c205361742c2053756e2c20474d546368756e6b65642c746578742f68746d6c2c696d61',
    '67652f706e672c696d6167652f6a70672c696d6167652f6769662c6170706c69636174696f6e2f786d6c2c6170706c69',
    '636174696f6e2f7868746d6c2b786d6c2c746578742f706c61696e2c746578742f6a6176617363726970742c7075626c',
    '6963707269766174656d61782d6167653d677a69702c6465666c6174652c73646368636861727365743d7574662d3863',
    '6861727365743d69736f2d383835392d312c7574662d2c2a2c656e713d302e',
  ].join(''),
  'hex',
);

const enum FrameType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

const FLAG_FIN = 0x01;
/** Largest DATA payload we send; the format allows 2^24 - 1. */
const MAX_DATA = 32 * 1024;

/** RST_STREAM status codes used here. */
export const RST = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5 } as const;

/**
 * One client-initiated SPDY stream (the server never opens streams in these protocols). What
 * the client sends is buffered in `incoming` (ended by the client's FIN) until read, since
 * clients send right after the SYN_REPLY, often before the server has somewhere to put it.
 * Emits 'reset' when the client aborts the stream.
 */
export class SpdyStream extends EventEmitter {
  /** The client's bytes; ends on its FIN (or RST). */
  readonly incoming = new PassThrough();
  /** We sent FIN (or RST). */
  localClosed = false;
  /** The client sent FIN (or RST). */
  remoteClosed = false;

  constructor(
    private readonly conn: SpdyConnection,
    readonly id: number,
    /** Lower-cased header names. */
    readonly headers: Record<string, string>,
  ) {
    super();
  }

  /** Sends bytes as DATA frames; false when the transport is full (wait for the connection's 'drain'). */
  write(data: Buffer): boolean {
    if (this.localClosed) return true;
    let ok = true;
    for (let off = 0; off < data.length || (off === 0 && data.length === 0); off += MAX_DATA) {
      ok = this.conn.sendData(this.id, data.subarray(off, off + MAX_DATA), false) && ok;
      if (data.length === 0) break;
    }
    return ok;
  }

  /** Half-closes our side (DATA frame with FIN). */
  end(data?: Buffer): void {
    if (this.localClosed) return;
    if (data?.length) this.write(data);
    this.localClosed = true;
    this.conn.sendData(this.id, Buffer.alloc(0), true);
    this.conn.maybeForget(this);
  }

  /** Aborts the stream (RST_STREAM). */
  reset(status: number = RST.CANCEL): void {
    if (this.localClosed && this.remoteClosed) return;
    this.localClosed = true;
    this.remoteClosed = true;
    this.conn.sendRst(this.id, status);
    this.conn.maybeForget(this);
  }

  /** @internal */
  receiveData(data: Buffer, fin: boolean): void {
    if (this.remoteClosed) return;
    if (data.length) this.incoming.write(data);
    if (fin) {
      this.remoteClosed = true;
      this.incoming.end();
      this.conn.maybeForget(this);
    }
  }

  /** @internal */
  receiveReset(): void {
    const wasOpen = !this.remoteClosed || !this.localClosed;
    this.remoteClosed = true;
    this.localClosed = true;
    if (!this.incoming.writableEnded) this.incoming.end();
    if (wasOpen) this.emit('reset');
    this.conn.maybeForget(this);
  }
}

/**
 * A server-side SPDY/3.1 connection over a byte stream (a socket after the HTTP 101, or a
 * WebSocket tunnel stream). Emits 'stream' (SpdyStream, already replied to), 'drain' when the
 * transport can take more, and 'close' once, when the transport ends or after `close()`.
 */
export class SpdyConnection extends EventEmitter {
  private buf: Buffer = Buffer.alloc(0);
  private readonly queue: Buffer[] = [];
  private pumping = false;
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inflater = new HeaderInflater();
  private deflateStarted = false;
  private closed = false;
  private lastStreamId = 0;

  constructor(private readonly transport: Duplex) {
    super();
    transport.on('data', (chunk: Buffer) => this.receive(chunk));
    transport.on('drain', () => this.emit('drain'));
    transport.on('end', () => this.close());
    transport.on('close', () => this.close());
    transport.on('error', () => this.close());
  }

  /** Open streams. */
  get size(): number {
    return this.streams.size;
  }

  private holds = 0;

  /** Stops reading from the transport until as many releaseInput() calls (backpressure). */
  holdInput(): void {
    if (this.holds++ === 0) this.transport.pause();
  }

  releaseInput(): void {
    if (this.holds > 0 && --this.holds === 0) this.transport.resume();
  }

  /** Sends GOAWAY and closes the transport; every open stream is reset. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.transport.writable) {
      const p = Buffer.alloc(8);
      p.writeUInt32BE(this.lastStreamId & 0x7fffffff, 0);
      this.transport.write(control(FrameType.GoAway, 0, p));
      this.transport.end();
    }
    for (const s of [...this.streams.values()]) s.receiveReset();
    this.streams.clear();
    this.inflater.close();
    // A socket that never answers our FIN must not hold the connection open forever.
    setTimeout(() => this.transport.destroy(), 5_000).unref();
    this.emit('close');
  }

  /** @internal */
  sendData(id: number, data: Buffer, fin: boolean): boolean {
    if (this.closed) return true;
    const h = Buffer.alloc(8);
    h.writeUInt32BE(id & 0x7fffffff, 0);
    h.writeUInt32BE(((fin ? FLAG_FIN : 0) << 24) | data.length, 4);
    return this.transport.write(data.length ? Buffer.concat([h, data]) : h);
  }

  /** @internal */
  sendRst(id: number, status: number): void {
    if (this.closed) return;
    const p = Buffer.alloc(8);
    p.writeUInt32BE(id & 0x7fffffff, 0);
    p.writeUInt32BE(status, 4);
    this.transport.write(control(FrameType.RstStream, 0, p));
  }

  /** @internal */
  maybeForget(s: SpdyStream): void {
    if (s.localClosed && s.remoteClosed) this.streams.delete(s.id);
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    // Frames may arrive split or glued together (e.g. in WebSocket messages): re-frame on lengths.
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) break;
      this.queue.push(this.buf.subarray(0, 8 + len));
      this.buf = this.buf.subarray(8 + len);
    }
    void this.pump();
  }

  /** Handles frames one at a time: header blocks must be inflated in order. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length && !this.closed) await this.handle(this.queue.shift()!);
    } catch (err) {
      this.emit('protocolError', err);
      this.close();
    } finally {
      this.pumping = false;
    }
  }

  private async handle(frame: Buffer): Promise<void> {
    const flags = frame[4]!;
    const payload = frame.subarray(8);
    if (!(frame[0]! & 0x80)) {
      const id = frame.readUInt32BE(0) & 0x7fffffff;
      const s = this.streams.get(id);
      if (s) s.receiveData(payload, !!(flags & FLAG_FIN));
      else if (!(flags & FLAG_FIN) || payload.length) this.sendRst(id, RST.INVALID_STREAM);
      return;
    }
    const version = frame.readUInt16BE(0) & 0x7fff;
    const type = frame.readUInt16BE(2);
    if (version !== 3) throw new Error(`unsupported SPDY version ${version}`);
    switch (type) {
      case FrameType.SynStream: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const headers = parseHeaderBlock(await this.inflater.inflate(payload.subarray(10)));
        this.lastStreamId = Math.max(this.lastStreamId, id);
        const s = new SpdyStream(this, id, headers);
        this.streams.set(id, s);
        // Reply at once: the client waits for the reply before it opens the next stream.
        const reply = Buffer.alloc(4);
        reply.writeUInt32BE(id, 0);
        this.transport.write(control(FrameType.SynReply, 0, Buffer.concat([reply, this.headerBlock({})])));
        this.emit('stream', s);
        if (flags & FLAG_FIN) s.receiveData(Buffer.alloc(0), true);
        return;
      }
      case FrameType.SynReply:
      case FrameType.Headers:
        // Keeps the shared zlib context in step even though we use nothing from these.
        await this.inflater.inflate(payload.subarray(4));
        return;
      case FrameType.RstStream: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        this.streams.get(id)?.receiveReset();
        return;
      }
      case FrameType.Ping:
        // Client PINGs (every 10 s in tunnel mode) keep the connection alive: echo them.
        this.transport.write(control(FrameType.Ping, 0, payload));
        return;
      case FrameType.GoAway:
        this.close();
        return;
      case FrameType.Settings:
      case FrameType.WindowUpdate:
      default:
        return;
    }
  }

  /** A header block as stored deflate blocks plus the sync-flush marker. */
  private headerBlock(headers: Record<string, string>): Buffer {
    const parts: Buffer[] = [];
    const n = Buffer.alloc(4);
    n.writeUInt32BE(Object.keys(headers).length, 0);
    parts.push(n);
    for (const [k, v] of Object.entries(headers)) {
      for (const s of [k.toLowerCase(), v]) {
        const b = Buffer.from(s, 'utf8');
        const l = Buffer.alloc(4);
        l.writeUInt32BE(b.length, 0);
        parts.push(l, b);
      }
    }
    const raw = Buffer.concat(parts);
    const out: Buffer[] = [];
    if (!this.deflateStarted) {
      this.deflateStarted = true;
      out.push(Buffer.from([0x78, 0x01]));
    }
    for (let off = 0; off < raw.length || off === 0; off += 0xffff) {
      const part = raw.subarray(off, off + 0xffff);
      const h = Buffer.alloc(5);
      h[0] = 0;
      h.writeUInt16LE(part.length, 1);
      h.writeUInt16LE(~part.length & 0xffff, 3);
      out.push(h, part);
      if (raw.length === 0) break;
    }
    out.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(out);
  }
}

function control(type: FrameType, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | 3, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE((flags << 24) | payload.length, 4);
  return Buffer.concat([h, payload]);
}

/** count(32) then count × { nameLen(32) name valueLen(32) value } → lower-cased name → value. */
export function parseHeaderBlock(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  if (b.length < 4) return out;
  const n = b.readUInt32BE(0);
  let off = 4;
  for (let i = 0; i < n && off + 4 <= b.length; i++) {
    const nl = b.readUInt32BE(off);
    const name = b
      .subarray(off + 4, off + 4 + nl)
      .toString('utf8')
      .toLowerCase();
    off += 4 + nl;
    const vl = b.readUInt32BE(off);
    // Several values of one header are joined by NUL bytes; the first one is all we need.
    const value = b
      .subarray(off + 4, off + 4 + vl)
      .toString('utf8')
      .split('\0')[0]!;
    off += 4 + vl;
    out[name] = value;
  }
  return out;
}

/**
 * One zlib inflate context for a connection's incoming header blocks. Node's synchronous zlib
 * closes its handle after one call, so this writes each block to a streaming Inflate, flushes
 * it with Z_SYNC_FLUSH and collects the output once the flush is done.
 */
class HeaderInflater {
  private readonly z = zlib.createInflate({ dictionary: SPDY3_DICTIONARY });
  private out: Buffer[] = [];
  private error?: Error;

  constructor() {
    this.z.on('data', (c: Buffer) => this.out.push(c));
    this.z.on('error', (err) => (this.error = err));
  }

  inflate(block: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.error) return reject(this.error);
      this.z.write(block);
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        // Let 'data' events queued by the flush run before collecting.
        setImmediate(() => {
          if (this.error) return reject(this.error);
          const r = Buffer.concat(this.out);
          this.out = [];
          resolve(r);
        });
      });
    });
  }

  close(): void {
    this.z.close();
  }
}
