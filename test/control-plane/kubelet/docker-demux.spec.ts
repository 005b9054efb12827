// Unit tests (no engine) of the Docker stream demultiplexer: frames split anywhere, routing, backpressure.
import { describe, expect, it } from 'vitest';
import { PassThrough, Readable } from 'node:stream';
import {
  DemuxTransform,
  FrameReader,
  StreamDemux,
} from '../../../src-main/control-plane/kubelet/runtime/docker/stream-demux';

function frame(stream: number, payload: string | Buffer): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** Cuts `b` at the given offsets. */
function cut(b: Buffer, ...at: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const to of [...at, b.length]) {
    out.push(b.subarray(from, to));
    from = to;
  }
  return out;
}

function readAll(r: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    r.on('data', (c: Buffer) => (s += c.toString()));
    r.on('end', () => resolve(s));
    r.on('error', reject);
  });
}

const wire = Buffer.concat([frame(1, 'hello '), frame(2, 'oops\n'), frame(1, ''), frame(1, 'world\n')]);

describe('FrameReader', () => {
  it('yields the same frames however the bytes are split', () => {
    const expected = [
      [1, 'hello '],
      [2, 'oops\n'],
      [1, ''],
      [1, 'world\n'],
    ];
    const splits: Buffer[][] = [
      [wire],
      [...wire].map((b) => Buffer.from([b])), // byte by byte
      cut(wire, 3), // inside the first header
      cut(wire, 8), // header complete, payload not
      cut(wire, 10, 17, 30), // inside payloads and the next header
      cut(wire, 14, 27, 35), // on frame boundaries, the empty frame alone
    ];
    for (const chunks of splits) {
      const reader = new FrameReader();
      const got: [number, string][] = [];
      for (const c of chunks) reader.feed(c, (stream, payload) => got.push([stream, payload.toString()]));
      expect(got).toEqual(expected);
    }
  });

  it('holds a partial frame until its last byte arrives', () => {
    const reader = new FrameReader();
    const got: string[] = [];
    const big = frame(1, Buffer.alloc(70_000, 'x'));
    reader.feed(big.subarray(0, 4), (_s, p) => got.push(p.toString()));
    reader.feed(big.subarray(4, 69_000), (_s, p) => got.push(p.toString()));
    expect(got).toEqual([]);
    reader.feed(Buffer.concat([big.subarray(69_000), frame(2, 'e').subarray(0, 5)]), (_s, p) =>
      got.push(p.toString()),
    );
    expect(got.map((s) => s.length)).toEqual([70_000]);
    reader.feed(frame(2, 'e').subarray(5), (s, p) => got.push(`${s}:${p.toString()}`));
    expect(got[1]).toBe('2:e');
  });
});

describe('DemuxTransform', () => {
  it('gives stdout and stderr payloads as one byte stream', async () => {
    const out = Readable.from([...wire].map((b) => Buffer.from([b]))).pipe(new DemuxTransform());
    expect(await readAll(out)).toBe('hello oops\nworld\n');
    const out2 = Readable.from(cut(wire, 5, 20)).pipe(new DemuxTransform());
    expect(await readAll(out2)).toBe('hello oops\nworld\n');
  });
});

describe('StreamDemux', () => {
  it('routes stderr frames to stderr and the rest to stdout, across split chunks', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const demux = new StreamDemux(stdout, stderr);
    const wire2 = Buffer.concat([wire, frame(0, 'stdin?')]);
    for (const c of cut(wire2, 2, 9, 21, 40)) expect(demux.write(c)).toBe(true);
    stdout.end();
    stderr.end();
    expect(await readAll(stdout)).toBe('hello world\nstdin?');
    expect(await readAll(stderr)).toBe('oops\n');
  });

  it('reports a full target and calls onDrain once it drains', async () => {
    const stdout = new PassThrough({ highWaterMark: 4 });
    const stderr = new PassThrough();
    const demux = new StreamDemux(stdout, stderr);
    expect(demux.write(frame(1, 'more than four bytes'))).toBe(false);
    let drained = false;
    demux.onDrain(() => (drained = true));
    expect(drained).toBe(false);
    stdout.resume();
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(true);
    // Nothing full: onDrain runs at once.
    let now = false;
    demux.onDrain(() => (now = true));
    expect(now).toBe(true);
  });
});
