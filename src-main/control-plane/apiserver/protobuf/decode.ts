/**
 * Decodes Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`, which
 * kubectl 1.32's typed clients POST — kubectl-wire G1) into the JSON object a JSON client would
 * have sent, so the request then takes the normal path. The envelope is the magic `k8s\0`
 * followed by a runtime.Unknown {typeMeta{apiVersion, kind}, raw, contentEncoding, contentType};
 * `raw` is the typed message, read with the schema in ./schema.ts.
 */
import { badRequest, StatusError } from '../status';
import { MESSAGES } from './schema';

/** The media type of Kubernetes protobuf bodies. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
/** Nesting bound: deeper bodies are refused rather than risking the stack. */
const MAX_DEPTH = 64;

/** Which schema package holds the messages of an apiVersion. */
const PACKAGES: Record<string, string> = {
  v1: 'core',
  'apps/v1': 'apps',
  'batch/v1': 'batch',
  'autoscaling/v1': 'autoscaling',
  'autoscaling/v2': 'autoscalingv2',
  'authorization.k8s.io/v1': 'authorization',
  'authentication.k8s.io/v1': 'authentication',
  'scheduling.k8s.io/v1': 'scheduling',
  'policy/v1': 'policy',
  'rbac.authorization.k8s.io/v1': 'rbac',
  'networking.k8s.io/v1': 'networking',
  'coordination.k8s.io/v1': 'coordination',
};

interface FieldDef {
  num: number;
  name: string;
  /** 's', 'b', 'i', 'f', 'B', 'T', 'D', 'Q', 'I', 'R', 'map<…>' or '@pkg.Message'. */
  type: string;
  repeated: boolean;
  pointer: boolean;
}

type MessageDef = Map<number, FieldDef>;

const compiled = new Map<string, MessageDef>();

function messageDef(name: string): MessageDef | undefined {
  const hit = compiled.get(name);
  if (hit) return hit;
  const src = MESSAGES[name];
  if (src === undefined) return undefined;
  const def: MessageDef = new Map();
  for (const part of src.split('; ')) {
    const [num, fieldName, rawType] = part.split(' ');
    let type = rawType;
    const repeated = type.endsWith('*');
    const pointer = type.endsWith('?');
    if (repeated || pointer) type = type.slice(0, -1);
    def.set(Number(num), { num: Number(num), name: fieldName, type, repeated, pointer });
  }
  compiled.set(name, def);
  return def;
}

/** Thrown for malformed wire data; turned into a 400 naming the message being read. */
class WireError extends Error {}

/** A minimal protobuf wire reader over one buffer slice. */
class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  /** The bounds of a length-delimited field's payload; advances past it. */
  bytes(): [number, number] {
    const len = Number(this.varint());
    const start = this.pos;
    if (len < 0 || start + len > this.end) throw new WireError(`length ${len} runs past the end of the data`);
    this.pos += len;
    return [start, start + len];
  }

  fixed(n: 4 | 8): Buffer {
    if (this.pos + n > this.end) throw new WireError('truncated fixed-width value');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** Reads a tag: field number and wire type. */
  tag(): [number, number] {
    const t = this.varint();
    const num = Number(t >> 3n);
    const wire = Number(t & 7n);
    if (num < 1 || num > 536870911) throw new WireError(`invalid field number ${num}`);
    return [num, wire];
  }

  /** Skips a value of the given wire type; returns whether it was a zero/empty value. */
  skip(wire: number): { zero: boolean; range?: [number, number] } {
    switch (wire) {
      case 0:
        return { zero: this.varint() === 0n };
      case 1:
        return { zero: this.fixed(8).every((b) => b === 0) };
      case 2: {
        const range = this.bytes();
        return { zero: range[0] === range[1], range };
      }
      case 5:
        return { zero: this.fixed(4).every((b) => b === 0) };
      default:
        throw new WireError(`unsupported wire type ${wire}`);
    }
  }
}

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'group start', 'group end', 'fixed32'];

function toInt(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/** True when a payload parses as a message whose every field is zero (gogo's empty structs). */
function allZeroMessage(buf: Buffer, start: number, end: number, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  try {
    const r = new Reader(buf, start, end);
    while (!r.done) {
      const [, wire] = r.tag();
      const s = r.skip(wire);
      if (s.zero) continue;
      if (wire === 2 && s.range && allZeroMessage(buf, s.range[0], s.range[1], depth + 1)) continue;
      return false;
    }
    return true;
  } catch {
    return false;
  }
}

function rfc3339(seconds: number, nanos: number): string {
  const d = new Date(seconds * 1000);
  const base = d.toISOString().replace(/\.\d{3}Z$/, '');
  if (!nanos) return `${base}Z`;
  const frac = String(nanos).padStart(9, '0').replace(/0+$/, '');
  return `${base}.${frac}Z`;
}

function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let rest = Math.abs(ns);
  const h = Math.floor(rest / 3.6e12);
  rest -= h * 3.6e12;
  const m = Math.floor(rest / 6e10);
  rest -= m * 6e10;
  const s = rest / 1e9;
  const out = (h ? `${h}h` : '') + (h || m ? `${m}m` : '') + `${s}s`;
  return neg ? `-${out}` : out;
}

