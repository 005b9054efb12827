/**
 * Server-side field validation (`fieldValidation=Strict|Warn|Ignore`, as kube-apiserver's
 * strict decoding): unknown fields at any depth, found by walking the object against the
 * OpenAPI schema of its kind, and duplicate fields, found by scanning the JSON text. Unknown
 * fields are dropped from the object in every mode (the Go decoder drops them too); Strict
 * refuses the request, Warn reports them as `Warning: 299` headers.
 */
import type { ResourceType } from '../../common/resources';
import { schemaFor, resolveSchema, type Schema } from './openapi-schemas';

/** The ObjectMeta fields: what a kind without a schema, or a CRD's pruning, keeps in metadata. */
export const KNOWN_META = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

/** The problems found in one request body, as upstream words them. */
export interface FieldProblems {
  unknown: string[];
  duplicate: string[];
}

/** Messages of the problems, e.g. `unknown field "spec.containers[0].imagee"`. */
export function fieldProblemMessages(p: FieldProblems): string[] {
  return [
    ...p.duplicate.map((f) => `duplicate field "${f}"`),
    ...p.unknown.map((f) => `unknown field "${f}"`),
  ];
}

/**
 * Finds (and removes) the fields of `obj` that the kind's schema does not know. Returns
 * undefined when the kind has no schema (the caller falls back to its own check).
 */
export function pruneUnknownFields(t: ResourceType, obj: unknown): string[] | undefined {
  const schema = schemaFor(t);
  if (!schema) return undefined;
  const unknown: string[] = [];
  walk(schema, obj, '', unknown, 0);
  return unknown;
}

const MAX_DEPTH = 200;

function walk(schema: Schema, value: unknown, path: string, unknown: string[], depth: number): void {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return;
  const s = resolveSchema(schema);
  if (!s || s['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(value)) {
    if (!s.items) return;
    for (let i = 0; i < value.length; i++) walk(s.items, value[i], `${path}[${i}]`, unknown, depth + 1);
    return;
  }
  const obj = value as Record<string, unknown>;
  if (s.properties) {
    for (const key of Object.keys(obj)) {
      const child = `${path ? `${path}.` : ''}${key}`;
      const prop = s.properties[key];
      if (!prop) {
        unknown.push(child);
        delete obj[key];
        continue;
      }
      walk(prop, obj[key], child, unknown, depth + 1);
    }
    return;
  }
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    for (const key of Object.keys(obj))
      walk(s.additionalProperties, obj[key], `${path ? `${path}.` : ''}${key}`, unknown, depth + 1);
  }
}

/**
 * Duplicate object keys in a JSON text, by path (`spec.replicas`, `spec.containers[0].name`).
 * JSON.parse silently keeps the last one; kube-apiserver reports them. The text is assumed to
 * be valid JSON (it was parsed already); a malformed one just yields what was found so far.
 */
export function duplicateJsonFields(text: string): string[] {
  const dups: string[] = [];
  // A stack of containers: objects keep the keys seen, arrays their current index.
  type Frame = { path: string; keys?: Set<string>; index?: number; key?: string };
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  let expectKey = false;
  const childPath = (f: Frame | undefined): string => {
    if (!f) return '';
    if (f.keys) return f.path ? `${f.path}.${f.key}` : (f.key ?? '');
    return `${f.path}[${f.index}]`;
  };
  const readString = (): string => {
    // i is at the opening quote
    let j = i + 1;
    let hasEscape = false;
    while (j < n && text.charCodeAt(j) !== 34) {
      if (text.charCodeAt(j) === 92) {
        hasEscape = true;
        j += 2;
      } else j++;
    }
    const raw = text.slice(i + 1, j);
    i = j + 1;
    if (!hasEscape) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return raw;
    }
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // string
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys) {
        const key = readString();
        if (top.keys.has(key)) dups.push(top.path ? `${top.path}.${key}` : key);
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      } else readString();
      continue;
    }
    if (c === 123) {
      // {
      stack.push({ path: childPath(stack[stack.length - 1]), keys: new Set() });
      expectKey = true;
    } else if (c === 91) {
      // [
      stack.push({ path: childPath(stack[stack.length - 1]), index: 0 });
    } else if (c === 125 || c === 93) {
      stack.pop();
    } else if (c === 44) {
      // ,
      const top = stack[stack.length - 1];
      if (top?.keys) expectKey = true;
      else if (top) top.index = (top.index ?? 0) + 1;
    }
    i++;
  }
  return dups;
}
