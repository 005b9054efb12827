/**
 * The RBAC authorizer's view of Roles, ClusterRoles and their bindings: an in-memory index fed
 * from the API server's own storage (list, then watch from the list's revision), like the
 * informer listers kube-apiserver's RBAC authorizer reads. Writes made through this server are
 * also applied synchronously (api-server.ts feeds the serving storage's write listener in), so a
 * binding created and a request made right after it see the binding — kube-apiserver is only
 * eventually consistent here, which scripts often trip over. Each entry keeps the revision it was
 * seen at, so a late watch event never undoes a newer synchronous write.
 */
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1';
import type { Logger } from '../../../../common/logger';
import { silentLogger } from '../../../../common/logger';
import { R, type ResourceType } from '../../../../common/resources';
import type { KubeObject, WatchEvent } from '../../../../common/types';
import type { ObjectStorage } from '../../storage';

const KINDS = [R.roles, R.clusterroles, R.rolebindings, R.clusterrolebindings] as const;

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

function rev(obj: KubeObject): number {
  return Number(obj.metadata.resourceVersion ?? '0') || 0;
}

/** One kind's objects by namespace/name, with tombstones so stale events cannot resurrect. */
class KindIndex<T extends KubeObject> {
  readonly items = new Map<string, T>();
  private readonly tombstones = new Map<string, number>();

  upsert(obj: T): void {
    const k = keyOf(obj);
    const cur = this.items.get(k);
    const dead = this.tombstones.get(k);
    if ((cur && rev(cur) > rev(obj)) || (dead !== undefined && dead >= rev(obj))) return;
    this.tombstones.delete(k);
    this.items.set(k, obj);
  }

  remove(obj: T): void {
    const k = keyOf(obj);
    const cur = this.items.get(k);
    if (cur && rev(cur) > rev(obj)) return;
    this.items.delete(k);
    this.tombstones.set(k, rev(obj));
  }

  replace(objs: T[]): void {
    this.items.clear();
    this.tombstones.clear();
    for (const o of objs) this.items.set(keyOf(o), o);
  }
}

/** The four RBAC kinds, kept current from storage. */
export class PolicyIndex {
  private readonly roles = new KindIndex<Role & KubeObject>();
  private readonly clusterRoles = new KindIndex<ClusterRole & KubeObject>();
  private readonly roleBindings = new KindIndex<RoleBinding & KubeObject>();
  private readonly clusterRoleBindings = new KindIndex<ClusterRoleBinding & KubeObject>();
  private readonly watches: { stop(): void }[] = [];
  private stopped = false;

  constructor(
    private readonly storage: ObjectStorage,
    private readonly logger: Logger = silentLogger,
  ) {}

  private indexOf(t: ResourceType): KindIndex<KubeObject> | undefined {
    if (t.group !== R.roles.group) return undefined;
    switch (t.plural) {
      case 'roles':
        return this.roles as KindIndex<KubeObject>;
      case 'clusterroles':
        return this.clusterRoles as KindIndex<KubeObject>;
      case 'rolebindings':
        return this.roleBindings as KindIndex<KubeObject>;
      case 'clusterrolebindings':
        return this.clusterRoleBindings as KindIndex<KubeObject>;
      default:
        return undefined;
    }
  }

  /** Lists each kind and watches it from the list's revision (re-listing when the watch ends). */
  async start(): Promise<void> {
    await Promise.all(KINDS.map((t) => this.sync(t)));
  }

  private async sync(t: ResourceType): Promise<void> {
    const idx = this.indexOf(t)!;
    const list = await this.storage.list(t);
    idx.replace(list.items);
    const w = await this.storage.watch(
      t,
      { resourceVersion: list.metadata?.resourceVersion },
      (ev: WatchEvent) => this.onEvent(t, ev),
    );
    this.watches.push(w);
  }

  private onEvent(t: ResourceType, ev: WatchEvent): void {
    if (ev.type === 'BOOKMARK') return;
    if (ev.type === 'ERROR') {
      // The watch ended (compaction, overload): list and watch again.
      if (this.stopped) return;
      this.sync(t).catch((err: unknown) =>
        this.logger.warn('rbac index resync failed', { kind: t.plural, error: String(err) }),
      );
      return;
    }
    this.apply(t, ev.type === 'DELETED' ? 'delete' : 'update', ev.object as KubeObject);
  }

  /** Applies a write made through this server (or a watch event). Ignores other kinds. */
  apply(t: ResourceType, op: 'create' | 'update' | 'delete', obj: KubeObject): void {
    const idx = this.indexOf(t);
    if (!idx) return;
    // A delete that only marked the object (finalizers pending) leaves it in force.
    if (op === 'delete' && !obj.metadata.finalizers?.length) idx.remove(obj);
    else idx.upsert(obj);
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watches.splice(0)) w.stop();
  }

  getRole(namespace: string, name: string): Role | undefined {
    return this.roles.items.get(`${namespace}/${name}`);
  }

  getClusterRole(name: string): ClusterRole | undefined {
    return this.clusterRoles.items.get(`/${name}`);
  }

  listClusterRoleBindings(): ClusterRoleBinding[] {
    return [...this.clusterRoleBindings.items.values()];
  }

  listRoleBindings(namespace: string): RoleBinding[] {
    const out: RoleBinding[] = [];
    for (const b of this.roleBindings.items.values()) if (b.metadata?.namespace === namespace) out.push(b);
    return out;
  }
}
