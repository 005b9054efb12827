import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { KubeClient } from '../../common/client/client';
import { isNotFound } from '../../common/client/errors';
import type { Informer } from '../../common/client/informer';
import { R, findByKind, type ResourceType } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { Controller, type ControllerOptions, type ReconcileResult, type SharedInformers } from '../client';
import { writeOwnerRefs } from './controller-ref-manager';
import { deleteExact } from './controller-util';
import { clone } from './pod-util';

/** Finalizers the garbage collector acts on. */
const FOREGROUND_FINALIZER = 'foregroundDeletion';
const ORPHAN_FINALIZER = 'orphan';

/** Options of the GarbageCollector. */
export interface GarbageCollectorOptions extends ControllerOptions {
  /** Kinds whose objects can be owners or dependents (default: pods, replicasets, deployments). */
  types?: ResourceType[];
}

type OwnerState = 'absent' | 'solid' | 'waiting';

/**
 * kube-controller-manager's garbage collector for ownerReferences, level-triggered over shared
 * informers of every kind it manages:
 * - a dependent whose owners are all gone (NotFound, or a new object with another uid — always
 *   confirmed with a live GET, never from the cache alone) is deleted with Background
 *   propagation; dangling references next to a live owner are removed;
 * - an owner deleted with `foregroundDeletion` gets its dependents deleted, and the finalizer is
 *   removed once no dependent with `blockOwnerDeletion` is left;
 * - an owner deleted with `orphan` has its references stripped from every dependent, then the
 *   finalizer removed.
 * Queue keys are `<plural>.<group>|<namespace>|<name>`.
 */
