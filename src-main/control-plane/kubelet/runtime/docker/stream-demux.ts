// Docker's 8-byte-header stdout/stderr stream framing, read from split chunks; touches only given streams.
import { Transform, type TransformCallback, type Writable } from 'node:stream';

/** The stream-type byte of a frame carrying stderr (0 is stdin, 1 stdout). */
const STDERR = 2;

/**
 * Reassembles the engine's frames — a header of stream type, three zero bytes and the
 * big-endian payload length, then the payload — from chunks split anywhere.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  /** Feeds one chunk; calls `onFrame` for every frame it completes, in order. */
  feed(chunk: Buffer, onFrame: (stream: number, payload: Buffer) => void): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + len) break;
      onFrame(this.buf[0]!, this.buf.subarray(8, 8 + len));
      this.buf = this.buf.subarray(8 + len);
    }
  }
}

/** The frames' payloads, stdout and stderr alike, as one byte stream (a container's logs). */
export class DemuxTransform extends Transform {
  private readonly frames = new FrameReader();
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.frames.feed(chunk, (_stream, payload) => this.push(payload));
    cb();
  }
}

/** Splits the engine's multiplexed stream into stdout and stderr, with backpressure. */
export class StreamDemux {
  private readonly frames = new FrameReader();
  private waiting?: Writable;
  constructor(
    private readonly stdout: Writable,
    private readonly stderr: Writable,
  ) {}
  /** False when a target is full: stop feeding until onDrain. */
  write(chunk: Buffer): boolean {
    let ok = true;
    this.frames.feed(chunk, (stream, payload) => {
      const target = stream === STDERR ? this.stderr : this.stdout;
      if (!target.write(payload)) {
        ok = false;
        this.waiting = target;
      }
    });
    return ok;
  }
  /** Calls `fn` once the target that filled up has drained (at once when none did). */
  onDrain(fn: () => void): void {
    if (this.waiting) this.waiting.once('drain', fn);
    else fn();
    this.waiting = undefined;
  }
}
