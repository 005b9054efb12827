// OpenAPI v2 (Swagger 2.0) at /openapi/v2, JSON or gnostic protobuf, derived from the served v3 documents (built-ins and CRDs); reads those documents, writes only the response.
/**
 * kubectl up to 1.26 validates manifests and finds strategic-merge metadata in /openapi/v2 (as
 * protobuf only), and newer ones fall back to it when a group-version is missing from v3. The
 * document is the merge of every v3 document the server serves — openapi.ts for built-ins,
 * crd.ts for CRDs — converted to v2: `#/components/schemas/X` → `#/definitions/X` (names stay
 * `io.k8s.api.core.v1.Pod` …), `allOf: [$ref]` wrappers → `$ref`, requestBody → a `body`
 * parameter, response content → `schema`. Schema constructs kubectl's v2 parser
 * (kube-openapi pkg/util/proto) rejects or misreads are dropped the way apiextensions' v2
 * publishing does (ToStructuralOpenAPIV2): oneOf/anyOf/not/allOf, `nullable` (with the type,
 * items and properties of that node), properties and items under
 * x-kubernetes-preserve-unknown-fields, and the type of an array without items.
 *
 * Like kube-openapi's handler: the ETag is the SHA-512 of the JSON and serves both forms,
 * If-None-Match answers 304, Accept picks JSON (the default) or protobuf, anything else is 406.
 * The document is rebuilt only when the set of v3 documents changes (a CRD added, changed or
 * removed); the protobuf is encoded on first demand and kept with it.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpenApiDoc } from './openapi';
import { parseAccept } from './http';
import { OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_REQUESTED, encodeOpenApiV2 } from './protobuf/openapi-v2';
import { StatusError } from './status';

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const V3_REF = '#/components/schemas/';
const V2_REF = '#/definitions/';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** One v3 schema (and everything under it) in its v2 form. */
export function toV2Schema(input: Json): Json {
  let s: Json = { ...input };
  // v3 puts a description beside a reference by wrapping the reference in a one-element allOf.
  const allOf = s.allOf;
  if (Array.isArray(allOf) && allOf.length === 1 && isObj(allOf[0]) && typeof allOf[0].$ref === 'string') {
    delete s.allOf;
    s = { ...s, $ref: allOf[0].$ref };
  }
  if (typeof s.$ref === 'string') {
    // kubectl's parser refuses a reference with a type or properties beside it ("definition
    // reference can't have a type"); upstream's v2 references carry a description and extensions.
    const out: Json = { $ref: s.$ref.startsWith(V3_REF) ? V2_REF + s.$ref.slice(V3_REF.length) : s.$ref };
    if (typeof s.description === 'string') out.description = s.description;
    for (const [k, v] of Object.entries(s)) if (k.startsWith('x-')) out[k] = v;
    return out;
  }
  // Quantity is `oneOf: [string, number]` in v3; upstream's v2 calls it a string.
  if (s.type === undefined && Array.isArray(s.oneOf) && s.oneOf.some((o) => isObj(o) && o.type === 'string'))
    s.type = 'string';
  for (const k of ['allOf', 'oneOf', 'anyOf', 'not']) delete s[k];
  if (s.nullable === true) {
    delete s.type;
    delete s.items;
    delete s.properties;
  }
  delete s.nullable;
  if (s['x-kubernetes-preserve-unknown-fields'] === true) {
    delete s.items;
    delete s.properties;
  }
  if (isObj(s.properties)) {
    const props: Json = {};
    const nullable = new Set<string>();
    for (const [k, v] of Object.entries(s.properties)) {
      if (!isObj(v)) continue;
      props[k] = toV2Schema(v);
      if (v.nullable === true) nullable.add(k);
    }
    s.properties = props;
    // A nullable field may be sent as null, which kubectl's required-field check would refuse.
    if (Array.isArray(s.required) && nullable.size) s.required = s.required.filter((r) => !nullable.has(r));
  }
  if (isObj(s.items)) s.items = toV2Schema(s.items);
  else if (Array.isArray(s.items)) s.items = s.items.filter(isObj).map(toV2Schema);
  if (isObj(s.additionalProperties)) s.additionalProperties = toV2Schema(s.additionalProperties);
  // kubectl refuses `type: array` without exactly one item schema.
  if (s.type === 'array' && (s.items === undefined || (Array.isArray(s.items) && s.items.length !== 1)))
    delete s.type;
  return s;
}

