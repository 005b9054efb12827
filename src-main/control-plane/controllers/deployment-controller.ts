import type { DeploymentCondition, DeploymentStatus } from 'kubernetes-types/apps/v1';
import type { KubeClient } from '../../common/client/client';
import { isAlreadyExists, isNotFound } from '../../common/client/errors';
import { keyOf, type Informer } from '../../common/client/informer';
import { rfc3339 } from '../../common/clock';
import { R } from '../../common/resources';
import type { KubeObject, Pod } from '../../common/types';
import { canonicalJson } from '../../common/json';
import {
  EventRecorder,
  Controller,
  controllerRefOf,
  type ControllerOptions,
  type ReconcileResult,
  type SharedInformers,
} from '../client';
import {
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  POD_TEMPLATE_HASH,
  REVISION,
  REVISION_HISTORY,
  byCreation,
  computeHash,
  copyDeploymentAnnotations,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  isRollingUpdate,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  progressDeadlineSeconds,
  removeCondition,
  replicasOf,
  revisionOf,
  setCondition,
  setReplicasAnnotations,
  specReplicas,
  sumAvailable,
  sumReady,
  sumSpec,
  sumStatus,
  templatesEqual,
  type Deploy,
  type RS,
} from './deployment-util';
import { ControllerRefManager, resolveControllerRef } from './controller-ref-manager';
import { ownerRefTo } from './controller-util';
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
        this.onRS(rs, JSON.stringify(rs.metadata.labels) !== JSON.stringify(old.metadata.labels));
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
    const sorted = [...s.rsList].sort(byCreation);
    let newRS = sorted.find((rs) => templatesEqual(rs.spec?.template, d.spec?.template));
    const oldRSs = sorted.filter((rs) => rs !== newRS);
    const newRevision = Math.max(0, ...oldRSs.map(revisionOf)) + 1;
    const now = this.clock.now();
    let statusChanged = false;

    if (newRS) {
      const copy = clone(newRS);
      const ann: Record<string, string> = { ...(copy.metadata.annotations ?? {}) };
      let changed = copyDeploymentAnnotations(d, ann);
      const oldRev = ann[REVISION];
      if (!oldRev || Number(oldRev) < newRevision) {
        if (oldRev)
          ann[REVISION_HISTORY] = ann[REVISION_HISTORY] ? `${ann[REVISION_HISTORY]},${oldRev}` : oldRev;
        ann[REVISION] = String(newRevision);
        changed = true;
      }
      if (!ann[DESIRED_REPLICAS])
        changed = setReplicasAnnotations(ann, replicasOf(d), replicasOf(d) + maxSurge(d)) || changed;
      const minReadyChanged = (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (changed || minReadyChanged) {
        copy.metadata = { ...copy.metadata, annotations: ann };
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

    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    const template = structuredClone(d.spec!.template) as Writable<
      NonNullable<NonNullable<Deploy['spec']>['template']>
    >;
    template.metadata = {
      ...(template.metadata ?? {}),
      labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash },
    };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const name = `${d.metadata.name}-${hash}`;
    const replicas = newRSNewReplicas(d, oldRSs, { metadata: {}, spec: { replicas: 0, selector } });
    const annotations: Record<string, string> = {};
    copyDeploymentAnnotations(d, annotations);
    annotations[REVISION] = String(newRevision);
    setReplicasAnnotations(annotations, replicasOf(d), replicasOf(d) + maxSurge(d));
    const body: RS = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: d.metadata.namespace,
        labels: template.metadata.labels,
        annotations,
        ownerReferences: [ownerRefTo(R.deployments, d)],
      },
      spec: { replicas, minReadySeconds: d.spec?.minReadySeconds, selector, template },
    };
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
    const target = have > want ? want : newRSNewReplicas(s.d, [...cur.oldRSs, cur.newRS], cur.newRS);
    const r = await this.scaleReplicaSet(s, cur.newRS, target, have > want ? 'down' : 'up');
    cur.newRS = r.rs;
    return r.scaled;
  }

  private async reconcileOldReplicaSets(s: SyncState, cur: { newRS: RS; oldRSs: RS[] }): Promise<boolean> {
    const d = s.d;
    if (sumSpec(cur.oldRSs) === 0) return false;
    const all = [...cur.oldRSs, cur.newRS];
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = specReplicas(cur.newRS) - (cur.newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = sumSpec(all) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;

    // First remove old pods that are not available anyway (they cost no availability)…
    let cleaned = 0;
    const olds = [...cur.oldRSs].sort(byCreation);
    for (let i = 0; i < olds.length && cleaned < maxScaledDown; i++) {
      const rs = olds[i];
      const spec = specReplicas(rs);
      const avail = rs.status?.availableReplicas ?? 0;
      if (spec === 0 || spec === avail) continue;
      const n = Math.min(maxScaledDown - cleaned, spec - avail);
      const r = await this.scaleReplicaSet(s, rs, spec - n, 'down');
      olds[i] = r.rs;
      cleaned += n;
    }
    // …then scale down available ones while keeping minAvailable.
    const available = sumAvailable([...olds, cur.newRS]);
    let scaled = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (let i = 0; i < olds.length && scaled < total; i++) {
        const spec = specReplicas(olds[i]);
        if (spec === 0) continue;
        const n = Math.min(spec, total - scaled);
        const r = await this.scaleReplicaSet(s, olds[i], spec - n, 'down');
        olds[i] = r.rs;
        scaled += n;
      }
    }
    cur.oldRSs = olds;
    return cleaned + scaled > 0;
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
    if (this.oldPodsRunning(oldRSs)) return this.syncRolloutStatus(s, [...oldRSs, newRS], newRS);
    if (!newRS) ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(s, true));
    newRS = (await this.scaleReplicaSet(s, newRS!, replicasOf(s.d), 'up')).rs;
    if (deploymentComplete(s.d, s.d.status ?? {})) oldRSs = await this.cleanupDeployment(s, oldRSs);
    return this.syncRolloutStatus(s, [...oldRSs, newRS], newRS);
  }

  private oldPodsRunning(oldRSs: RS[]): boolean {
    if (sumStatus(oldRSs) > 0) return true;
    const uids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    return this.podInf.list().some((p) => {
      const ref = controllerRefOf(p);
      return !!ref && uids.has(ref.uid) && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded';
    });
  }

  // ---- scaling ---------------------------------------------------------------------------------

  /** A deployment's replicas changed while no rollout is in progress (desired-replicas annotation differs). */
  private async isScalingEvent(s: SyncState): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(s, false);
    for (const rs of [...oldRSs, newRS]) {
      if (!rs || specReplicas(rs) === 0) continue;
      const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
      if (desired !== undefined && Number(desired) !== replicasOf(s.d)) return true;
    }
    return false;
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
    const d = s.d;
    const want = replicasOf(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (specReplicas(activeOrLatest) !== want)
        await this.scaleReplicaSet(
          s,
          activeOrLatest,
          want,
          want > specReplicas(activeOrLatest) ? 'up' : 'down',
        );
      return;
    }
    if (newRS && isSaturated(d, newRS)) {
      for (const rs of oldRSs) if (specReplicas(rs) > 0) await this.scaleReplicaSet(s, rs, 0, 'down');
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = [...oldRSs, newRS].filter((rs): rs is RS => !!rs && specReplicas(rs) > 0);
    const allowed = want > 0 ? want + maxSurge(d) : 0;
    const toAdd = allowed - sumSpec(all);
    let op: 'up' | 'down' = 'up';
    if (toAdd > 0) all.sort((a, b) => specReplicas(b) - specReplicas(a) || -byCreation(a, b));
    else if (toAdd < 0) {
      all.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(a, b));
      op = 'down';
    }
    let added = 0;
    const sizes = new Map<RS, number>();
    for (const rs of all) {
      if (toAdd === 0) {
        sizes.set(rs, specReplicas(rs));
        continue;
      }
      const p = proportion(rs, d, toAdd, added);
      sizes.set(rs, specReplicas(rs) + p);
      added += p;
    }
    for (let i = 0; i < all.length; i++) {
      const rs = all[i];
      let size = sizes.get(rs)!;
      // Leftovers go to the largest replica set.
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      await this.scaleReplicaSet(s, rs, size, op);
    }
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
    const limit = s.d.spec?.revisionHistoryLimit ?? 10;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return oldRSs;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    const deleted = new Set<string>();
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i];
      if (
        (rs.status?.replicas ?? 0) !== 0 ||
        specReplicas(rs) !== 0 ||
        (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)
      )
        continue;
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

  private calculateStatus(
    d: Deploy,
    all: (RS | undefined)[],
    newRS: RS | undefined,
  ): DeploymentStatus & { conditions?: DeploymentCondition[] } {
    const available = sumAvailable(all);
    const status: Writable<DeploymentStatus> & { conditions?: DeploymentCondition[] } = {
      observedGeneration: d.metadata.generation,
      replicas: sumStatus(all),
      updatedReplicas: sumStatus([newRS]),
      readyReplicas: sumReady(all),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, sumSpec(all) - available),
      conditions: [...(d.status?.conditions ?? [])],
    };
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    const now = this.clock.now();
    if (available >= replicasOf(d) - maxUnavailable(d)) {
      setCondition(
        status,
        cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now),
      );
    } else {
      setCondition(
        status,
        cond(
          'Available',
          'False',
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
          now,
        ),
      );
    }
    return status;
  }

  /** Behaves like dc.syncRolloutStatus: status plus the Progressing condition and its deadline. */
  private async syncRolloutStatus(
    s: SyncState,
    all: (RS | undefined)[],
    newRS: RS | undefined,
  ): Promise<ReconcileResult | void> {
    const d = s.d;
    const now = this.clock.now();
    const status = this.calculateStatus(d, all, newRS);
    if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
    const current = getCondition(d.status, 'Progressing');
    const complete =
      status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
    if (hasProgressDeadline(d) && !complete && newRS) {
      const rsName = newRS.metadata.name;
      if (deploymentComplete(d, status)) {
        setCondition(
          status,
          cond(
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${rsName}" has successfully progressed.`,
            now,
          ),
        );
      } else if (deploymentProgressing(d, status)) {
        // Progress refreshes lastUpdateTime even with the same reason (that is what the deadline measures).
        const c = cond(
          'Progressing',
          'True',
          'ReplicaSetUpdated',
          `ReplicaSet "${rsName}" is progressing.`,
          now,
        );
        if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, 'Progressing');
        setCondition(status, c);
      } else if (deploymentTimedOut(d, status, now)) {
        setCondition(
          status,
          cond(
            'Progressing',
            'False',
            'ProgressDeadlineExceeded',
            `ReplicaSet "${rsName}" has timed out progressing.`,
            now,
          ),
        );
      }
    }
    if (!statusEqual(d.status ?? {}, status)) await this.writeStatus(s, status);
    return this.requeueStuck(s.d, status, now);
  }

  private async syncDeploymentStatus(
    s: SyncState,
    all: (RS | undefined)[],
    newRS: RS | undefined,
  ): Promise<void> {
    const status = this.calculateStatus(s.d, all, newRS);
    if (!statusEqual(s.d.status ?? {}, status)) await this.writeStatus(s, status);
  }

  /** A rollout still in progress is looked at again when its progress deadline would pass. */
  private requeueStuck(d: Deploy, status: DeploymentStatus, now: number): ReconcileResult | void {
    const c = getCondition(status, 'Progressing');
    if (!hasProgressDeadline(d) || !c) return;
    if (
      deploymentComplete(d, status) ||
      c.reason === 'ProgressDeadlineExceeded' ||
      c.reason === 'DeploymentPaused'
    )
      return;
    const from = Date.parse(c.lastUpdateTime ?? c.lastTransitionTime ?? '');
    if (!Number.isFinite(from)) return;
    const after = from + progressDeadlineSeconds(d) * 1000 - now;
    return { requeueAfter: Math.max(1, after + 1000) };
  }

  private async checkPausedConditions(s: SyncState): Promise<void> {
    const d = s.d;
    if (!hasProgressDeadline(d)) return;
    const c = getCondition(d.status, 'Progressing');
    // Lack of progress, once reported, is not overwritten by a pause.
    if (c?.reason === 'ProgressDeadlineExceeded') return;
    const pausedCond = c?.reason === 'DeploymentPaused';
    const now = this.clock.now();
    const status = { ...(d.status ?? {}), conditions: [...(d.status?.conditions ?? [])] };
    if (d.spec?.paused && !pausedCond)
      setCondition(status, cond('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now));
    else if (!d.spec?.paused && pausedCond)
      setCondition(status, cond('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed', now));
    else return;
    await this.writeStatus(s, status);
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
    setCondition(status, cond(type, st, reason, message, now));
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

function cond(
  type: string,
  status: string,
  reason: string,
  message: string,
  now: number,
): DeploymentCondition {
  const t = rfc3339(now);
  return { type, status, reason, message, lastUpdateTime: t, lastTransitionTime: t };
}

/** Statuses equal up to omitted zeros (the API drops zero values the way Go's omitempty does). */
function statusEqual(a: DeploymentStatus, b: DeploymentStatus): boolean {
  const norm = (x: DeploymentStatus) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      if (v === undefined || v === 0 || (Array.isArray(v) && !v.length)) continue;
      o[k] = v;
    }
    return canonicalJson(o);
  };
  return norm(a) === norm(b);
}

/** FindActiveOrLatest: the only RS with replicas, or the newest when none has any. */
function findActiveOrLatest(newRS: RS | undefined, oldRSs: RS[]): RS | undefined {
  if (!newRS && !oldRSs.length) return undefined;
  const olds = [...oldRSs].sort((a, b) => -byCreation(a, b));
  const active = [...olds, newRS].filter((rs): rs is RS => !!rs && specReplicas(rs) > 0);
  if (active.length === 0) return newRS ?? olds[0];
  if (active.length === 1) return active[0];
  return undefined;
}

function isSaturated(d: Deploy, rs: RS): boolean {
  const desired = Number(rs.metadata.annotations?.[DESIRED_REPLICAS]);
  const want = replicasOf(d);
  return desired === want && specReplicas(rs) === want && (rs.status?.availableReplicas ?? 0) === want;
}

/** GetProportion: this RS's share of a resize, from its max-replicas annotation. */
function proportion(rs: RS, d: Deploy, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (replicasOf(d) === 0) fraction = -specReplicas(rs);
  else {
    const total = replicasOf(d) + maxSurge(d);
    const annotated = Number(rs.metadata.annotations?.[MAX_REPLICAS]) || d.status?.replicas || total;
    // integer.RoundToInt32 rounds halves away from zero.
    const x = (specReplicas(rs) * total) / annotated;
    fraction = Math.sign(x) * Math.round(Math.abs(x)) - specReplicas(rs);
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}
