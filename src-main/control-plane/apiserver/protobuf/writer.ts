// A small protobuf wire writer (proto3 rules: zero scalars are left out, present messages are written even when empty) for the API server's protobuf answers; pure buffers, no I/O.

/**
 * Writes one protobuf message. Nested messages are written by a child writer whose chunks are
 * appended to the parent after its length, so no payload is copied until finish().
 */
export class ProtoWriter {
  private readonly chunks: Buffer[] = [];
  private pending: number[] = [];
  private size = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.size;
  }

  /** A string field; '' and undefined are the proto3 default and are not written. */
  string(num: number, v: string | undefined): void {
    if (typeof v !== 'string' || v === '') return;
    this.bytes(num, Buffer.from(v, 'utf8'));
  }

  /** A repeated string field: every element is written, '' included. */
  strings(num: number, vs: readonly string[] | undefined): void {
    for (const v of vs ?? []) this.bytes(num, Buffer.from(String(v), 'utf8'));
  }

  /** A bool field; false is left out unless `always` (a member of a oneof must be written). */
  bool(num: number, v: boolean | undefined, always = false): void {
    if (typeof v !== 'boolean' || (!v && !always)) return;
    this.tag(num, 0);
    this.byte(v ? 1 : 0);
  }

  /** A double field (fixed 64-bit little endian); 0 is left out. */
  double(num: number, v: number | undefined): void {
    if (typeof v !== 'number' || v === 0 || Number.isNaN(v)) return;
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.tag(num, 1);
    this.raw(b);
  }

  /** An int64 field (varint, negatives as 64-bit two's complement); 0 is left out. */
  int64(num: number, v: number | undefined): void {
    if (typeof v !== 'number' || !Number.isInteger(v) || v === 0) return;
    this.tag(num, 0);
    this.varint(v < 0 ? BigInt.asUintN(64, BigInt(v)) : v);
  }

  /** A length-delimited bytes field (written even when empty). */
  bytes(num: number, b: Buffer): void {
    this.tag(num, 2);
    this.varint(b.length);
    this.raw(b);
  }

  /** An embedded message, written even when `write` adds nothing (presence is meaningful). */
  message(num: number, write: (w: ProtoWriter) => void): void {
    const child = new ProtoWriter();
    write(child);
    child.flush();
    this.tag(num, 2);
    this.varint(child.size);
    this.flush();
    for (const c of child.chunks) this.chunks.push(c);
    this.size += child.size;
  }

  /** The encoded message. */
  finish(): Buffer {
    this.flush();
    return Buffer.concat(this.chunks, this.size);
  }

  private tag(num: number, wire: number): void {
    this.varint(num * 8 + wire);
  }

  private varint(v: number | bigint): void {
    if (typeof v === 'bigint') {
      while (v > 0x7fn) {
        this.byte(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
      }
      this.byte(Number(v));
      return;
    }
    while (v > 0x7f) {
      this.byte((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.byte(v);
  }

  private byte(b: number): void {
    this.pending.push(b);
    this.size++;
  }

  private raw(b: Buffer): void {
    this.flush();
    this.chunks.push(b);
    this.size += b.length;
  }

  private flush(): void {
    if (!this.pending.length) return;
    this.chunks.push(Buffer.from(this.pending));
    this.pending = [];
  }
}
