import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1';
import type { KubeClient } from '../../common/client/client';
import { isConflict, isNotFound } from '../../common/client/errors';
import { keyOf, type Informer } from '../../common/client/informer';
import { rfc3339 } from '../../common/clock';
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
import { controlledBy, resolveControllerRef } from './controller-ref-manager';
import { emitEvent, getOrUndefined, setCondition, trueCondition } from './controller-util';
import { Expectations } from './expectations';
import {
  JOB_TRACKING_FINALIZER,
  backoffRemaining,
  countFinished,
  formatIndexes,
  isTerminal,
  jobFinished,
  jobPod,
  jobStatusKey,
  judgeJob,
  planJobPods,
  trackFinishedPods,
  type JobObj,
  type PodToCreate,
} from './job-logic';
import { clone, isPodReady } from './pod-util';

type PodObj = Pod & KubeObject;

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
    const status: JobStatus = clone(job.status ?? {});
    let conditions = [...(status.conditions ?? [])] as JobCondition[];

    // ---- 1. account for finished pods (uncountedTerminatedPods → finalizer → counters) -------
    const { uncounted, release, newlyFinished } = trackFinishedPods(job, pods);
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
    const counts = countFinished(job, status, pods, uncounted);
    if (counts.perIndex) status.failedIndexes = formatIndexes(counts.failedIdx);
    status.succeeded = counts.succeeded;
    status.failed = counts.failed;
    if (indexed) status.completedIndexes = formatIndexes(counts.completedIdx);
    if (uncounted.succeeded.size || uncounted.failed.size)
      status.uncountedTerminatedPods = { succeeded: [], failed: [] };

    // Pods that still run for us (not terminal, not being deleted).
    const active = pods.filter((p) => !isTerminal(p) && !p.metadata.deletionTimestamp);
    const terminating = pods.filter((p) => !isTerminal(p) && p.metadata.deletionTimestamp);

    // ---- 2. failure / success criteria ----------------------------------------------------
    if (status.startTime === undefined && !spec.suspend) status.startTime = rfc3339(now);
    let failureTarget = trueCondition(conditions, 'FailureTarget');
    let successTarget = trueCondition(conditions, 'SuccessCriteriaMet');
    let requeueAfter: number | undefined;
    const afterWrite: ['Normal' | 'Warning', string, string][] = [];
    const setCond = (type: string, st: string, because: { reason?: string; message?: string }) => {
      conditions = setCondition(conditions, { type, status: st, ...because }, now, {
        lastProbeTime: rfc3339(now),
      });
    };
    if (!failureTarget && !successTarget) {
      const verdict = judgeJob(job, pods, active, counts, status.startTime, now);
      requeueAfter = verdict.requeueAfter;
      if (verdict.failure) {
        setCond('FailureTarget', 'True', verdict.failure);
        failureTarget = trueCondition(conditions, 'FailureTarget');
        afterWrite.push(['Warning', verdict.failure.reason, verdict.failure.message]);
      } else if (verdict.success) {
        setCond('SuccessCriteriaMet', 'True', verdict.success);
        successTarget = trueCondition(conditions, 'SuccessCriteriaMet');
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
          setCond('Suspended', 'True', { reason: 'JobSuspended', message: 'Job suspended' });
          await this.event(job, 'Normal', 'Suspended', 'Job suspended');
        }
      }
    } else {
      if (trueCondition(conditions, 'Suspended')) {
        setCond('Suspended', 'False', { reason: 'JobResumed', message: 'Job resumed' });
        // The deadline counts from the resume, as upstream resets startTime.
        status.startTime = rfc3339(now);
        await this.event(job, 'Normal', 'Resumed', 'Job resumed');
      }
      if (satisfied) {
        const backoffLeft = backoffRemaining(job, pods, counts.failed, now);
        if (backoffLeft > 0) {
          requeueAfter = Math.min(requeueAfter ?? Infinity, backoffLeft);
        } else {
          try {
            await this.managePods(key, job, planJobPods(job, pods, active, counts));
          } catch (err) {
            manageErr = err;
          }
        }
      }
    }

    // ---- 4. terminal conditions once nothing runs any more --------------------------------
    const stillRunning = active.length + terminating.length;
    if (failureTarget && stillRunning === 0 && !trueCondition(conditions, 'Failed')) {
      setCond('Failed', 'True', { reason: failureTarget.reason, message: failureTarget.message });
    }
    if (successTarget && stillRunning === 0 && !trueCondition(conditions, 'Complete')) {
      setCond('Complete', 'True', { reason: successTarget.reason, message: successTarget.message });
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

  /** Deletes the surplus of a plan, or creates its pods (stopping at the first error). */
  private async managePods(
    key: string,
    job: JobObj,
    plan: { surplus: PodObj[]; create: PodToCreate[] },
  ): Promise<void> {
    if (plan.surplus.length) return this.deletePods(key, job, plan.surplus);
    const todo = plan.create;
    if (!todo.length) return;
    this.expectations.expectCreations(key, todo.length);
    let attempted = 0;
    for (const { index, failures } of todo) {
      attempted++;
      try {
        const created = await this.client.create(R.pods, jobPod(job, index, failures));
        await this.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      } catch (err) {
        // This pod and the ones never attempted will not be observed: stop expecting them. A
        // systematic error (quota, terminating namespace) costs one call, not parallelism calls.
        for (let n = attempted - 1; n < todo.length; n++) this.expectations.creationObserved(key);
        await this.event(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
        throw err;
      }
    }
  }

  private event(job: JobObj, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return emitEvent(this.recorder, this.log, R.jobs, job, type, reason, message);
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
    if (jobStatusKey(status) === jobStatusKey(job.status ?? {})) return job;
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
