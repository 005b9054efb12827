// The Deployment controller's rollout decisions as pure functions (pkg/controller/deployment); no I/O, touches nothing but its arguments.
import type { DeploymentCondition, DeploymentStatus } from 'kubernetes-types/apps/v1';
import { rfc3339 } from '../../common/clock';
import { canonicalJson } from '../../common/json';
import { R } from '../../common/resources';
import type { KubeObject, Pod } from '../../common/types';
import { controllerRefOf } from '../client';
import { ownerRefTo } from './controller-util';
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
import type { Writable } from './pod-util';

/** A condition with both timestamps at `now`. */
export function deploymentCondition(
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
export function deploymentStatusEqual(a: DeploymentStatus, b: DeploymentStatus): boolean {
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

// ---- ReplicaSets of a rollout ----------------------------------------------------------------

/**
 * The new ReplicaSet (the oldest whose template equals the deployment's, semantically and
 * ignoring the hash), the old ones by creation, and the revision the new one should carry:
 * max(old) + 1.
 */
export function splitByTemplate(
  d: Deploy,
  rsList: readonly RS[],
): { newRS?: RS; oldRSs: RS[]; newRevision: number } {
  const sorted = [...rsList].sort(byCreation);
  const newRS = sorted.find((rs) => templatesEqual(rs.spec?.template, d.spec?.template));
  const oldRSs = sorted.filter((rs) => rs !== newRS);
  const newRevision = Math.max(0, ...oldRSs.map(revisionOf)) + 1;
  return { newRS, oldRSs, newRevision };
}

/**
 * The existing new RS's annotations brought up to date: the deployment's own, the revision
 * (the previous one appended to the revision history when it grows — what `rollout undo` does)
 * and the replica hints when missing. `changed` when any differs.
 */
export function syncedAnnotations(
  d: Deploy,
  newRS: RS,
  newRevision: number,
): { annotations: Record<string, string>; changed: boolean } {
  const ann: Record<string, string> = { ...(newRS.metadata.annotations ?? {}) };
  let changed = copyDeploymentAnnotations(d, ann);
  const oldRev = ann[REVISION];
  if (!oldRev || Number(oldRev) < newRevision) {
    if (oldRev) ann[REVISION_HISTORY] = ann[REVISION_HISTORY] ? `${ann[REVISION_HISTORY]},${oldRev}` : oldRev;
    ann[REVISION] = String(newRevision);
    changed = true;
  }
  if (!ann[DESIRED_REPLICAS])
    changed = setReplicasAnnotations(ann, replicasOf(d), replicasOf(d) + maxSurge(d)) || changed;
  return { annotations: ann, changed };
}

/**
 * The ReplicaSet a deployment creates for its current template: `<deployment>-<hash>`, the hash
 * in its template labels and selector, the first rolling step's replicas, the revision.
 */
export function newReplicaSetFor(d: Deploy, oldRSs: RS[], newRevision: number): RS {
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
  const replicas = newRSNewReplicas(d, oldRSs, { metadata: {}, spec: { replicas: 0, selector } });
  const annotations: Record<string, string> = {};
  copyDeploymentAnnotations(d, annotations);
  annotations[REVISION] = String(newRevision);
  setReplicasAnnotations(annotations, replicasOf(d), replicasOf(d) + maxSurge(d));
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: template.metadata.labels,
      annotations,
      ownerReferences: [ownerRefTo(R.deployments, d)],
    },
    spec: { replicas, minReadySeconds: d.spec?.minReadySeconds, selector, template },
  };
}

/** Fully scaled-down old RSes beyond revisionHistoryLimit, oldest revision first (cleanupDeployment). */
export function historyToDelete(d: Deploy, oldRSs: readonly RS[]): RS[] {
  const limit = d.spec?.revisionHistoryLimit ?? 10;
  const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - limit;
  if (diff <= 0) return [];
  cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
  return cleanable
    .slice(0, diff)
    .filter(
      (rs) =>
        (rs.status?.replicas ?? 0) === 0 &&
        specReplicas(rs) === 0 &&
        (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0),
    );
}

