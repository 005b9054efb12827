import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1';
import type { KubeClient } from '../../common/client/client';
import { isConflict, isNotFound } from '../../common/client/errors';
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
import { controlledBy, resolveControllerRef } from './controller-ref-manager';
import { emitEvent, getOrUndefined, ownerRefTo, setCondition, trueCondition } from './controller-util';

import { Expectations } from './expectations';
import { clone, isPodReady, ts } from './pod-util';

export type JobObj = Job & KubeObject;
type PodObj = Pod & KubeObject;

/** Pod finalizer that keeps a finished pod until the Job controller has counted it. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const JOB_CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME = 'batch.kubernetes.io/job-name';
/** How often an index failed before this pod (backoffLimitPerIndex). */
export const JOB_INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';

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

function isTerminal(p: PodObj): boolean {
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
 * kube-controller-manager's Job controller (batch/v1, tracking with finalizers):
 * - pods `<job>-xxxxx` (Indexed: `<job>-<i>-xxxxx`, with the completion index annotation, label,
 *   env JOB_COMPLETION_INDEX and hostname) are created up to `parallelism`, never beyond what
 *   is left to complete, with the `batch.kubernetes.io/job-tracking` finalizer;
 * - finished pods are first recorded in status.uncountedTerminatedPods, then freed of the
 *   finalizer, then moved into status.succeeded/failed, so no pod is counted twice or lost;
 * - failures beyond backoffLimit, or activeDeadlineSeconds, set FailureTarget, terminate the
 *   remaining pods and then set Failed; reaching completions sets SuccessCriteriaMet, then
 *   Complete with completionTime once no pod is left running;
 * - podFailurePolicy rules (onExitCodes / onPodConditions) can fail the Job at once (FailJob)
 *   or leave a failure uncounted (Ignore); Indexed jobs honour backoffLimitPerIndex (failed
 *   indexes, maxFailedIndexes) and successPolicy (succeededIndexes / succeededCount);
 * - re-creation after failures backs off 10 s·2^(n-1) (max 6 min); `suspend` deletes active pods
 *   and sets Suspended; status active/ready/terminating/startTime/completedIndexes are kept.
 */
export class JobController extends Controller {
  readonly expectations: Expectations;
  private readonly jobInf: Informer<JobObj>;
  private readonly podInf: Informer<PodObj>;
  private readonly recorder: EventRecorder;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: ControllerOptions = {},
  ) {
    super('job-controller', opts);
    this.expectations = new Expectations(this.clock);
    this.recorder = new EventRecorder(client, 'job-controller', '', this.clock);
    this.jobInf = informers.informerFor<JobObj>(R.jobs);
    this.podInf = informers.informerFor<PodObj>(R.pods);
    this.jobInf.addHandler({
      add: (j) => this.enqueue(j),
      update: (j) => this.enqueue(j),
      delete: (j) => {
        this.expectations.delete(keyOf(j));
        this.enqueue(j);
      },
    });
    this.podInf.addHandler({
      add: (p) => {
        const job = this.ownerOf(p);
        if (!job) return this.maybeOrphan(p);
        this.expectations.creationObserved(keyOf(job));
        this.enqueue(job);
      },
      update: (p, old) => {
        const job = this.ownerOf(p);
        if (!job) return this.maybeOrphan(p);
        if (p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp)
          this.expectations.deletionObserved(keyOf(job), keyOf(p));
        this.enqueue(job);
      },
      delete: (p) => {
        const job = this.ownerOf(p);
        if (!job) return;
        this.expectations.deletionObserved(keyOf(job), keyOf(p));
        this.enqueue(job);
      },
    });
  }

  private ownerOf(p: PodObj): JobObj | undefined {
    return resolveControllerRef(this.jobInf, p, 'Job');
  }

  /**
   * A pod with our finalizer whose Job is not in the cache: the Job may be gone (deleted with
   * Background propagation, or with its namespace). Look at it under a `pod:` key, so the
   * finalizer never keeps a pod of a deleted Job forever (upstream enqueueOrphanPod).
   */
  private maybeOrphan(p: PodObj): void {
    if (p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) && controllerRefOf(p)?.kind === 'Job')
      this.queue.add(`pod:${keyOf(p)}`);
  }

  private async releaseOrphan(podKey: string): Promise<void> {
    const p = this.podInf.get(podKey);
    const ref = p && controllerRefOf(p);
    if (!p || !ref || !p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) return;
    const live = await getOrUndefined<JobObj>(this.client, R.jobs, ref.name, p.metadata.namespace);
    if (live && live.metadata.uid === ref.uid && !jobFinished(live) && !live.metadata.deletionTimestamp) {
      // The Job exists; the cache was behind. Its own sync handles the pod.
      this.queue.add(`${p.metadata.namespace}/${ref.name}`);
      return;
    }
    await this.removeFinalizers([p]);
  }

  private podsOf(job: JobObj): PodObj[] {
    return controlledBy(this.podInf.list(), job);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.startsWith('pod:')) return this.releaseOrphan(key.slice(4));
    const job = this.jobInf.get(key);
    if (!job) {
      this.expectations.delete(key);
      return;
    }
    const pods = this.podsOf(job);
    // Orphaned or deleted jobs: only let go of our finalizers so pods can be deleted.
    if (job.metadata.deletionTimestamp) {
      await this.removeFinalizers(
        pods.filter((p) => p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)),
      );
      return;
    }
    const finished = jobFinished(job);
    if (finished) {
      // Counted already; make sure no pod keeps our finalizer.
      await this.removeFinalizers(
        pods.filter((p) => p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)),
      );
      return;
    }
    return this.syncJob(key, job, pods);
  }

  private async syncJob(key: string, job: JobObj, pods: PodObj[]): Promise<ReconcileResult | void> {
    const now = this.clock.now();
    const spec = job.spec ?? ({} as NonNullable<Job['spec']>);
    const indexed = spec.completionMode === 'Indexed';
    const completions = spec.completions ?? undefined;
    const parallelism = spec.parallelism ?? 1;
    const backoffLimit = spec.backoffLimit ?? 6;
    const restartOnFailure = spec.template?.spec?.restartPolicy === 'OnFailure';
    const status: JobStatus = clone(job.status ?? {});
    let conditions = [...(status.conditions ?? [])] as JobCondition[];

    // ---- 1. account for finished pods (uncountedTerminatedPods → finalizer → counters) -------
    const uncounted = {
      succeeded: new Set(status.uncountedTerminatedPods?.succeeded ?? []),
      failed: new Set(status.uncountedTerminatedPods?.failed ?? []),
    };
    const completedIdx = parseIndexes(status.completedIndexes);
    // Pods we delete ourselves on suspend or after success are not failures.
    const deletedByUs = !!spec.suspend || !!trueCondition(conditions, 'SuccessCriteriaMet');
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
    await this.removeFinalizers(release);
    if (newlyFinished) {
      // Record first, so the counts survive a crash between here and the finalizer removal.
      status.uncountedTerminatedPods = {
        succeeded: [...uncounted.succeeded],
        failed: [...uncounted.failed],
      };
      const written = await this.writeStatus(job, { ...status, conditions });
      if (!written) return;
      job = written;
    }
    const toFree = pods.filter(
      (p) =>
        p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) &&
        (uncounted.succeeded.has(p.metadata.uid!) || uncounted.failed.has(p.metadata.uid!)),
    );
    await this.removeFinalizers(toFree);
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
    const perIndex = indexed && spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null;
    const failedIdx = parseIndexes(status.failedIndexes);
    for (const uid of uncounted.failed) {
      const p = byUid.get(uid);
      const i = p && podIndex(p);
      if (perIndex && i !== undefined && indexFailures(p!) + 1 > spec.backoffLimitPerIndex!) failedIdx.add(i);
      failed++;
    }
    if (perIndex) status.failedIndexes = formatIndexes(failedIdx);
    if (indexed) succeeded = completedIdx.size;
    status.succeeded = succeeded;
    status.failed = failed;
    if (indexed) status.completedIndexes = formatIndexes(completedIdx);
    if (uncounted.succeeded.size || uncounted.failed.size)
      status.uncountedTerminatedPods = { succeeded: [], failed: [] };

    // Pods that still run for us (not terminal, not being deleted).
    const active = pods.filter((p) => !isTerminal(p) && !p.metadata.deletionTimestamp);
    const terminating = pods.filter((p) => !isTerminal(p) && p.metadata.deletionTimestamp);

    // ---- 2. failure / success criteria ----------------------------------------------------
    if (status.startTime === undefined && !spec.suspend) status.startTime = rfc3339(now);
    const start = ts(status.startTime);
    let failureTarget = trueCondition(conditions, 'FailureTarget');
    let successTarget = trueCondition(conditions, 'SuccessCriteriaMet');
    let requeueAfter: number | undefined;
    const afterWrite: ['Normal' | 'Warning', string, string][] = [];
    if (!failureTarget && !successTarget) {
      const failuresSoFar = failed + (restartOnFailure ? active.reduce((n, p) => n + restarts(p), 0) : 0);
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
      } else if (spec.activeDeadlineSeconds !== undefined && status.startTime && !spec.suspend) {
        const left = start + spec.activeDeadlineSeconds * 1000 - now;
        if (left <= 0) {
          reason = 'DeadlineExceeded';
          message = 'Job was active longer than specified deadline';
        } else requeueAfter = left;
      }
      if (reason) {
        conditions = setCondition(
          conditions,
          { type: 'FailureTarget', status: 'True', reason, message },
          now,
          {
            lastProbeTime: rfc3339(now),
          },
        );
        failureTarget = trueCondition(conditions, 'FailureTarget');
        afterWrite.push(['Warning', reason, message]);
      } else {
        const policy = indexed ? matchSuccessPolicy(spec.successPolicy?.rules, completedIdx) : undefined;
        const done =
          policy !== undefined ||
          (indexed
            ? completedIdx.size >= (completions ?? 0)
            : completions !== undefined
              ? succeeded >= completions
              : succeeded > 0 && active.length === 0);
        if (done) {
          conditions = setCondition(
            conditions,
            {
              type: 'SuccessCriteriaMet',
              status: 'True',
              reason: policy !== undefined ? 'SuccessPolicy' : 'CompletionsReached',
              message:
                policy !== undefined
                  ? `Matched rules at index ${policy}`
                  : 'Reached expected number of succeeded pods',
            },
            now,
            { lastProbeTime: rfc3339(now) },
          );
          successTarget = trueCondition(conditions, 'SuccessCriteriaMet');
        }
      }
    }

    // ---- 3. act: terminate, suspend, or create -------------------------------------------
    let manageErr: unknown;
    const satisfied = this.expectations.satisfied(key);
    if (failureTarget || successTarget || spec.suspend) {
      if (active.length && satisfied) {
        try {
          await this.deletePods(key, job, active);
        } catch (err) {
          manageErr = err;
        }
      }
      if (spec.suspend && !failureTarget && !successTarget) {
        if (!trueCondition(conditions, 'Suspended')) {
          conditions = setCondition(
            conditions,
            { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' },
            now,
            { lastProbeTime: rfc3339(now) },
          );
          await this.event(job, 'Normal', 'Suspended', 'Job suspended');
        }
      }
    } else {
      if (trueCondition(conditions, 'Suspended')) {
        conditions = setCondition(
          conditions,
          { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' },
          now,
          { lastProbeTime: rfc3339(now) },
        );
        // The deadline counts from the resume, as upstream resets startTime.
        status.startTime = rfc3339(now);
        await this.event(job, 'Normal', 'Resumed', 'Job resumed');
      }
      if (satisfied) {
        const backoffLeft = this.backoffLeft(job, pods, failed, now);
        if (backoffLeft > 0) {
          requeueAfter = Math.min(requeueAfter ?? Infinity, backoffLeft);
        } else {
          try {
            await this.createPods(
              key,
              job,
              active,
              completedIdx,
              succeeded,
              indexed,
              completions,
              parallelism,
              {
                failed: perIndex ? failedIdx : new Set(),
                failureCounts: perIndex ? indexFailureCounts(pods) : new Map(),
              },
            );
          } catch (err) {
            manageErr = err;
          }
        }
      }
    }

    // ---- 4. terminal conditions once nothing runs any more --------------------------------
    const stillRunning = active.length + terminating.length;
    if (failureTarget && stillRunning === 0 && !trueCondition(conditions, 'Failed')) {
      conditions = setCondition(
        conditions,
        { type: 'Failed', status: 'True', reason: failureTarget.reason, message: failureTarget.message },
        now,
        { lastProbeTime: rfc3339(now) },
      );
    }
    if (successTarget && stillRunning === 0 && !trueCondition(conditions, 'Complete')) {
      conditions = setCondition(
        conditions,
        { type: 'Complete', status: 'True', reason: successTarget.reason, message: successTarget.message },
        now,
        { lastProbeTime: rfc3339(now) },
      );
      status.completionTime = rfc3339(now);
      afterWrite.push(['Normal', 'Completed', 'Job completed']);
    }

    const live = this.podsOf(job).filter((p) => !isTerminal(p) && !p.metadata.deletionTimestamp);
    status.active =
      trueCondition(conditions, 'Complete') || trueCondition(conditions, 'Failed') ? 0 : live.length;
    status.ready = live.filter(isPodReady).length;
    status.terminating = terminating.length;
    if (!status.active) delete status.active;
    status.conditions = conditions.length ? conditions : undefined;
    if (!status.conditions) delete status.conditions;
    await this.writeStatus(job, status);
    // Recorded once the status that carries them is stored: a sync from a stale cache (whose
    // write then conflicts) must not repeat them, as upstream records them after the update.
    for (const [type, reason, message] of afterWrite) await this.event(job, type, reason, message);
    if (manageErr) throw manageErr;
    if (requeueAfter !== undefined && Number.isFinite(requeueAfter))
      return { requeueAfter: requeueAfter + 1 };
  }

  /** Time left before failed pods may be replaced (upstream backoffRecord), 0 if none. */
  private backoffLeft(job: JobObj, pods: PodObj[], failed: number, now: number): number {
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

  private async createPods(
    key: string,
    job: JobObj,
    active: PodObj[],
    completedIdx: Set<number>,
    succeeded: number,
    indexed: boolean,
    completions: number | undefined,
    parallelism: number,
    perIndex: { failed: Set<number>; failureCounts: Map<number, number> },
  ): Promise<void> {
    let want: number;
    let indexes: (number | undefined)[] = [];
    if (indexed) {
      const running = new Set(active.map(podIndex).filter((i): i is number => i !== undefined));
      const pending: number[] = [];
      for (let i = 0; i < (completions ?? 0); i++)
        if (!completedIdx.has(i) && !running.has(i) && !perIndex.failed.has(i)) pending.push(i);
      want = Math.max(0, Math.min(parallelism - active.length, pending.length));
      indexes = pending.slice(0, want);
    } else {
      let target = parallelism;
      if (completions !== undefined) target = Math.min(parallelism, completions - succeeded);
      else if (succeeded > 0) target = 0; // a work queue: once one succeeded, start no more
      want = Math.max(0, target - active.length);
      indexes = Array.from({ length: want }, () => undefined);
    }
    // Too many (parallelism lowered): delete the newest surplus, like upstream.
    if (!indexed) {
      const target = completions !== undefined ? Math.min(parallelism, completions - succeeded) : parallelism;
      if (active.length > Math.max(target, 0) && !(completions === undefined && succeeded > 0)) {
        const surplus = [...active]
          .sort((a, b) => ts(b.metadata.creationTimestamp) - ts(a.metadata.creationTimestamp))
          .slice(0, active.length - target);
        await this.deletePods(key, job, surplus);
        return;
      }
    }
    if (!indexes.length) return;
    this.expectations.expectCreations(key, indexes.length);
    let attempted = 0;
    for (const i of indexes) {
      attempted++;
      try {
        const pod = this.podFor(job, i);
        const failures = i !== undefined ? perIndex.failureCounts.get(i) : undefined;
        if (failures)
          pod.metadata.annotations = {
            ...pod.metadata.annotations,
            [JOB_INDEX_FAILURE_COUNT]: String(failures),
          };
        const created = await this.client.create(R.pods, pod);
        await this.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      } catch (err) {
        // This pod and the ones never attempted will not be observed: stop expecting them. A
        // systematic error (quota, terminating namespace) costs one call, not parallelism calls.
        for (let n = attempted - 1; n < indexes.length; n++) this.expectations.creationObserved(key);
        await this.event(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
        throw err;
      }
    }
  }

  private event(job: JobObj, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return emitEvent(this.recorder, this.log, R.jobs, job, type, reason, message);
  }

  /** The pod for one completion (index undefined for NonIndexed jobs). */
  podFor(job: JobObj, index: number | undefined): PodObj {
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

  private async deletePods(key: string, job: JobObj, pods: PodObj[]): Promise<void> {
    if (!pods.length) return;
    this.expectations.expectDeletions(key, pods.map(keyOf));
    const errors: unknown[] = [];
    for (const p of pods) {
      try {
        await this.client.delete(R.pods, p.metadata.name!, p.metadata.namespace, {
          preconditions: { uid: p.metadata.uid },
        });
        await this.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      } catch (err) {
        this.expectations.deletionObserved(key, keyOf(p));
        if (!isNotFound(err) && !isConflict(err)) errors.push(err);
      }
    }
    if (errors.length) throw errors[0];
  }

  private async removeFinalizers(pods: PodObj[]): Promise<void> {
    const errors: unknown[] = [];
    for (const p of pods) {
      const copy = clone(p);
      const rest = (p.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
      copy.metadata = { ...copy.metadata, finalizers: rest.length ? rest : undefined };
      try {
        await this.client.update(R.pods, copy);
      } catch (err) {
        if (!isNotFound(err)) errors.push(err);
      }
    }
    if (errors.length) throw errors[0];
  }

  /** Writes status when it changed; answers the written Job (undefined if the Job is gone). */
  private async writeStatus(job: JobObj, status: JobStatus): Promise<JobObj | undefined> {
    if (normalize(status) === normalize(job.status ?? {})) return job;
    const copy = clone(job);
    copy.status = status;
    try {
      return await this.client.updateStatus(R.jobs, copy);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
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
function indexFailureCounts(pods: PodObj[]): Map<number, number> {
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

function normalize(s: JobStatus): string {
  const u = s.uncountedTerminatedPods;
  const empty = !u || (!(u.succeeded ?? []).length && !(u.failed ?? []).length);
  return canonicalJson({ ...s, uncountedTerminatedPods: empty ? undefined : u });
}