/** A v3 parameter (`schema: {type}`) as a v2 non-body parameter (`type` inline). */
function toV2Parameter(p: Json): Json {
  const { schema, ...rest } = p;
  const out: Json = { ...rest };
  if (isObj(schema))
    for (const k of ['type', 'format', 'uniqueItems', 'items', 'default', 'enum'])
      if (schema[k] !== undefined) out[k] = schema[k];
  if (out.in === 'path') out.required = true;
  return out;
}

function firstContentSchema(content: unknown): Json | undefined {
  if (!isObj(content)) return undefined;
  for (const v of Object.values(content)) if (isObj(v) && isObj(v.schema)) return v.schema;
  return undefined;
}

function toV2Operation(op: Json): Json {
  const out: Json = {};
  if (typeof op.description === 'string') out.description = op.description;
  const body = isObj(op.requestBody) ? op.requestBody : undefined;
  if (body && isObj(body.content)) out.consumes = Object.keys(body.content);
  const produces = new Set<string>();
  if (isObj(op.responses))
    for (const r of Object.values(op.responses))
      if (isObj(r) && isObj(r.content)) for (const k of Object.keys(r.content)) produces.add(k);
  if (produces.size) out.produces = [...produces];
  out.schemes = ['https'];
  for (const k of ['tags', 'operationId']) if (op[k] !== undefined) out[k] = op[k];
  const params: Json[] = [];
  const bodySchema = body ? firstContentSchema(body.content) : undefined;
  if (bodySchema) params.push({ name: 'body', in: 'body', required: true, schema: toV2Schema(bodySchema) });
  if (Array.isArray(op.parameters))
    for (const p of op.parameters) if (isObj(p)) params.push(toV2Parameter(p));
  if (params.length) out.parameters = params;
  const responses: Json = {};
  if (isObj(op.responses))
    for (const [code, r] of Object.entries(op.responses)) {
      if (!isObj(r)) continue;
      const schema = firstContentSchema(r.content);
      responses[code] = {
        description: typeof r.description === 'string' ? r.description : '',
        ...(schema ? { schema: toV2Schema(schema) } : {}),
      };
    }
  out.responses = responses;
  for (const [k, v] of Object.entries(op)) if (k.startsWith('x-')) out[k] = v;
  return out;
}

function toV2PathItem(item: Json): Json {
  const out: Json = {};
  for (const m of METHODS) if (isObj(item[m])) out[m] = toV2Operation(item[m]);
  if (Array.isArray(item.parameters)) out.parameters = item.parameters.filter(isObj).map(toV2Parameter);
  return out;
}

/** The Swagger 2.0 document of every served group-version: paths and definitions merged. */
export function buildOpenApiV2(docs: Iterable<OpenApiDoc>): Json {
  const paths: Json = {};
  const definitions: Json = {};
  let version = 'v1.32.4';
  for (const d of [...docs].sort((a, b) => a.path.localeCompare(b.path))) {
    const v3 = JSON.parse(d.body) as Json;
    if (d.path === 'api/v1' && isObj(v3.info) && typeof v3.info.version === 'string')
      version = v3.info.version;
    if (isObj(v3.paths))
      for (const [p, item] of Object.entries(v3.paths)) if (isObj(item)) paths[p] = toV2PathItem(item);
    const schemas = isObj(v3.components) && isObj(v3.components.schemas) ? v3.components.schemas : {};
    // The same shared schema (ObjectMeta, Status …) is in every document: the first copy wins.
    for (const [name, s] of Object.entries(schemas))
      if (isObj(s) && !(name in definitions)) definitions[name] = toV2Schema(s);
  }
  const sorted = (o: Json) =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version },
    paths: sorted(paths),
    definitions: sorted(definitions),
    securityDefinitions: {
      BearerToken: {
        description: 'Bearer Token authentication',
        type: 'apiKey',
        name: 'authorization',
        in: 'header',
      },
    },
    security: [{ BearerToken: [] }],
  };
}