/** Recreate waits for these: old RSes still report replicas, or a pod of theirs is not terminal. */
export function oldPodsRunning(oldRSs: RS[], pods: readonly (Pod & KubeObject)[]): boolean {
  if (sumStatus(oldRSs) > 0) return true;
  const uids = new Set(oldRSs.map((rs) => rs.metadata.uid));
  return pods.some((p) => {
    const ref = controllerRefOf(p);
    return !!ref && uids.has(ref.uid) && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded';
  });
}

// ---- scaling ---------------------------------------------------------------------------------

/** One resize of a ReplicaSet ('up' / 'down' only words its event). */
export interface ScaleStep {
  rs: RS;
  size: number;
  op: 'up' | 'down';
}

/** A deployment's replicas changed while no rollout is in progress (desired-replicas annotation differs). */
export function isScalingEvent(d: Deploy, rsList: readonly (RS | undefined)[]): boolean {
  for (const rs of rsList) {
    if (!rs || specReplicas(rs) === 0) continue;
    const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
    if (desired !== undefined && Number(desired) !== replicasOf(d)) return true;
  }
  return false;
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

/**
 * dc.scale: the only active (or the latest) RS takes the new size; a saturated new RS sends the
 * old ones to zero; mid-rollout every active RS gets its proportional share of the change,
 * leftovers to the largest. Every step is applied, also where only the annotations change.
 */
export function scalePlan(d: Deploy, newRS: RS | undefined, oldRSs: RS[]): ScaleStep[] {
  const want = replicasOf(d);
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    const have = specReplicas(activeOrLatest);
    return have !== want ? [{ rs: activeOrLatest, size: want, op: want > have ? 'up' : 'down' }] : [];
  }
  if (newRS && isSaturated(d, newRS))
    return oldRSs.filter((rs) => specReplicas(rs) > 0).map((rs) => ({ rs, size: 0, op: 'down' }));
  if (!isRollingUpdate(d)) return [];
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
  return all.map((rs, i) => {
    let size = sizes.get(rs)!;
    // Leftovers go to the largest replica set.
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
    return { rs, size, op };
  });
}

/** The new RS's next size in a rolling update: down to the desired count, else up as far as maxSurge allows. */
export function newRSTarget(d: Deploy, newRS: RS, oldRSs: RS[]): number {
  const want = replicasOf(d);
  return specReplicas(newRS) > want ? want : newRSNewReplicas(d, [...oldRSs, newRS], newRS);
}

/**
 * How far old RSes may be scaled down now (reconcileOldReplicaSets): total replicas minus
 * minAvailable minus the new RS's unavailable ones.
 */
export function scaleDownBudget(
  d: Deploy,
  newRS: RS,
  oldRSs: RS[],
): { minAvailable: number; maxScaledDown: number } {
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  return { minAvailable, maxScaledDown: sumSpec([...oldRSs, newRS]) - minAvailable - newUnavailable };
}

/** A scale-down of `olds[index]` by `removed` replicas to `size`. */
export interface ScaleDown {
  index: number;
  size: number;
  removed: number;
}

/**
 * cleanupUnhealthyReplicas: old pods that are not available anyway go first (they cost no
 * availability), up to `max`, in the order of `olds` (oldest first).
 */
export function unhealthyScaleDowns(olds: readonly RS[], max: number): ScaleDown[] {
  const out: ScaleDown[] = [];
  let cleaned = 0;
  for (let i = 0; i < olds.length && cleaned < max; i++) {
    const spec = specReplicas(olds[i]);
    const avail = olds[i].status?.availableReplicas ?? 0;
    if (spec === 0 || spec === avail) continue;
    const n = Math.min(max - cleaned, spec - avail);
    out.push({ index: i, size: spec - n, removed: n });
    cleaned += n;
  }
  return out;
}

