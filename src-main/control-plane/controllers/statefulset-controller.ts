import type { StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1';
import type { PersistentVolumeClaim, Volume } from 'kubernetes-types/core/v1';
import type { KubeClient } from '../../common/client/client';
import { isAlreadyExists, isNotFound } from '../../common/client/errors';
import type { Informer } from '../../common/client/informer';
import { R } from '../../common/resources';
import type { KubeObject, Pod } from '../../common/types';
import { deepEqual } from '../../common/json';
import {
  EventRecorder,
  Controller,
  controllerRefOf,
  type ControllerOptions,
  type ReconcileResult,
  type SharedInformers,
} from '../client';
import { controlledBy } from './controller-ref-manager';
import { deleteExact, emitEvent, ownerRefTo } from './controller-util';
import {
  CONTROLLER_REVISION_HASH,
  ownedRevisions,
  syncRevisions,
  templateOf,
  truncateHistory,
  type Revision,
} from './history';
import { clone, isPodAvailable, isPodReady, msUntilAvailable, selectorMatches } from './pod-util';

type STS = StatefulSet & KubeObject;
type PodObj = Pod & KubeObject;
type PVC = PersistentVolumeClaim & KubeObject;

const STS_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** The ordinal of a pod named `<set>-<n>`, or undefined. */
function ordinalOf(set: STS, pod: KubeObject): number | undefined {
  const prefix = `${set.metadata.name}-`;
  const n = pod.metadata.name ?? '';
  if (!n.startsWith(prefix)) return undefined;
  const rest = n.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/** The claim name for a template and ordinal: `<template>-<set>-<ordinal>`. */
export function claimName(tmplName: string, set: STS, ordinal: number): string {
  return `${tmplName}-${set.metadata.name}-${ordinal}`;
}

function isRunningAndReady(p: PodObj): boolean {
  return p.status?.phase === 'Running' && isPodReady(p);
}

function isFailed(p: PodObj): boolean {
  return p.status?.phase === 'Failed';
}

function isTerminating(p: PodObj): boolean {
  return !!p.metadata.deletionTimestamp;
}

/**
 * kube-controller-manager's StatefulSet controller:
 * - pods `<set>-<ordinal>` with stable hostname/subdomain, one PVC per volumeClaimTemplate and
 *   ordinal (`<tmpl>-<set>-<n>`, created before the pod; kept on scale-down and deletion
 *   unless persistentVolumeClaimRetentionPolicy says Delete, then owned by the pod / the set);
 * - OrderedReady: create ordinals in order, each only once its predecessors are Running and
 *   Ready, delete from the highest down, one at a time; Parallel: all at once;
 * - RollingUpdate from the highest ordinal down to `partition`, one pod at a time, replacing
 *   pods whose `controller-revision-hash` is not the update revision; OnDelete leaves them;
 * - ControllerRevisions per template; status replicas/ready/current/updated/available,
 *   currentRevision/updateRevision, collisionCount, observedGeneration — what
 *   `kubectl rollout status|history|undo sts` read and write.
 */
export class StatefulSetController extends Controller {
  private readonly setInf: Informer<STS>;
  private readonly podInf: Informer<PodObj>;
  private readonly revInf: Informer<Revision>;
  private readonly pvcInf: Informer<PVC>;
  private readonly recorder: EventRecorder;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: ControllerOptions = {},
  ) {
    super('statefulset-controller', opts);
    this.recorder = new EventRecorder(client, 'statefulset-controller', '', this.clock);
    this.setInf = informers.informerFor<STS>(R.statefulsets);
    this.podInf = informers.informerFor<PodObj>(R.pods);
    this.revInf = informers.informerFor<Revision>(R.controllerrevisions);
    this.pvcInf = informers.informerFor<PVC>(R.persistentvolumeclaims);
    this.setInf.addHandler({ add: (s) => this.enqueue(s), update: (s) => this.enqueue(s) });
    const onPod = (p: PodObj) => this.enqueueController(p, 'StatefulSet');
    this.podInf.addHandler({
      add: onPod,
      update: (p, old) => {
        onPod(p);
        const o = controllerRefOf(old);
        if (o && o.uid !== controllerRefOf(p)?.uid) onPod(old);
      },
      delete: onPod,
    });
  }

  private event(set: STS, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return emitEvent(this.recorder, this.log, R.statefulsets, set, type, reason, message);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const set = this.setInf.get(key);
    if (!set || set.metadata.deletionTimestamp) return;
    const pods = controlledBy(this.podInf.list(), set).filter(
      (p) => selectorMatches(set.spec?.selector, p.metadata.labels) && ordinalOf(set, p) !== undefined,
    );
    const revs = ownedRevisions(this.revInf.list(), set);
    const { update, current, collisionCount, revisions } = await syncRevisions(
      this.client,
      R.statefulsets,
      set,
      revs,
      set.status?.currentRevision,
      set.status?.collisionCount ?? 0,
    );

    let err: unknown;
    try {
      await this.updatePods(set, pods, current, update);
    } catch (e) {
      err = e;
    }
    const fresh = controlledBy(this.podInf.list(), set).filter((p) => ordinalOf(set, p) !== undefined);
    const status = this.computeStatus(set, fresh, current, update, collisionCount);
    await this.writeStatus(set, status);
    await truncateHistory(
      this.client,
      revisions,
      new Set([
        status.currentRevision!,
        status.updateRevision!,
        ...fresh.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? ''),
      ]),
      set.spec?.revisionHistoryLimit ?? 10,
    );
    if (err) throw err;
    const minReady = set.spec?.minReadySeconds ?? 0;
    const waits = fresh
      .map((p) => msUntilAvailable(p, minReady, this.clock.now()))
      .filter((x): x is number => x !== undefined);
    if (waits.length) return { requeueAfter: Math.min(...waits) + 1 };
  }

  /** One step of the update algorithm (StatefulSetControl.updateStatefulSet). */
  private async updatePods(set: STS, pods: PodObj[], current: Revision, update: Revision): Promise<void> {
    const replicas = set.spec?.replicas ?? 1;
    const start = set.spec?.ordinals?.start ?? 0;
    const parallel = set.spec?.podManagementPolicy === 'Parallel';
    const strategy = set.spec?.updateStrategy?.type ?? 'RollingUpdate';
    const partition =
      strategy === 'RollingUpdate' ? (set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
    const byOrd = new Map<number, PodObj>();
    const condemned: PodObj[] = [];
    for (const p of pods) {
      const o = ordinalOf(set, p)!;
      if (o >= start && o < start + replicas) byOrd.set(o, p);
      else condemned.push(p);
    }
    condemned.sort((a, b) => ordinalOf(set, b)! - ordinalOf(set, a)!);

    // Replicas: create missing, replace failed, wait for readiness (OrderedReady).
    for (let o = start; o < start + replicas; o++) {
      const p = byOrd.get(o);
      if (p && isFailed(p) && !isTerminating(p)) {
        await this.deletePod(
          set,
          p,
          `delete Pod ${p.metadata.name} in StatefulSet ${set.metadata.name} successful`,
        );
        if (!parallel) return;
        continue;
      }
      if (!p) {
        // Below the partition, a recreated pod keeps the current revision (RollingUpdate).
        const rev = strategy === 'RollingUpdate' && o - start < partition ? current : update;
        await this.createPod(set, o, rev);
        if (!parallel) return;
        continue;
      }
      if (!parallel && (isTerminating(p) || !isRunningAndReady(p))) return;
    }
    // Condemned: from the highest ordinal, one at a time unless Parallel.
    for (const p of condemned) {
      if (isTerminating(p)) {
        if (!parallel) return;
        continue;
      }
      if (!parallel && [...byOrd.values()].some((x) => !isRunningAndReady(x) || isTerminating(x))) return;
      if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled === 'Delete')
        await this.claimsFollowPod(set, p);
      await this.deletePod(
        set,
        p,
        `delete Pod ${p.metadata.name} in StatefulSet ${set.metadata.name} successful`,
      );
      if (!parallel) return;
    }
    if (strategy !== 'RollingUpdate') return;
    // Rolling update: every replica must be healthy; then replace the highest stale ordinal.
    const all = [...byOrd.values()];
    if (all.length < replicas || all.some((p) => isTerminating(p) || !isRunningAndReady(p))) return;
    for (let o = start + replicas - 1; o >= start + partition; o--) {
      const p = byOrd.get(o)!;
      if (p.metadata.labels?.[CONTROLLER_REVISION_HASH] !== update.metadata.name) {
        await this.deletePod(
          set,
          p,
          `delete Pod ${p.metadata.name} in StatefulSet ${set.metadata.name} successful`,
        );
        return;
      }
    }
  }

  /** The pod for an ordinal from a revision (newVersionedStatefulSetPod). */
  podFor(set: STS, ordinal: number, rev: Revision): PodObj {
    const t = templateOf(rev);
    const name = `${set.metadata.name}-${ordinal}`;
    const spec = structuredClone(t.spec ?? { containers: [] }) as NonNullable<Pod['spec']>;
    spec.hostname = name;
    if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
    const claims = set.spec?.volumeClaimTemplates ?? [];
    const volumes: Volume[] = (spec.volumes ?? []).filter(
      (v) => !claims.some((c) => c.metadata?.name === v.name),
    );
    for (const c of claims)
      volumes.push({
        name: c.metadata!.name!,
        persistentVolumeClaim: { claimName: claimName(c.metadata!.name!, set, ordinal) },
      });
    if (volumes.length) spec.volumes = volumes;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: set.metadata.namespace,
        labels: {
          ...(t.metadata?.labels ?? {}),
          [STS_POD_NAME_LABEL]: name,
          [POD_INDEX_LABEL]: String(ordinal),
          [CONTROLLER_REVISION_HASH]: rev.metadata.name!,
        },
        annotations: t.metadata?.annotations ? { ...t.metadata.annotations } : undefined,
        ownerReferences: [ownerRefTo(R.statefulsets, set)],
      },
      spec,
    };
  }

  /**
   * persistentVolumeClaimRetentionPolicy.whenScaled=Delete: a condemned pod's claims get the pod
   * as owner, so the garbage collector removes them with it.
   */
  private async claimsFollowPod(set: STS, pod: PodObj): Promise<void> {
    const ordinal = ordinalOf(set, pod)!;
    for (const c of set.spec?.volumeClaimTemplates ?? []) {
      const name = claimName(c.metadata!.name!, set, ordinal);
      const claim = this.pvcInf.get(`${set.metadata.namespace}/${name}`);
      if (!claim || claim.metadata.ownerReferences?.some((r) => r.uid === pod.metadata.uid)) continue;
      const copy = clone(claim);
      copy.metadata = {
        ...copy.metadata,
        ownerReferences: [
          ...(claim.metadata.ownerReferences ?? []),
          {
            apiVersion: 'v1',
            kind: 'Pod',
            name: pod.metadata.name!,
            uid: pod.metadata.uid!,
            blockOwnerDeletion: true,
          },
        ],
      };
      try {
        await this.client.update(R.persistentvolumeclaims, copy);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  private async createPod(set: STS, ordinal: number, rev: Revision): Promise<void> {
    const pod = this.podFor(set, ordinal, rev);
    for (const c of set.spec?.volumeClaimTemplates ?? []) {
      const name = claimName(c.metadata!.name!, set, ordinal);
      if (this.pvcInf.get(`${set.metadata.namespace}/${name}`)) continue;
      const pvc: PVC = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name,
          namespace: set.metadata.namespace,
          labels: { ...(c.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
          annotations: c.metadata?.annotations ? { ...c.metadata.annotations } : undefined,
          // whenDeleted=Delete: the claims go with the set (garbage collector); default Retain.
          ownerReferences:
            set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete'
              ? [{ ...ownerRefTo(R.statefulsets, set), controller: false }]
              : undefined,
        },
        spec: structuredClone(c.spec ?? {}),
      };
      try {
        await this.client.create(R.persistentvolumeclaims, pvc);
        await this.event(
          set,
          'Normal',
          'SuccessfulCreate',
          `create Claim ${name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`,
        );
      } catch (err) {
        if (!isAlreadyExists(err)) {
          await this.event(
            set,
            'Warning',
            'FailedCreate',
            `create Claim ${name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`,
          );
          throw err;
        }
      }
    }
    try {
      await this.client.create(R.pods, pod);
      await this.event(
        set,
        'Normal',
        'SuccessfulCreate',
        `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`,
      );
    } catch (err) {
      if (isAlreadyExists(err)) return; // the cache is behind; the pod will show up
      await this.event(
        set,
        'Warning',
        'FailedCreate',
        `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`,
      );
      throw err;
    }
  }

  private async deletePod(set: STS, p: PodObj, message: string): Promise<void> {
    if (await deleteExact(this.client, R.pods, p))
      await this.event(set, 'Normal', 'SuccessfulDelete', message);
  }

  private computeStatus(
    set: STS,
    pods: PodObj[],
    current: Revision,
    update: Revision,
    collisionCount: number,
  ): StatefulSetStatus {
    const now = this.clock.now();
    const minReady = set.spec?.minReadySeconds ?? 0;
    const live = pods.filter((p) => !isTerminating(p));
    const status: StatefulSetStatus = {
      observedGeneration: set.metadata.generation,
      replicas: live.length,
      readyReplicas: live.filter(isRunningAndReady).length,
      availableReplicas: live.filter((p) => isRunningAndReady(p) && isPodAvailable(p, minReady, now)).length,
      currentReplicas: live.filter(
        (p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === current.metadata.name,
      ).length,
      updatedReplicas: live.filter(
        (p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === update.metadata.name,
      ).length,
      currentRevision: current.metadata.name,
      updateRevision: update.metadata.name,
      collisionCount,
    };
    const replicas = set.spec?.replicas ?? 1;
    // completeRollingUpdate: once every replica runs the update revision, it becomes current.
    if (
      (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' &&
      status.updatedReplicas === replicas &&
      status.readyReplicas === replicas &&
      status.replicas === replicas
    ) {
      status.currentRevision = update.metadata.name;
      status.currentReplicas = status.updatedReplicas;
    }
    return status;
  }

  private async writeStatus(set: STS, status: StatefulSetStatus): Promise<void> {
    const cur = set.status ?? {};
    const keep = { ...cur, ...status };
    if (deepEqual(keep, cur)) return;
    const copy = clone(set);
    copy.status = keep;
    try {
      await this.client.updateStatus(R.statefulsets, copy);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
