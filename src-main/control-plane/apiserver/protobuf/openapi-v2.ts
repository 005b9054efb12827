// Encodes a Swagger 2.0 JSON document as gnostic's openapi_v2.Document protobuf (what kube-apiserver serves at /openapi/v2 to kubectl ≤ 1.26); pure data → bytes, no I/O.
/**
 * The subset of googleapis/gnostic `openapiv2/OpenAPIv2.proto` that Skiff's v2 document uses:
 * Document, Info, Paths/PathItem/Operation with their parameters and responses, Definitions and
 * Schema, security. Field numbers are those of that proto file (the same descriptor kubectl's
 * binary embeds). Like gnostic's compiler, every `x-…` key becomes a NamedAny vendor extension
 * whose value is YAML text — JSON is YAML, so the JSON text of the value is written — and keys
 * the proto has no field for are left out. kube-openapi builds its protobuf from the JSON the
 * same way, so both representations say the same thing.
 */
import { ProtoWriter } from './writer';

/** The media type kubectl asks for (`@` form, client-go's name) and the one the server answers with. */
export const OPENAPI_V2_PROTOBUF_REQUESTED = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const strs = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

/** The openapi_v2.Document bytes of a Swagger 2.0 document. */
export function encodeOpenApiV2(doc: Json): Buffer {
  const w = new ProtoWriter();
  w.string(1, str(doc.swagger));
  if (isObj(doc.info)) w.message(2, (m) => info(m, doc.info as Json));
  w.string(3, str(doc.host));
  w.string(4, str(doc.basePath));
  w.strings(5, strs(doc.schemes));
  w.strings(6, strs(doc.consumes));
  w.strings(7, strs(doc.produces));
  if (isObj(doc.paths)) w.message(8, (m) => paths(m, doc.paths as Json));
  if (isObj(doc.definitions)) {
    const defs = doc.definitions;
    // Definitions { repeated NamedSchema additional_properties = 1 }
    w.message(9, (m) => {
      for (const [name, s] of Object.entries(defs))
        if (isObj(s)) m.message(1, (n) => named(n, name, (v) => schema(v, s)));
    });
  }
  if (Array.isArray(doc.security))
    for (const req of doc.security) if (isObj(req)) w.message(12, (m) => securityRequirement(m, req));
  if (isObj(doc.securityDefinitions)) {
    const defs = doc.securityDefinitions;
    w.message(13, (m) => {
      for (const [name, d] of Object.entries(defs))
        if (isObj(d)) m.message(1, (n) => named(n, name, (v) => securityDefinition(v, d)));
    });
  }
  vendorExtensions(w, 16, doc);
  return w.finish();
}

/** A Named* message: name = 1, value = 2. */
function named(w: ProtoWriter, name: string, value: (w: ProtoWriter) => void): void {
  w.string(1, name);
  w.message(2, value);
}

/** Any { google.protobuf.Any value = 1; string yaml = 2 } — gnostic keeps the YAML text. */
function any(w: ProtoWriter, v: unknown): void {
  w.string(2, `${JSON.stringify(v)}\n`);
}

/** `x-…` keys as repeated NamedAny at field `fieldNum`, in document order. */
function vendorExtensions(w: ProtoWriter, fieldNum: number, obj: Json): void {
  for (const [k, v] of Object.entries(obj))
    if (k.startsWith('x-') && v !== undefined) w.message(fieldNum, (n) => named(n, k, (a) => any(a, v)));
}

function info(w: ProtoWriter, i: Json): void {
  w.string(1, str(i.title));
  w.string(2, str(i.version));
  w.string(3, str(i.description));
  w.string(4, str(i.termsOfService));
  vendorExtensions(w, 7, i);
}

function paths(w: ProtoWriter, p: Json): void {
  vendorExtensions(w, 1, p);
  for (const [path, item] of Object.entries(p))
    if (!path.startsWith('x-') && isObj(item)) w.message(2, (n) => named(n, path, (v) => pathItem(v, item)));
}

const OPERATIONS: [string, number][] = [
  ['get', 2],
  ['put', 3],
  ['post', 4],
  ['delete', 5],
  ['options', 6],
  ['head', 7],
  ['patch', 8],
];

function pathItem(w: ProtoWriter, item: Json): void {
  w.string(1, str(item.$ref));
  for (const [verb, field] of OPERATIONS) {
    const op = item[verb];
    if (isObj(op)) w.message(field, (m) => operation(m, op));
  }
  parameters(w, 9, item.parameters);
  vendorExtensions(w, 10, item);
}

