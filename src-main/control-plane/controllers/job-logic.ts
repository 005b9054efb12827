// The Job controller's decisions as pure functions (pkg/controller/job); no I/O, touches nothing but its arguments.
import type { Job, JobStatus } from 'kubernetes-types/batch/v1';
import { canonicalJson } from '../../common/json';
import { R } from '../../common/resources';
import type { KubeObject, Pod } from '../../common/types';
import { ownerRefTo, trueCondition } from './controller-util';
import { ts } from './pod-util';

export type JobObj = Job & KubeObject;
type PodObj = Pod & KubeObject;

/** Pod finalizer that keeps a finished pod until the Job controller has counted it. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
const JOB_CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
const JOB_NAME = 'batch.kubernetes.io/job-name';
/** How often an index failed before this pod (backoffLimitPerIndex). */
const JOB_INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';

/** Backoff between pod re-creations after failures (upstream DefaultJobPodFailureBackOff / Max). */
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 360_000;

/** Whether a Job has a terminal condition (Complete or Failed) set to True. */
export function jobFinished(job: Job): 'Complete' | 'Failed' | undefined {
  if (trueCondition(job.status?.conditions, 'Complete')) return 'Complete';
  if (trueCondition(job.status?.conditions, 'Failed')) return 'Failed';
  return undefined;
}

/** When a finished Job finished (its terminal condition's transition time), in ms. */
export function jobFinishTime(job: Job): number | undefined {
  const c =
    trueCondition(job.status?.conditions, 'Complete') ?? trueCondition(job.status?.conditions, 'Failed');
  return c ? ts(c.lastTransitionTime) || undefined : undefined;
}

/** Parses "1,3-5" (status.completedIndexes) into a set. */
export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.add(i);
  }
  return out;
}

/** Formats indexes as "1,3-5" like upstream's orderedIntervals. */
export function formatIndexes(set: Iterable<number>): string {
  const xs = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    parts.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function podIndex(p: PodObj): number | undefined {
  const v = p.metadata.annotations?.[JOB_COMPLETION_INDEX] ?? p.metadata.labels?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** The pod reached Succeeded or Failed. */
export function isTerminal(p: PodObj): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

/** A pod counts as failed when it failed, or is gone/going without having succeeded. */
function countsAsFailed(p: PodObj): boolean {
  return p.status?.phase === 'Failed' || (!!p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded');
}

function restarts(p: PodObj): number {
  return [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])].reduce(
    (n, c) => n + (c.restartCount ?? 0),
    0,
  );
}

/**
 * The first podFailurePolicy rule a failed pod matches (onExitCodes against its terminated
 * containers, onPodConditions against its conditions), with upstream's message for FailJob.
 */
export function matchPodFailurePolicy(
  job: Job,
  p: Pod,
): { action: string; index: number; message: string } | undefined {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  for (const [index, r] of rules.entries()) {
    if (r.onExitCodes) {
      const { containerName, operator, values } = r.onExitCodes;
      for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
        if (containerName && c.name !== containerName) continue;
        const code = c.state?.terminated?.exitCode;
        if (code === undefined || code === 0) continue;
        const hit = operator === 'In' ? values.includes(code) : !values.includes(code);
        if (hit)
          return {
            action: r.action,
            index,
            message: `Container ${c.name} for pod ${p.metadata?.namespace}/${p.metadata?.name} failed with exit code ${code} matching ${r.action} rule at index ${index}`,
          };
      }
    }
    for (const pc of r.onPodConditions ?? []) {
      const c = p.status?.conditions?.find((x) => x.type === pc.type && x.status === (pc.status ?? 'True'));
      if (c)
        return {
          action: r.action,
          index,
          message: `Pod ${p.metadata?.namespace}/${p.metadata?.name} has condition ${pc.type} matching ${r.action} rule at index ${index}`,
        };
    }
  }
  return undefined;
}

function indexFailures(p: Pod): number {
  return Number(p.metadata?.annotations?.[JOB_INDEX_FAILURE_COUNT] ?? 0) || 0;
}

/** Failures so far per index: the highest count a failed pod of the index carries, plus one. */
function indexFailureCounts(pods: readonly PodObj[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const p of pods) {
    const i = podIndex(p);
    if (i === undefined || !countsAsFailed(p)) continue;
    out.set(i, Math.max(out.get(i) ?? 0, indexFailures(p) + 1));
  }
  return out;
}

/**
 * The index of the first successPolicy rule the completed indexes satisfy (Indexed jobs):
 * succeededIndexes (all of them, or succeededCount of them) and/or succeededCount overall.
 */
