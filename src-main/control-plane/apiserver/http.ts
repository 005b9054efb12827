/**
 * HTTP plumbing shared by the API server's handlers: reading bounded request bodies, decoding
 * JSON/YAML with useful errors, content negotiation and writing JSON and Status answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import YAML from 'yaml';
import { queryBool } from '../../common/parse-bool';
import { PROTOBUF_MEDIA_TYPE, decodeProtobuf } from './protobuf/decode';
import { StatusError, badRequest, tooLarge, unsupportedMediaType } from './status';

/** Kubernetes' request body limit (3 MiB, as kube-apiserver's MaxRequestBodyBytes). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * Reads the whole request body. Past the limit it stops buffering but keeps draining the
 * socket (so the client can read our 413 and the connection stays usable) and then throws.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    const chunks: Buffer[] = [];
    let size = 0;
    let over = declared > limit;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      if (!over) chunks.push(c);
      // A client that keeps sending far past the limit is not worth draining.
      if (size > limit * 8) req.destroy();
    });
    req.on('end', () => (over ? reject(tooLarge(limit)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/** The media type without parameters, lowercased (`application/json`). */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Decodes a JSON or YAML request body into a plain object. Errors name the problem (and line
 * and column when the parser knows them).
 */
export function decodeBody(buf: Buffer, contentType: string | undefined, allowYaml = true): unknown {
  const mt = mediaType(contentType) || 'application/json';
  // kubectl 1.32's typed clients POST protobuf (kubectl-wire G1).
  if (mt === PROTOBUF_MEDIA_TYPE) {
    if (!buf.length) throw badRequest('the request body is empty; expected a protobuf object');
    return decodeProtobuf(buf);
  }
  const text = buf.toString('utf8');
  if (!text.trim()) throw badRequest('the request body is empty; expected a JSON or YAML object');
  const isYaml =
    mt === 'application/yaml' ||
    mt === 'application/x-yaml' ||
    mt === 'text/yaml' ||
    mt === 'application/apply-patch+yaml';
  const isJson = mt === 'application/json' || mt.endsWith('+json') || mt === '*/*';
  if (isJson) return assertDepth(parseJson(text));
  if (isYaml && allowYaml) return assertDepth(parseYaml(text));
  throw unsupportedMediaType(mt);
}

/** Deepest nesting of objects/arrays accepted in a request body (recursion stays bounded). */
export const MAX_BODY_DEPTH = 200;

/** 400 for bodies nested deeper than MAX_BODY_DEPTH; checked without recursion. */
export function assertDepth<T>(value: T): T {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > MAX_BODY_DEPTH)
      throw badRequest(`the request body is nested too deeply: the limit is ${MAX_BODY_DEPTH} levels`);
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (typeof child === 'object' && child !== null) stack.push([child, d + 1]);
  }
  return value;
}

/** The JSON text each decoded request object came from (for duplicate-field checks). */
const JSON_TEXT = new WeakMap<object, string>();

/** The JSON text an object was decoded from by parseJson, if it was. */
export function jsonTextOf(obj: unknown): string | undefined {
  return typeof obj === 'object' && obj !== null ? JSON_TEXT.get(obj) : undefined;
}

/** JSON.parse with a 400 that says where it failed. */
export function parseJson(text: string): unknown {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null) JSON_TEXT.set(v, text);
    return v;
  } catch (err) {
    const msg = (err as Error).message;
    const m = /position (\d+)/.exec(msg);
    let where = '';
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      const col = pos - before.lastIndexOf('\n');
      where = ` at line ${line}, column ${col}`;
    }
    throw badRequest(`couldn't decode the request body as JSON${where}: ${msg}`);
  }
}

/** YAML (a single document) with a 400 that carries line/column. */
export function parseYaml(text: string): unknown {
  const docs = YAML.parseAllDocuments(text, { uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const real = list.filter((d) => d.contents !== null);
  for (const d of list) {
    if (d.errors.length) {
      const e = d.errors[0];
      const pos = e.linePos?.[0];
      throw badRequest(
        `couldn't decode the request body as YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${e.message.split('\n')[0]}`,
      );
    }
  }
  if (real.length > 1)
    throw badRequest('the request body holds several YAML documents; send one object per request');
  if (!real.length) throw badRequest('the request body is empty; expected a JSON or YAML object');
  try {
    // Aliases are expanded at most 100 times over (a "billion laughs" document is refused).
    return real[0].toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (err) {
    // The yaml package throws a ReferenceError for alias bombs, a RangeError when too deep.
    throw badRequest(`couldn't decode the request body as YAML: ${(err as Error).message}`);
  }
}

/** How many times aliases may be expanded in one YAML body (the yaml package's maxAliasCount). */
export const MAX_YAML_ALIAS_COUNT = 100;

/** Writes a JSON answer. */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  contentType = 'application/json',
): void {
  sendJsonText(res, code, JSON.stringify(body), contentType);
}

function sendJsonText(res: ServerResponse, code: number, text: string, contentType: string): void {
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

/** Writes a StatusError as a Kubernetes Status body. */
export function sendStatus(res: ServerResponse, err: StatusError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendStatusBody(res, err.code, err.toStatus());
}

/** Writes a Status object (a failure's, or a `Success`) as kube-apiserver does. */
export function sendStatusBody(res: ServerResponse, code: number, status: unknown): void {
  // Go's json.Encoder, which kube-apiserver's serializer uses, ends the body with a newline.
  sendJsonText(res, code, `${JSON.stringify(status)}\n`, 'application/json');
}

/** Writes a plain-text answer (health checks). */
export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

/** One entry of an Accept header. */
export interface AcceptEntry {
  type: string;
  params: Record<string, string>;
}

/** Parses an Accept header into media types with their parameters, in the client's order. */
export function parseAccept(header: string | undefined): AcceptEntry[] {
  if (!header) return [];
  return header.split(',').map((part) => {
    const [type, ...rest] = part.split(';');
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    return { type: type.trim().toLowerCase(), params };
  });
}

/** True when the client asks for a meta.k8s.io Table (v1 or v1beta1) before anything else it accepts. */
export function wantsTable(accept: string | undefined): boolean {
  for (const e of parseAccept(accept)) {
    if (e.params.as === 'Table' && (e.params.g ?? 'meta.k8s.io') === 'meta.k8s.io') return true;
    if (
      e.type === 'application/json' ||
      e.type === '*/*' ||
      e.type === 'application/vnd.kubernetes.protobuf'
    ) {
      if (!e.params.as) return false;
    }
  }
  return false;
}

/** Reads a query parameter as an integer (undefined when absent); 400 when malformed. */
export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v))
    throw badRequest(`invalid value for query parameter ${name}: ${JSON.stringify(v)} is not an integer`);
  return Number(v);
}

/**
 * Reads a boolean query parameter as kube-apiserver does: false when absent or `0`/`false` (any
 * case), true for anything else.
 */
export function boolParam(q: URLSearchParams, name: string): boolean {
  return queryBool(q, name);
}
