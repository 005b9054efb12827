/**
 * Server-side apply with field ownership (a compact structured-merge-diff): every manager's
 * fields are kept in `metadata.managedFields` as FieldsV1 sets; an apply merges the applied
 * configuration into the live object (associative lists by their keys, sets by value, other
 * lists atomically), removes the fields the manager stopped applying and nobody else owns, and
 * fails with 409 FieldManagerConflict when it would change a value another manager owns —
 * unless `force`, which takes the ownership over. Ordinary writes (create, update, patch)
 * record what they changed for their manager with operation Update.
 */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1';
import { apiVersionOf, type ResourceType } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { resolveSchema, schemaFor, type Schema } from './openapi-schemas';
import { StatusError } from './status';

type Json = unknown;
type JsonObj = Record<string, unknown>;

const isObj = (v: unknown): v is JsonObj => typeof v === 'object' && v !== null && !Array.isArray(v);
const SEP = '\u0001';

/** Lists merged by key when no schema says so (the upstream merge keys of the common types). */
const FALLBACK_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  imagePullSecrets: ['name'],
  ownerReferences: ['uid'],
  conditions: ['type'],
};
/** Upstream list-map keys that differ from the patch merge key. */
const LIST_MAP_KEYS: Record<string, string[]> = {
  'Container.ports': ['containerPort', 'protocol'],
  'ServiceSpec.ports': ['port', 'protocol'],
};
const SET_FIELDS = new Set(['finalizers']);

/** Walks a schema alongside the data, answering how each list merges. */
class Node {
  constructor(
    readonly schema: Schema | undefined,
    readonly field = '',
  ) {}

  child(k: string): Node {
    const s = resolveSchema(this.schema);
    if (!s) return new Node(undefined, k);
    const p =
      s.properties?.[k] ?? (isObj(s.additionalProperties) ? (s.additionalProperties as Schema) : undefined);
    return new Node(p, k);
  }

  items(): Node {
    const s = resolveSchema(this.schema);
    return new Node(s && isObj(s.items) ? (s.items as Schema) : undefined, this.field);
  }

  /** 'atomic', 'set' or the key fields of an associative list. */
  listType(sample: unknown[]): 'atomic' | 'set' | string[] {
    const s = (this.schema ?? {}) as Schema & JsonObj;
    const lt = s['x-kubernetes-list-type'];
    if (lt === 'map' && Array.isArray(s['x-kubernetes-list-map-keys']))
      return s['x-kubernetes-list-map-keys'] as string[];
    if (lt === 'set') return 'set';
    if (lt === 'atomic') return 'atomic';
    const mk = s['x-kubernetes-patch-merge-key'];
    const strategy = String(s['x-kubernetes-patch-strategy'] ?? '');
    const objects = sample.length > 0 && sample.every(isObj);
    if (typeof mk === 'string') {
      const desc = String(s.description ?? '');
      if (this.field === 'ports' && objects && sample.every((i) => 'containerPort' in (i as JsonObj)))
        return LIST_MAP_KEYS['Container.ports'];
      if (
        this.field === 'ports' &&
        objects &&
        sample.every((i) => 'port' in (i as JsonObj)) &&
        !desc.includes('container')
      )
        return LIST_MAP_KEYS['ServiceSpec.ports'];
      return [mk];
    }
    if (strategy.includes('merge') && !objects) return 'set';
    if (!this.schema) {
      if (FALLBACK_KEYS[this.field] && objects) return FALLBACK_KEYS[this.field];
      if (SET_FIELDS.has(this.field)) return 'set';
    }
    return 'atomic';
  }
}

