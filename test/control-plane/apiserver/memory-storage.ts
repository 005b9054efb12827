/**
 * TEMPORARY test double: a small in-memory ObjectStorage used only until the real ObjectStore
 * (apiserver/object-storage.ts) lands. Follows the ObjectStorage contract closely enough for
 * the REST-layer tests (revisions, conflicts, no-ops, selectors, pagination, watch + 410).
 */
import { randomUUID } from 'node:crypto';
import type { ResourceType } from '../../../src-main/common/resources';
import type { KubeList, KubeObject, WatchEvent } from '../../../src-main/common/types';
import {
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
} from '../../../src-main/control-plane/apiserver/selectors';
import {
  StatusError,
  alreadyExists,
  conflict,
  gone,
  notFound,
} from '../../../src-main/control-plane/apiserver/status';
import type {
  FieldGetter,
  ObjectStorage,
  StorageDeleteOptions,
  StorageListOptions,
  StorageWatchOptions,
} from '../../../src-main/control-plane/apiserver/storage';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const key = (t: ResourceType, ns: string | undefined, name: string) =>
  `${t.group}/${t.plural}/${t.namespaced ? (ns ?? '') : ''}/${name}`;

/** In-memory ObjectStorage (tests only). */
export class MemoryStorage implements ObjectStorage {
  private rev = 1;
  private compacted = 0;
  private readonly objs = new Map<string, KubeObject>();
  private readonly history: { rev: number; t: ResourceType; ev: WatchEvent }[] = [];
  private readonly watchers = new Set<{
    t: ResourceType;
    match: (o: KubeObject) => boolean;
    cb: (ev: WatchEvent) => void;
  }>();
  private readonly fields = new Map<ResourceType, FieldGetter>();

  registerFields(t: ResourceType, getter: FieldGetter): void {
    this.fields.set(t, getter);
  }

  /** Drops history up to the current revision (watch from older → 410). */
  compact(): void {
    this.compacted = this.rev;
    this.history.length = 0;
  }

  private emit(t: ResourceType, type: WatchEvent['type'], obj: KubeObject): void {
    const ev = { type, object: clone(obj) };
    this.history.push({ rev: this.rev, t, ev });
    for (const w of this.watchers) if (w.t === t && w.match(obj)) w.cb(clone(ev));
  }

  private matcher(
    t: ResourceType,
    opts: { namespace?: string; labelSelector?: string; fieldSelector?: string },
  ): (o: KubeObject) => boolean {
    let ls, fs;
    try {
      ls = parseLabelSelector(opts.labelSelector);
      fs = parseFieldSelector(opts.fieldSelector);
    } catch (err) {
      throw new StatusError(400, 'BadRequest', (err as Error).message);
    }
    return (o) => {
      if (opts.namespace && o.metadata.namespace !== opts.namespace) return false;
      const f = {
        'metadata.name': o.metadata.name ?? '',
        'metadata.namespace': o.metadata.namespace ?? '',
        ...(this.fields.get(t)?.(o) ?? {}),
      };
      return matchesLabelSelector(ls, o.metadata.labels) && matchesFieldSelector(fs, f);
    };
  }

  async create(t: ResourceType, obj: KubeObject, opts: { dryRun?: boolean } = {}): Promise<KubeObject> {
    const o = clone(obj);
    const m = o.metadata as Record<string, unknown>;
    if (!m.name && m.generateName)
      m.name = `${m.generateName as string}${Math.random().toString(36).slice(2, 7)}`;
    const k = key(t, o.metadata.namespace, o.metadata.name!);
    if (this.objs.has(k)) throw alreadyExists(t, o.metadata.name!);
    m.uid = randomUUID();
    m.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    m.generation = 1;
    if (opts.dryRun) return o;
    m.resourceVersion = String(++this.rev);
    this.objs.set(k, o);
    this.emit(t, 'ADDED', o);
    return clone(o);
  }

  async get(t: ResourceType, ns: string | undefined, name: string): Promise<KubeObject> {
    const o = this.objs.get(key(t, ns, name));
    if (!o) throw notFound(t, name);
    return clone(o);
  }

