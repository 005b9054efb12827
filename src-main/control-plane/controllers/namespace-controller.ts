import type { Namespace, NamespaceCondition } from 'kubernetes-types/core/v1';
import type { KubeClient } from '../../common/client/client';
import { isConflict, isNotFound } from '../../common/client/errors';
import type { Informer } from '../../common/client/informer';
import { R, RESOURCES, type ResourceType } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { deepEqual } from '../../common/json';
import { Controller, type ControllerOptions, type ReconcileResult, type SharedInformers } from '../client';
import { setCondition } from './controller-util';
import { clone } from './pod-util';

type Ns = Namespace & KubeObject;

/** The finalizer token the namespace controller owns in `spec.finalizers`. */
const NAMESPACE_FINALIZER = 'kubernetes';

/** Options of the NamespaceController. */
export interface NamespaceControllerOptions extends ControllerOptions {
  /**
   * The namespaced resource types to empty a namespace of. Default: discovered from the API
   * server (so custom resources go too), falling back to the built-in table.
   */
  resources?: () => Promise<ResourceType[]>;
  /** How long to wait before looking again while content remains (default 2 s). */
  contentRemainingDelayMs?: number;
}

interface DiscoveryResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
}

/**
 * The namespaced resource types the API server serves, from legacy discovery (preferred
 * version of every group, like ServerPreferredNamespacedResources), deletable ones only.
 */
export async function discoverNamespacedResources(client: KubeClient): Promise<ResourceType[]> {
  const out: ResourceType[] = [];
  const add = (group: string, version: string, list: DiscoveryResource[]) => {
    for (const r of list) {
      if (!r.namespaced || r.name.includes('/')) continue;
      if (r.verbs && !(r.verbs.includes('list') && r.verbs.includes('delete'))) continue;
      out.push({
        group,
        version,
        kind: r.kind,
        listKind: `${r.kind}List`,
        plural: r.name,
        singular: r.kind.toLowerCase(),
        namespaced: true,
      });
    }
  };
  const core = await client.raw<{ resources: DiscoveryResource[] }>({ method: 'GET', path: '/api/v1' });
  add('', 'v1', core.resources ?? []);
  const groups = await client.raw<{
    groups: { name: string; preferredVersion?: { version: string }; versions: { version: string }[] }[];
  }>({ method: 'GET', path: '/apis' });
  for (const g of groups.groups ?? []) {
    const version = g.preferredVersion?.version ?? g.versions[0]?.version;
    if (!version) continue;
    const list = await client.raw<{ resources: DiscoveryResource[] }>({
      method: 'GET',
      path: `/apis/${g.name}/${version}`,
    });
    add(g.name, version, list.resources ?? []);
  }
  return out;
}

