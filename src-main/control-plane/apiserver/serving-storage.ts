/**
 * The storage the REST layer sees: ObjectStorage with version conversion in front of it
 * (Kubernetes' codec between the request version and the storage version). A type whose
 * `storageVersion` names another version (autoscaling/v1 HPAs, non-storage versions of a CRD) is
 * read and written as that version and converted on the way in and out. Also tells listeners
 * about writes (the CRD manager serves a new CRD before its create returns).
 */
import type { ClusterNetwork } from '../../common/network';
import { realClock, type Clock } from '../../common/clock';
import { apiVersionOf, type ResourceType } from '../../common/resources';
import type { KubeList, KubeObject, WatchEvent } from '../../common/types';
import { coreEventToV1, hpaV1ToV2, hpaV2ToV1, strategyFor, v1EventToCore } from './registry';
import { admitQuota } from './registry/admission';
import type { ResourceRegistry } from './resource-registry';
import type {
  FieldGetter,
  ObjectStorage,
  StorageDeleteOptions,
  StorageListOptions,
  StorageWatchOptions,
} from './storage';

/** Converts an object between two versions of one group/plural. */
export function convertObject(obj: KubeObject, from: ResourceType, to: ResourceType): KubeObject {
  if (from === to || apiVersionOf(from) === apiVersionOf(to)) return obj;
  if (from.group === 'autoscaling' && from.plural === 'horizontalpodautoscalers') {
    if (to.version === 'v1') return hpaV2ToV1(obj);
    if (from.version === 'v1') return hpaV1ToV2(obj);
  }
  if (from.plural === 'events' && from.group !== to.group) {
    if (to.group === 'events.k8s.io') return coreEventToV1(obj);
    if (from.group === 'events.k8s.io') return v1EventToCore(obj);
  }
  // Conversion strategy None (CRDs): only apiVersion changes.
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return { apiVersion: apiVersionOf(to), kind: to.kind, ...rest } as KubeObject;
}

/** Something that wants to hear about successful (non-dry-run) writes. */
export type WriteListener = (
  t: ResourceType,
  op: 'create' | 'update' | 'delete',
  obj: KubeObject,
) => Promise<void> | void;

/**
 * Something that may refuse a write before it is stored (RBAC escalation prevention): gets the
 * new object and, on updates, the current one; throws a StatusError to refuse.
 */
export type WriteGuard = (t: ResourceType, obj: KubeObject, old: KubeObject | undefined) => void;

/** ObjectStorage with conversion to and from storage versions. */
export class ServingStorage implements ObjectStorage {
  private readonly listeners: WriteListener[] = [];
  private readonly guards: WriteGuard[] = [];

  constructor(
    private readonly inner: ObjectStorage,
    private readonly registry: ResourceRegistry,
    private readonly clock: Clock = realClock,
    private readonly network?: ClusterNetwork,
  ) {}

  /** ResourceQuota admission for creates (every kind; quotas count objects of any type). */
  private admitQuota(t: ResourceType, obj: KubeObject): Promise<void> {
    return admitQuota(t, obj, this.inner, this.clock.now(), () => this.registry.all());
  }

  /** Registers a write listener (awaited before the write's response). */
  onWrite(fn: WriteListener): void {
    this.listeners.push(fn);
  }

  /** Registers a write guard (run on every create and changing update, dry runs included). */
  guardWrites(fn: WriteGuard): void {
    this.guards.push(fn);
  }

  private async notify(t: ResourceType, op: 'create' | 'update' | 'delete', obj: KubeObject): Promise<void> {
    for (const l of this.listeners) await l(t, op, obj);
  }

  private out(t: ResourceType, st: ResourceType, obj: KubeObject): KubeObject {
    return st === t ? obj : convertObject(obj, st, t);
  }

  async create(
    t: ResourceType,
    obj: KubeObject,
    opts: { dryRun?: boolean; uid?: string } = {},
  ): Promise<KubeObject> {
    const st = this.registry.storageType(t);
    for (const g of this.guards) g(t, obj, undefined);
    await this.admitQuota(t, obj);
    const uid = opts.uid ?? obj.metadata?.uid;
    const created = await this.inner.create(st, st === t ? obj : convertObject(obj, t, st), { ...opts, uid });
    if (!opts.dryRun) await this.notify(st, 'create', created);
    return this.out(t, st, created);
  }

  async get(t: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject> {
    const st = this.registry.storageType(t);
    return this.out(t, st, await this.inner.get(st, namespace, name));
  }

  async list(t: ResourceType, opts?: StorageListOptions): Promise<KubeList> {
    const st = this.registry.storageType(t);
    const list = await this.inner.list(st, opts);
    if (st === t) return list;
    return { ...list, items: list.items.map((o) => convertObject(o, st, t)) };
  }

  async guaranteedUpdate(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    tryUpdate: (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>,
    opts?: { dryRun?: boolean; allowCreate?: boolean },
  ): Promise<{ object: KubeObject; created: boolean }> {
    const st = this.registry.storageType(t);
    const res = await this.inner.guaranteedUpdate(
      st,
      namespace,
      name,
      async (cur) => {
        const view = cur && st !== t ? convertObject(cur, st, t) : cur;
        const next = await tryUpdate(view);
        // Returning the current object untouched is how callers say "no change".
        if (next === view && cur) return cur;
        for (const g of this.guards) g(t, next, view);
        if (!cur) await this.admitQuota(t, next);
        const s = strategyFor(t);
        if (view && s.admitUpdate && next.metadata.deletionTimestamp === undefined)
          await s.admitUpdate(next, view, {
            storage: this,
            now: this.clock.now(),
            dryRun: opts?.dryRun === true,
            network: this.network,
          });
        return st === t ? next : convertObject(next, t, st);
      },
      opts,
    );
    if (!opts?.dryRun) await this.notify(st, res.created ? 'create' : 'update', res.object);
    return { ...res, object: this.out(t, st, res.object) };
  }

  async delete(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    opts?: StorageDeleteOptions,
  ): Promise<KubeObject> {
    const st = this.registry.storageType(t);
    const obj = await this.inner.delete(st, namespace, name, opts);
    if (!opts?.dryRun) await this.notify(st, 'delete', obj);
    return this.out(t, st, obj);
  }

  async watch(
    t: ResourceType,
    opts: StorageWatchOptions,
    onEvent: (ev: WatchEvent) => void,
  ): Promise<{ stop(): void }> {
    const st = this.registry.storageType(t);
    if (st === t) return this.inner.watch(t, opts, onEvent);
    return this.inner.watch(st, opts, (ev) => {
      if (ev.type === 'ERROR') return onEvent(ev);
      const o = ev.object as KubeObject;
      onEvent({
        ...ev,
        object: ev.type === 'BOOKMARK' ? { ...o, apiVersion: apiVersionOf(t) } : convertObject(o, st, t),
      });
    });
  }

  registerFields(t: ResourceType, getter: FieldGetter): void {
    this.inner.registerFields(this.registry.storageType(t), getter);
  }
}