function operation(w: ProtoWriter, op: Json): void {
  w.strings(1, strs(op.tags));
  w.string(2, str(op.summary));
  w.string(3, str(op.description));
  if (isObj(op.externalDocs)) w.message(4, (m) => externalDocs(m, op.externalDocs as Json));
  w.string(5, str(op.operationId));
  w.strings(6, strs(op.produces));
  w.strings(7, strs(op.consumes));
  parameters(w, 8, op.parameters);
  if (isObj(op.responses)) w.message(9, (m) => responses(m, op.responses as Json));
  w.strings(10, strs(op.schemes));
  w.bool(11, bool(op.deprecated));
  vendorExtensions(w, 13, op);
}

function externalDocs(w: ProtoWriter, d: Json): void {
  w.string(1, str(d.description));
  w.string(2, str(d.url));
  vendorExtensions(w, 3, d);
}

/** repeated ParametersItem { oneof { Parameter parameter = 1; JsonReference json_reference = 2 } }. */
function parameters(w: ProtoWriter, fieldNum: number, list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const p of list) {
    if (!isObj(p)) continue;
    w.message(fieldNum, (item) => {
      if (typeof p.$ref === 'string')
        item.message(2, (j) => {
          j.string(1, p.$ref as string);
          j.string(2, str(p.description));
        });
      else item.message(1, (m) => parameter(m, p));
    });
  }
}

/** NonBodyParameter's oneof members by `in`. */
const NON_BODY: Record<string, number> = { header: 1, formData: 2, query: 3, path: 4 };

/** Parameter { oneof { BodyParameter body_parameter = 1; NonBodyParameter non_body_parameter = 2 } }. */
function parameter(w: ProtoWriter, p: Json): void {
  if (p.in === 'body') {
    w.message(1, (b) => {
      b.string(1, str(p.description));
      b.string(2, str(p.name));
      b.string(3, str(p.in));
      b.bool(4, bool(p.required));
      if (isObj(p.schema)) b.message(5, (s) => schema(s, p.schema as Json));
      vendorExtensions(b, 6, p);
    });
    return;
  }
  const member = NON_BODY[String(p.in)];
  if (!member) return;
  w.message(2, (nb) => nb.message(member, (m) => nonBodyParameter(m, p)));
}

/**
 * Header-, FormData-, Query- and PathParameterSubSchema share one layout, except that query and
 * formData have `allow_empty_value = 5` and every later field one number higher.
 */
function nonBodyParameter(w: ProtoWriter, p: Json): void {
  const o = p.in === 'query' || p.in === 'formData' ? 1 : 0;
  w.bool(1, bool(p.required));
  w.string(2, str(p.in));
  w.string(3, str(p.description));
  w.string(4, str(p.name));
  if (o) w.bool(5, bool(p.allowEmptyValue));
  w.string(5 + o, str(p.type));
  w.string(6 + o, str(p.format));
  if (isObj(p.items)) w.message(7 + o, (m) => primitivesItems(m, p.items as Json));
  w.string(8 + o, str(p.collectionFormat));
  if (p.default !== undefined) w.message(9 + o, (a) => any(a, p.default));
  numericLimits(w, 10 + o, p);
  w.bool(19 + o, bool(p.uniqueItems));
  if (Array.isArray(p.enum)) for (const e of p.enum) w.message(20 + o, (a) => any(a, e));
  w.double(21 + o, num(p.multipleOf));
  vendorExtensions(w, 22 + o, p);
}

/** maximum, exclusiveMaximum, minimum, exclusiveMinimum, maxLength, minLength, pattern, maxItems, minItems from `first` on. */
function numericLimits(w: ProtoWriter, first: number, p: Json): void {
  w.double(first, num(p.maximum));
  w.bool(first + 1, bool(p.exclusiveMaximum));
  w.double(first + 2, num(p.minimum));
  w.bool(first + 3, bool(p.exclusiveMinimum));
  w.int64(first + 4, num(p.maxLength));
  w.int64(first + 5, num(p.minLength));
  w.string(first + 6, str(p.pattern));
  w.int64(first + 7, num(p.maxItems));
  w.int64(first + 8, num(p.minItems));
}

function primitivesItems(w: ProtoWriter, p: Json): void {
  w.string(1, str(p.type));
  w.string(2, str(p.format));
  if (isObj(p.items)) w.message(3, (m) => primitivesItems(m, p.items as Json));
  w.string(4, str(p.collectionFormat));
  if (p.default !== undefined) w.message(5, (a) => any(a, p.default));
  numericLimits(w, 6, p);
  w.bool(15, bool(p.uniqueItems));
  if (Array.isArray(p.enum)) for (const e of p.enum) w.message(16, (a) => any(a, e));
  w.double(17, num(p.multipleOf));
  vendorExtensions(w, 18, p);
}