export function matchSuccessPolicy(
  rules: { succeededIndexes?: string; succeededCount?: number }[] | undefined,
  completed: Set<number>,
): number | undefined {
  for (const [i, r] of (rules ?? []).entries()) {
    if (r.succeededIndexes !== undefined) {
      const want = parseIndexes(r.succeededIndexes);
      const have = [...want].filter((x) => completed.has(x)).length;
      if (have >= (r.succeededCount ?? want.size)) return i;
    } else if (r.succeededCount !== undefined && completed.size >= r.succeededCount) return i;
  }
  return undefined;
}

/** When a pod finished: its last container's finishedAt, else its last transition. */
function finishedAt(p: PodObj): number {
  const times = (p.status?.containerStatuses ?? []).map((c) => ts(c.state?.terminated?.finishedAt));
  const best = Math.max(0, ...times);
  if (best) return best;
  const cond = (p.status?.conditions ?? []).map((c) => ts(c.lastTransitionTime));
  return Math.max(ts(p.metadata.deletionTimestamp), ts(p.metadata.creationTimestamp), ...cond);
}

/** A status as compared before writing: an empty uncountedTerminatedPods counts as absent. */
export function jobStatusKey(s: JobStatus): string {
  const u = s.uncountedTerminatedPods;
  const empty = !u || (!(u.succeeded ?? []).length && !(u.failed ?? []).length);
  return canonicalJson({ ...s, uncountedTerminatedPods: empty ? undefined : u });
}

/** Time left before failed pods may be replaced (upstream backoffRecord), 0 if none. */
export function backoffRemaining(job: Job, pods: readonly PodObj[], failed: number, now: number): number {
  if (!failed) return 0;
  const failedPods = pods.filter(
    (p) => countsAsFailed(p) && matchPodFailurePolicy(job, p)?.action !== 'Ignore',
  );
  // Failures since the last success.
  const lastSuccess = Math.max(
    0,
    ...pods.filter((p) => p.status?.phase === 'Succeeded').map((p) => finishedAt(p)),
  );
  const recent = failedPods.filter((p) => finishedAt(p) > lastSuccess);
  if (!recent.length) return 0;
  const lastFailure = Math.max(...recent.map((p) => finishedAt(p)));
  const delay = Math.min(BACKOFF_BASE_MS * 2 ** (recent.length - 1), BACKOFF_MAX_MS);
  return Math.max(0, lastFailure + delay - now);
}

/** Uids of finished pods recorded in status.uncountedTerminatedPods but not yet in the counters. */
export interface Uncounted {
  succeeded: Set<string>;
  failed: Set<string>;
}

/**
 * Step one of tracking with finalizers: the job's recorded uncounted pods plus the pods with our
 * finalizer that finished since (`newlyFinished`: the record must be written before the
 * finalizers go). Pods deleted by the controller itself (on suspend, after success) and
 * failures podFailurePolicy ignores are not counted: they are only to be released.
 */
export function trackFinishedPods(
  job: Job,
  pods: readonly PodObj[],
): { uncounted: Uncounted; release: PodObj[]; newlyFinished: boolean } {
  const u = job.status?.uncountedTerminatedPods;
  const uncounted = { succeeded: new Set(u?.succeeded ?? []), failed: new Set(u?.failed ?? []) };
  // Pods we delete ourselves on suspend or after success are not failures.
  const deletedByUs = !!job.spec?.suspend || !!trueCondition(job.status?.conditions, 'SuccessCriteriaMet');
  const release: PodObj[] = [];
  let newlyFinished = false;
  for (const p of pods) {
    const uid = p.metadata.uid!;
    if (!p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) continue;
    if (uncounted.succeeded.has(uid) || uncounted.failed.has(uid)) continue;
    if (p.status?.phase === 'Succeeded') {
      uncounted.succeeded.add(uid);
      newlyFinished = true;
    } else if (p.status?.phase !== 'Failed' && p.metadata.deletionTimestamp && deletedByUs) {
      release.push(p);
    } else if (p.status?.phase === 'Failed' && matchPodFailurePolicy(job, p)?.action === 'Ignore') {
      // podFailurePolicy Ignore: the failure does not count towards backoffLimit.
      release.push(p);
    } else if (countsAsFailed(p)) {
      uncounted.failed.add(uid);
      newlyFinished = true;
    }
  }
  return { uncounted, release, newlyFinished };
}

/** The counters once the uncounted pods are moved into them. */
export interface FinishedCounts {
  succeeded: number;
  failed: number;
  completedIdx: Set<number>;
  failedIdx: Set<number>;
  /** An Indexed job with backoffLimitPerIndex. */
  perIndex: boolean;
}