/** Decoding context: the path of the field being read, for error messages. */
interface Ctx {
  path: string;
  depth: number;
}

/** Reads a scalar or special value for a field; undefined means "omit". */
function readValue(r: Reader, wire: number, type: string, pointer: boolean, ctx: Ctx): unknown {
  const expect = (w: number) => {
    if (wire !== w)
      throw new WireError(
        `${ctx.path}: expected wire type ${WIRE_NAMES[w]}, got ${WIRE_NAMES[wire] ?? wire}`,
      );
  };
  switch (type) {
    case 's': {
      expect(2);
      const [a, b] = r.bytes();
      const s = r.buf.toString('utf8', a, b);
      return s === '' && !pointer ? undefined : s;
    }
    case 'b': {
      expect(0);
      const v = r.varint() !== 0n;
      return !v && !pointer ? undefined : v;
    }
    case 'i': {
      expect(0);
      const v = toInt(r.varint());
      return v === 0 && !pointer ? undefined : v;
    }
    case 'f': {
      expect(1);
      const v = r.fixed(8).readDoubleLE(0);
      return v === 0 && !pointer ? undefined : v;
    }
    case 'B': {
      expect(2);
      const [a, b] = r.bytes();
      return r.buf.subarray(a, b).toString('base64');
    }
    default:
      break;
  }
  expect(2);
  const [start, end] = r.bytes();
  const sub = new Reader(r.buf, start, end);
  switch (type) {
    case 'T': {
      let seconds = 0;
      let nanos = 0;
      while (!sub.done) {
        const [n, w] = sub.tag();
        if (n === 1 && w === 0) seconds = toInt(sub.varint());
        else if (n === 2 && w === 0) nanos = toInt(sub.varint());
        else sub.skip(w);
      }
      if (nanos < 0 || nanos > 999_999_999) throw new WireError(`${ctx.path}: nanos out of range`);
      if (seconds === 0 && nanos === 0) return undefined;
      if (Math.abs(seconds) > 253402300799) throw new WireError(`${ctx.path}: time out of range`);
      return rfc3339(seconds, nanos);
    }
    case 'D': {
      let ns = 0;
      while (!sub.done) {
        const [n, w] = sub.tag();
        if (n === 1 && w === 0) ns = toInt(sub.varint());
        else sub.skip(w);
      }
      return ns === 0 && !pointer ? undefined : formatDuration(ns);
    }
    case 'Q': {
      let s = '';
      while (!sub.done) {
        const [n, w] = sub.tag();
        if (n === 1 && w === 2) {
          const [a, b] = sub.bytes();
          s = sub.buf.toString('utf8', a, b);
        } else sub.skip(w);
      }
      return s === '' ? (pointer ? '0' : undefined) : s;
    }
    case 'I': {
      let kind = 0;
      let intVal = 0;
      let strVal = '';
      while (!sub.done) {
        const [n, w] = sub.tag();
        if (n === 1 && w === 0) kind = toInt(sub.varint());
        else if (n === 2 && w === 0) intVal = toInt(sub.varint());
        else if (n === 3 && w === 2) {
          const [a, b] = sub.bytes();
          strVal = sub.buf.toString('utf8', a, b);
        } else sub.skip(w);
      }
      if (kind === 1) return strVal;
      if (intVal === 0 && !pointer) return undefined;
      return intVal;
    }
    case 'R': {
      let raw: Buffer | undefined;
      while (!sub.done) {
        const [n, w] = sub.tag();
        if (n === 1 && w === 2) {
          const [a, b] = sub.bytes();
          raw = sub.buf.subarray(a, b);
        } else sub.skip(w);
      }
      if (!raw || raw.length === 0) return undefined;
      try {
        return JSON.parse(raw.toString('utf8'));
      } catch {
        throw new WireError(`${ctx.path}: embedded raw object is not JSON`);
      }
    }
    default:
      break;
  }
  if (type.startsWith('@')) {
    const obj = readMessage(sub, type.slice(1), { path: ctx.path, depth: ctx.depth + 1 });
    return Object.keys(obj).length === 0 && !pointer ? undefined : obj;
  }
  throw new WireError(`${ctx.path}: unknown schema type ${type}`);
}

