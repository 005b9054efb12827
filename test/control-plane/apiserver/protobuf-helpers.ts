/** A minimal protobuf encoder for building Kubernetes protobuf request bodies in tests. */
// --- a minimal protobuf encoder for building test bodies ---
export type Field = [num: number, value: number | bigint | boolean | string | Buffer | Field[]];

function varint(v: bigint): number[] {
  let x = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x) b |= 0x80;
    out.push(b);
  } while (x);
  return out;
}

/** Encodes fields: numbers/booleans as varints, strings/buffers/nested field lists as bytes. */
export function encode(fields: Field[]): Buffer {
  const parts: Buffer[] = [];
  for (const [num, v] of fields) {
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
      parts.push(
        Buffer.from([...varint(BigInt(num << 3)), ...varint(BigInt(typeof v === 'boolean' ? Number(v) : v))]),
      );
      continue;
    }
    const payload = typeof v === 'string' ? Buffer.from(v) : Buffer.isBuffer(v) ? v : encode(v);
    parts.push(Buffer.from([...varint(BigInt((num << 3) | 2)), ...varint(BigInt(payload.length))]), payload);
  }
  return Buffer.concat(parts);
}

/** `k8s\0` + runtime.Unknown{typeMeta, raw}. */
export function envelope(apiVersion: string, kind: string, raw: Field[] | Buffer): Buffer {
  const body = Buffer.isBuffer(raw) ? raw : encode(raw);
  return Buffer.concat([
    Buffer.from('k8s\0', 'binary'),
    encode([
      [
        1,
        [
          [1, apiVersion],
          [2, kind],
        ],
      ],
      [2, body],
      [3, ''],
      [4, ''],
    ]),
  ]);
}
