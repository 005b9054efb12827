/**
 * SpdyConnection against a client built here the way spdystream builds frames: header blocks
 * compressed in one zlib context with the SPDY/3 dictionary, frames split at arbitrary byte
 * boundaries (as in WebSocket tunnelling), PING echo, FIN/RST.
 */
import { PassThrough, Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  SPDY3_DICTIONARY,
  SpdyConnection,
  parseHeaderBlock,
  type SpdyStream,
} from '../../../src-main/control-plane/kubelet/streaming/spdy';

/** A fake transport: what the server writes lands in `out`; `feed` plays the client. */
function transport(): { t: Duplex; out: Buffer[]; feed(b: Buffer): void } {
  const out: Buffer[] = [];
  const input = new PassThrough();
  const t = new Duplex({
    read() {},
    write(chunk: Buffer, _e, cb) {
      out.push(chunk);
      cb();
    },
  });
  input.on('data', (c: Buffer) => t.push(c));
  return { t, out, feed: (b) => input.write(b) };
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8003, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE((flags << 24) | payload.length, 4);
  return Buffer.concat([h, payload]);
}

function headerBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  n.writeUInt32BE(Object.keys(headers).length);
  parts.push(n);
  for (const [k, v] of Object.entries(headers))
    for (const s of [k, v]) {
      const l = Buffer.alloc(4);
      l.writeUInt32BE(Buffer.byteLength(s));
      parts.push(l, Buffer.from(s));
    }
  return Buffer.concat(parts);
}

/** One compression context per connection, flushed per block (like Go's zlib writer + Flush). */
function compressor(): (b: Buffer) => Promise<Buffer> {
  const z = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY });
  const chunks: Buffer[] = [];
  z.on('data', (c: Buffer) => chunks.push(c));
  return (b) =>
    new Promise((resolve) => {
      z.write(b);
      z.flush(zlib.constants.Z_SYNC_FLUSH, () =>
        setImmediate(() => resolve(Buffer.concat(chunks.splice(0)))),
      );
    });
}

async function synStream(
  compress: (b: Buffer) => Promise<Buffer>,
  id: number,
  headers: Record<string, string>,
) {
  const p = Buffer.alloc(10);
  p.writeUInt32BE(id, 0);
  return control(1, 0, Buffer.concat([p, await compress(headerBlock(headers))]));
}

function data(id: number, payload: Buffer, fin = false): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(id, 0);
  h.writeUInt32BE(((fin ? 1 : 0) << 24) | payload.length, 4);
  return Buffer.concat([h, payload]);
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('SpdyConnection', () => {
  it('replies to each SYN_STREAM, parses headers across one zlib context, echoes PING, re-frames split input', async () => {
    const { t, out, feed } = transport();
    const conn = new SpdyConnection(t);
    const streams: SpdyStream[] = [];
    conn.on('stream', (s: SpdyStream) => streams.push(s));
    const compress = compressor();
    const bytes = Buffer.concat([
      await synStream(compress, 1, { streamtype: 'error', port: '80', requestid: '0' }),
      await synStream(compress, 3, { streamtype: 'data', port: '80', requestid: '0' }),
      data(3, Buffer.from('GET / HTTP/1.0\r\n\r\n'), true),
      control(6, 0, Buffer.from([0, 0, 0, 7])),
    ]);
    // Split at awkward places, one byte at a time for the first frame.
    for (let i = 0; i < 20; i++) feed(bytes.subarray(i, i + 1));
    feed(bytes.subarray(20, 41));
    feed(bytes.subarray(41));
    for (let i = 0; i < 50 && streams.length < 2; i++) await tick();
    expect(streams.map((s) => s.headers)).toEqual([
      { streamtype: 'error', port: '80', requestid: '0' },
      { streamtype: 'data', port: '80', requestid: '0' },
    ]);
    const body = await new Promise<string>((resolve) => {
      let s = '';
      streams[1]!.incoming.on('data', (c: Buffer) => (s += c));
      streams[1]!.incoming.on('end', () => resolve(s));
    });
    expect(body).toBe('GET / HTTP/1.0\r\n\r\n');
    await tick();
    const all = Buffer.concat(out);
    // Two SYN_REPLYs whose header blocks inflate (one context) to empty header lists.
    const inflate = zlib.createInflate({ dictionary: SPDY3_DICTIONARY });
    const inflated: Buffer[] = [];
    inflate.on('data', (c: Buffer) => inflated.push(c));
    let off = 0;
    const types: number[] = [];
    while (off < all.length) {
      const len = all.readUInt32BE(off + 4) & 0xffffff;
      const frame = all.subarray(off, off + 8 + len);
      if (frame[0]! & 0x80) {
        types.push(frame.readUInt16BE(2));
        if (frame.readUInt16BE(2) === 2) {
          await new Promise<void>((r) => {
            inflate.write(frame.subarray(12));
            inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => setImmediate(r));
          });
          expect(parseHeaderBlock(Buffer.concat(inflated.splice(0)))).toEqual({});
          // Every block ends with the sync-flush marker (kubectl-wire G13).
          expect(frame.subarray(frame.length - 5)).toEqual(Buffer.from([0, 0, 0, 0xff, 0xff]));
        }
        if (frame.readUInt16BE(2) === 6) expect(frame.subarray(8)).toEqual(Buffer.from([0, 0, 0, 7]));
      }
      off += 8 + len;
    }
    expect(types).toEqual([2, 2, 6]);
    streams[1]!.write(Buffer.from('reply'));
    streams[1]!.end();
    await tick();
    const tail = Buffer.concat(out).subarray(all.length);
    expect(tail).toEqual(Buffer.concat([data(3, Buffer.from('reply')), data(3, Buffer.alloc(0), true)]));
    conn.close();
  });

  it('resets a stream on RST_STREAM and closes on GOAWAY', async () => {
    const { t, feed } = transport();
    const conn = new SpdyConnection(t);
    const streams: SpdyStream[] = [];
    conn.on('stream', (s: SpdyStream) => streams.push(s));
    let closed = false;
    conn.on('close', () => (closed = true));
    const compress = compressor();
    feed(await synStream(compress, 1, { streamtype: 'stdin' }));
    for (let i = 0; i < 50 && !streams.length; i++) await tick();
    let reset = false;
    streams[0]!.on('reset', () => (reset = true));
    const rst = Buffer.alloc(8);
    rst.writeUInt32BE(1, 0);
    rst.writeUInt32BE(5, 4);
    feed(control(3, 0, rst));
    await tick();
    expect(reset).toBe(true);
    feed(control(7, 0, Buffer.alloc(8)));
    await tick();
    expect(closed).toBe(true);
  });
});