function stable(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isObj(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

function itemKey(item: Json, keys: string[]): string {
  const o = isObj(item) ? item : {};
  const picked: JsonObj = {};
  // Like upstream: protocol defaults to TCP when part of the key.
  for (const k of keys) picked[k] = o[k] ?? (k === 'protocol' ? 'TCP' : undefined);
  return `k:${stable(picked)}`;
}

/** Top-level and metadata fields never owned (set by the server or identifying the object). */
const IGNORED_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

/** The field set of a value, as SEP-joined paths; a trailing '.' marks an owned list item. */
export function fieldSet(obj: KubeObject, root: Node, ignoreStatus: boolean): Set<string> {
  const out = new Set<string>();
  const walk = (v: Json, node: Node, prefix: string[]) => {
    if (isObj(v)) {
      const keys = Object.keys(v);
      if (!keys.length && prefix.length) out.add(prefix.join(SEP));
      for (const k of keys) walk(v[k], node.child(k), [...prefix, `f:${k}`]);
      return;
    }
    if (Array.isArray(v)) {
      const lt = node.listType(v);
      if (lt === 'atomic' || !v.length) out.add(prefix.join(SEP));
      else if (lt === 'set') for (const x of v) out.add([...prefix, `v:${stable(x)}`].join(SEP));
      else
        for (const item of v) {
          const p = [...prefix, itemKey(item, lt)];
          out.add([...p, '.'].join(SEP));
          if (isObj(item))
            for (const k of Object.keys(item)) walk(item[k], node.items().child(k), [...p, `f:${k}`]);
        }
      return;
    }
    out.add(prefix.join(SEP));
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || (k === 'status' && ignoreStatus)) continue;
    if (k === 'metadata' && isObj(v)) {
      for (const [mk, mv] of Object.entries(v))
        if (!IGNORED_META.has(mk)) walk(mv, root.child('metadata').child(mk), ['f:metadata', `f:${mk}`]);
      continue;
    }
    walk(v, root.child(k), [`f:${k}`]);
  }
  return out;
}

/** FieldsV1 tree of a set. */
export function toFieldsV1(set: Set<string>): JsonObj {
  const root: JsonObj = {};
  for (const p of [...set].sort()) {
    let cur = root;
    for (const el of p.split(SEP)) {
      if (!isObj(cur[el])) cur[el] = {};
      cur = cur[el] as JsonObj;
    }
  }
  return root;
}

/** The set of a FieldsV1 tree. */
export function fromFieldsV1(tree: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (t: unknown, prefix: string[]) => {
    if (!isObj(t)) return;
    for (const [k, c] of Object.entries(t)) {
      const p = [...prefix, k];
      if (k === '.' || !isObj(c) || !Object.keys(c).length) out.add(p.join(SEP));
      else walk(c, p);
    }
  };
  walk(tree, []);
  return out;
}

function getAt(obj: Json, path: string): { found: boolean; value?: Json } {
  let cur: Json = obj;
  for (const el of path.split(SEP)) {
    if (el === '.') return { found: true, value: cur };
    if (el.startsWith('f:')) {
      if (!isObj(cur) || !(el.slice(2) in cur)) return { found: false };
      cur = cur[el.slice(2)];
    } else if (el.startsWith('k:')) {
      if (!Array.isArray(cur)) return { found: false };
      const want = JSON.parse(el.slice(2)) as JsonObj;
      const keys = Object.keys(want);
      const item = cur.find((i) => itemKey(i, keys) === el);
      if (item === undefined) return { found: false };
      cur = item;
    } else if (el.startsWith('v:')) {
      if (!Array.isArray(cur)) return { found: false };
      const item = cur.find((i) => `v:${stable(i)}` === el);
      return item === undefined ? { found: false } : { found: true, value: item };
    }
  }
  return { found: true, value: cur };
}

function removeAt(obj: Json, path: string): void {
  const els = path.split(SEP);
  if (els.at(-1) === '.') els.pop();
  const last = els.pop()!;
  const parent = els.length ? getAt(obj, els.join(SEP)) : { found: true, value: obj };
  if (!parent.found) return;
  const p = parent.value;
  if (last.startsWith('f:') && isObj(p)) delete p[last.slice(2)];
  else if (Array.isArray(p)) {
    const idx = last.startsWith('k:')
      ? p.findIndex((i) => itemKey(i, Object.keys(JSON.parse(last.slice(2)) as JsonObj)) === last)
      : p.findIndex((i) => `v:${stable(i)}` === last);
    if (idx >= 0) p.splice(idx, 1);
  }
}

function mergeValue(live: Json, cfg: Json, node: Node): Json {
  if (isObj(cfg)) {
    const out: JsonObj = isObj(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(cfg)) {
      if (v === null) delete out[k];
      else out[k] = mergeValue(out[k], v, node.child(k));
    }
    return out;
  }
  if (Array.isArray(cfg)) {
    const lt = node.listType(cfg.length ? cfg : Array.isArray(live) ? live : []);
    if (lt === 'atomic') return structuredClone(cfg);
    const out = Array.isArray(live) ? live.map((x) => structuredClone(x)) : [];
    if (lt === 'set') {
      for (const v of cfg) if (!out.some((x) => stable(x) === stable(v))) out.push(structuredClone(v));
      return out;
    }
    for (const item of cfg) {
      const k = itemKey(item, lt);
      const i = out.findIndex((x) => itemKey(x, lt) === k);
      if (i >= 0) out[i] = mergeValue(out[i], item, node.items());
      else out.push(structuredClone(item));
    }
    return out;
  }
  return cfg;
}

function pathString(path: string): string {
  let s = '';
  for (const el of path.split(SEP)) {
    if (el === '.') continue;
    if (el.startsWith('f:')) s += `.${el.slice(2)}`;
    else if (el.startsWith('k:')) {
      const o = JSON.parse(el.slice(2)) as JsonObj;
      s += `[${Object.entries(o)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else s += `[${el.slice(2)}]`;
  }
  return s;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The root schema node of a kind: its upstream OpenAPI schema or a CRD's schema. */
export function rootNode(t: ResourceType, crdSchema?: unknown): Node {
  return new Node((crdSchema as Schema | undefined) ?? schemaFor(t));
}

interface Entry {
  manager: string;
  operation: string;
  subresource?: string;
  apiVersion?: string;
  time?: string;
  set: Set<string>;
}

function readEntries(obj: KubeObject | undefined): Entry[] {
  return ((obj?.metadata.managedFields ?? []) as ManagedFieldsEntry[]).map((m) => ({
    manager: m.manager ?? '',
    operation: m.operation ?? 'Update',
    subresource: m.subresource,
    apiVersion: m.apiVersion,
    time: m.time,
    set: fromFieldsV1(m.fieldsV1),
  }));
}

function writeEntries(entries: Entry[]): ManagedFieldsEntry[] {
  return entries
    .filter((e) => e.set.size)
    .map((e) => ({
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      ...(e.time ? { time: e.time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(e.set),
      ...(e.subresource ? { subresource: e.subresource } : {}),
    }));
}

/** Options of one apply. */
export interface ApplyOptions {
  type: ResourceType;
  manager: string;
  force: boolean;
  now: number;
  /** Kinds with a status subresource: the main resource's apply ignores status. */
  ignoreStatus: boolean;
  /** A CRD version's openAPIV3Schema (custom resources). */
  schema?: unknown;
}

/**
 * Applies `config` to `live` (undefined = create). Returns the merged object carrying the new
 * managedFields; throws 409 with FieldManagerConflict causes on conflicts.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  config: KubeObject,
  o: ApplyOptions,
): KubeObject {
  const root = rootNode(o.type, o.schema);
  const cfg = structuredClone(config);
  if (o.ignoreStatus) delete cfg.status;
  const newSet = fieldSet(cfg, root, o.ignoreStatus);
  const entries = readEntries(live);
  const mine = entries.find((e) => e.manager === o.manager && e.operation === 'Apply' && !e.subresource);
  const others = entries.filter((e) => e !== mine);
  const base: KubeObject = live
    ? structuredClone(live)
    : { apiVersion: cfg.apiVersion, kind: cfg.kind, metadata: {} };
  const { metadata: cfgMeta, ...cfgRest } = cfg;
  const merged = mergeValue(base, cfgRest, root) as KubeObject;
  const metaCfg = Object.fromEntries(Object.entries(cfgMeta ?? {}).filter(([k]) => !IGNORED_META.has(k)));
  merged.metadata = {
    ...(mergeValue(base.metadata, metaCfg, root.child('metadata')) as KubeObject['metadata']),
  };
  for (const k of ['name', 'namespace'] as const)
    if (!live && cfgMeta?.[k] !== undefined) (merged.metadata as JsonObj)[k] = cfgMeta[k];

  // Conflicts: a field another manager owns whose value this apply would change.
  const conflicts: { entry: Entry; path: string }[] = [];
  for (const p of newSet) {
    if (p.endsWith(`${SEP}.`) || p === '.') continue;
    const before = getAt(live, p);
    const after = getAt(merged, p);
    if (before.found && stable(before.value) === stable(after.value)) continue;
    for (const e of others) if (e.set.has(p)) conflicts.push({ entry: e, path: p });
  }
  if (conflicts.length && !o.force) {
    // lastAppliedManager: kubectl's own server-side apply takes over what client-side apply
    // last applied (and still holds) without conflicts.
    const allowed = o.manager === 'kubectl' ? allowedFromLastApplied(live, root, o.ignoreStatus) : new Set();
    const real = conflicts.filter((c) => !allowed.has(c.path));
    if (real.length) throw conflictError(o.type, live?.metadata.name ?? '', real);
  }
  for (const { entry, path } of conflicts) entry.set.delete(path);

  // Fields this manager applied before, no longer applies, and nobody else owns are removed.
  const ownedByOthers = (p: string) => {
    const item = p.endsWith(`${SEP}.`) ? p.slice(0, -2) : undefined;
    return others.some(
      (e) => e.set.has(p) || (item !== undefined && [...e.set].some((q) => q.startsWith(item + SEP))),
    );
  };
  const toRemove = [...(mine?.set ?? [])].filter((p) => !newSet.has(p) && !ownedByOthers(p));
  // Whole list items first (their fields go with them), then the remaining leaves.
  const items = toRemove.filter((p) => p.endsWith(`${SEP}.`)).map((p) => p.slice(0, -1));
  for (const p of items) removeAt(merged, `${p}.`);
  for (const p of toRemove.sort().reverse())
    if (!p.endsWith(`${SEP}.`) && !items.some((it) => p.startsWith(it))) removeAt(merged, p);

  const entry: Entry = {
    manager: o.manager,
    operation: 'Apply',
    apiVersion: apiVersionOf(o.type),
    time: rfc3339(o.now),
    set: newSet,
  };
  merged.metadata.managedFields = writeEntries([...others, entry]);
  return merged;
}

/** How upstream names a manager in conflict messages (structured-merge-diff printManager). */
function printManager(e: Entry): string {
  let m = JSON.stringify(e.manager);
  if (e.subresource) m += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') m += ` using ${e.apiVersion ?? ''}${e.time ? ` at ${e.time}` : ''}`;
  return m;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Fields of the last client-side-applied configuration whose live values still match it. */
function allowedFromLastApplied(
  live: KubeObject | undefined,
  root: Node,
  ignoreStatus: boolean,
): Set<string> {
  const text = live?.metadata.annotations?.[LAST_APPLIED];
  if (!text) return new Set();
  let last: KubeObject;
  try {
    last = JSON.parse(text) as KubeObject;
  } catch {
    return new Set();
  }
  if (!isObj(last)) return new Set();
  last.metadata ??= {};
  const out = new Set<string>();
  for (const p of fieldSet(last, root, ignoreStatus)) {
    const a = getAt(last, p);
    const b = getAt(live, p);
    if (b.found && stable(a.value) === stable(b.value)) out.add(p);
  }
  return out;
}

function conflictError(
  t: ResourceType,
  name: string,
  conflicts: { entry: Entry; path: string }[],
): StatusError {
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const k = printManager(c.entry);
    byManager.set(k, [...(byManager.get(k) ?? []), pathString(c.path)]);
  }
  const n = conflicts.length;
  let message: string;
  if (n === 1) {
    const [[k, [p]]] = [...byManager.entries()];
    message = `Apply failed with 1 conflict: conflict with ${k}: ${p}`;
  } else {
    message = `Apply failed with ${n} conflicts: ${[...byManager.entries()]
      .map(([k, ps]) =>
        ps.length === 1
          ? `conflict with ${k}: ${ps[0]}`
          : `conflicts with ${k}:\n${ps.map((p) => `- ${p}`).join('\n')}`,
      )
      .join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, {
    name,
    group: t.group,
    kind: t.plural,
    causes: conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with ${printManager(c.entry)}`,
      field: pathString(c.path),
    })),
  });
}

/** Same managed fields apart from timestamps? (a no-op apply keeps the resourceVersion). */
export function sameOwnership(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) =>
    stable(
      ((o.metadata.managedFields ?? []) as ManagedFieldsEntry[]).map((m) => ({ ...m, time: undefined })),
    );
  return strip(a) === strip(b);
}

/**
 * Records an ordinary write (operation Update): `manager` owns what it changed; the fields it
 * removed are nobody's. Sets `next.metadata.managedFields`.
 */
export function trackUpdate(
  old: KubeObject | undefined,
  next: KubeObject,
  o: {
    type: ResourceType;
    manager: string;
    now: number;
    ignoreStatus: boolean;
    subresource?: string;
    schema?: unknown;
  },
): void {
  // A write that sets managedFields itself (kubectl's client-side → server-side apply upgrade)
  // gets them as written; [{}] clears them.
  const given = next.metadata.managedFields;
  if (old && given !== undefined && stable(given) !== stable(old.metadata.managedFields)) {
    if (Array.isArray(given) && given.length === 1 && !Object.keys(given[0] ?? {}).length)
      delete next.metadata.managedFields;
    return;
  }
  const root = rootNode(o.type, o.schema);
  const onlyStatus = o.subresource === 'status';
  const view = (x: KubeObject | undefined): KubeObject | undefined =>
    x && onlyStatus
      ? ({ apiVersion: x.apiVersion, kind: x.kind, metadata: {}, status: x.status } as KubeObject)
      : x;
  const nextSet = fieldSet(view(next)!, root, o.ignoreStatus && !onlyStatus);
  const oldSet = old ? fieldSet(view(old)!, root, o.ignoreStatus && !onlyStatus) : new Set<string>();
  const changed = new Set<string>();
  for (const p of nextSet) {
    if (!oldSet.has(p)) changed.add(p);
    else if (!p.endsWith('.')) {
      const a = getAt(old, p);
      const b = getAt(next, p);
      if (stable(a.value) !== stable(b.value)) changed.add(p);
    }
  }
  const removed = [...oldSet].filter((p) => !nextSet.has(p));
  const entries = readEntries(old ?? next);
  if (!changed.size && !removed.length) {
    next.metadata.managedFields = old?.metadata.managedFields ?? next.metadata.managedFields;
    return;
  }
  for (const e of entries) {
    for (const p of changed) e.set.delete(p);
    for (const p of removed) e.set.delete(p);
  }
  let mine = entries.find(
    (e) =>
      e.manager === o.manager && e.operation === 'Update' && (e.subresource ?? '') === (o.subresource ?? ''),
  );
  if (!mine) {
    mine = {
      manager: o.manager,
      operation: 'Update',
      apiVersion: apiVersionOf(o.type),
      set: new Set(),
      ...(onlyStatus ? { subresource: 'status' } : {}),
    };
    entries.push(mine);
  }
  for (const p of changed) mine.set.add(p);
  mine.time = rfc3339(o.now);
  mine.apiVersion = apiVersionOf(o.type);
  next.metadata.managedFields = writeEntries(entries);
}

/** The field manager of an ordinary write: ?fieldManager, else the User-Agent's program name. */
export function managerOf(query: URLSearchParams, userAgent: string | undefined): string {
  const m = query.get('fieldManager');
  if (m) return m;
  const ua = (userAgent ?? '').split('/')[0].trim();
  return ua || 'unknown';
}