/** Responses { repeated NamedResponseValue response_code = 1; repeated NamedAny vendor_extension = 2 }. */
function responses(w: ProtoWriter, r: Json): void {
  for (const [code, v] of Object.entries(r)) {
    if (code.startsWith('x-') || !isObj(v)) continue;
    // ResponseValue { oneof { Response response = 1; JsonReference json_reference = 2 } }
    w.message(1, (n) =>
      named(n, code, (rv) => {
        if (typeof v.$ref === 'string')
          rv.message(2, (j) => {
            j.string(1, v.$ref as string);
            j.string(2, str(v.description));
          });
        else
          rv.message(1, (m) => {
            m.string(1, str(v.description));
            // SchemaItem { oneof { Schema schema = 1; FileSchema file_schema = 2 } }
            if (isObj(v.schema)) m.message(2, (si) => si.message(1, (s) => schema(s, v.schema as Json)));
            vendorExtensions(m, 5, v);
          });
      }),
    );
  }
  vendorExtensions(w, 2, r);
}

function schema(w: ProtoWriter, s: Json): void {
  w.string(1, str(s.$ref));
  w.string(2, str(s.format));
  w.string(3, str(s.title));
  w.string(4, str(s.description));
  if (s.default !== undefined) w.message(5, (a) => any(a, s.default));
  w.double(6, num(s.multipleOf));
  numericLimits(w, 7, s);
  w.bool(16, bool(s.uniqueItems));
  w.int64(17, num(s.maxProperties));
  w.int64(18, num(s.minProperties));
  w.strings(19, strs(s.required));
  if (Array.isArray(s.enum)) for (const e of s.enum) w.message(20, (a) => any(a, e));
  const ap = s.additionalProperties;
  // AdditionalPropertiesItem { oneof { Schema schema = 1; bool boolean = 2 } }
  if (isObj(ap)) w.message(21, (m) => m.message(1, (x) => schema(x, ap)));
  else if (typeof ap === 'boolean') w.message(21, (m) => m.bool(2, ap, true));
  // TypeItem { repeated string value = 1 }
  if (typeof s.type === 'string' || Array.isArray(s.type))
    w.message(22, (m) => m.strings(1, typeof s.type === 'string' ? [s.type] : strs(s.type)));
  // ItemsItem { repeated Schema schema = 1 }
  const items = s.items;
  if (isObj(items) || Array.isArray(items))
    w.message(23, (m) => {
      for (const x of Array.isArray(items) ? items : [items]) if (isObj(x)) m.message(1, (y) => schema(y, x));
    });
  if (Array.isArray(s.allOf)) for (const x of s.allOf) if (isObj(x)) w.message(24, (y) => schema(y, x));
  // Properties { repeated NamedSchema additional_properties = 1 }, present even when empty.
  const props = s.properties;
  if (isObj(props))
    w.message(25, (m) => {
      for (const [k, v] of Object.entries(props))
        if (isObj(v)) m.message(1, (n) => named(n, k, (x) => schema(x, v)));
    });
  w.string(26, str(s.discriminator));
  w.bool(27, bool(s.readOnly));
  if (isObj(s.externalDocs)) w.message(29, (m) => externalDocs(m, s.externalDocs as Json));
  if (s.example !== undefined) w.message(30, (a) => any(a, s.example));
  vendorExtensions(w, 31, s);
}

/** SecurityRequirement { repeated NamedStringArray additional_properties = 1 }. */
function securityRequirement(w: ProtoWriter, req: Json): void {
  for (const [name, scopes] of Object.entries(req))
    w.message(1, (n) => named(n, name, (a) => a.strings(1, strs(scopes) ?? [])));
}

/** SecurityDefinitionsItem: the api-key (2) and basic (1) schemes, which are all Skiff declares. */
function securityDefinition(w: ProtoWriter, d: Json): void {
  if (d.type === 'basic')
    w.message(1, (m) => {
      m.string(1, str(d.type));
      m.string(2, str(d.description));
      vendorExtensions(m, 3, d);
    });
  else if (d.type === 'apiKey')
    w.message(2, (m) => {
      m.string(1, str(d.type));
      m.string(2, str(d.name));
      m.string(3, str(d.in));
      m.string(4, str(d.description));
      vendorExtensions(m, 5, d);
    });
}