export class GarbageCollector extends Controller {
  private readonly types: ResourceType[];
  private readonly infs = new Map<ResourceType, Informer<KubeObject>>();
  /** owner uid → keys of objects that reference it. */
  private readonly dependents = new Map<string, Set<string>>();
  /** object key → owner uids it references (to keep `dependents` exact on updates). */
  private readonly ownersOf = new Map<string, string[]>();
  /** uid → object key, to wake an owner waiting for its dependents. */
  private readonly byUid = new Map<string, string>();
  /** Owners confirmed absent (upstream absentOwnerCache), so N pods of one deleted RS cost one GET. */
  private readonly absent = new Set<string>();

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: GarbageCollectorOptions = {},
  ) {
    super('garbage-collector', opts);
    this.types = opts.types ?? [R.pods, R.replicasets, R.deployments];
    for (const t of this.types) {
      const inf = informers.informerFor<KubeObject>(t);
      this.infs.set(t, inf);
      inf.addHandler({
        add: (o) => this.observe(t, o),
        update: (o) => this.observe(t, o),
        delete: (o) => this.forget(t, o),
      });
    }
  }

  /** Queue key of an object of type `t`. */
  itemKey(t: ResourceType, namespace: string | undefined, name: string): string {
    return `${t.plural}.${t.group}|${namespace ?? ''}|${name}`;
  }

  private parseKey(key: string): { type: ResourceType; namespace: string; name: string } | undefined {
    const [tn, namespace, name] = key.split('|');
    const type = this.types.find((t) => `${t.plural}.${t.group}` === tn);
    return type && { type, namespace, name };
  }

  private observe(t: ResourceType, o: KubeObject): void {
    const key = this.itemKey(t, o.metadata.namespace, o.metadata.name!);
    this.index(key, o);
    const fin = o.metadata.finalizers ?? [];
    if (o.metadata.ownerReferences?.length) this.queue.add(key);
    if (o.metadata.deletionTimestamp) {
      if (fin.includes(FOREGROUND_FINALIZER) || fin.includes(ORPHAN_FINALIZER)) this.queue.add(key);
      // A dependent going away may unblock an owner in foreground deletion.
      this.wakeOwners(o);
    }
  }

  private forget(t: ResourceType, o: KubeObject): void {
    const key = this.itemKey(t, o.metadata.namespace, o.metadata.name!);
    this.index(key, undefined);
    if (this.byUid.get(o.metadata.uid!) === key) this.byUid.delete(o.metadata.uid!);
    // Its dependents may now be orphans; its owners may be waiting for it.
    for (const dep of this.dependents.get(o.metadata.uid!) ?? []) this.queue.add(dep);
    this.wakeOwners(o);
  }

  private wakeOwners(o: KubeObject): void {
    for (const ref of o.metadata.ownerReferences ?? []) {
      const ownerKey = this.byUid.get(ref.uid);
      if (ownerKey) this.queue.add(ownerKey);
    }
  }

  private index(key: string, o: KubeObject | undefined): void {
    for (const uid of this.ownersOf.get(key) ?? []) {
      const set = this.dependents.get(uid);
      set?.delete(key);
      if (set && !set.size) this.dependents.delete(uid);
    }
    this.ownersOf.delete(key);
    if (!o) return;
    this.byUid.set(o.metadata.uid!, key);
    const uids = (o.metadata.ownerReferences ?? []).map((r) => r.uid);
    if (!uids.length) return;
    this.ownersOf.set(key, uids);
    for (const uid of uids) {
      let set = this.dependents.get(uid);
      if (!set) this.dependents.set(uid, (set = new Set()));
      set.add(key);
    }
  }

  private cached(key: string): { type: ResourceType; obj: KubeObject } | undefined {
    const p = this.parseKey(key);
    if (!p) return undefined;
    const obj = this.infs.get(p.type)!.get(p.namespace ? `${p.namespace}/${p.name}` : p.name);
    return obj && { type: p.type, obj };
  }

  /** Live dependents of an owner uid, from the caches. */
  private dependentsOf(uid: string): { type: ResourceType; obj: KubeObject }[] {
    return [...(this.dependents.get(uid) ?? [])]
      .map((k) => this.cached(k))
      .filter((x): x is { type: ResourceType; obj: KubeObject } => !!x);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const item = this.cached(key);
    if (!item) return;
    const { type, obj } = item;
    if (obj.metadata.deletionTimestamp) {
      const fin = obj.metadata.finalizers ?? [];
      if (fin.includes(ORPHAN_FINALIZER)) return this.orphanDependents(type, obj);
      if (fin.includes(FOREGROUND_FINALIZER)) return this.deleteDependents(type, obj);
      return;
    }
    if (obj.metadata.ownerReferences?.length) await this.attemptToDelete(type, obj);
  }

  /** Classifies owners and deletes the item when none is left (attemptToDeleteItem). */
  private async attemptToDelete(type: ResourceType, obj: KubeObject): Promise<void> {
    const refs = obj.metadata.ownerReferences ?? [];
    const solid: OwnerReference[] = [];
    const gone: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const st = await this.ownerState(obj.metadata.namespace, ref);
      (st === 'solid' ? solid : st === 'absent' ? gone : waiting).push(ref);
    }
    if (solid.length) {
      if (gone.length || waiting.length) {
        // Live owners keep the object; just drop the references to the dead or dying ones.
        const drop = new Set([...gone, ...waiting].map((r) => r.uid));
        await writeOwnerRefs(
          this.client,
          type,
          obj,
          refs.filter((r) => !drop.has(r.uid)),
        );
      }
      return;
    }
    const fin = obj.metadata.finalizers ?? [];
    let policy: 'Background' | 'Foreground' | 'Orphan' = 'Background';
    if (waiting.length && this.dependents.has(obj.metadata.uid!)) policy = 'Foreground';
    else if (fin.includes(ORPHAN_FINALIZER)) policy = 'Orphan';
    else if (fin.includes(FOREGROUND_FINALIZER)) policy = 'Foreground';
    this.log.debug(`deleting ${type.plural} ${obj.metadata.namespace}/${obj.metadata.name}: owners gone`, {
      policy,
    });
    await this.deleteObject(type, obj, policy);
  }

  private async ownerState(namespace: string | undefined, ref: OwnerReference): Promise<OwnerState> {
    if (this.absent.has(ref.uid)) return 'absent';
    const t = findByKind(ref.apiVersion, ref.kind);
    // An owner of a kind we cannot look up is never presumed dead.
    if (!t) return 'solid';
    const ns = t.namespaced ? namespace : undefined;
    const inf = this.infs.get(t);
    let owner: KubeObject | undefined = inf?.get(ns ? `${ns}/${ref.name}` : ref.name);
    if (!owner || owner.metadata.uid !== ref.uid) {
      // The cache may lag: only a live read may declare an owner gone.
      try {
        owner = await this.client.get<KubeObject>(t, ref.name, ns);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        owner = undefined;
      }
    }
    if (!owner || owner.metadata.uid !== ref.uid) {
      this.absent.add(ref.uid);
      if (this.absent.size > 5000) this.absent.delete(this.absent.values().next().value!);
      return 'absent';
    }
    if (owner.metadata.deletionTimestamp && (owner.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER))
      return 'waiting';
    return 'solid';
  }

  /** Foreground deletion of an owner: delete dependents, release the owner when no blocker is left. */
  private async deleteDependents(type: ResourceType, owner: KubeObject): Promise<ReconcileResult | void> {
    const uid = owner.metadata.uid!;
    const deps = this.dependentsOf(uid);
    for (const d of deps) {
      if (d.obj.metadata.deletionTimestamp) continue;
      // Dependents with dependents of their own go in foreground too, so the chain is waited for.
      await this.deleteObject(
        d.type,
        d.obj,
        this.dependents.has(d.obj.metadata.uid!) ? 'Foreground' : 'Background',
      );
    }
    const blocking = deps.filter((d) =>
      d.obj.metadata.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion),
    );
    if (blocking.length) return { requeueAfter: 5_000 };
    await this.removeFinalizer(type, owner, FOREGROUND_FINALIZER);
  }

  /** Orphan deletion of an owner: strip its references from dependents, then release it. */
  private async orphanDependents(type: ResourceType, owner: KubeObject): Promise<void> {
    const uid = owner.metadata.uid!;
    for (const d of this.dependentsOf(uid)) {
      await writeOwnerRefs(
        this.client,
        d.type,
        d.obj,
        (d.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid),
      );
    }
    await this.removeFinalizer(type, owner, ORPHAN_FINALIZER);
  }

  private async removeFinalizer(type: ResourceType, obj: KubeObject, finalizer: string): Promise<void> {
    // Re-read before the write that lets the API server delete the object for good.
    let cur: KubeObject;
    try {
      cur = await this.client.get<KubeObject>(type, obj.metadata.name!, obj.metadata.namespace);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (cur.metadata.uid !== obj.metadata.uid || !(cur.metadata.finalizers ?? []).includes(finalizer)) return;
    const copy = clone(cur);
    const finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    copy.metadata = { ...copy.metadata, finalizers: finalizers.length ? finalizers : undefined };
    try {
      await this.client.update(type, copy);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async deleteObject(
    type: ResourceType,
    obj: KubeObject,
    policy: 'Background' | 'Foreground' | 'Orphan',
  ): Promise<void> {
    // Gone already, or replaced by a new object with the same name: nothing to do.
    await deleteExact(this.client, type, obj, { propagationPolicy: policy });
  }
}
