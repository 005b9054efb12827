// The scheduler component: binds pending pods to nodes (filters + scoring) as an API client; imports common/ and control-plane/client only.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { PodCondition } from 'kubernetes-types/core/v1';
import type { KubeClient } from '../../common/client/client';
import { isConflict, isNotFound } from '../../common/client/errors';
import { keyOf, type Informer } from '../../common/client/informer';
import { realClock, rfc3339, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/logger';
import { R } from '../../common/resources';
import type { KubeObject, Node, Pod } from '../../common/types';
import { EventRecorder, Controller, SharedInformers, type ReconcileResult, LeaseRenewer } from '../client';
import {
  MAX_DECISION_NODES,
  SCHEDULING_ANNOTATION,
  SCHEDULING_DECISION_VERSION,
  formatSchedulingDecision,
  sameDecision,
  schedulingDecisionOf,
  type NodeDecision,
  type SchedulingDecision,
} from '../../common/scheduling-decision';
import {
  addPod,
  allocatable,
  buildNodeInfos,
  explainNode,
  failureOf,
  fitErrorMessage,
  podHoldsResources,
  scoreNode,
  type FilterFailure,
} from './filters';

/** Options of the Scheduler. */
export interface SchedulerOptions {
  clock?: Clock;
  logger?: Logger;
  /** Pods whose spec.schedulerName is this (or empty) are ours. */
  schedulerName?: string;
  /** Identity written to the kube-scheduler Lease. */
  holderIdentity?: string;
  /** Lease renewal period (ms); 10 s like kube-scheduler's leader election. */
  leaseRenewIntervalMs?: number;
  /** Share informers with other components of the process. */
  informers?: SharedInformers;
}

/** Retry delays of unschedulable pods (kube-scheduler: 1 s initial, 10 s max backoff). */
const INITIAL_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;

/**
 * Skiff's kube-scheduler: watches pods and nodes, and for every unbound pod of its
 * schedulerName filters the nodes (Ready, unschedulable, taints, nodeSelector, pod count,
 * CPU/memory requests against allocatable minus what bound pods request), scores the rest by
 * least-allocated, and binds the pod through `pods/binding`. A pod that fits nowhere stays
 * Pending with PodScheduled=False/Unschedulable and a FailedScheduling event worded as
 * kube-scheduler words it; it is retried when nodes or bound pods change, and with backoff.
 */
export class Scheduler extends Controller {
  readonly schedulerName: string;
  private readonly informers: SharedInformers;
  private readonly ownInformers: boolean;
  private readonly pods: Informer<Pod & KubeObject>;
  private readonly nodes: Informer<Node & KubeObject>;
  private readonly recorder: EventRecorder;
  private readonly lease: LeaseRenewer;
  /** Pods bound by us whose binding the pod cache has not shown yet (kube-scheduler's "assumed" pods). */
  private readonly assumed = new Map<string, { pod: Pod; nodeName: string }>();
  /** Pods that did not fit, waiting for a cluster change. */
  private readonly unschedulable = new Set<string>();
  private readonly attempts = new Map<string, number>();
  /** The decision last published on each pending pod (its skiff.dev/scheduling annotation). */
  private readonly decisions = new Map<string, SchedulingDecision>();

  constructor(
    private readonly client: KubeClient,
    opts: SchedulerOptions = {},
  ) {
    // One worker: pods are placed one at a time so each decision sees the previous one.
    super('scheduler', {
      clock: opts.clock,
      logger: opts.logger,
      workers: 1,
      baseDelayMs: INITIAL_BACKOFF_MS,
      maxDelayMs: MAX_BACKOFF_MS,
    });
    this.schedulerName = opts.schedulerName ?? 'default-scheduler';
    const clock = opts.clock ?? realClock;
    this.ownInformers = !opts.informers;
    this.informers =
      opts.informers ?? new SharedInformers(client, { clock, logger: opts.logger ?? silentLogger });
    this.pods = this.informers.informerFor<Pod & KubeObject>(R.pods);
    this.nodes = this.informers.informerFor<Node & KubeObject>(R.nodes);
    this.recorder = new EventRecorder(client, this.schedulerName, '', clock);
    this.lease = new LeaseRenewer(client, {
      name: 'kube-scheduler',
      holderIdentity: opts.holderIdentity ?? `${hostname()}_${randomUUID()}`,
      leaseDurationSeconds: 15,
      renewIntervalMs: opts.leaseRenewIntervalMs ?? 10_000,
      clock,
      logger: this.log,
    });
    this.pods.addHandler({
      add: (p) => this.onPodAdd(p),
      update: (p, old) => this.onPodUpdate(p, old),
      delete: (p) => this.onPodDelete(p),
    });
    this.nodes.addHandler({
      add: () => this.moveAllToActive(),
      update: (n, old) => {
        if (nodeSchedulingChanged(n, old)) this.moveAllToActive();
      },
    });
  }

  /** Starts informers, waits for their first list, then schedules; renews the Lease. */
  override start(): void {
    this.lease.start();
    if (this.ownInformers) this.informers.start();
    void this.informers.waitForSync().then(() => {
      if (!this.queue.isShuttingDown) super.start();
    });
  }

  override async stop(): Promise<void> {
    this.lease.stop();
    if (this.ownInformers) this.informers.stop();
    await super.stop();
  }

  /** Whether the pod waits for this scheduler. */
  responsible(p: Pod): boolean {
    return (
      !p.spec?.nodeName &&
      !p.metadata?.deletionTimestamp &&
      (p.spec?.schedulerName || 'default-scheduler') === this.schedulerName &&
      podHoldsResources(p)
    );
  }

  /** Tries to place one pod. */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const pod = this.pods.get(key);
    if (!pod || !this.responsible(pod) || this.assumed.has(key)) {
      this.unschedulable.delete(key);
      this.attempts.delete(key);
      this.decisions.delete(key);
      return;
    }
    const nodes = [...this.nodes.list()].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    const infos = buildNodeInfos(nodes, this.pods.list());
    for (const [k, a] of this.assumed) {
      const cached = this.pods.get(k);
      if (!cached || cached.spec?.nodeName) continue;
      addPod(infos, a.pod, a.nodeName);
    }
    const failures: FilterFailure[] = [];
    const verdicts: NodeDecision[] = [];
    let best: { name: string; score: number } | undefined;
    for (const node of nodes) {
      const info = infos.get(node.metadata.name!)!;
      const reasons = explainNode(pod, info);
      verdicts.push({ node: node.metadata.name!, fit: !reasons.length, reasons });
      const f = failureOf(reasons);
      if (f) {
        failures.push(f);
        continue;
      }
      const score = scoreNode(pod, info);
      // Ties go to the first node by name (kube-scheduler picks randomly among equals).
      if (!best || score > best.score) best = { name: node.metadata.name!, score };
    }
    if (!best) {
      const msg = fitErrorMessage(nodes.length, failures);
      await this.markUnschedulable(pod, msg);
      await this.publishDecision(pod, msg, verdicts);
      this.unschedulable.add(key);
      const n = this.attempts.get(key) ?? 0;
      this.attempts.set(key, n + 1);
      return { requeueAfter: Math.min(INITIAL_BACKOFF_MS * 2 ** Math.min(n, 10), MAX_BACKOFF_MS) };
    }
    await this.bind(pod, best.name);
  }

  private async bind(pod: Pod & KubeObject, nodeName: string): Promise<void> {
    const key = keyOf(pod);
    const { namespace, name } = pod.metadata;
    this.assumed.set(key, { pod, nodeName });
    // Read before the binding: the informer may drop our record of it while we wait.
    const published =
      this.decisions.has(key) || pod.metadata.annotations?.[SCHEDULING_ANNOTATION] !== undefined;
    const binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      // The uid makes the API server refuse to bind a different pod that reused the name.
      metadata: { name: name!, namespace, uid: pod.metadata.uid },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    try {
      await this.client.create(R.pods, binding as KubeObject, { namespace, subresource: 'binding', name });
    } catch (err) {
      this.assumed.delete(key);
      // Gone, or bound by someone else meanwhile: nothing left to do for this pod.
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
    this.decisions.delete(key);
    this.unschedulable.delete(key);
    this.attempts.delete(key);
    this.log.debug(`bound ${key} to ${nodeName}`);
    if (published) await this.clearDecision(pod);
    await this.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
  }

  private async markUnschedulable(pod: Pod & KubeObject, message: string): Promise<void> {
    const cur = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (!(cur && cur.status === 'False' && cur.reason === 'Unschedulable' && cur.message === message)) {
      const cond: PodCondition = {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message,
        lastTransitionTime:
          cur?.status === 'False' && cur.lastTransitionTime
            ? cur.lastTransitionTime
            : rfc3339(this.clock.now()),
      };
      const clone = structuredClone(pod);
      const copy = {
        ...clone,
        status: {
          ...(clone.status ?? {}),
          phase: clone.status?.phase ?? 'Pending',
          conditions: [...(clone.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), cond],
        },
      };
      try {
        await this.client.updateStatus(R.pods, copy);
      } catch (err) {
        // A newer pod is already on its way to us through the informer; it will be retried.
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
    await this.event(pod, 'Warning', 'FailedScheduling', message);
  }

  /**
   * Publishes the attempt's per-node verdicts in the skiff.dev/scheduling annotation, only when
   * they differ from the last published ones (a retry reaching the same outcome writes nothing).
   */
  private async publishDecision(
    pod: Pod & KubeObject,
    message: string,
    verdicts: NodeDecision[],
  ): Promise<void> {
    const key = keyOf(pod);
    const last = this.decisions.get(key) ?? schedulingDecisionOf(pod);
    const next: SchedulingDecision = {
      version: SCHEDULING_DECISION_VERSION,
      attemptTime: rfc3339(this.clock.now()),
      message,
      nodes: verdicts.slice(0, MAX_DECISION_NODES),
      ...(verdicts.length > MAX_DECISION_NODES ? { omittedNodes: verdicts.length - MAX_DECISION_NODES } : {}),
    };
    if (last && sameDecision(last, next)) {
      this.decisions.set(key, last);
      return;
    }
    try {
      await this.client.patch(R.pods, pod.metadata.name!, pod.metadata.namespace, {
        metadata: { annotations: { [SCHEDULING_ANNOTATION]: formatSchedulingDecision(next) } },
      });
      this.decisions.set(key, next);
    } catch (err) {
      // Gone meanwhile: nothing to explain. Anything else is retried with the pod.
      if (!isNotFound(err)) throw err;
    }
  }

  /** A bound pod's decision is history: the annotation is removed (best effort). */
  private async clearDecision(pod: Pod & KubeObject): Promise<void> {
    try {
      await this.client.patch(R.pods, pod.metadata.name!, pod.metadata.namespace, {
        metadata: { annotations: { [SCHEDULING_ANNOTATION]: null } },
      });
    } catch (err) {
      // Readers ignore the annotation on a bound pod, so a failure here misleads nobody.
      if (!isNotFound(err))
        this.log.warn(`clearing ${SCHEDULING_ANNOTATION} on ${keyOf(pod)}: ${(err as Error).message}`);
    }
  }

  private async event(
    pod: Pod & KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    try {
      await this.recorder.record({ ...pod, apiVersion: 'v1', kind: 'Pod' }, type, reason, message);
    } catch (err) {
      this.log.warn(`event ${reason} for ${keyOf(pod)}: ${(err as Error).message}`);
    }
  }

  /** Cluster changed in a way that may let waiting pods fit: retry them all now. */
  private moveAllToActive(): void {
    for (const key of this.unschedulable) this.queue.add(key);
    this.unschedulable.clear();
  }

  private onPodAdd(p: Pod & KubeObject): void {
    if (this.responsible(p)) this.queue.add(keyOf(p));
    else if (p.spec?.nodeName) this.assumed.delete(keyOf(p));
  }

  private onPodUpdate(p: Pod & KubeObject, old: Pod & KubeObject): void {
    const key = keyOf(p);
    if (this.responsible(p)) {
      // Like kube-scheduler's isPodUpdated: status-only writes (our own condition) are no news.
      if (
        JSON.stringify(p.spec) !== JSON.stringify(old.spec) ||
        JSON.stringify(p.metadata.labels) !== JSON.stringify(old.metadata.labels)
      )
        this.queue.add(key);
      return;
    }
    if (p.spec?.nodeName) this.assumed.delete(key);
    this.unschedulable.delete(key);
    this.decisions.delete(key);
    // A bound pod that finished frees its requests.
    if (old.spec?.nodeName && podHoldsResources(old) && !podHoldsResources(p)) this.moveAllToActive();
  }

  private onPodDelete(p: Pod & KubeObject): void {
    const key = keyOf(p);
    this.assumed.delete(key);
    this.unschedulable.delete(key);
    this.attempts.delete(key);
    this.decisions.delete(key);
    if (p.spec?.nodeName && podHoldsResources(p)) this.moveAllToActive();
  }
}

/** Whether a node update touches anything a filter reads. */
function nodeSchedulingChanged(n: Node, old: Node): boolean {
  const ready = (x: Node) => x.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return (
    ready(n) !== ready(old) ||
    !!n.spec?.unschedulable !== !!old.spec?.unschedulable ||
    JSON.stringify(n.spec?.taints ?? []) !== JSON.stringify(old.spec?.taints ?? []) ||
    JSON.stringify(n.metadata?.labels ?? {}) !== JSON.stringify(old.metadata?.labels ?? {}) ||
    JSON.stringify(allocatable(n)) !== JSON.stringify(allocatable(old))
  );
}