function readMessage(r: Reader, name: string, ctx: Ctx): Record<string, unknown> {
  if (ctx.depth > MAX_DEPTH) throw new WireError(`${ctx.path}: nesting deeper than ${MAX_DEPTH}`);
  const def = messageDef(name);
  if (!def) throw new WireError(`${ctx.path}: no schema for ${name}`);
  const out: Record<string, unknown> = {};
  while (!r.done) {
    const [num, wire] = r.tag();
    const f = def.get(num);
    if (!f) {
      // A field this server does not know: harmless when it holds only zero values (gogo
      // writes every non-pointer field), otherwise refused rather than silently dropped.
      const s = r.skip(wire);
      if (s.zero || (s.range && allZeroMessage(r.buf, s.range[0], s.range[1], ctx.depth))) continue;
      throw new WireError(
        `${ctx.path ? `${ctx.path}: ` : ''}field ${num} of ${name} is not supported by this server; send the object as JSON`,
      );
    }
    const path = ctx.path ? `${ctx.path}.${f.name}` : f.name;
    if (f.type.startsWith('map<')) {
      if (wire !== 2) throw new WireError(`${path}: a map entry must be length-delimited`);
      const valueType = f.type.slice(4, -1);
      const [a, b] = r.bytes();
      const entry = new Reader(r.buf, a, b);
      let key = '';
      let value: unknown;
      while (!entry.done) {
        const [n, w] = entry.tag();
        if (n === 1) {
          if (w !== 2) throw new WireError(`${path}: a map key must be a string`);
          const [ka, kb] = entry.bytes();
          key = entry.buf.toString('utf8', ka, kb);
        } else if (n === 2) {
          value = readValue(entry, w, valueType, true, { path: `${path}[${key}]`, depth: ctx.depth + 1 });
        } else entry.skip(w);
      }
      const map = (out[f.name] ??= {}) as Record<string, unknown>;
      if (value === undefined) value = valueType === 'B' || valueType === 's' ? '' : null;
      map[key] = value;
      continue;
    }
    if (f.repeated) {
      const list = (out[f.name] ??= []) as unknown[];
      const scalarVarint = f.type === 'i' || f.type === 'b';
      if (scalarVarint && wire === 2) {
        // Packed encoding.
        const [a, b] = r.bytes();
        const packed = new Reader(r.buf, a, b);
        while (!packed.done) {
          const v = packed.varint();
          list.push(f.type === 'b' ? v !== 0n : toInt(v));
        }
        continue;
      }
      const v = readValue(r, wire, f.type, true, { path: `${path}[${list.length}]`, depth: ctx.depth });
      list.push(v === undefined ? (f.type.startsWith('@') ? {} : null) : v);
      continue;
    }
    if (f.name === '^') {
      // An embedded Go struct: its fields sit inline in the JSON object.
      const v = readValue(r, wire, f.type, false, { path: ctx.path, depth: ctx.depth });
      if (v && typeof v === 'object') Object.assign(out, v);
      continue;
    }
    const v = readValue(r, wire, f.type, f.pointer, { path, depth: ctx.depth });
    if (v === undefined) delete out[f.name];
    else out[f.name] = v;
  }
  return out;
}

/** The schema message for an apiVersion/kind, if this server can decode it. */
export function messageFor(apiVersion: string, kind: string): string | undefined {
  const pkg = PACKAGES[apiVersion];
  if (!pkg) return undefined;
  const name = `${pkg}.${kind}`;
  return MESSAGES[name] === undefined ? undefined : name;
}

/**
 * Decodes a `k8s\0`-prefixed protobuf body into a plain JSON object with apiVersion and kind.
 * Throws a 400 StatusError naming the problem for anything malformed or unsupported.
 */
export function decodeProtobuf(buf: Buffer): Record<string, unknown> {
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC))
    throw badRequest(
      'couldn\'t decode the request body as protobuf: it does not start with the Kubernetes protobuf magic "k8s\\x00"',
    );
  let apiVersion = '';
  let kind = '';
  let raw: [number, number] | undefined;
  let contentEncoding = '';
  try {
    const r = new Reader(buf, MAGIC.length);
    while (!r.done) {
      const [num, wire] = r.tag();
      if (num === 1 && wire === 2) {
        const [a, b] = r.bytes();
        const tm = new Reader(buf, a, b);
        while (!tm.done) {
          const [n, w] = tm.tag();
          if ((n === 1 || n === 2) && w === 2) {
            const [sa, sb] = tm.bytes();
            const s = buf.toString('utf8', sa, sb);
            if (n === 1) apiVersion = s;
            else kind = s;
          } else tm.skip(w);
        }
      } else if (num === 2 && wire === 2) raw = r.bytes();
      else if (num === 3 && wire === 2) {
        const [a, b] = r.bytes();
        contentEncoding = buf.toString('utf8', a, b);
      } else r.skip(wire);
    }
  } catch (err) {
    if (err instanceof WireError)
      throw badRequest(`couldn't decode the request body as protobuf: envelope: ${err.message}`);
    throw err;
  }
  if (!apiVersion || !kind)
    throw badRequest(
      "couldn't decode the request body as protobuf: the envelope has no apiVersion/kind (typeMeta)",
    );
  if (contentEncoding)
    throw badRequest(
      `couldn't decode the request body as protobuf: content encoding "${contentEncoding}" is not supported`,
    );
  const message = messageFor(apiVersion, kind);
  if (!message)
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `protobuf bodies of ${kind} (${apiVersion}) are not supported by this server; send the object as application/json`,
    );
  let obj: Record<string, unknown>;
  try {
    obj = raw ? readMessage(new Reader(buf, raw[0], raw[1]), message, { path: '', depth: 0 }) : {};
  } catch (err) {
    if (err instanceof WireError)
      throw badRequest(
        `couldn't decode the request body as protobuf ${kind} (${apiVersion}): ${err.message}`,
      );
    throw err;
  }
  return { apiVersion, kind, ...obj };
}
