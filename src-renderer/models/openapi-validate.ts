/**
 * Client-side validation of a manifest against the API server's OpenAPI v3 schema of its
 * kind (`/openapi/v3/apis/<group>/<version>`), as `kubectl apply --validate=strict` does:
 * types, required fields, enums and unknown fields, each reported with its path so the editor
 * can put it on the line. The server still has the last word (dry-run); this is the fast,
 * as-you-type part.
 */

/** The subset of an OpenAPI schema read here. */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

/** A path into an object: keys and list indexes. */
export type FieldPath = (string | number)[];

/** One problem found. */
export interface SchemaError {
  path: FieldPath;
  message: string;
}

/** `spec.containers[0].image` */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

/** Parses `spec.template.spec.containers[0].image` (the server's causes[].field) into a path. */
export function parseFieldPath(field: string): FieldPath {
  const out: FieldPath = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\[([^\]]*)\]/g;
  for (let m = re.exec(field); m; m = re.exec(field)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Validates `value` against `schema`; `resolve` looks up `#/components/schemas/<name>`. */
export function validateSchema(
  value: unknown,
  schema: Schema,
  resolve: (ref: string) => Schema | undefined,
  path: FieldPath = [],
  out: SchemaError[] = [],
  depth = 0,
): SchemaError[] {
  if (depth > 60) return out;
  let s = schema;
  for (let i = 0; s.$ref && i < 10; i++) {
    const r = resolve(s.$ref);
    if (!r) return out;
    s = r;
  }
  if (s.allOf) {
    for (const sub of s.allOf) validateSchema(value, sub, resolve, path, out, depth + 1);
  }
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives && value !== null) {
    const ok = alternatives.some(
      (alt) => validateSchema(value, alt, resolve, path, [], depth + 1).length === 0,
    );
    if (!ok) out.push({ path, message: `has an invalid value (${typeOf(value)})` });
    return out;
  }
  if (value === null) return out; // null means "unset" to the API server
  if (s['x-kubernetes-int-or-string'] || s.format === 'int-or-string') {
    if (typeof value !== 'string' && !Number.isInteger(value))
      out.push({ path, message: `must be an integer or a string, not ${typeOf(value)}` });
    return out;
  }
  const t = typeOf(value);
  switch (s.type) {
    case 'string':
      if (t !== 'string') out.push({ path, message: `must be a string, not ${t}` });
      break;
    case 'integer':
      if (t !== 'integer')
        out.push({ path, message: `must be an integer, not ${t === 'number' ? 'a fraction' : t}` });
      break;
    case 'number':
      if (t !== 'integer' && t !== 'number') out.push({ path, message: `must be a number, not ${t}` });
      break;
    case 'boolean':
      if (t !== 'boolean') out.push({ path, message: `must be true or false, not ${t}` });
      break;
    case 'array':
      if (t !== 'array') out.push({ path, message: `must be a list, not ${t}` });
      else if (s.items)
        (value as unknown[]).forEach((v, i) =>
          validateSchema(v, s.items!, resolve, [...path, i], out, depth + 1),
        );
      break;
    case 'object':
      if (t !== 'object') out.push({ path, message: `must be an object, not ${t}` });
      break;
  }
  if (s.enum && !s.enum.includes(value))
    out.push({ path, message: `must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  if (t === 'object' && (s.type === 'object' || s.properties)) {
    const obj = value as Record<string, unknown>;
    for (const req of s.required ?? [])
      if (obj[req] === undefined) out.push({ path: [...path, req], message: `is required` });
    const props = s.properties ?? {};
    for (const [k, v] of Object.entries(obj)) {
      const p = props[k];
      if (p) validateSchema(v, p, resolve, [...path, k], out, depth + 1);
      else if (typeof s.additionalProperties === 'object')
        validateSchema(v, s.additionalProperties, resolve, [...path, k], out, depth + 1);
      else if (
        s.properties &&
        !s.additionalProperties &&
        !s['x-kubernetes-preserve-unknown-fields'] &&
        !(path.length === 0 && (k === 'apiVersion' || k === 'kind'))
      )
        out.push({ path: [...path, k], message: `unknown field "${k}"` });
    }
  }
  return out;
}

/** An OpenAPI v3 document of one group-version. */
export interface OpenApiDocument {
  paths?: Record<string, unknown>;
  components?: { schemas?: Record<string, Schema> };
}

/** The schema of a kind in a group-version document (by x-kubernetes-group-version-kind). */
export function findKindSchema(
  doc: OpenApiDocument,
  group: string,
  version: string,
  kind: string,
): Schema | undefined {
  for (const s of Object.values(doc.components?.schemas ?? {})) {
    const gvk = s['x-kubernetes-group-version-kind'];
    if (gvk?.some((g) => g.group === group && g.version === version && g.kind === kind)) return s;
  }
  return undefined;
}

/** Validates a manifest with a group-version document; unknown kinds give no errors. */
export function validateManifest(obj: Record<string, unknown>, doc: OpenApiDocument): SchemaError[] {
  const [group, version] = splitApiVersion(String(obj.apiVersion ?? ''));
  const schema = findKindSchema(doc, group, version, String(obj.kind ?? ''));
  if (!schema) return [];
  const schemas = doc.components?.schemas ?? {};
  const resolve = (ref: string) => schemas[ref.replace('#/components/schemas/', '')];
  // status is the server's: skip it, as kubectl does for applied manifests.
  const { status: _status, ...rest } = obj;
  void _status;
  return validateSchema(rest, schema, resolve);
}

/** 'apps/v1' → ['apps', 'v1']; 'v1' → ['', 'v1']. */
export function splitApiVersion(apiVersion: string): [string, string] {
  const i = apiVersion.indexOf('/');
  return i < 0 ? ['', apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

/** The OpenAPI v3 path of a group-version: `apis/apps/v1` or `api/v1`. */
export function openApiPath(apiVersion: string): string {
  const [g, v] = splitApiVersion(apiVersion);
  return g ? `apis/${g}/${v}` : `api/${v}`;
}
