import type { ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1';
import type { KubeClient } from '../../common/client/client';
import { isConflict, isNotFound } from '../../common/client/errors';
import { keyOf, type Informer } from '../../common/client/informer';
import { rfc3339 } from '../../common/clock';
import { deepEqual } from '../../common/json';
import { R, apiVersionOf, type ResourceType } from '../../common/resources';
import type { KubeObject, Pod, ReplicaSet } from '../../common/types';
import {
  EventRecorder,
  Controller,
  controllerRefOf,
  type ControllerOptions,
  type ReconcileResult,
  type SharedInformers,
} from '../client';
import { ControllerRefManager, resolveControllerRef } from './controller-ref-manager';
import { ownerRefTo } from './controller-util';
import { Expectations } from './expectations';
import {
  clone,
  isPodActive,
  isPodAvailable,
  isPodReady,
  msUntilAvailable,
  podReadySince,
  selectorMatches,
  ts,
} from './pod-util';

type RS = ReplicaSet & KubeObject;
type PodObj = Pod & KubeObject;

/**
 * The kind a ReplicaSetController manages: apps/v1 ReplicaSets themselves, or core/v1
 * ReplicationControllers seen as ReplicaSets (upstream's pkg/controller/replication adapter):
 * `asReplicaSet` gives the ReplicaSet view (selector as a LabelSelector) the logic reads, while
 * ownerReferences, status writes and events go to the object under its own type.
 */
export interface ReplicatedKind {
  /** Controller name (logs, the event source). */
  name: string;
  type: ResourceType;
  asReplicaSet(obj: KubeObject): RS;
}

/** apps/v1 ReplicaSets, as they are. */
export const REPLICA_SETS: ReplicatedKind = {
  name: 'replicaset-controller',
  type: R.replicasets,
  asReplicaSet: (obj) => obj as RS,
};

/** Options of the ReplicaSetController. */
export interface ReplicaSetControllerOptions extends ControllerOptions {
  /** Most pods created or deleted in one sync (upstream BurstReplicas: 500). */
  burstReplicas?: number;
  /** The kind managed (default ReplicaSets). */
  kind?: ReplicatedKind;
}

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function maxRestarts(p: Pod): number {
  return Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

/**
 * Which of two pods to delete first when scaling down; negative means `a` goes first.
 * Behaves like kube-controller-manager's controller.ActivePods ordering: unassigned <
 * assigned; Pending < Unknown < Running; not ready < ready; ready more recently < longer;
 * more restarts < fewer; newer < older.
 */
export function comparePodsForDeletion(a: Pod, b: Pod): number {
  const an = !!a.spec?.nodeName;
  const bn = !!b.spec?.nodeName;
  if (an !== bn) return an ? 1 : -1;
  const ap = PHASE_ORDER[a.status?.phase ?? 'Pending'] ?? 0;
  const bp = PHASE_ORDER[b.status?.phase ?? 'Pending'] ?? 0;
  if (ap !== bp) return ap - bp;
  const ar = isPodReady(a);
  const br = isPodReady(b);
  if (ar !== br) return ar ? 1 : -1;
  if (ar && br) {
    const at = podReadySince(a) ?? 0;
    const bt = podReadySince(b) ?? 0;
    if (at !== bt) return bt - at;
  }
  const rc = maxRestarts(b) - maxRestarts(a);
  if (rc) return rc;
  return ts(b.metadata?.creationTimestamp) - ts(a.metadata?.creationTimestamp);
}

/**
 * kube-controller-manager's ReplicaSet controller: keeps `spec.replicas` active pods matching
 * the selector, creating pods from the template (`<rs>-xxxxx` via generateName, controller
 * ownerReference) and deleting the least valuable ones first; adopts matching orphans and
 * releases pods that stop matching; reports replicas/fullyLabeled/ready/available counts.
 */
export class ReplicaSetController extends Controller {
  readonly expectations: Expectations;
  private readonly kind: ReplicatedKind;
  private readonly rsInf: Informer<KubeObject>;
  private readonly podInf: Informer<PodObj>;
  private readonly recorder: EventRecorder;
  private readonly burst: number;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: ReplicaSetControllerOptions = {},
  ) {
    const kind = opts.kind ?? REPLICA_SETS;
    super(kind.name, opts);
    this.kind = kind;
    this.burst = opts.burstReplicas ?? 500;
    this.expectations = new Expectations(this.clock);
    this.recorder = new EventRecorder(client, kind.name, '', this.clock);
    this.rsInf = informers.informerFor<KubeObject>(kind.type);
    this.podInf = informers.informerFor<PodObj>(R.pods);
    this.rsInf.addHandler({
      add: (rs) => this.enqueue(rs),
      update: (rs) => this.enqueue(rs),
      delete: (rs) => {
        this.expectations.delete(keyOf(rs));
        this.enqueue(rs);
      },
    });
    this.podInf.addHandler({
      add: (p) => this.onPodAdd(p),
      update: (p, old) => this.onPodUpdate(p, old),
      delete: (p) => this.onPodDelete(p),
    });
  }

  /** The cached RS a pod's controllerRef points at, if it still is that RS (uid match). */
  private ownerOf(p: PodObj, ref = controllerRefOf(p)): KubeObject | undefined {
    return resolveControllerRef(this.rsInf, p, this.kind.type.kind, ref);
  }

  private enqueueMatching(p: PodObj): void {
    for (const rs of this.rsInf.list()) {
      if (
        rs.metadata.namespace === p.metadata.namespace &&
        selectorMatches(this.kind.asReplicaSet(rs).spec?.selector, p.metadata.labels)
      )
        this.enqueue(rs);
    }
  }

  private onPodAdd(p: PodObj): void {
    if (p.metadata.deletionTimestamp) return this.onPodDelete(p);
    const rs = this.ownerOf(p);
    if (rs) {
      this.expectations.creationObserved(keyOf(rs));
      this.enqueue(rs);
    } else if (!controllerRefOf(p)) {
      this.enqueueMatching(p);
    }
  }

  private onPodUpdate(p: PodObj, old: PodObj): void {
    if (p.metadata.resourceVersion === old.metadata.resourceVersion) return;
    if (p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      // A pod marked for deletion counts as deleted for expectations (graceful deletion).
      const rs = this.ownerOf(p);
      if (rs) this.expectations.deletionObserved(keyOf(rs), keyOf(p));
    }
    const ref = controllerRefOf(p);
    const oldRef = controllerRefOf(old);
    if (oldRef && oldRef.uid !== ref?.uid) {
      const oldRs = this.ownerOf(old, oldRef);
      if (oldRs) this.enqueue(oldRs);
    }
    const rs = this.ownerOf(p, ref);
    if (rs) this.enqueue(rs);
    else if (!ref && (!deepEqual(p.metadata.labels, old.metadata.labels) || oldRef)) this.enqueueMatching(p);
  }

  private onPodDelete(p: PodObj): void {
    const rs = this.ownerOf(p);
    if (!rs) return;
    this.expectations.deletionObserved(keyOf(rs), keyOf(p));
    this.enqueue(rs);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.rsInf.get(key);
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    const rs = this.kind.asReplicaSet(cached);
    const needsSync = this.expectations.satisfied(key);
    const ns = rs.metadata.namespace;
    const active = this.podInf.list().filter((p) => p.metadata.namespace === ns && isPodActive(p));
    const pods = await this.claimPods(rs, active);

    let manageErr: unknown;
    let diff = 0;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      diff = pods.length - (rs.spec?.replicas ?? 1);
      try {
        await this.manageReplicas(key, rs, pods, diff);
      } catch (err) {
        manageErr = err;
      }
    }
    await this.updateStatus(cached, rs, pods, manageErr, diff);
    if (manageErr) throw manageErr;

    // Pods that are Ready but not yet for minReadySeconds become available later: look again then.
    const now = this.clock.now();
    const waits = pods
      .map((p) => msUntilAvailable(p, rs.spec?.minReadySeconds ?? 0, now))
      .filter((x): x is number => x !== undefined);
    if (waits.length) return { requeueAfter: Math.min(...waits) + 1 };
  }

  /** Behaves like kube-controller-manager's PodControllerRefManager.ClaimPods (ControllerRefManager). */
  private claimPods(rs: RS, pods: PodObj[]): Promise<PodObj[]> {
    return new ControllerRefManager(this.client, {
      owner: rs,
      ownerType: this.kind.type,
      childType: R.pods,
      selector: rs.spec?.selector,
    }).claim(pods);
  }

  private async manageReplicas(key: string, rs: RS, pods: PodObj[], diff: number): Promise<void> {
    if (diff < 0) {
      const n = Math.min(-diff, this.burst);
      this.expectations.expectCreations(key, n);
      const { successes, error } = await slowStartBatch(n, 1, () => this.createPod(rs));
      // Pods we never managed to create will never be observed: stop waiting for them.
      for (let i = successes; i < n; i++) this.expectations.creationObserved(key);
      if (error) throw error;
      return;
    }
    if (diff > 0) {
      const n = Math.min(diff, this.burst);
      const victims = [...pods].sort(comparePodsForDeletion).slice(0, n);
      this.expectations.expectDeletions(key, victims.map(keyOf));
      const errors: unknown[] = [];
      await Promise.all(
        victims.map(async (p) => {
          try {
            await this.client.delete(R.pods, p.metadata.name!, p.metadata.namespace, {
              preconditions: { uid: p.metadata.uid },
            });
            await this.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
          } catch (err) {
            this.expectations.deletionObserved(key, keyOf(p));
            // NotFound, or a uid conflict (a new pod took the name): the pod we meant is gone.
            if (!isNotFound(err) && !isConflict(err)) {
              errors.push(err);
              await this.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
            }
          }
        }),
      );
      if (errors.length) throw errors[0];
    }
  }

  private async createPod(rs: RS): Promise<void> {
    const t = rs.spec?.template ?? {};
    const pod: PodObj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: t.metadata?.labels ? { ...t.metadata.labels } : undefined,
        annotations: t.metadata?.annotations ? { ...t.metadata.annotations } : undefined,
        finalizers: t.metadata?.finalizers,
        ownerReferences: [ownerRefTo(this.kind.type, rs)],
      },
      spec: structuredClone(t.spec) as Pod['spec'],
    };
    try {
      const created = await this.client.create(R.pods, pod);
      await this.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (err) {
      await this.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  private async updateStatus(
    cached: KubeObject,
    rs: RS,
    pods: PodObj[],
    manageErr: unknown,
    diff: number,
  ): Promise<void> {
    const now = this.clock.now();
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const tmplLabels = rs.spec?.template?.metadata?.labels ?? {};
    let conditions = [...(rs.status?.conditions ?? [])];
    const failure = conditions.find((c) => c.type === 'ReplicaFailure');
    if (manageErr && !failure) {
      const c: ReplicaSetCondition = {
        type: 'ReplicaFailure',
        status: 'True',
        reason: diff < 0 ? 'FailedCreate' : 'FailedDelete',
        message: (manageErr as Error).message ?? String(manageErr),
        lastTransitionTime: rfc3339(now),
      };
      conditions.push(c);
    } else if (!manageErr && failure) {
      conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
    }
    const status: ReplicaSetStatus = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.filter((p) =>
        Object.entries(tmplLabels).every(([k, v]) => p.metadata.labels?.[k] === v),
      ).length,
      readyReplicas: pods.filter(isPodReady).length,
      availableReplicas: pods.filter((p) => isPodAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation,
      ...(conditions.length ? { conditions } : {}),
    };
    const cur = (rs.status ?? {}) as ReplicaSetStatus;
    const same =
      (cur.replicas ?? 0) === status.replicas &&
      (cur.fullyLabeledReplicas ?? 0) === status.fullyLabeledReplicas &&
      (cur.readyReplicas ?? 0) === status.readyReplicas &&
      (cur.availableReplicas ?? 0) === status.availableReplicas &&
      cur.observedGeneration === status.observedGeneration &&
      deepEqual(cur.conditions ?? [], status.conditions ?? []);
    if (same) return;
    const copy = clone(cached);
    copy.status = status as KubeObject['status'];
    try {
      await this.client.updateStatus(this.kind.type, copy);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async event(rs: RS, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    try {
      const t = this.kind.type;
      await this.recorder.record({ ...rs, apiVersion: apiVersionOf(t), kind: t.kind }, type, reason, message);
    } catch (err) {
      this.log.warn(`event ${reason}: ${(err as Error).message}`);
    }
  }
}

/**
 * Behaves like kube-controller-manager's slowStartBatch: runs `count` calls in batches of
 * 1, 2, 4, … and stops at the first batch with a failure, so a systematic error (quota,
 * terminating namespace) costs one call instead of hundreds.
 */
async function slowStartBatch(
  count: number,
  initial: number,
  fn: () => Promise<void>,
): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initial); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { successes, error: failed.reason };
    remaining -= batch;
  }
  return { successes };
}
