/**
 * The four patch formats kubectl sends: JSON merge patch (RFC 7386), JSON patch (RFC 6902),
 * strategic merge patch (Kubernetes' merge keys and `$` directives) and the merge used for
 * server-side apply. All functions are pure: they return new values.
 */
import { deepEqual } from '../../common/json';
import { badRequest } from './status';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A deep copy of a JSON value. */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

// ---------------------------------------------------------------------------------------------
// RFC 7386

/** Applies a JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: JsonObject = isObj(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v) as Json;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// RFC 6902

interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function parsePointer(p: string, op: string): string[] {
  if (typeof p !== 'string') throw badRequest(`jsonpatch ${op} operation: missing or invalid "path"`);
  if (p === '') return [];
  if (!p.startsWith('/')) throw badRequest(`jsonpatch ${op} operation: invalid JSON pointer "${p}"`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, tokens: string[], op: string, path: string): { parent: Json; key: string } {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = Number(t);
      if (!/^\d+$/.test(t) || i >= cur.length)
        throw badRequest(
          `jsonpatch ${op} operation does not apply: doc is missing path: "${path}": missing value`,
        );
      cur = cur[i];
    } else if (isObj(cur) && t in cur) cur = cur[t];
    else
      throw badRequest(
        `jsonpatch ${op} operation does not apply: doc is missing path: "${path}": missing value`,
      );
  }
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function getAt(doc: Json, path: string, op: string): Json {
  const tokens = parsePointer(path, op);
  if (!tokens.length) return doc;
  const { parent, key } = parentOf(doc, tokens, op, path);
  if (Array.isArray(parent) && /^\d+$/.test(key) && Number(key) < parent.length) return parent[Number(key)];
  if (isObj(parent) && key in parent) return parent[key];
  throw badRequest(`jsonpatch ${op} operation does not apply: doc is missing path: "${path}": missing value`);
}

function removeAt(doc: Json, path: string, op: string): Json {
  const tokens = parsePointer(path, op);
  if (!tokens.length)
    throw badRequest(`jsonpatch ${op} operation does not apply: cannot remove the document root`);
  const { parent, key } = parentOf(doc, tokens, op, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!/^\d+$/.test(key) || i >= parent.length)
      throw badRequest(
        `jsonpatch ${op} operation does not apply: doc is missing key: ${path}: missing value`,
      );
    return parent.splice(i, 1)[0];
  }
  if (isObj(parent) && key in parent) {
    const v = parent[key];
    delete parent[key];
    return v;
  }
  throw badRequest(`jsonpatch ${op} operation does not apply: doc is missing key: ${path}: missing value`);
}

function addAt(doc: Json, path: string, value: Json, op: string, replace = false): Json {
  const tokens = parsePointer(path, op);
  if (!tokens.length) return value;
  const { parent, key } = parentOf(doc, tokens, op, path);
  if (Array.isArray(parent)) {
    if (key === '-' && !replace) parent.push(value);
    else {
      const i = Number(key);
      if (!/^\d+$/.test(key) || i > parent.length || (replace && i >= parent.length))
        throw badRequest(`jsonpatch ${op} operation does not apply: index out of bounds: ${path}`);
      if (replace) parent[i] = value;
      else parent.splice(i, 0, value);
    }
  } else if (isObj(parent)) {
    if (replace && !(key in parent))
      throw badRequest(
        `jsonpatch ${op} operation does not apply: doc is missing key: ${path}: missing value`,
      );
    parent[key] = value;
  } else
    throw badRequest(
      `jsonpatch ${op} operation does not apply: doc is missing path: "${path}": missing value`,
    );
  return doc;
}

/** Applies an RFC 6902 JSON patch; a bad or failing operation is a 400 that names it. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('a JSON patch must be an array of operations');
  let doc = clone(target) as Json;
  for (const raw of ops as JsonPatchOp[]) {
    if (!isObj(raw)) throw badRequest('a JSON patch operation must be an object');
    const op = raw.op;
    switch (op) {
      case 'add':
        if (!('value' in raw)) throw badRequest('jsonpatch add operation: missing "value"');
        doc = addAt(doc, raw.path, clone(raw.value) as Json, op);
        break;
      case 'remove':
        removeAt(doc, raw.path, op);
        break;
      case 'replace':
        if (!('value' in raw)) throw badRequest('jsonpatch replace operation: missing "value"');
        doc = addAt(doc, raw.path, clone(raw.value) as Json, op, true);
        break;
      case 'move': {
        if (raw.from === undefined) throw badRequest('jsonpatch move operation: missing "from"');
        const v = removeAt(doc, raw.from, op);
        doc = addAt(doc, raw.path, v, op);
        break;
      }
      case 'copy': {
        if (raw.from === undefined) throw badRequest('jsonpatch copy operation: missing "from"');
        doc = addAt(doc, raw.path, clone(getAt(doc, raw.from, op)), op);
        break;
      }
      case 'test': {
        const v = getAt(doc, raw.path, op);
        if (!deepEqual(v, raw.value))
          throw badRequest(
            `jsonpatch test operation does not apply: doc value at "${raw.path}" does not equal the test value`,
          );
        break;
      }
      default:
        throw badRequest(
          `jsonpatch: unsupported operation ${JSON.stringify(op)} (expected add, remove, replace, move, copy or test)`,
        );
    }
  }
  return doc;
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch

/**
 * Merge keys of lists that merge instead of being replaced (the `x-kubernetes-patch-merge-key`
 * of the upstream types), by field name. Lists not named here are replaced. `ports` merges by
 * containerPort for container ports (the only ports in the kinds served so far).
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  resourceClaims: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  conditions: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  addresses: 'type',
  podIPs: 'ip',
  hostIPs: 'ip',
  topologySpreadConstraints: 'topologyKey',
  readinessGates: 'conditionType',
  taints: 'key',
};

/** Primitive lists merged as sets. */
const SET_LISTS = new Set(['finalizers']);