/** The built-in namespaced types, one version per group/resource. */
function builtinNamespaced(): ResourceType[] {
  const seen = new Set<string>();
  return RESOURCES.filter((t) => {
    const id = `${t.group}/${t.plural}`;
    if (!t.namespaced || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * kube-controller-manager's namespace controller (NamespacedResourcesDeleter): a namespace
 * marked for deletion (deletionTimestamp, phase Terminating, "kubernetes" in spec.finalizers)
 * has every namespaced object of every kind deleted; while content remains the namespace shows
 * NamespaceContentRemaining / NamespaceFinalizersRemaining conditions and is looked at again;
 * once it is empty the controller calls PUT …/finalize without "kubernetes", which lets the
 * API server remove the namespace.
 */
export class NamespaceController extends Controller {
  private readonly nsInf: Informer<Ns>;
  private readonly resources: () => Promise<ResourceType[]>;
  private readonly delayMs: number;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: NamespaceControllerOptions = {},
  ) {
    super('namespace-controller', opts);
    this.delayMs = opts.contentRemainingDelayMs ?? 2000;
    this.resources =
      opts.resources ??
      (async () => {
        try {
          return await discoverNamespacedResources(client);
        } catch (err) {
          this.log.warn(`discovery failed, using built-in kinds: ${(err as Error).message}`);
          return builtinNamespaced();
        }
      });
    this.nsInf = informers.informerFor<Ns>(R.namespaces);
    this.nsInf.addHandler({
      add: (ns) => ns.metadata.deletionTimestamp && this.enqueue(ns),
      update: (ns) => ns.metadata.deletionTimestamp && this.enqueue(ns),
    });
    // Pods are what usually keeps a namespace waiting (graceful termination): wake up when one goes.
    informers.informerFor<KubeObject>(R.pods).addHandler({
      delete: (p) => {
        const ns = this.nsInf.get(p.metadata.namespace ?? '');
        if (ns?.metadata.deletionTimestamp) this.enqueue(ns);
      },
    });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.nsInf.get(key);
    if (!cached?.metadata.deletionTimestamp) return;
    if (!(cached.spec?.finalizers ?? []).includes(NAMESPACE_FINALIZER)) return;
    const name = cached.metadata.name!;

    const remaining = new Map<string, number>();
    const withFinalizers = new Map<string, number>();
    const failures: string[] = [];
    for (const t of await this.resources()) {
      let items: KubeObject[];
      try {
        items = (await this.client.list<KubeObject>(t, { namespace: name })).items;
      } catch (err) {
        if (isNotFound(err)) continue;
        failures.push(`${t.plural}: ${(err as Error).message}`);
        continue;
      }
      const id = t.group ? `${t.plural}.${t.group}` : t.plural;
      for (const item of items) {
        let left: KubeObject | undefined = item;
        if (!item.metadata.deletionTimestamp) {
          try {
            // The answer is the deleted object, or the object marked for deletion if it stays.
            const res = await this.client.delete(t, item.metadata.name!, name, {
              propagationPolicy: 'Background',
              preconditions: { uid: item.metadata.uid },
            });
            left = res.metadata?.deletionTimestamp ? res : undefined;
          } catch (err) {
            if (isNotFound(err) || isConflict(err)) left = undefined;
            else failures.push(`${id} "${item.metadata.name}": ${(err as Error).message}`);
          }
        }
        if (!left) continue;
        remaining.set(id, (remaining.get(id) ?? 0) + 1);
        for (const f of left.metadata.finalizers ?? [])
          withFinalizers.set(f, (withFinalizers.get(f) ?? 0) + 1);
      }
    }

    if (remaining.size === 0 && failures.length === 0) {
      await this.finalize(name);
      return;
    }
    await this.updateConditions(cached, remaining, withFinalizers, failures);
    if (failures.length) throw new Error(`namespace ${name}: ${failures.join('; ')}`);
    return { requeueAfter: this.delayMs };
  }

  /** PUT /finalize with "kubernetes" removed, re-reading on conflict. */
  private async finalize(name: string): Promise<void> {
    for (let i = 0; i < 5; i++) {
      let ns: Ns;
      try {
        ns = await this.client.get<Ns>(R.namespaces, name);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      const copy = clone(ns);
      copy.spec = {
        ...copy.spec,
        finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER),
      };
      try {
        await this.client.update(R.namespaces, copy, { subresource: 'finalize' });
        this.log.info(`namespace ${name} finalized`);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
    throw new Error(`namespace ${name}: finalize kept conflicting`);
  }

  /** Conditions as upstream's deleter reports them (NamespaceContentRemaining, …). */
  private async updateConditions(
    ns: Ns,
    remaining: Map<string, number>,
    withFinalizers: Map<string, number>,
    failures: string[],
  ): Promise<void> {
    const now = this.clock.now();
    let conds = [...(ns.status?.conditions ?? [])] as NamespaceCondition[];
    const set = (type: string, on: boolean, reason: string, message: string) => {
      conds = setCondition(conds, { type, status: on ? 'True' : 'False', reason, message }, now);
    };
    set(
      'NamespaceDeletionDiscoveryFailure',
      false,
      'ResourcesDiscovered',
      'All resources successfully discovered',
    );
    set(
      'NamespaceDeletionContentFailure',
      failures.length > 0,
      failures.length ? 'ContentDeletionFailed' : 'ContentDeleted',
      failures.length
        ? `Failed to delete all resource types, ${failures.length} remaining: ${failures.join(', ')}`
        : 'All content successfully deleted, may be waiting on finalization',
    );
    const parts = [...remaining].sort().map(([r, n]) => `${r} has ${n} resource instances`);
    set(
      'NamespaceContentRemaining',
      remaining.size > 0,
      remaining.size ? 'SomeResourcesRemain' : 'ContentRemoved',
      remaining.size
        ? `Some resources are remaining: ${parts.join(', ')}`
        : 'All content successfully removed',
    );
    const fparts = [...withFinalizers].sort().map(([f, n]) => `${f} in ${n} resource instances`);
    set(
      'NamespaceFinalizersRemaining',
      withFinalizers.size > 0,
      withFinalizers.size ? 'SomeFinalizersRemain' : 'ContentHasNoFinalizers',
      withFinalizers.size
        ? `Some content in the namespace has finalizers remaining: ${fparts.join(', ')}`
        : 'All content-preserving finalizers finished',
    );
    if (deepEqual(conds, ns.status?.conditions ?? [])) return;
    const copy = clone(ns);
    copy.status = { ...copy.status, phase: 'Terminating', conditions: conds };
    try {
      await this.client.updateStatus(R.namespaces, copy);
    } catch (err) {
      // A stale cache only delays the conditions; the content deletion above already happened.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
