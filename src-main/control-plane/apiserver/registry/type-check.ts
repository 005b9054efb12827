/**
 * JSON type checking of request bodies against the kind's OpenAPI schema — what Go's JSON
 * decoder does upstream before any defaulting or validation runs: a string where an array
 * belongs is a 400 BadRequest naming the field, never a crash further down.
 */
import type { ResourceType } from '../../../common/resources';
import type { KubeObject } from '../../../common/types';
import { resolveSchema, schemaFor, type Schema } from '../openapi-schemas';
import { badRequest } from '../status';

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

function matches(s: Schema, v: unknown): boolean {
  switch (s.type) {
    case 'object':
      return isObj(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string' || (s.format === 'int-or-string' && Number.isInteger(v));
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

const MAX_DEPTH = 100;

function walk(schema: Schema | undefined, v: unknown, path: string, depth: number): string | undefined {
  const s = resolveSchema(schema);
  if (!s || v === null || v === undefined || depth > MAX_DEPTH) return undefined;
  if (s.oneOf?.length && !s.type) {
    if (s.oneOf.some((o) => matches(resolveSchema(o) ?? {}, v))) return undefined;
    const want = s.oneOf.map((o) => resolveSchema(o)?.type ?? '?').join(' or ');
    return `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${path} of type ${want}`;
  }
  if (!matches(s, v)) {
    const want = s.format === 'int-or-string' ? 'int or string' : (s.type ?? 'value');
    return `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${path} of type ${want}`;
  }
  if (isObj(v)) {
    for (const [k, child] of Object.entries(v)) {
      const p =
        s.properties?.[k] ?? (isObj(s.additionalProperties) ? (s.additionalProperties as Schema) : undefined);
      const e = walk(p, child, `${path}.${k}`, depth + 1);
      if (e) return e;
    }
  } else if (Array.isArray(v) && isObj(s.items)) {
    const itemType = resolveSchema(s.items as Schema)?.type;
    for (const [i, item] of v.entries()) {
      // Go decodes a null list element into the zero value of its struct.
      if (item === null && itemType === 'object') v[i] = {};
      const e = walk(s.items, v[i], path, depth + 1);
      if (e) return e;
    }
  }
  return undefined;
}

/** Throws 400 BadRequest when a field outside metadata has the wrong JSON type for `t`. */
export function checkTypes(t: ResourceType, obj: KubeObject): void {
  const root = resolveSchema(schemaFor(t));
  if (!root?.properties) return;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'metadata' || k === 'apiVersion' || k === 'kind') continue;
    const e = walk(root.properties[k], v, `${t.kind}.${k}`, 0);
    if (e) throw badRequest(`${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: ${e}`);
  }
}
