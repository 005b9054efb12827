import type { DeploymentStatus } from 'kubernetes-types/apps/v1';
import type { KubeClient } from '../../common/client/client';
import { isAlreadyExists, isNotFound } from '../../common/client/errors';
import { keyOf, type Informer } from '../../common/client/informer';
import { deepEqual } from '../../common/json';
import { R } from '../../common/resources';
import type { KubeObject, Pod } from '../../common/types';
import {
  EventRecorder,
  Controller,
  controllerRefOf,
  type ControllerOptions,
  type ReconcileResult,
  type SharedInformers,
} from '../client';
import { ControllerRefManager, resolveControllerRef } from './controller-ref-manager';
import {
  availableScaleDowns,
  calculateStatus,
  deploymentCondition,
  deploymentStatusEqual,
  historyToDelete,
  isScalingEvent,
  newReplicaSetFor,
  newRSTarget,
  oldPodsRunning,
  pausedStatus,
  progressRequeue,
  rolloutStatus,
  scaleDownBudget,
  scalePlan,
  splitByTemplate,
  syncedAnnotations,
  unhealthyScaleDowns,
} from './deployment-rollout';
import {
  REVISION,
  byCreation,
  deploymentComplete,
  getCondition,
  hasProgressDeadline,
  isRollingUpdate,
  maxSurge,
  replicasOf,
  revisionOf,
  setCondition,
  setReplicasAnnotations,
  specReplicas,
  sumSpec,
  templatesEqual,
  type Deploy,
  type RS,
} from './deployment-util';
import { clone, selectorIsEmpty, selectorMatches, type Writable } from './pod-util';

/** The mutable state of one sync: the deployment as last written, and its ReplicaSets. */
interface SyncState {
  d: Writable<Deploy>;
  rsList: RS[];
}

/**
 * kube-controller-manager's Deployment controller: one ReplicaSet per pod template, named
 * `<deployment>-<pod-template-hash>`, revisions in `deployment.kubernetes.io/revision`;
 * RollingUpdate (maxSurge/maxUnavailable) and Recreate rollouts, proportional scaling, pause,
 * revisionHistoryLimit cleanup, and the status and Available/Progressing conditions that
 * `kubectl rollout status`, `rollout history/undo` and `describe deployment` read.
 */