  async list(t: ResourceType, opts: StorageListOptions = {}): Promise<KubeList> {
    const match = this.matcher(t, opts);
    const prefix = `${t.group}/${t.plural}/`;
    let items = [...this.objs.entries()]
      .filter(([k, o]) => k.startsWith(prefix) && match(o))
      .sort(([a], [b]) => (a < b ? -1 : 1));
    if (opts.continue) items = items.filter(([k]) => k > opts.continue!);
    let cont: string | undefined;
    let remaining: number | undefined;
    if (opts.limit && items.length > opts.limit) {
      remaining = items.length - opts.limit;
      items = items.slice(0, opts.limit);
      cont = items[items.length - 1][0];
    }
    return {
      metadata: {
        resourceVersion: String(this.rev),
        ...(cont ? { continue: cont, remainingItemCount: remaining } : {}),
      },
      items: items.map(([, o]) => clone(o)),
    };
  }

  async guaranteedUpdate(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    tryUpdate: (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>,
    opts: { dryRun?: boolean; allowCreate?: boolean } = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    const k = key(t, ns, name);
    const cur = this.objs.get(k);
    if (!cur && !opts.allowCreate) {
      await tryUpdate(undefined);
      throw notFound(t, name);
    }
    const next = clone(await tryUpdate(cur ? clone(cur) : undefined));
    if (!cur) return { object: await this.create(t, next, opts), created: true };
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== cur.metadata.resourceVersion)
      throw conflict(t, name);
    const strip = (o: KubeObject) =>
      JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
    if (strip(next) === strip(cur)) return { object: clone(cur), created: false };
    const body = (o: KubeObject) => JSON.stringify({ ...o, metadata: undefined, status: undefined });
    const m = next.metadata as Record<string, unknown>;
    if (body(next) !== body(cur)) m.generation = (cur.metadata.generation ?? 1) + 1;
    if (opts.dryRun) return { object: next, created: false };
    m.resourceVersion = String(++this.rev);
    if (
      next.metadata.deletionTimestamp &&
      !(next.metadata.finalizers ?? []).length &&
      !next.metadata.deletionGracePeriodSeconds
    ) {
      this.objs.delete(k);
      this.emit(t, 'DELETED', next);
      return { object: clone(next), created: false };
    }
    this.objs.set(k, next);
    this.emit(t, 'MODIFIED', next);
    return { object: clone(next), created: false };
  }

  async delete(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    opts: StorageDeleteOptions = {},
  ): Promise<KubeObject> {
    const k = key(t, ns, name);
    const cur = this.objs.get(k);
    if (!cur) throw notFound(t, name);
    if (opts.preconditions?.uid && opts.preconditions.uid !== cur.metadata.uid)
      throw conflict(t, name, 'Precondition failed');
    if (opts.dryRun) return clone(cur);
    if ((opts.gracePeriodSeconds ?? 0) > 0 || (cur.metadata.finalizers ?? []).length) {
      const next = clone(cur);
      const m = next.metadata as Record<string, unknown>;
      m.deletionTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      m.deletionGracePeriodSeconds = opts.gracePeriodSeconds ?? 0;
      m.resourceVersion = String(++this.rev);
      this.objs.set(k, next);
      this.emit(t, 'MODIFIED', next);
      return clone(next);
    }
    this.objs.delete(k);
    ++this.rev;
    this.emit(t, 'DELETED', cur);
    return clone(cur);
  }

  async watch(
    t: ResourceType,
    opts: StorageWatchOptions,
    onEvent: (ev: WatchEvent) => void,
  ): Promise<{ stop(): void }> {
    const match = this.matcher(t, opts);
    const rv = opts.resourceVersion ? Number(opts.resourceVersion) : 0;
    if (rv && rv < this.compacted) throw gone(`too old resource version: ${rv} (${this.compacted})`);
    if (!rv) {
      for (const [k, o] of this.objs)
        if (k.startsWith(`${t.group}/${t.plural}/`) && match(o)) onEvent({ type: 'ADDED', object: clone(o) });
    } else {
      for (const h of this.history)
        if (h.rev > rv && h.t === t && match(h.ev.object as KubeObject)) onEvent(clone(h.ev));
    }
    const w = { t, match, cb: onEvent };
    this.watchers.add(w);
    return { stop: () => this.watchers.delete(w) };
  }
}