/**
 * Moves the uncounted pods into status-shaped counters: succeeded/failed totals, completed
 * indexes (Indexed: the succeeded count is their number), and the indexes whose failures exceed
 * backoffLimitPerIndex.
 */
export function countFinished(
  job: Job,
  status: JobStatus,
  pods: readonly PodObj[],
  uncounted: Uncounted,
): FinishedCounts {
  const spec = job.spec;
  const indexed = spec?.completionMode === 'Indexed';
  const completions = spec?.completions ?? undefined;
  const completedIdx = parseIndexes(status.completedIndexes);
  const byUid = new Map(pods.map((p) => [p.metadata.uid!, p]));
  let succeeded = status.succeeded ?? 0;
  let failed = status.failed ?? 0;
  for (const uid of uncounted.succeeded) {
    const p = byUid.get(uid);
    if (p) {
      const i = podIndex(p);
      if (indexed) {
        if (i !== undefined && !completedIdx.has(i) && i < (completions ?? 0)) completedIdx.add(i);
      }
    }
    succeeded++;
  }
  // backoffLimitPerIndex: an index whose failures exceed the limit is failed for good.
  const perIndex = indexed && spec?.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null;
  const failedIdx = parseIndexes(status.failedIndexes);
  for (const uid of uncounted.failed) {
    const p = byUid.get(uid);
    const i = p && podIndex(p);
    if (perIndex && i !== undefined && indexFailures(p!) + 1 > spec!.backoffLimitPerIndex!) failedIdx.add(i);
    failed++;
  }
  if (indexed) succeeded = completedIdx.size;
  return { succeeded, failed, completedIdx, failedIdx, perIndex };
}

/** A reason and message for a condition or an event. */
export interface Because {
  reason: string;
  message: string;
}

/**
 * The failure and success criteria of a running job (neither target met yet): a FailJob rule,
 * failed indexes, backoffLimit (counting container restarts under restartPolicy OnFailure) or
 * activeDeadlineSeconds — else completions or a successPolicy rule. `requeueAfter` is the time
 * left until the deadline.
 */
