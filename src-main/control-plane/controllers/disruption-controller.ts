import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1';
import type { KubeClient } from '../../common/client/client';
import { isNotFound } from '../../common/client/errors';
import type { Informer } from '../../common/client/informer';
import { R, type ResourceType } from '../../common/resources';
import type { KubeObject, Pod } from '../../common/types';
import { deepEqual } from '../../common/json';
import {
  Controller,
  controllerRefOf,
  type ControllerOptions,
  type ReconcileResult,
  type SharedInformers,
} from '../client';
import { getOrUndefined, scaledValue, setCondition } from './controller-util';
import { clone, isPodReady, selectorMatches, ts } from './pod-util';

type PDB = PodDisruptionBudget & KubeObject;
type PodObj = Pod & KubeObject;

/** How long an eviction's entry in status.disruptedPods is trusted (upstream DeletionTimeout). */
const DISRUPTED_POD_TIMEOUT_MS = 2 * 60_000;

/** The numbers of a PDB's status, from its spec and the counts (pure). */
export function pdbNumbers(
  pdb: PodDisruptionBudget,
  expectedPods: number,
  currentHealthy: number,
): { desiredHealthy: number; disruptionsAllowed: number } {
  let desiredHealthy = 0;
  const s = pdb.spec ?? {};
  if (s.maxUnavailable !== undefined && s.maxUnavailable !== null) {
    desiredHealthy = Math.max(0, expectedPods - scaledValue(s.maxUnavailable, expectedPods, true));
  } else if (s.minAvailable !== undefined && s.minAvailable !== null) {
    desiredHealthy = scaledValue(s.minAvailable, expectedPods, true);
  }
  return { desiredHealthy, disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy) };
}

/**
 * kube-controller-manager's disruption controller: for every PodDisruptionBudget, the pods it
 * selects, how many are healthy (Ready, not being deleted, not just evicted), how many it
 * expects (the pod count for an integer minAvailable, otherwise the scale of the pods'
 * controllers — ReplicaSet→Deployment, StatefulSet, …), desiredHealthy and
 * disruptionsAllowed, the DisruptionAllowed condition, and expired disruptedPods entries
 * pruned. The API server's eviction subresource reads this status.
 */
export class DisruptionController extends Controller {
  private readonly pdbInf: Informer<PDB>;
  private readonly podInf: Informer<PodObj>;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: ControllerOptions = {},
  ) {
    super('disruption-controller', opts);
    this.pdbInf = informers.informerFor<PDB>(R.poddisruptionbudgets);
    this.podInf = informers.informerFor<PodObj>(R.pods);
    this.pdbInf.addHandler({ add: (p) => this.enqueue(p), update: (p) => this.enqueue(p) });
    const onPod = (p: PodObj, old?: PodObj) => {
      for (const b of this.pdbInf.list()) {
        if (b.metadata.namespace !== p.metadata.namespace) continue;
        if (
          selectorMatches(b.spec?.selector, p.metadata.labels) ||
          (old && selectorMatches(b.spec?.selector, old.metadata.labels))
        )
          this.enqueue(b);
      }
    };
    this.podInf.addHandler({
      add: (p) => onPod(p),
      update: (p, old) => {
        if (
          isPodReady(p) === isPodReady(old) &&
          !!p.metadata.deletionTimestamp === !!old.metadata.deletionTimestamp &&
          deepEqual(p.metadata.labels, old.metadata.labels)
        )
          return;
        onPod(p, old);
      },
      delete: (p) => onPod(p),
    });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const pdb = this.pdbInf.get(key);
    if (!pdb || pdb.metadata.deletionTimestamp) return;
    const now = this.clock.now();
    const pods = this.podInf
      .list()
      .filter(
        (p) =>
          p.metadata.namespace === pdb.metadata.namespace &&
          selectorMatches(pdb.spec?.selector, p.metadata.labels),
      );
    // Recent evictions (written by the API server) not yet visible as deletions.
    const disrupted: Record<string, string> = {};
    let nextExpiry: number | undefined;
    for (const [name, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
      const p = pods.find((x) => x.metadata.name === name);
      const expires = ts(at) + DISRUPTED_POD_TIMEOUT_MS;
      if (!p || p.metadata.deletionTimestamp || expires <= now) continue;
      disrupted[name] = at;
      nextExpiry = Math.min(nextExpiry ?? Infinity, expires - now);
    }
    const currentHealthy = pods.filter(
      (p) => isPodReady(p) && !p.metadata.deletionTimestamp && !(p.metadata.name! in disrupted),
    ).length;
    const intMin = typeof pdb.spec?.minAvailable === 'number' && pdb.spec?.maxUnavailable === undefined;
    const expectedPods = intMin ? pods.length : await this.expectedCount(pods);
    const { desiredHealthy, disruptionsAllowed } = pdbNumbers(pdb, expectedPods, currentHealthy);
    const ok = disruptionsAllowed > 0;
    const conditions = setCondition(
      pdb.status?.conditions,
      {
        type: 'DisruptionAllowed',
        status: ok ? 'True' : 'False',
        reason: ok ? 'SufficientPods' : 'InsufficientPods',
        message: '',
        observedGeneration: pdb.metadata.generation,
      },
      now,
    );
    const status: PodDisruptionBudgetStatus = {
      observedGeneration: pdb.metadata.generation,
      ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
      disruptionsAllowed,
      currentHealthy,
      desiredHealthy,
      expectedPods,
      conditions,
    };
    if (!deepEqual(status, pdb.status ?? {})) {
      const copy = clone(pdb);
      copy.status = status;
      try {
        await this.client.updateStatus(R.poddisruptionbudgets, copy);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (nextExpiry !== undefined) return { requeueAfter: nextExpiry + 1 };
  }

  /**
   * The replicas the pods' controllers want (getExpectedPodCount with finders for
   * ReplicaSet/Deployment, StatefulSet, and any kind with a scale); pods without a controller
   * count one each.
   */
  private async expectedCount(pods: PodObj[]): Promise<number> {
    const seen = new Map<string, number>();
    let orphans = 0;
    for (const p of pods) {
      const ref = controllerRefOf(p);
      if (!ref) {
        orphans++;
        continue;
      }
      const ns = p.metadata.namespace!;
      let top: { type: ResourceType; name: string; uid: string } | undefined;
      if (ref.kind === 'ReplicaSet') {
        const rs = await getOrUndefined<KubeObject>(this.client, R.replicasets, ref.name, ns);
        const dref = rs && controllerRefOf(rs);
        top =
          dref?.kind === 'Deployment'
            ? { type: R.deployments, name: dref.name, uid: dref.uid }
            : { type: R.replicasets, name: ref.name, uid: ref.uid };
      } else if (ref.kind === 'StatefulSet') top = { type: R.statefulsets, name: ref.name, uid: ref.uid };
      else if (ref.kind === 'Deployment') top = { type: R.deployments, name: ref.name, uid: ref.uid };
      if (!top) {
        orphans++;
        continue;
      }
      if (seen.has(top.uid)) continue;
      const obj = await getOrUndefined<KubeObject>(this.client, top.type, top.name, ns);
      seen.set(top.uid, ((obj?.spec as { replicas?: number } | undefined)?.replicas ?? 1) as number);
    }
    return [...seen.values()].reduce((a, b) => a + b, 0) + orphans;
  }
}
