import type { DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1';
import type { Toleration } from 'kubernetes-types/core/v1';
import type { KubeClient } from '../../common/client/client';
import { isNotFound } from '../../common/client/errors';
import { keyOf, type Informer } from '../../common/client/informer';
import { R } from '../../common/resources';
import type { KubeObject, Node, Pod } from '../../common/types';
import { deepEqual } from '../../common/json';
import { matchesNodeSelectorAndAffinity, untoleratedTaint } from '../../common/scheduling';
import {
  EventRecorder,
  Controller,
  type ControllerOptions,
  type ReconcileResult,
  type SharedInformers,
} from '../client';
import { controlledBy, resolveControllerRef } from './controller-ref-manager';
import { deleteExact, emitEvent, ownerRefTo, scaledValue } from './controller-util';
import { Expectations } from './expectations';
import {
  CONTROLLER_REVISION_HASH,
  REVISION_HASH_LABEL,
  ownedRevisions,
  syncRevisions,
  templateOf,
  truncateHistory,
  type Revision,
} from './history';
import { clone, isPodAvailable, isPodReady, msUntilAvailable, selectorMatches, ts } from './pod-util';

type DS = DaemonSet & KubeObject;
type PodObj = Pod & KubeObject;
type NodeObj = Node & KubeObject;

/** Deprecated label still set on daemon pods (the template generation they came from). */
const POD_TEMPLATE_GENERATION = 'pod-template-generation';

/** Tolerations every daemon pod gets (util.AddOrUpdateDaemonPodTolerations). */
function daemonTolerations(hostNetwork: boolean): Toleration[] {
  const t: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork)
    t.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return t;
}

/**
 * Whether a daemon pod should run on a node (NodeShouldRunDaemonPod): nodeSelector, required
 * node affinity, and NoSchedule/NoExecute taints against the pod's tolerations plus the
 * daemon defaults — which include `node.kubernetes.io/unschedulable`, so a cordoned node keeps
 * (and gets) its daemon pods, as in Kubernetes.
 */
function nodeShouldRun(ds: DS, node: NodeObj): boolean {
  const spec = ds.spec?.template?.spec;
  if (!matchesNodeSelectorAndAffinity(spec, node)) return false;
  const tolerations = [...(spec?.tolerations ?? []), ...daemonTolerations(!!spec?.hostNetwork)];
  return !untoleratedTaint(tolerations, node);
}

/** Whether a DaemonSet rolls with maxSurge (new pod before the old one goes). */
function surging(ds: DS): boolean {
  const ru = ds.spec?.updateStrategy;
  if ((ru?.type ?? 'RollingUpdate') !== 'RollingUpdate') return false;
  const s = ru?.rollingUpdate?.maxSurge;
  return s !== undefined && s !== 0 && s !== '0' && s !== '0%';
}

/** The node a daemon pod is bound or pinned to (spec.nodeName, else its node-affinity term). */
export function podNodeName(p: PodObj): string | undefined {
  if (p.spec?.nodeName) return p.spec.nodeName;
  for (const t of p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ?.nodeSelectorTerms ?? [])
    for (const f of t.matchFields ?? [])
      if (f.key === 'metadata.name' && f.operator === 'In') return f.values?.[0];
  return undefined;
}

/**
 * kube-controller-manager's DaemonSet controller: one pod per eligible node, pinned with a
 * required node-affinity term on `metadata.name` (the scheduler binds it, as upstream since
 * 1.12) and the daemon tolerations; extra pods and pods on ineligible nodes are deleted,
 * failed ones replaced. RollingUpdate replaces old-revision pods at most `maxUnavailable` at a
 * time (int or percent, default 1), or with maxSurge starts the new pod next to the old one;
 * ControllerRevisions record templates for
 * `kubectl rollout history|undo ds`; status has desired/current/updated/ready/available/
 * unavailable/misscheduled counts.
 */