export function judgeJob(
  job: Job,
  pods: readonly PodObj[],
  active: readonly PodObj[],
  counts: FinishedCounts,
  startTime: string | undefined,
  now: number,
): { failure?: Because; success?: Because; requeueAfter?: number } {
  const spec = job.spec ?? ({} as NonNullable<Job['spec']>);
  const indexed = spec.completionMode === 'Indexed';
  const completions = spec.completions ?? undefined;
  const backoffLimit = spec.backoffLimit ?? 6;
  const restartOnFailure = spec.template?.spec?.restartPolicy === 'OnFailure';
  const { succeeded, failed, completedIdx, failedIdx, perIndex } = counts;
  const failuresSoFar = failed + (restartOnFailure ? active.reduce((n, p) => n + restarts(p), 0) : 0);
  let requeueAfter: number | undefined;
  let reason: string | undefined;
  let message = '';
  const failJob = pods
    .filter((p) => p.status?.phase === 'Failed')
    .map((p) => matchPodFailurePolicy(job, p))
    .find((m) => m?.action === 'FailJob');
  if (failJob) {
    reason = 'PodFailurePolicy';
    message = failJob.message;
  } else if (perIndex && spec.maxFailedIndexes != null && failedIdx.size > spec.maxFailedIndexes) {
    reason = 'MaxFailedIndexesExceeded';
    message = 'Job has exceeded the specified maximal number of failed indexes';
  } else if (perIndex && failedIdx.size && completedIdx.size + failedIdx.size >= (completions ?? 0)) {
    reason = 'FailedIndexes';
    message = 'Job has failed indexes';
  } else if (!perIndex && failuresSoFar > backoffLimit) {
    reason = 'BackoffLimitExceeded';
    message = 'Job has reached the specified backoff limit';
  } else if (spec.activeDeadlineSeconds !== undefined && startTime && !spec.suspend) {
    const left = ts(startTime) + spec.activeDeadlineSeconds * 1000 - now;
    if (left <= 0) {
      reason = 'DeadlineExceeded';
      message = 'Job was active longer than specified deadline';
    } else requeueAfter = left;
  }
  if (reason) return { failure: { reason, message }, requeueAfter };
  const policy = indexed ? matchSuccessPolicy(spec.successPolicy?.rules, completedIdx) : undefined;
  const done =
    policy !== undefined ||
    (indexed
      ? completedIdx.size >= (completions ?? 0)
      : completions !== undefined
        ? succeeded >= completions
        : succeeded > 0 && active.length === 0);
  if (!done) return { requeueAfter };
  return {
    success:
      policy !== undefined
        ? { reason: 'SuccessPolicy', message: `Matched rules at index ${policy}` }
        : { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
    requeueAfter,
  };
}

/** One pod to create: its completion index (Indexed jobs) and its index's failures so far. */
export interface PodToCreate {
  index: number | undefined;
  failures?: number;
}

/**
 * What to do about the pod count of a running job: delete the newest `surplus` pods
 * (NonIndexed, parallelism lowered), or `create` up to parallelism, never beyond what is left to
 * complete — for Indexed jobs the lowest indexes neither completed, running nor failed.
 */
export function planJobPods(
  job: Job,
  pods: readonly PodObj[],
  active: readonly PodObj[],
  counts: FinishedCounts,
): { surplus: PodObj[]; create: PodToCreate[] } {
  const spec = job.spec;
  const indexed = spec?.completionMode === 'Indexed';
  const completions = spec?.completions ?? undefined;
  const parallelism = spec?.parallelism ?? 1;
  const { succeeded, completedIdx } = counts;
  const failedIdx = counts.perIndex ? counts.failedIdx : new Set<number>();
  const failureCounts = counts.perIndex ? indexFailureCounts(pods) : new Map<number, number>();
  let indexes: (number | undefined)[];
  if (indexed) {
    const running = new Set(active.map(podIndex).filter((i): i is number => i !== undefined));
    const pending: number[] = [];
    for (let i = 0; i < (completions ?? 0); i++)
      if (!completedIdx.has(i) && !running.has(i) && !failedIdx.has(i)) pending.push(i);
    const want = Math.max(0, Math.min(parallelism - active.length, pending.length));
    indexes = pending.slice(0, want);
  } else {
    let target = parallelism;
    if (completions !== undefined) target = Math.min(parallelism, completions - succeeded);
    else if (succeeded > 0) target = 0; // a work queue: once one succeeded, start no more
    const want = Math.max(0, target - active.length);
    indexes = Array.from({ length: want }, () => undefined);
    // Too many (parallelism lowered): delete the newest surplus, like upstream.
    const keep = completions !== undefined ? Math.min(parallelism, completions - succeeded) : parallelism;
    if (active.length > Math.max(keep, 0) && !(completions === undefined && succeeded > 0)) {
      const surplus = [...active]
        .sort((a, b) => ts(b.metadata.creationTimestamp) - ts(a.metadata.creationTimestamp))
        .slice(0, active.length - keep);
      return { surplus, create: [] };
    }
  }
  return {
    surplus: [],
    create: indexes.map((index) => ({
      index,
      failures: index !== undefined ? failureCounts.get(index) : undefined,
    })),
  };
}

/**
 * The pod for one completion (index undefined for NonIndexed jobs): the template with the job's
 * labels, the tracking finalizer and a controller reference; Indexed pods get the completion
 * index (label, annotation, env JOB_COMPLETION_INDEX), the hostname `<job>-<index>` and, after
 * failures, the index's failure count.
 */
export function jobPod(job: JobObj, index: number | undefined, failures?: number): PodObj {
  const t = structuredClone(job.spec?.template ?? {});
  const labels: Record<string, string> = {
    ...(t.metadata?.labels ?? {}),
    [JOB_CONTROLLER_UID]: job.metadata.uid!,
    [JOB_NAME]: job.metadata.name!,
    'controller-uid': job.metadata.uid!,
    'job-name': job.metadata.name!,
  };
  const annotations: Record<string, string> = { ...(t.metadata?.annotations ?? {}) };
  const spec = (t.spec ?? { containers: [] }) as NonNullable<Pod['spec']>;
  let generateName = `${job.metadata.name}-`;
  if (index !== undefined) {
    labels[JOB_COMPLETION_INDEX] = String(index);
    annotations[JOB_COMPLETION_INDEX] = String(index);
    generateName = `${job.metadata.name}-${index}-`;
    // Stable host names for Indexed jobs (`<job>-<index>`), reachable through a headless
    // Service named in spec.subdomain.
    spec.hostname = `${job.metadata.name}-${index}`;
    const env = {
      name: 'JOB_COMPLETION_INDEX',
      valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } },
    };
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      (c as { env?: unknown[] }).env = [
        ...(c.env ?? []).filter((e) => e.name !== 'JOB_COMPLETION_INDEX'),
        env,
      ];
    }
  }
  if (failures) annotations[JOB_INDEX_FAILURE_COUNT] = String(failures);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName,
      namespace: job.metadata.namespace,
      labels,
      annotations: Object.keys(annotations).length ? annotations : undefined,
      finalizers: [...(t.metadata?.finalizers ?? []), JOB_TRACKING_FINALIZER],
      ownerReferences: [ownerRefTo(R.jobs, job)],
    },
    spec,
  };
}