export class DeploymentController extends Controller {
  private readonly dInf: Informer<Deploy>;
  private readonly rsInf: Informer<RS>;
  private readonly podInf: Informer<Pod & KubeObject>;
  private readonly recorder: EventRecorder;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: ControllerOptions = {},
  ) {
    super('deployment-controller', opts);
    this.recorder = new EventRecorder(client, 'deployment-controller', '', this.clock);
    this.dInf = informers.informerFor<Deploy>(R.deployments);
    this.rsInf = informers.informerFor<RS>(R.replicasets);
    this.podInf = informers.informerFor<Pod & KubeObject>(R.pods);
    this.dInf.addHandler({
      add: (d) => this.enqueue(d),
      update: (d) => this.enqueue(d),
      delete: (d) => this.enqueue(d),
    });
    this.rsInf.addHandler({
      add: (rs) => this.onRS(rs),
      update: (rs, old) => {
        const a = controllerRefOf(rs);
        const b = controllerRefOf(old);
        if (b && b.uid !== a?.uid) this.onRS(old);
        this.onRS(rs, !deepEqual(rs.metadata.labels, old.metadata.labels));
      },
      delete: (rs) => this.onRS(rs),
    });
    // Recreate waits for old pods to be gone: their deletion is news for the deployment.
    this.podInf.addHandler({
      delete: (p) => {
        const ref = controllerRefOf(p);
        if (ref?.kind !== 'ReplicaSet') return;
        const rs = this.rsInf.get(`${p.metadata.namespace}/${ref.name}`);
        if (rs) this.onRS(rs);
      },
    });
  }

  private onRS(rs: RS, labelsChanged = true): void {
    const ref = controllerRefOf(rs);
    if (ref) {
      const d = resolveControllerRef(this.dInf, rs, 'Deployment', ref);
      if (d) this.enqueue(d);
      return;
    }
    if (!labelsChanged) return;
    // An orphan: every deployment that could adopt it gets a look.
    for (const d of this.dInf.list()) {
      if (
        d.metadata.namespace === rs.metadata.namespace &&
        selectorMatches(d.spec?.selector, rs.metadata.labels)
      )
        this.enqueue(d);
    }
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.dInf.get(key);
    if (!cached) return;
    const s: SyncState = { d: clone(cached), rsList: [] };
    const d = s.d;
    if (selectorIsEmpty(d.spec?.selector)) {
      await this.event(
        d,
        'Warning',
        'SelectingAll',
        'This deployment is selecting all pods. A non-empty selector is required.',
      );
      if (d.status?.observedGeneration !== d.metadata.generation) {
        await this.writeStatus(s, { ...(d.status ?? {}), observedGeneration: d.metadata.generation });
      }
      return;
    }
    s.rsList = await this.claimReplicaSets(d);
    if (d.metadata.deletionTimestamp) {
      const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(s, false);
      return this.syncDeploymentStatus(s, [...oldRSs, newRS], newRS);
    }
    await this.checkPausedConditions(s);
    if (s.d.spec?.paused) return this.sync(s);
    if (await this.isScalingEvent(s)) return this.sync(s);
    return isRollingUpdate(s.d) ? this.rolloutRolling(s) : this.rolloutRecreate(s);
  }

  // ---- ReplicaSets of a deployment --------------------------------------------------------------

  /** Behaves like ReplicaSetControllerRefManager.ClaimReplicaSets: adopt matching orphans, release strays. */
  private claimReplicaSets(d: Deploy): Promise<RS[]> {
    const mine = this.rsInf.list().filter((rs) => rs.metadata.namespace === d.metadata.namespace);
    return new ControllerRefManager(this.client, {
      owner: d,
      ownerType: R.deployments,
      childType: R.replicasets,
      selector: d.spec?.selector,
    }).claim(mine);
  }

  /**
   * Finds the RS whose template equals the deployment's (semantically, ignoring the hash),
   * syncs its revision to max(old)+1 — so `rollout undo` re-uses an old RS and bumps its
   * revision — and creates it when asked and missing. Copies the revision to the deployment.
   */
  private async getAllReplicaSetsAndSyncRevision(
    s: SyncState,
    create: boolean,
  ): Promise<{ newRS?: RS; oldRSs: RS[] }> {
    const d = s.d;
    const split = splitByTemplate(d, s.rsList);
    const { oldRSs, newRevision } = split;
    let newRS = split.newRS;
    const now = this.clock.now();
    let statusChanged = false;

    if (newRS) {
      const { annotations, changed } = syncedAnnotations(d, newRS, newRevision);
      const minReadyChanged = (newRS.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (changed || minReadyChanged) {
        const copy = clone(newRS);
        copy.metadata = { ...copy.metadata, annotations };
        copy.spec = { ...copy.spec!, minReadySeconds: d.spec?.minReadySeconds };
        newRS = this.replace(s, await this.client.update(R.replicasets, copy));
      }
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
        this.setStatusCondition(
          d,
          'Progressing',
          'True',
          'FoundNewReplicaSet',
          `Found new replica set "${newRS.metadata.name}"`,
          now,
        );
        statusChanged = true;
      }
      await this.writeDeployment(s, String(revisionOf(newRS)), statusChanged);
      return { newRS, oldRSs };
    }
    if (!create) return { newRS: undefined, oldRSs };

    const body = newReplicaSetFor(d, oldRSs, newRevision);
    const name = body.metadata.name!;
    const replicas = specReplicas(body);
    let created: RS;
    let alreadyExists = false;
    try {
      created = await this.client.create(R.replicasets, body);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Our cache may simply lag behind our own earlier create; otherwise it is a hash collision.
      const existing = await this.client.get<RS>(R.replicasets, name, d.metadata.namespace);
      if (
        controllerRefOf(existing)?.uid === d.metadata.uid &&
        templatesEqual(existing.spec?.template, d.spec?.template)
      ) {
        created = existing;
        alreadyExists = true;
      } else {
        // Behaves like the upstream collisionCount: bump it so the next hash differs.
        await this.writeStatus(s, {
          ...(d.status ?? {}),
          collisionCount: (d.status?.collisionCount ?? 0) + 1,
        });
        throw err;
      }
    }
    s.rsList.push(created);
    if (!alreadyExists && replicas > 0)
      await this.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${name} to ${replicas} from 0`,
      );
    if (!alreadyExists && hasProgressDeadline(d)) {
      this.setStatusCondition(
        d,
        'Progressing',
        'True',
        'NewReplicaSetCreated',
        `Created new replica set "${name}"`,
        now,
      );
      statusChanged = true;
    }
    await this.writeDeployment(s, String(newRevision), statusChanged);
    return { newRS: created, oldRSs };
  }

  private replace(s: SyncState, rs: RS): RS {
    const i = s.rsList.findIndex((x) => x.metadata.uid === rs.metadata.uid);
    if (i >= 0) s.rsList[i] = rs;
    else s.rsList.push(rs);
    return rs;
  }

  // ---- rollouts --------------------------------------------------------------------------------

  private async rolloutRolling(s: SyncState): Promise<ReconcileResult | void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(s, true);
    let cur = { newRS: newRS!, oldRSs };
    // Scale up the new RS as far as maxSurge allows.
    if (await this.reconcileNewReplicaSet(s, cur))
      return this.syncRolloutStatus(s, [...cur.oldRSs, cur.newRS], cur.newRS);
    // Scale down old RSes as far as maxUnavailable allows.
    if (await this.reconcileOldReplicaSets(s, cur))
      return this.syncRolloutStatus(s, [...cur.oldRSs, cur.newRS], cur.newRS);
    if (deploymentComplete(s.d, s.d.status ?? {}))
      cur = { ...cur, oldRSs: await this.cleanupDeployment(s, cur.oldRSs) };
    return this.syncRolloutStatus(s, [...cur.oldRSs, cur.newRS], cur.newRS);
  }

  private async reconcileNewReplicaSet(s: SyncState, cur: { newRS: RS; oldRSs: RS[] }): Promise<boolean> {
    const want = replicasOf(s.d);
    const have = specReplicas(cur.newRS);
    if (have === want) return false;
    const target = newRSTarget(s.d, cur.newRS, cur.oldRSs);
    const r = await this.scaleReplicaSet(s, cur.newRS, target, have > want ? 'down' : 'up');
    cur.newRS = r.rs;
    return r.scaled;
  }

  /** Scales old RSes down as far as maxUnavailable allows: unavailable replicas first, then available ones. */
  private async reconcileOldReplicaSets(s: SyncState, cur: { newRS: RS; oldRSs: RS[] }): Promise<boolean> {
    if (sumSpec(cur.oldRSs) === 0) return false;
    const { minAvailable, maxScaledDown } = scaleDownBudget(s.d, cur.newRS, cur.oldRSs);
    if (maxScaledDown <= 0) return false;
    const olds = [...cur.oldRSs].sort(byCreation);
    let removed = 0;
    for (const step of unhealthyScaleDowns(olds, maxScaledDown)) {
      olds[step.index] = (await this.scaleReplicaSet(s, olds[step.index], step.size, 'down')).rs;
      removed += step.removed;
    }
    // Planned on what the scale-downs above answered (their status is the server's latest).
    for (const step of availableScaleDowns(olds, cur.newRS, minAvailable)) {
      olds[step.index] = (await this.scaleReplicaSet(s, olds[step.index], step.size, 'down')).rs;
      removed += step.removed;
    }
    cur.oldRSs = olds;
    return removed > 0;
  }

  private async rolloutRecreate(s: SyncState): Promise<ReconcileResult | void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(s, false);
    let scaledDown = false;
    oldRSs = [...oldRSs];
    for (let i = 0; i < oldRSs.length; i++) {
      if (specReplicas(oldRSs[i]) === 0) continue;
      const r = await this.scaleReplicaSet(s, oldRSs[i], 0, 'down');
      oldRSs[i] = r.rs;
      scaledDown ||= r.scaled;
    }
    if (scaledDown) return this.syncRolloutStatus(s, [...oldRSs, newRS], newRS);
    // Recreate: not a single old pod may still run when new ones start.
    if (oldPodsRunning(oldRSs, this.podInf.list()))
      return this.syncRolloutStatus(s, [...oldRSs, newRS], newRS);
    if (!newRS) ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(s, true));
    newRS = (await this.scaleReplicaSet(s, newRS!, replicasOf(s.d), 'up')).rs;
    if (deploymentComplete(s.d, s.d.status ?? {})) oldRSs = await this.cleanupDeployment(s, oldRSs);
    return this.syncRolloutStatus(s, [...oldRSs, newRS], newRS);
  }

  // ---- scaling ---------------------------------------------------------------------------------

  /** A deployment's replicas changed while no rollout is in progress (desired-replicas annotation differs). */
  private async isScalingEvent(s: SyncState): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(s, false);
    return isScalingEvent(s.d, [...oldRSs, newRS]);
  }

  /** Scaling and paused deployments: resize without rolling (dc.sync). */
  private async sync(s: SyncState): Promise<ReconcileResult | void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(s, false);
    await this.scale(s, newRS, oldRSs);
    const fresh = (rs: RS | undefined) =>
      rs && (s.rsList.find((x) => x.metadata.uid === rs.metadata.uid) ?? rs);
    let olds = oldRSs.map((rs) => fresh(rs)!);
    if (s.d.spec?.paused) olds = await this.cleanupDeployment(s, olds);
    return this.syncDeploymentStatus(s, [...olds, fresh(newRS)], fresh(newRS));
  }

  /** Behaves like dc.scale: proportional scaling of all active RSes on a resize mid-rollout. */
  private async scale(s: SyncState, newRS: RS | undefined, oldRSs: RS[]): Promise<void> {
    for (const { rs, size, op } of scalePlan(s.d, newRS, oldRSs)) await this.scaleReplicaSet(s, rs, size, op);
  }

  /** Sets an RS's replicas and replica annotations; records a ScalingReplicaSet event on resize. */
  private async scaleReplicaSet(
    s: SyncState,
    rs: RS,
    size: number,
    op: 'up' | 'down',
  ): Promise<{ scaled: boolean; rs: RS }> {
    const d = s.d;
    const from = specReplicas(rs);
    const ann: Record<string, string> = { ...(rs.metadata.annotations ?? {}) };
    const annChanged = setReplicasAnnotations(ann, replicasOf(d), replicasOf(d) + maxSurge(d));
    if (from === size && !annChanged) return { scaled: false, rs };
    const copy = clone(rs);
    copy.metadata = { ...copy.metadata, annotations: ann };
    copy.spec = { ...copy.spec!, replicas: size };
    const updated = this.replace(s, await this.client.update(R.replicasets, copy));
    if (from !== size) {
      await this.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${op} replica set ${rs.metadata.name} to ${size} from ${from}`,
      );
    }
    return { scaled: from !== size, rs: updated };
  }

  /** Deletes the oldest fully scaled-down RSes beyond revisionHistoryLimit. */
  private async cleanupDeployment(s: SyncState, oldRSs: RS[]): Promise<RS[]> {
    const doomed = historyToDelete(s.d, oldRSs);
    if (!doomed.length) return oldRSs;
    const deleted = new Set<string>();
    for (const rs of doomed) {
      try {
        await this.client.delete(R.replicasets, rs.metadata.name!, rs.metadata.namespace, {
          preconditions: { uid: rs.metadata.uid },
        });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      deleted.add(rs.metadata.uid!);
    }
    s.rsList = s.rsList.filter((rs) => !deleted.has(rs.metadata.uid!));
    return oldRSs.filter((rs) => !deleted.has(rs.metadata.uid!));
  }

  // ---- status ----------------------------------------------------------------------------------

  /** Behaves like dc.syncRolloutStatus: status plus the Progressing condition and its deadline. */
  private async syncRolloutStatus(
    s: SyncState,
    all: (RS | undefined)[],
    newRS: RS | undefined,
  ): Promise<ReconcileResult | void> {
    const now = this.clock.now();
    const status = rolloutStatus(s.d, all, newRS, now);
    if (!deploymentStatusEqual(s.d.status ?? {}, status)) await this.writeStatus(s, status);
    return progressRequeue(s.d, status, now);
  }

  private async syncDeploymentStatus(
    s: SyncState,
    all: (RS | undefined)[],
    newRS: RS | undefined,
  ): Promise<void> {
    const status = calculateStatus(s.d, all, newRS, this.clock.now());
    if (!deploymentStatusEqual(s.d.status ?? {}, status)) await this.writeStatus(s, status);
  }

  private async checkPausedConditions(s: SyncState): Promise<void> {
    const status = pausedStatus(s.d, this.clock.now());
    if (status) await this.writeStatus(s, status);
  }

  private setStatusCondition(
    d: Writable<Deploy>,
    type: string,
    st: string,
    reason: string,
    message: string,
    now: number,
  ): void {
    const status = { ...(d.status ?? {}), conditions: [...(d.status?.conditions ?? [])] };
    setCondition(status, deploymentCondition(type, st, reason, message, now));
    d.status = status;
  }

  /** Writes the revision annotation (main resource) and, if asked, the current status. */
  private async writeDeployment(s: SyncState, revision: string, statusChanged: boolean): Promise<void> {
    const d = s.d;
    if (d.metadata.annotations?.[REVISION] !== revision) {
      const status = d.status;
      d.metadata = {
        ...d.metadata,
        annotations: { ...(d.metadata.annotations ?? {}), [REVISION]: revision },
      };
      const updated = clone(await this.client.update(R.deployments, d));
      updated.status = status;
      s.d = updated;
      statusChanged = true;
    }
    if (statusChanged) await this.writeStatus(s, s.d.status ?? {});
  }

  private async writeStatus(s: SyncState, status: DeploymentStatus): Promise<void> {
    const copy = clone(s.d);
    copy.status = status;
    const updated = clone(await this.client.updateStatus(R.deployments, copy));
    s.d = updated;
  }

  private async event(d: Deploy, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    try {
      await this.recorder.record({ ...d, apiVersion: 'apps/v1', kind: 'Deployment' }, type, reason, message);
    } catch (err) {
      this.log.warn(`event ${reason} for ${keyOf(d)}: ${(err as Error).message}`);
    }
  }
}