/** scaleDownOldReplicaSetsForRollingUpdate: then available old replicas, while minAvailable stays met. */
export function availableScaleDowns(olds: readonly RS[], newRS: RS, minAvailable: number): ScaleDown[] {
  const out: ScaleDown[] = [];
  const available = sumAvailable([...olds, newRS]);
  if (available <= minAvailable) return out;
  const total = available - minAvailable;
  let scaled = 0;
  for (let i = 0; i < olds.length && scaled < total; i++) {
    const spec = specReplicas(olds[i]);
    if (spec === 0) continue;
    const n = Math.min(spec, total - scaled);
    out.push({ index: i, size: spec - n, removed: n });
    scaled += n;
  }
  return out;
}

// ---- status ----------------------------------------------------------------------------------

type StatusWithConditions = DeploymentStatus & { conditions?: DeploymentCondition[] };

/** calculateStatus: replica counts over the RSes and the Available condition. */
export function calculateStatus(
  d: Deploy,
  all: (RS | undefined)[],
  newRS: RS | undefined,
  now: number,
): StatusWithConditions {
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
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(
      status,
      deploymentCondition(
        'Available',
        'True',
        'MinimumReplicasAvailable',
        'Deployment has minimum availability.',
        now,
      ),
    );
  } else {
    setCondition(
      status,
      deploymentCondition(
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

/**
 * dc.syncRolloutStatus's status: calculateStatus plus the Progressing condition — complete,
 * progressing (lastUpdateTime refreshed, transition kept) or past its deadline.
 */
export function rolloutStatus(
  d: Deploy,
  all: (RS | undefined)[],
  newRS: RS | undefined,
  now: number,
): StatusWithConditions {
  const status = calculateStatus(d, all, newRS, now);
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  const current = getCondition(d.status, 'Progressing');
  const complete = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
  if (hasProgressDeadline(d) && !complete && newRS) {
    const rsName = newRS.metadata.name;
    if (deploymentComplete(d, status)) {
      setCondition(
        status,
        deploymentCondition(
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `ReplicaSet "${rsName}" has successfully progressed.`,
          now,
        ),
      );
    } else if (deploymentProgressing(d, status)) {
      // Progress refreshes lastUpdateTime even with the same reason (that is what the deadline measures).
      const c = deploymentCondition(
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
        deploymentCondition(
          'Progressing',
          'False',
          'ProgressDeadlineExceeded',
          `ReplicaSet "${rsName}" has timed out progressing.`,
          now,
        ),
      );
    }
  }
  return status;
}

/** A rollout still in progress is looked at again when its progress deadline would pass. */
export function progressRequeue(
  d: Deploy,
  status: DeploymentStatus,
  now: number,
): { requeueAfter: number } | undefined {
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

/**
 * checkPausedConditions: the status with Progressing set to DeploymentPaused / DeploymentResumed
 * when the pause changed, or undefined when nothing is to be written (no progress deadline,
 * already reported, or a reported ProgressDeadlineExceeded, which a pause does not overwrite).
 */
export function pausedStatus(d: Deploy, now: number): StatusWithConditions | undefined {
  if (!hasProgressDeadline(d)) return undefined;
  const c = getCondition(d.status, 'Progressing');
  // Lack of progress, once reported, is not overwritten by a pause.
  if (c?.reason === 'ProgressDeadlineExceeded') return undefined;
  const pausedCond = c?.reason === 'DeploymentPaused';
  const status = { ...(d.status ?? {}), conditions: [...(d.status?.conditions ?? [])] };
  if (d.spec?.paused && !pausedCond)
    setCondition(
      status,
      deploymentCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now),
    );
  else if (!d.spec?.paused && pausedCond)
    setCondition(
      status,
      deploymentCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed', now),
    );
  else return undefined;
  return status;
}
