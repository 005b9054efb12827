import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1';
import type { KubeClient } from '../../common/client/client';
import { isConflict, isNotFound } from '../../common/client/errors';
import type { Informer } from '../../common/client/informer';
import { R } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { Controller, type ControllerOptions, type ReconcileResult, type SharedInformers } from '../client';
import { selectorMatches } from './pod-util';

type CR = ClusterRole & KubeObject;

/** A rule's identity for de-duplication (field order fixed, lists as written). */
function ruleKey(r: PolicyRule): string {
  return JSON.stringify([
    r.verbs ?? [],
    r.apiGroups ?? [],
    r.resources ?? [],
    r.resourceNames ?? [],
    r.nonResourceURLs ?? [],
  ]);
}

/**
 * The rules an aggregated ClusterRole should hold: the rules of every other ClusterRole matched by
 * any of its clusterRoleSelectors, in name order, each distinct rule once (upstream's
 * clusterroleaggregation controller, pkg/controller/clusterroleaggregation).
 */
export function aggregatedRules(role: CR, all: readonly CR[]): PolicyRule[] {
  const selectors = role.aggregationRule?.clusterRoleSelectors ?? [];
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  const sources = all
    .filter((c) => c.metadata.name !== role.metadata.name)
    .filter((c) => selectors.some((s) => selectorMatches(s, c.metadata.labels)))
    .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  for (const src of sources)
    for (const r of src.rules ?? []) {
      const k = ruleKey(r);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(r);
    }
  return out;
}

/**
 * Keeps the `rules` of every ClusterRole that has an aggregationRule equal to the union of the
 * rules of the ClusterRoles its selectors match — so a user's ClusterRole labelled
 * `rbac.authorization.k8s.io/aggregate-to-view: "true"` extends `view` (and, through view's own
 * label, edit and admin). Level-triggered: any ClusterRole change requeues every aggregated role.
 * Queue keys are ClusterRole names.
 */
export class ClusterRoleAggregationController extends Controller {
  private readonly inf: Informer<CR>;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: ControllerOptions = {},
  ) {
    super('clusterrole-aggregation-controller', opts);
    this.inf = informers.informerFor<CR>(R.clusterroles);
    const requeueAll = () => {
      for (const c of this.inf.list()) if (c.aggregationRule) this.queue.add(c.metadata.name!);
    };
    this.inf.addHandler({ add: requeueAll, update: requeueAll, delete: requeueAll });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const role = this.inf.get(key);
    if (!role?.aggregationRule) return;
    const want = aggregatedRules(role, this.inf.list());
    const have = role.rules ?? [];
    if (have.length === want.length && have.every((r, i) => ruleKey(r) === ruleKey(want[i]!))) return;
    try {
      await this.client.update<CR>(R.clusterroles, { ...role, rules: want });
    } catch (err) {
      // Changed meanwhile (the update event requeues) or deleted.
      if (isConflict(err) || isNotFound(err)) return;
      throw err;
    }
  }
}