/** The built v2 document: its JSON bytes, ETag, and the protobuf once someone asked for it. */
export interface OpenApiV2Document {
  key: string;
  json: Buffer;
  etag: string;
  lastModified: Date;
  protobuf?: Buffer;
}

/** What an Accept header picks, in kube-openapi's order of preference at equal quality. */
type Format = 'json' | 'protobuf';

/** Picks the representation for an Accept header, or undefined (406). No header = `*\/*`. */
export function negotiateOpenApiV2(accept: string | undefined): Format | undefined {
  const entries = parseAccept(accept?.trim() ? accept : '*/*')
    .map((e, i) => ({ ...e, q: e.params.q === undefined ? 1 : Number(e.params.q), i }))
    .filter((e) => e.q > 0)
    // Highest quality first; among equals the client's order (goautoneg also prefers specific types).
    .sort((a, b) => b.q - a.q || Number(a.type.includes('*')) - Number(b.type.includes('*')) || a.i - b.i);
  for (const e of entries) {
    if (e.type === 'application/json' || e.type === '*/*' || e.type === 'application/*') return 'json';
    if (e.type === OPENAPI_V2_PROTOBUF_REQUESTED || e.type === OPENAPI_V2_PROTOBUF) return 'protobuf';
  }
  return undefined;
}

/** True when an If-None-Match header names `etag` (or is `*`); weak validators compare equal. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === etag);
}

/** Serves /openapi/v2 from the v3 documents it is given, rebuilding only when they change. */
export class OpenApiV2Handler {
  private built?: OpenApiV2Document;

  constructor(private readonly now: () => number = Date.now) {}

  /** The current document for these v3 documents (exposed for tests and callers that embed it). */
  current(docs: Map<string, OpenApiDoc>): OpenApiV2Document {
    const key = [...docs.values()]
      .map((d) => `${d.path}=${d.hash}`)
      .sort()
      .join('\n');
    if (this.built?.key !== key) {
      const json = Buffer.from(JSON.stringify(buildOpenApiV2(docs.values())));
      const etag = `"${createHash('sha512').update(json).digest('hex').toUpperCase()}"`;
      // Seconds precision, as Last-Modified carries.
      this.built = { key, json, etag, lastModified: new Date(Math.floor(this.now() / 1000) * 1000) };
    }
    return this.built;
  }

  serve(req: IncomingMessage, res: ServerResponse, docs: Map<string, OpenApiDoc>): void {
    const format = negotiateOpenApiV2(req.headers.accept);
    if (!format)
      throw new StatusError(
        406,
        'NotAcceptable',
        `only the following media types are accepted: application/json, ${OPENAPI_V2_PROTOBUF_REQUESTED}, ${OPENAPI_V2_PROTOBUF}`,
      );
    const b = this.current(docs);
    const headers: Record<string, string | number> = {
      'Content-Type': format === 'json' ? 'application/json' : OPENAPI_V2_PROTOBUF,
      Etag: b.etag,
      'Last-Modified': b.lastModified.toUTCString(),
      // Both forms share the ETag (as upstream): caches must key on Accept too.
      Vary: 'Accept',
    };
    if (matches(req.headers['if-none-match'], b.etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    if (format === 'protobuf') b.protobuf ??= encodeOpenApiV2(JSON.parse(b.json.toString('utf8')) as Json);
    const body = format === 'json' ? b.json : b.protobuf!;
    res.writeHead(200, { ...headers, 'Content-Length': body.length });
    res.end(body);
  }
}
