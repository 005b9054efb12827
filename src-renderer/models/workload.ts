/**
 * Workload helpers for the detail pages of Deployments, StatefulSets, DaemonSets, ReplicaSets,
 * Jobs and CronJobs: replica counts, rollout progress, conditions, revision history (from
 * ReplicaSets or ControllerRevisions, as kubectl rollout history reads them), which pods
 * belong to a workload, and the patches behind restart and roll back. Pure functions over JSON.
 */
import type { StatusTone } from './pod';
import type { ControllerRevision, Job, KubeObject, Pod, ReplicaSet } from './kube';

/** Workload kinds with a detail page. */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job' | 'CronJob';

/** Loosely typed view of a workload's spec/status (each kind has some of these). */
interface Loose {
  spec?: {
    replicas?: number;
    paused?: boolean;
    suspend?: boolean;
    completions?: number;
    parallelism?: number;
    schedule?: string;
    template?: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec?: { containers?: { name: string; image?: string }[] };
    };
    jobTemplate?: { spec?: { template?: { spec?: { containers?: { name: string; image?: string }[] } } } };
    selector?: { matchLabels?: Record<string, string> };
  };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    currentReplicas?: number;
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    observedGeneration?: number;
    succeeded?: number;
    failed?: number;
    active?: number | unknown[];
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }[];
    lastScheduleTime?: string;
  };
}

const L = (o: KubeObject) => o as unknown as Loose;

/** The numbers a workload page shows in its stat cards. */
export interface WorkloadSummary {
  desired: number;
  ready: number;
  updated: number;
  available: number;
  /** 0..100: how far the current rollout is. */
  progress: number;
  state: string;
  tone: StatusTone;
  scalable: boolean;
}

export function workloadSummary(kind: WorkloadKind, o: KubeObject): WorkloadSummary {
  const { spec = {}, status = {} } = L(o);
  let desired = 0;
  let ready = 0;
  let updated = 0;
  let available = 0;
  switch (kind) {
    case 'DaemonSet':
      desired = status.desiredNumberScheduled ?? 0;
      ready = status.numberReady ?? 0;
      updated = status.updatedNumberScheduled ?? 0;
      available = status.numberAvailable ?? 0;
      break;
    case 'Job':
      desired = spec.completions ?? 1;
      ready = status.succeeded ?? 0;
      updated = ready;
      available = typeof status.active === 'number' ? status.active : 0;
      break;
    case 'CronJob':
      desired = 0;
      ready = Array.isArray(status.active) ? status.active.length : 0;
      break;
    default:
      desired = spec.replicas ?? 1;
      ready = status.readyReplicas ?? 0;
      updated = kind === 'ReplicaSet' ? (status.replicas ?? 0) : (status.updatedReplicas ?? 0);
      available = status.availableReplicas ?? 0;
  }
  const conds = status.conditions ?? [];
  const cond = (t: string) => conds.find((c) => c.type === t);
  let state = 'Ready';
  let tone: StatusTone = 'success';
  const paused = kind === 'Deployment' && spec.paused;
  const suspended = (kind === 'CronJob' || kind === 'Job') && spec.suspend;
  if (kind === 'Job') {
    if (cond('Failed')?.status === 'True') [state, tone] = ['Failed', 'error'];
    else if (cond('Complete')?.status === 'True') [state, tone] = ['Complete', 'success'];
    else if (suspended) [state, tone] = ['Suspended', 'warning'];
    else [state, tone] = ['Running', 'info'];
  } else if (kind === 'CronJob') {
    [state, tone] = suspended
      ? ['Suspended', 'warning']
      : ready > 0
        ? ['Active', 'info']
        : ['Scheduled', 'success'];
  } else if (paused) [state, tone] = ['Paused', 'warning'];
  else if (cond('Progressing')?.reason === 'ProgressDeadlineExceeded') [state, tone] = ['Stalled', 'error'];
  else if (cond('ReplicaFailure')?.status === 'True') [state, tone] = ['Failing', 'error'];
  else if (desired === 0) [state, tone] = ['Scaled to zero', 'default'];
  else if (ready < desired || updated < desired)
    [state, tone] = [ready === 0 ? 'Starting' : 'Updating', 'warning'];
  const progress = desired > 0 ? Math.round((Math.min(updated, ready, desired) / desired) * 100) : 100;
  return {
    desired,
    ready,
    updated,
    available,
    progress,
    state,
    tone,
    scalable: kind === 'Deployment' || kind === 'StatefulSet' || kind === 'ReplicaSet',
  };
}

/** Conditions, newest transition first. */
export function conditionsOf(o: KubeObject) {
  return [...(L(o).status?.conditions ?? [])].sort((a, b) =>
    (b.lastTransitionTime ?? '').localeCompare(a.lastTransitionTime ?? ''),
  );
}

/** Container images of a workload's pod template. */
export function imagesOf(o: KubeObject): string[] {
  const { spec = {} } = L(o);
  const cs = spec.template?.spec?.containers ?? spec.jobTemplate?.spec?.template?.spec?.containers ?? [];
  return cs.map((c) => c.image ?? '');
}

