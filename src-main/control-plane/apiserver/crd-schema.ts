/**
 * Structural OpenAPI v3 schemas of CustomResourceDefinitions (apiextensions-apiserver's
 * structural package): validation of custom objects with Kubernetes-shaped field causes,
 * pruning of unknown fields, defaulting from `default`, and the printer columns' JSONPath.
 */
import type { StatusCause } from 'kubernetes-types/meta/v1';

/** The parts of a CRD's OpenAPI v3 schema (JSONSchemaProps) the server interprets. */
export interface Schema {
  type?: string;
  format?: string;
  description?: string;
  nullable?: boolean;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema | Schema[];
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function fmt(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? 'null';
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(s: Schema, v: unknown): boolean {
  if (s['x-kubernetes-int-or-string'])
    return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
  switch (s.type) {
    case undefined:
    case '':
      return true;
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'object':
      return isObj(v);
    default:
      return typeOf(v) === s.type;
  }
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Validates `value` against `schema`; paths are like `spec.replicas`. */
export function validateSchema(
  schema: Schema,
  value: unknown,
  path: string,
  out: StatusCause[] = [],
): StatusCause[] {
  const invalid = (detail: string) =>
    out.push({
      reason: 'FieldValueInvalid',
      field: path,
      message: `Invalid value: ${fmt(value)}: ${detail}`,
    });
  if (value === null) {
    if (!s_nullable(schema) && schema.type)
      out.push({
        reason: 'FieldValueInvalid',
        field: path,
        message: `Invalid value: "null": ${path} in body must be of type ${schema.type}: "null"`,
      });
    return out;
  }
  if (!typeMatches(schema, value)) {
    const want = schema['x-kubernetes-int-or-string'] ? 'integer,string' : schema.type;
    out.push({
      reason: 'FieldValueInvalid',
      field: path,
      message: `Invalid value: "${typeOf(value)}": ${path} in body must be of type ${want}: "${typeOf(value)}"`,
    });
    return out;
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
    out.push({
      reason: 'FieldValueNotSupported',
      field: path,
      message: `Unsupported value: ${fmt(value)}: supported values: ${schema.enum.map((e) => fmt(e)).join(', ')}`,
    });
  if (typeof value === 'number') {
    if (schema.minimum !== undefined) {
      if (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)
        invalid(
          `${path} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}`,
        );
    }
    if (schema.maximum !== undefined) {
      if (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)
        invalid(
          `${path} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}`,
        );
    }
    if (schema.multipleOf && value % schema.multipleOf !== 0)
      invalid(`${path} in body should be a multiple of ${schema.multipleOf}`);
  }
  if (typeof value === 'string') {
    const len = [...value].length;
    if (schema.maxLength !== undefined && len > schema.maxLength)
      out.push({
        reason: 'FieldValueTooLong',
        field: path,
        message: `Too long: may not be more than ${schema.maxLength} bytes`,
      });
    if (schema.minLength !== undefined && len < schema.minLength)
      invalid(`${path} in body should be at least ${schema.minLength} chars long`);
    if (schema.pattern !== undefined) {
      let re: RegExp | undefined;
      try {
        re = new RegExp(schema.pattern, 'u');
      } catch {
        re = undefined;
      }
      if (re && !re.test(value)) invalid(`${path} in body should match '${schema.pattern}'`);
    }
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value)))
      invalid(`${path} in body must be of type date-time: ${fmt(value)}`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      out.push({
        reason: 'FieldValueTooMany',
        field: path,
        message: `Too many: ${value.length}: must have at most ${schema.maxItems} items`,
      });
    if (schema.minItems !== undefined && value.length < schema.minItems)
      invalid(`${path} in body should have at least ${schema.minItems} items`);
    if (schema.uniqueItems || schema['x-kubernetes-list-type'] === 'set') {
      const seen = new Set<string>();
      value.forEach((v, i) => {
        const k = JSON.stringify(v);
        if (seen.has(k))
          out.push({
            reason: 'FieldValueDuplicate',
            field: `${path}[${i}]`,
            message: `Duplicate value: ${fmt(v)}`,
          });
        seen.add(k);
      });
    }
    if (isObj(schema.items))
      value.forEach((v, i) => validateSchema(schema.items as Schema, v, `${path}[${i}]`, out));
  }
  if (isObj(value)) {
    const keys = Object.keys(value);
    if (schema.maxProperties !== undefined && keys.length > schema.maxProperties)
      out.push({
        reason: 'FieldValueTooMany',
        field: path,
        message: `Too many: ${keys.length}: must have at most ${schema.maxProperties} items`,
      });
    if (schema.minProperties !== undefined && keys.length < schema.minProperties)
      invalid(`${path} in body should have at least ${schema.minProperties} properties`);
    for (const r of schema.required ?? [])
      if (value[r] === undefined)
        out.push({ reason: 'FieldValueRequired', field: join(path, r), message: 'Required value' });
    for (const [k, v] of Object.entries(value)) {
      const p = schema.properties?.[k];
      if (p) validateSchema(p, v, join(path, k), out);
      else if (isObj(schema.additionalProperties))
        validateSchema(schema.additionalProperties as Schema, v, join(path, k), out);
    }
  }
  for (const sub of schema.allOf ?? []) validateSchema(sub, value, path, out);
  if (schema.anyOf?.length && !schema.anyOf.some((sub) => !validateSchema(sub, value, path).length))
    invalid(`${path} in body must match at least one schema in anyOf`);
  if (
    schema.oneOf?.length &&
    schema.oneOf.filter((sub) => !validateSchema(sub, value, path).length).length !== 1
  )
    invalid(`${path} in body must match exactly one schema in oneOf`);
  if (schema.not && !validateSchema(schema.not, value, path).length)
    invalid(`${path} in body must not match the schema in not`);
  return out;
}

function s_nullable(s: Schema): boolean {
  return s.nullable === true;
}

/** Removes fields the schema does not know (unless x-kubernetes-preserve-unknown-fields). Returns the pruned paths. */
export function prune(schema: Schema, value: unknown, path = '', pruned: string[] = []): string[] {
  if (Array.isArray(value)) {
    if (isObj(schema.items))
      value.forEach((v, i) => prune(schema.items as Schema, v, `${path}[${i}]`, pruned));
    return pruned;
  }
  if (!isObj(value)) return pruned;
  if (schema['x-kubernetes-embedded-resource']) {
    // apiVersion, kind and metadata of an embedded object are always kept.
    for (const k of ['apiVersion', 'kind', 'metadata'])
      if (value[k] !== undefined && !schema.properties?.[k])
        schema = {
          ...schema,
          properties: { ...schema.properties, [k]: { 'x-kubernetes-preserve-unknown-fields': true } },
        };
  }
  for (const k of Object.keys(value)) {
    const p =
      schema.properties?.[k] ??
      (isObj(schema.additionalProperties) ? (schema.additionalProperties as Schema) : undefined);
    if (p) prune(p, value[k], join(path, k), pruned);
    else if (schema.additionalProperties === true || schema['x-kubernetes-preserve-unknown-fields']) continue;
    else {
      delete value[k];
      pruned.push(join(path, k));
    }
  }
  return pruned;
}

/** Applies `default`s of the schema to missing fields (structural defaulting). */
export function applySchemaDefaults(schema: Schema, value: unknown): void {
  if (Array.isArray(value)) {
    if (isObj(schema.items)) for (const v of value) applySchemaDefaults(schema.items as Schema, v);
    return;
  }
  if (!isObj(value)) return;
  for (const [k, p] of Object.entries(schema.properties ?? {})) {
    if (value[k] === undefined && p.default !== undefined) value[k] = structuredClone(p.default);
    if (value[k] !== undefined) applySchemaDefaults(p, value[k]);
  }
  if (isObj(schema.additionalProperties))
    for (const k of Object.keys(value))
      if (!schema.properties?.[k]) applySchemaDefaults(schema.additionalProperties as Schema, value[k]);
}

/** Checks the schema is structural enough to serve (type object at the root, types everywhere). */
export function structuralErrors(schema: unknown, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  const walk = (s: unknown, p: string, root: boolean) => {
    if (!isObj(s)) return;
    const sch = s as Schema;
    if (root && sch.type !== 'object')
      out.push({
        reason: 'FieldValueInvalid',
        field: `${p}.type`,
        message: `Invalid value: ${fmt(sch.type ?? '')}: must be object at the root`,
      });
    if (
      !sch.type &&
      !sch['x-kubernetes-int-or-string'] &&
      !sch['x-kubernetes-preserve-unknown-fields'] &&
      !root
    )
      out.push({
        reason: 'FieldValueRequired',
        field: `${p}.type`,
        message: 'Required value: must not be empty for specified object fields',
      });
    if (sch.pattern !== undefined)
      try {
        new RegExp(sch.pattern, 'u');
      } catch {
        out.push({
          reason: 'FieldValueInvalid',
          field: `${p}.pattern`,
          message: `Invalid value: ${fmt(sch.pattern)}: must be a valid regular expression`,
        });
      }
    for (const [k, v] of Object.entries(sch.properties ?? {})) walk(v, `${p}.properties[${k}]`, false);
    if (isObj(sch.items)) walk(sch.items, `${p}.items`, false);
    if (isObj(sch.additionalProperties)) walk(sch.additionalProperties, `${p}.additionalProperties`, false);
  };
  walk(schema, path, true);
  return out;
}

/**
 * A small JSONPath for printer columns: `.a.b`, `.a[0]`, `.a[*].b`, `.a[?(@.type=="Ready")].status`,
 * and `{...}` wrappers. Returns every match.
 */
export function jsonPath(obj: unknown, expr: string): unknown[] {
  let e = expr.trim();
  if (e.startsWith('{') && e.endsWith('}')) e = e.slice(1, -1);
  if (e.startsWith('$')) e = e.slice(1);
  const tokens: string[] = [];
  const re = /\.([^.[\]]+)|\[([^\]]*)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(e))) tokens.push(m[1] !== undefined ? `.${m[1]}` : `[${m[2]}]`);
  let cur: unknown[] = [obj];
  for (const t of tokens) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (t.startsWith('.')) {
        const k = t.slice(1);
        if (k === '*') {
          if (isObj(v)) next.push(...Object.values(v));
          else if (Array.isArray(v)) next.push(...v);
        } else if (isObj(v) && v[k] !== undefined) next.push(v[k]);
        continue;
      }
      const inner = t.slice(1, -1).trim();
      if (!Array.isArray(v)) {
        if (isObj(v) && /^['"].*['"]$/.test(inner) && v[inner.slice(1, -1)] !== undefined)
          next.push(v[inner.slice(1, -1)]);
        continue;
      }
      if (inner === '*') next.push(...v);
      else if (/^-?\d+$/.test(inner)) {
        const i = Number(inner);
        const item = v[i < 0 ? v.length + i : i];
        if (item !== undefined) next.push(item);
      } else {
        const f = /^\?\(@\.([\w.-]+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(-?[\d.]+|true|false))\)$/.exec(
          inner,
        );
        if (!f) continue;
        const want = f[3] ?? f[4] ?? f[5];
        for (const item of v) {
          const got = jsonPath(item, `.${f[1]}`)[0];
          const eq = got !== undefined && String(got) === want;
          if ((f[2] === '==') === eq) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}