export class DaemonSetController extends Controller {
  private readonly dsInf: Informer<DS>;
  private readonly podInf: Informer<PodObj>;
  private readonly nodeInf: Informer<NodeObj>;
  private readonly revInf: Informer<Revision>;
  private readonly recorder: EventRecorder;
  /** Pods created but not yet seen, per DaemonSet: no second pod for a node meanwhile. */
  readonly expectations: Expectations;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: ControllerOptions = {},
  ) {
    super('daemonset-controller', opts);
    this.recorder = new EventRecorder(client, 'daemonset-controller', '', this.clock);
    this.dsInf = informers.informerFor<DS>(R.daemonsets);
    this.podInf = informers.informerFor<PodObj>(R.pods);
    this.nodeInf = informers.informerFor<NodeObj>(R.nodes);
    this.revInf = informers.informerFor<Revision>(R.controllerrevisions);
    this.dsInf.addHandler({
      add: (d) => this.enqueue(d),
      update: (d) => this.enqueue(d),
      delete: (d) => this.expectations.delete(keyOf(d)),
    });
    this.expectations = new Expectations(this.clock);
    const onPod = (p: PodObj) => this.enqueueController(p, 'DaemonSet');
    this.podInf.addHandler({
      add: (p) => {
        const ds = this.ownerOf(p);
        if (ds) this.expectations.creationObserved(keyOf(ds));
        onPod(p);
      },
      update: onPod,
      delete: onPod,
    });
    const onNode = () => {
      for (const d of this.dsInf.list()) this.enqueue(d);
    };
    this.nodeInf.addHandler({
      add: onNode,
      update: (n, old) => {
        // Heartbeats change only status; labels, taints and unschedulable matter.
        if (!deepEqual(n.metadata.labels, old.metadata.labels) || !deepEqual(n.spec, old.spec)) onNode();
      },
      delete: onNode,
    });
  }

  private ownerOf(p: PodObj): DS | undefined {
    return resolveControllerRef(this.dsInf, p, 'DaemonSet');
  }

  private event(ds: DS, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return emitEvent(this.recorder, this.log, R.daemonsets, ds, type, reason, message);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const ds = this.dsInf.get(key);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const revs = ownedRevisions(this.revInf.list(), ds);
    const currentHash = revs.at(-1)?.metadata.labels?.[REVISION_HASH_LABEL];
    const { update, revisions, collisionCount } = await syncRevisions(
      this.client,
      R.daemonsets,
      ds,
      revs,
      revs.find((r) => r.metadata.labels?.[REVISION_HASH_LABEL] === currentHash)?.metadata.name,
      ds.status?.collisionCount ?? 0,
    );
    const hash = update.metadata.labels?.[REVISION_HASH_LABEL] ?? '';
    const pods = this.podsOf(ds);
    const nodes = this.nodeInf.list();
    const byNode = new Map<string, PodObj[]>();
    for (const p of pods) {
      const n = podNodeName(p) ?? '';
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    let err: unknown;
    // Behaves like kube-controller-manager's DaemonSet "expectations": act only once our own
    // creates have been observed, so a stale cache never yields a second pod for a node.
    if (this.expectations.satisfied(key)) {
      try {
        await this.manage(key, ds, nodes, byNode, update, hash);
        await this.rollingUpdate(key, ds, nodes, this.podsOf(ds), update, hash);
      } catch (e) {
        err = e;
      }
    }
    const fresh = this.podsOf(ds);
    await this.writeStatus(ds, this.computeStatus(ds, nodes, fresh, hash, collisionCount));
    const live = new Set(
      fresh.map((p) => `${ds.metadata.name}-${p.metadata.labels?.[CONTROLLER_REVISION_HASH]}`),
    );
    live.add(update.metadata.name!);
    await truncateHistory(this.client, revisions, live, ds.spec?.revisionHistoryLimit ?? 10);
    if (err) throw err;
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const waits = fresh
      .map((p) => msUntilAvailable(p, minReady, this.clock.now()))
      .filter((x): x is number => x !== undefined);
    if (waits.length) return { requeueAfter: Math.min(...waits) + 1 };
  }

  private podsOf(ds: DS): PodObj[] {
    return controlledBy(this.podInf.list(), ds).filter((p) =>
      selectorMatches(ds.spec?.selector, p.metadata.labels),
    );
  }

  /** Creates missing daemon pods, deletes surplus/misplaced/failed ones (manage + syncNodes). */
  private async manage(
    key: string,
    ds: DS,
    nodes: NodeObj[],
    byNode: Map<string, PodObj[]>,
    update: Revision,
    hash: string,
  ): Promise<void> {
    const toCreate: string[] = [];
    const toDelete: PodObj[] = [];
    const nodeNames = new Set(nodes.map((n) => n.metadata.name!));
    for (const node of nodes) {
      const name = node.metadata.name!;
      const mine = (byNode.get(name) ?? []).filter((p) => !p.metadata.deletionTimestamp);
      if (!nodeShouldRun(ds, node)) {
        toDelete.push(...mine);
        continue;
      }
      const failed = mine.filter((p) => p.status?.phase === 'Failed');
      toDelete.push(...failed);
      const ok = mine
        .filter((p) => p.status?.phase !== 'Failed')
        .sort((a, b) => ts(a.metadata.creationTimestamp) - ts(b.metadata.creationTimestamp));
      if (!ok.length && !failed.length) toCreate.push(name);
      if (surging(ds)) {
        // During a surge a node may hold one old and one new pod; anything more is surplus.
        const isNew = (p: PodObj) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash;
        toDelete.push(...ok.filter(isNew).slice(1), ...ok.filter((p) => !isNew(p)).slice(1));
      } else {
        // Keep the oldest; more than one daemon pod on a node is a surplus.
        toDelete.push(...ok.slice(1));
      }
    }
    for (const [n, ps] of byNode)
      if (n && !nodeNames.has(n)) toDelete.push(...ps.filter((p) => !p.metadata.deletionTimestamp));
    if (toCreate.length) this.expectations.raiseCreations(key, toCreate.length);
    for (const [i, node] of toCreate.entries()) {
      const pod = this.podFor(ds, node, update, hash);
      try {
        const created = await this.client.create(R.pods, pod);
        await this.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      } catch (err) {
        // This pod and the ones not attempted will never be observed.
        for (let n = i; n < toCreate.length; n++) this.expectations.creationObserved(key);
        await this.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
        throw err;
      }
    }
    for (const p of toDelete) await this.deletePod(ds, p);
  }

  /** RollingUpdate: replace old-revision pods while at most maxUnavailable are unavailable. */
  private async rollingUpdate(
    key: string,
    ds: DS,
    nodes: NodeObj[],
    pods: PodObj[],
    update: Revision,
    hash: string,
  ): Promise<void> {
    if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
    const desired = nodes.filter((n) => nodeShouldRun(ds, n)).length;
    const maxUnavailable = Math.max(
      scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, desired, true, 1),
      0,
    );
    const now = this.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    if (surging(ds)) return this.surgeUpdate(key, ds, nodes, live, update, hash, desired, now);
    const nodesWithPod = new Set(live.map((p) => podNodeName(p)));
    let unavailable =
      nodes.filter((n) => nodeShouldRun(ds, n) && !nodesWithPod.has(n.metadata.name)).length +
      pods.filter((p) => p.metadata.deletionTimestamp).length +
      live.filter((p) => !isPodAvailable(p, minReady, now)).length;
    const old = live
      .filter((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] !== hash)
      // Unavailable old pods first: replacing them costs no availability.
      .sort((a, b) => Number(isPodAvailable(a, minReady, now)) - Number(isPodAvailable(b, minReady, now)));
    for (const p of old) {
      if (!isPodAvailable(p, minReady, now)) {
        await this.deletePod(ds, p);
        continue;
      }
      if (unavailable >= maxUnavailable) break;
      await this.deletePod(ds, p);
      unavailable++;
    }
  }

  /**
   * RollingUpdate with maxSurge: a node first gets its new pod next to the old one (at most
   * maxSurge nodes at a time); the old pod goes once the new one is available. An old pod that
   * is not available anyway is replaced at once.
   */
  private async surgeUpdate(
    key: string,
    ds: DS,
    nodes: NodeObj[],
    live: PodObj[],
    update: Revision,
    hash: string,
    desired: number,
    now: number,
  ): Promise<void> {
    const maxSurge = scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxSurge, desired, true, 0);
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const isNew = (p: PodObj) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash;
    const plan = nodes
      .filter((n) => nodeShouldRun(ds, n))
      .map((n) => {
        const on = live.filter((p) => podNodeName(p) === n.metadata.name);
        return { node: n.metadata.name!, old: on.filter((p) => !isNew(p)), neu: on.filter(isNew) };
      })
      .filter((x) => x.old.length);
    let surge = plan.filter((x) => x.neu.length && !isPodAvailable(x.neu[0], minReady, now)).length;
    for (const x of plan) {
      if (x.neu.length) {
        if (isPodAvailable(x.neu[0], minReady, now)) for (const p of x.old) await this.deletePod(ds, p);
        continue;
      }
      if (!isPodAvailable(x.old[0], minReady, now)) {
        for (const p of x.old) await this.deletePod(ds, p);
        continue;
      }
      if (surge >= maxSurge) continue;

      this.expectations.raiseCreations(key, 1);
      let created: PodObj;
      try {
        created = await this.client.create(R.pods, this.podFor(ds, x.node, update, hash));
      } catch (err) {
        this.expectations.creationObserved(key);
        throw err;
      }
      await this.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      surge++;
    }
  }

  /** The daemon pod for a node (util.CreatePodTemplate + ReplaceDaemonSetPodNodeNameNodeAffinity). */
  podFor(ds: DS, node: string, update: Revision, hash: string): PodObj {
    const t = templateOf(update);
    const spec = structuredClone(t.spec ?? { containers: [] }) as NonNullable<Pod['spec']>;
    const tol = [...(spec.tolerations ?? [])];
    for (const d of daemonTolerations(!!spec.hostNetwork))
      if (!tol.some((x) => x.key === d.key && x.effect === d.effect)) tol.push(d);
    spec.tolerations = tol;
    spec.affinity = {
      ...(spec.affinity ?? {}),
      nodeAffinity: {
        ...(spec.affinity?.nodeAffinity ?? {}),
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
        },
      },
    };
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${ds.metadata.name}-`,
        namespace: ds.metadata.namespace,
        labels: {
          ...(t.metadata?.labels ?? {}),
          [CONTROLLER_REVISION_HASH]: hash,
          [POD_TEMPLATE_GENERATION]: String(ds.metadata.generation ?? 1),
        },
        annotations: t.metadata?.annotations ? { ...t.metadata.annotations } : undefined,
        ownerReferences: [ownerRefTo(R.daemonsets, ds)],
      },
      spec,
    };
  }

  private async deletePod(ds: DS, p: PodObj): Promise<void> {
    if (await deleteExact(this.client, R.pods, p))
      await this.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
  }

  private computeStatus(
    ds: DS,
    nodes: NodeObj[],
    pods: PodObj[],
    hash: string,
    collisionCount: number,
  ): DaemonSetStatus {
    const now = this.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    for (const node of nodes) {
      const should = nodeShouldRun(ds, node);
      const ps = pods.filter((p) => podNodeName(p) === node.metadata.name && !p.metadata.deletionTimestamp);
      if (should) {
        desired++;
        if (ps.length) {
          current++;
          // During a surge a node has an old and a new pod: it counts once.
          if (ps.some(isPodReady)) ready++;
          if (ps.some((p) => isPodAvailable(p, minReady, now))) available++;
          if (ps.some((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash)) updated++;
        }
      } else if (ps.length) misscheduled++;
    }
    return {
      currentNumberScheduled: current,
      desiredNumberScheduled: desired,
      numberMisscheduled: misscheduled,
      numberReady: ready,
      numberAvailable: available || undefined,
      numberUnavailable: desired - available || undefined,
      updatedNumberScheduled: updated || undefined,
      observedGeneration: ds.metadata.generation,
      collisionCount: collisionCount || undefined,
    };
  }

  private async writeStatus(ds: DS, status: DaemonSetStatus): Promise<void> {
    const clean = JSON.parse(JSON.stringify(status)) as DaemonSetStatus;
    const cur: DaemonSetStatus = ds.status ?? ({} as DaemonSetStatus);
    const next = { ...clean, ...(cur.conditions ? { conditions: cur.conditions } : {}) };
    if (deepEqual(next, cur)) return;
    const copy = clone(ds);
    copy.status = next;
    try {
      await this.client.updateStatus(R.daemonsets, copy);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