function mergeKeyOf(field: string, items: Json[]): string | undefined {
  const k = MERGE_KEYS[field];
  if (k === 'containerPort' && items.some((i) => isObj(i) && 'port' in i && !('containerPort' in i)))
    return 'port';
  return k;
}

/** Applies a strategic merge patch to an object. */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) throw badRequest('a strategic merge patch must be a JSON object');
  return smpObject(isObj(target) ? clone(target) : {}, patch);
}

function smpObject(orig: JsonObject, patch: JsonObject): Json {
  const directive = patch.$patch;
  if (directive === 'replace') {
    const out = clone(patch);
    delete out.$patch;
    return stripDirectives(out);
  }
  if (directive === 'delete') return null;
  const out: JsonObject = orig;
  const retainKeys = Array.isArray(patch.$retainKeys) ? (patch.$retainKeys as string[]) : undefined;
  const orders: Record<string, Json[]> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) {
      if (Array.isArray(v)) orders[k.slice('$setElementOrder/'.length)] = v;
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]) && Array.isArray(v)) {
        out[field] = (out[field] as Json[]).filter((x) => !v.some((d) => deepEqual(d, x)));
      }
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (isObj(v)) {
      const merged = smpObject(isObj(out[k]) ? (out[k] as JsonObject) : {}, v);
      if (merged === null) delete out[k];
      else out[k] = merged;
    } else if (Array.isArray(v)) {
      out[k] = smpList(k, Array.isArray(out[k]) ? (out[k] as Json[]) : [], v);
    } else out[k] = v;
  }
  for (const [field, order] of Object.entries(orders)) {
    if (Array.isArray(out[field])) out[field] = applyOrder(field, out[field] as Json[], order);
  }
  if (retainKeys)
    for (const k of Object.keys(out)) if (!retainKeys.includes(k) && !(k in patch)) delete out[k];
  return out;
}

function smpList(field: string, orig: Json[], patch: Json[]): Json[] {
  if (SET_LISTS.has(field)) {
    const out = [...orig];
    for (const v of patch) if (!out.some((x) => deepEqual(x, v))) out.push(v);
    return out;
  }
  const key = mergeKeyOf(field, [...orig, ...patch]);
  if (!key || !patch.every(isObj)) return stripDirectives(clone(patch)) as Json[];
  // `{$patch: replace}` as a list element replaces the whole list with the other elements.
  if (patch.some((p) => isObj(p) && p.$patch === 'replace' && !(key in p)))
    return patch
      .filter((p) => !(isObj(p) && p.$patch === 'replace' && !(key in p)))
      .map((p) => stripDirectives(clone(p)));
  const out = orig.map((x) => clone(x));
  for (const p of patch as JsonObject[]) {
    const idx = out.findIndex((x) => isObj(x) && deepEqual(x[key], p[key]));
    if (p.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = smpObject(out[idx] as JsonObject, p) as Json;
    else out.push(stripDirectives(clone(p)));
  }
  return out;
}

function applyOrder(field: string, list: Json[], order: Json[]): Json[] {
  const key = mergeKeyOf(field, list);
  const ident = (x: Json) => (key && isObj(x) ? JSON.stringify(x[key]) : JSON.stringify(x));
  const rank = new Map(order.map((o, i) => [ident(o), i]));
  const listed = list
    .filter((x) => rank.has(ident(x)))
    .sort((a, b) => rank.get(ident(a))! - rank.get(ident(b))!);
  const rest = list.filter((x) => !rank.has(ident(x)));
  return [...listed, ...rest];
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Server-side apply (simplified)

/**
 * Merges an applied configuration into the live object the way server-side apply does for a
 * single manager: fields in the config win, lists with merge keys merge by key, other lists and
 * scalars replace, fields absent from the config are kept. (No per-field ownership tracking yet.)
 */
export function applyMerge(live: unknown, config: unknown): unknown {
  if (!isObj(config)) throw badRequest('an apply patch must be an object');
  return smpObject(isObj(live) ? clone(live) : {}, stripDirectives(clone(config as Json)) as JsonObject);
}