const controllerUid = (o: KubeObject) => o.metadata.ownerReferences?.find((r) => r.controller)?.uid;

/** Pods of a workload: by controller owner reference (through ReplicaSets and Jobs). */
export function podsOfWorkload(
  kind: WorkloadKind,
  o: KubeObject,
  pods: readonly Pod[],
  replicaSets: readonly ReplicaSet[],
  jobs: readonly Job[],
): Pod[] {
  const owners = new Set<string>();
  const uid = o.metadata.uid;
  if (!uid) return [];
  if (kind === 'Deployment') {
    for (const rs of replicaSets)
      if (controllerUid(rs) === uid && rs.metadata.uid) owners.add(rs.metadata.uid);
  } else if (kind === 'CronJob') {
    for (const j of jobs) if (controllerUid(j) === uid && j.metadata.uid) owners.add(j.metadata.uid);
  } else owners.add(uid);
  return pods.filter((p) => {
    const c = controllerUid(p);
    return c !== undefined && owners.has(c) && p.metadata.namespace === o.metadata.namespace;
  });
}

/** One entry of a workload's revision history. */
export interface Revision {
  revision: number;
  /** ReplicaSet or ControllerRevision name. */
  name: string;
  created?: string;
  images: string[];
  /** The pod template of that revision (what a rollback restores). */
  template: unknown;
  current: boolean;
  /** Pods it currently runs (ReplicaSets only). */
  replicas?: number;
  changeCause?: string;
}

const REVISION = 'deployment.kubernetes.io/revision';
const CHANGE_CAUSE = 'kubernetes.io/change-cause';

/** Revision history, newest first: ReplicaSets of a Deployment, ControllerRevisions of a StatefulSet/DaemonSet. */
export function revisionsOf(
  kind: WorkloadKind,
  o: KubeObject,
  replicaSets: readonly ReplicaSet[],
  revisions: readonly ControllerRevision[],
): Revision[] {
  const uid = o.metadata.uid;
  const out: Revision[] = [];
  if (kind === 'Deployment') {
    const current = o.metadata.annotations?.[REVISION];
    for (const rs of replicaSets) {
      if (controllerUid(rs) !== uid) continue;
      const rev = rs.metadata.annotations?.[REVISION];
      if (!rev) continue;
      out.push({
        revision: Number(rev),
        name: rs.metadata.name ?? '',
        created: rs.metadata.creationTimestamp,
        images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ''),
        template: rs.spec?.template,
        current: rev === current,
        replicas: rs.status?.replicas ?? 0,
        changeCause: rs.metadata.annotations?.[CHANGE_CAUSE],
      });
    }
  } else if (kind === 'StatefulSet' || kind === 'DaemonSet') {
    const mine = revisions.filter((r) => controllerUid(r) === uid);
    const max = Math.max(0, ...mine.map((r) => r.revision));
    for (const r of mine) {
      const data = r.data as
        { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined;
      out.push({
        revision: r.revision,
        name: r.metadata.name ?? '',
        created: r.metadata.creationTimestamp,
        images: (data?.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ''),
        template: data?.spec?.template,
        current: r.revision === max,
        changeCause: r.metadata.annotations?.[CHANGE_CAUSE],
      });
    }
  }
  return out.sort((a, b) => b.revision - a.revision);
}

/** The patch of `kubectl rollout restart`. */
export function restartPatch(now: Date): unknown {
  return {
    spec: {
      template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': now.toISOString() } } },
    },
  };
}

/**
 * What `kubectl rollout undo` sends: the old template without the controller's
 * pod-template-hash label, replacing the current one (a JSON patch, so removed fields go).
 */
export function rollbackPatch(template: unknown): unknown {
  const t = JSON.parse(JSON.stringify(template ?? {})) as { metadata?: { labels?: Record<string, string> } };
  if (t.metadata?.labels) delete t.metadata.labels['pod-template-hash'];
  return [{ op: 'replace', path: '/spec/template', value: t }];
}

/** Pods `kubectl drain` evicts: on the node, not owned by a DaemonSet, not mirror pods, not finished. */
export function drainablePods(node: string, pods: readonly Pod[]): Pod[] {
  return pods.filter(
    (p) =>
      p.spec?.nodeName === node &&
      !p.metadata.ownerReferences?.some((r) => r.kind === 'DaemonSet' && r.controller) &&
      !p.metadata.annotations?.['kubernetes.io/config.mirror'] &&
      p.status?.phase !== 'Succeeded' &&
      p.status?.phase !== 'Failed',
  );
}

/** An object as YAML-worthy JSON: without managedFields (noise nobody edits). */
export function withoutNoise<T extends KubeObject>(o: T): T {
  const c = JSON.parse(JSON.stringify(o)) as T;
  delete (c.metadata as { managedFields?: unknown }).managedFields;
  return c;
}
