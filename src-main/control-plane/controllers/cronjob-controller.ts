import type { CronJob, CronJobStatus, Job } from 'kubernetes-types/batch/v1';
import type { ObjectReference } from 'kubernetes-types/core/v1';
import type { KubeClient } from '../../common/client/client';
import { isAlreadyExists, isNotFound } from '../../common/client/errors';
import type { Informer } from '../../common/client/informer';
import { rfc3339 } from '../../common/clock';
import { R } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import {
  EventRecorder,
  Controller,
  controllerRefOf,
  type ControllerOptions,
  type ReconcileResult,
  type SharedInformers,
} from '../client';
import { controlledBy } from './controller-ref-manager';
import { deleteExact, emitEvent, getOrUndefined, ownerRefTo } from './controller-util';
import {
  CronError,
  checkTimeZone,
  nextActivation,
  parseCron,
  toWall,
  type CronSchedule,
} from '../../common/cron';
import { deepEqual } from '../../common/json';
import { jobFinished, type JobObj } from './job-logic';
import { clone, ts } from './pod-util';

type CJ = CronJob & KubeObject;

/** Annotation with the scheduled time a Job was created for (Kubernetes 1.28+). */
export const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** Upstream gives up counting missed schedules beyond this and just runs the latest one. */
const MAX_MISSED = 100;
/** Slack added to the requeue so the clock has surely passed the schedule (upstream: 100 ms). */
const NEXT_SCHEDULE_DELTA_MS = 100;

/** The name of the Job for a scheduled time: `<cronjob>-<minutes since epoch>`. */
function jobNameFor(cj: CJ, scheduled: number): string {
  return `${cj.metadata.name}-${Math.floor(scheduled / 60_000)}`;
}

/**
 * The most recent schedule time in (earliest, now], how many were missed, and the next one
 * after now (cronjob_controllerv2 mostRecentScheduleTime).
 */
export function mostRecentSchedule(
  sched: CronSchedule,
  earliest: number,
  now: number,
  tz: string,
): { recent?: number; missed: number; next?: number } {
  let t = nextActivation(sched, earliest, tz);
  let recent: number | undefined;
  let missed = 0;
  while (t !== undefined && t <= now) {
    recent = t;
    missed++;
    if (missed > MAX_MISSED) {
      // Skip ahead: find the latest one before now without counting every activation.
      let probe = nextActivation(sched, now - 60_000 * 60 * 24 * 366, tz);
      while (probe !== undefined && probe <= now) {
        recent = probe;
        probe = nextActivation(sched, probe, tz);
      }
      return { recent, missed, next: probe };
    }
    t = nextActivation(sched, t, tz);
  }
  return { recent, missed, next: t };
}

/**
 * kube-controller-manager's CronJob controller (cronjob_controllerv2): on each schedule time —
 * evaluated in spec.timeZone by the injected clock — it creates a Job `<cj>-<minutes>` from
 * jobTemplate, honouring suspend, startingDeadlineSeconds and concurrencyPolicy
 * (Allow/Forbid/Replace); it tracks status.active, lastScheduleTime and lastSuccessfulTime,
 * deletes finished Jobs beyond the history limits, and requeues itself for the next schedule
 * time (no polling in between).
 */
export class CronJobController extends Controller {
  private readonly cjInf: Informer<CJ>;
  private readonly jobInf: Informer<JobObj>;
  private readonly recorder: EventRecorder;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: ControllerOptions = {},
  ) {
    super('cronjob-controller', opts);
    this.recorder = new EventRecorder(client, 'cronjob-controller', '', this.clock);
    this.cjInf = informers.informerFor<CJ>(R.cronjobs);
    this.jobInf = informers.informerFor<JobObj>(R.jobs);
    this.cjInf.addHandler({ add: (c) => this.enqueue(c), update: (c) => this.enqueue(c) });
    const onJob = (j: JobObj) => this.enqueueController(j, 'CronJob');
    this.jobInf.addHandler({ add: onJob, update: onJob, delete: onJob });
  }

  private event(cj: CJ, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return emitEvent(this.recorder, this.log, R.cronjobs, cj, type, reason, message);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.cjInf.get(key);
    if (!cached || cached.metadata.deletionTimestamp) return;
    const cj = clone(cached);
    const status: CronJobStatus = clone(cj.status ?? {});
    const jobs = controlledBy(this.jobInf.list(), cj);

    // ---- active list and history ----------------------------------------------------------
    const byUid = new Map(jobs.map((j) => [j.metadata.uid!, j]));
    let active: ObjectReference[] = [];
    for (const ref of status.active ?? []) {
      const j = byUid.get(ref.uid ?? '');
      if (j) {
        if (!jobFinished(j)) active.push(ref);
        continue;
      }
      // Not in the cache: it may just not have arrived yet. Ask the API server.
      const live = await getOrUndefined<JobObj>(this.client, R.jobs, ref.name!, cj.metadata.namespace);
      if (live && live.metadata.uid === ref.uid && !jobFinished(live)) active.push(ref);
    }
    const activeUids = new Set(active.map((r) => r.uid));
    for (const j of jobs) {
      const fin = jobFinished(j);
      if (!fin && !activeUids.has(j.metadata.uid) && !j.metadata.deletionTimestamp) {
        active.push(jobRef(j));
        activeUids.add(j.metadata.uid);
      }
      if (fin && (status.active ?? []).some((r) => r.uid === j.metadata.uid)) {
        await this.event(
          cj,
          'Normal',
          'SawCompletedJob',
          `Saw completed job: ${j.metadata.name}, status: ${fin}`,
        );
      }
      if (fin === 'Complete') {
        const done = ts(j.status?.completionTime);
        if (done && done > ts(status.lastSuccessfulTime)) status.lastSuccessfulTime = rfc3339(done);
      }
    }
    await this.cleanupHistory(cj, jobs);

    const finish = async (requeueAfter?: number): Promise<ReconcileResult | void> => {
      status.active = active.length ? active : undefined;
      if (!status.active) delete status.active;
      await this.writeStatus(cj, status);
      if (requeueAfter !== undefined) return { requeueAfter: requeueAfter + NEXT_SCHEDULE_DELTA_MS };
    };

    // ---- the schedule -------------------------------------------------------------------
    const tz = cj.spec?.timeZone ?? 'UTC';
    let sched: CronSchedule;
    try {
      if (cj.spec?.timeZone) checkTimeZone(tz);
    } catch {
      await this.event(
        cj,
        'Warning',
        'UnknownTimeZone',
        `invalid timeZone: "${tz}": unknown time zone ${tz}`,
      );
      return finish();
    }
    try {
      sched = parseCron(cj.spec?.schedule ?? '');
    } catch (err) {
      if (!(err instanceof CronError)) throw err;
      await this.event(
        cj,
        'Warning',
        'UnparseableSchedule',
        `unparseable schedule: "${cj.spec?.schedule}" : ${err.message}`,
      );
      return finish();
    }
    if (cj.spec?.suspend) return finish();

    const now = this.clock.now();
    let earliest = ts(status.lastScheduleTime) || ts(cj.metadata.creationTimestamp) || now;
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000);
    const { recent, missed, next } = mostRecentSchedule(sched, earliest, now, tz);
    const untilNext = next !== undefined ? next - now : undefined;
    if (recent === undefined) return finish(untilNext);
    if (missed > MAX_MISSED)
      await this.event(
        cj,
        'Warning',
        'TooManyMissedTimes',
        'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      );
    if (deadline !== undefined && deadline !== null && recent + deadline * 1000 < now) {
      await this.event(
        cj,
        'Warning',
        'MissSchedule',
        `Missed scheduled time to start a job: ${rfc3339(recent)}`,
      );
      return finish(untilNext);
    }
    const name = jobNameFor(cj, recent);
    if (active.some((r) => r.name === name) || jobs.some((j) => j.metadata.name === name)) {
      // Already created for this time (a status write was lost): just record it.
      status.lastScheduleTime = rfc3339(recent);
      return finish(untilNext);
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && active.length) {
      await this.event(
        cj,
        'Normal',
        'JobAlreadyActive',
        'Not starting job because prior execution is running and concurrency policy is Forbid',
      );
      return finish(untilNext);
    }
    if (policy === 'Replace') {
      for (const ref of active) {
        const job = { metadata: { name: ref.name, namespace: cj.metadata.namespace, uid: ref.uid } };
        if (await deleteExact(this.client, R.jobs, job, { propagationPolicy: 'Background' }))
          await this.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${ref.name}`);
      }
      active = [];
    }
    try {
      const created = await this.client.create<JobObj>(R.jobs, this.jobFor(cj, recent, name, tz));
      await this.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
      active.push(jobRef(created));
    } catch (err) {
      if (!isAlreadyExists(err)) {
        await this.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
        throw err;
      }
      const existing = await getOrUndefined<JobObj>(this.client, R.jobs, name, cj.metadata.namespace);
      if (existing && controllerRefOf(existing)?.uid === cj.metadata.uid && !jobFinished(existing))
        active.push(jobRef(existing));
    }
    status.lastScheduleTime = rfc3339(recent);
    return finish(untilNext);
  }

  /** The Job for one schedule time (getJobFromTemplate2). */
  private jobFor(cj: CJ, scheduled: number, name: string, tz: string): JobObj {
    const t = structuredClone(cj.spec?.jobTemplate ?? {});
    const wall = toWall(scheduled, tz);
    const off = Math.round((wall - scheduled) / 60_000);
    const sign = off < 0 ? '-' : '+';
    const hh = String(Math.floor(Math.abs(off) / 60)).padStart(2, '0');
    const mm = String(Math.abs(off) % 60).padStart(2, '0');
    const stamp = off === 0 ? rfc3339(scheduled) : `${rfc3339(wall).slice(0, -1)}${sign}${hh}:${mm}`;
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cj.metadata.namespace,
        labels: t.metadata?.labels ? { ...t.metadata.labels } : undefined,
        annotations: { ...(t.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP]: stamp },
        ownerReferences: [ownerRefTo(R.cronjobs, cj)],
      },
      spec: t.spec as Job['spec'],
    };
  }

  /** Deletes the oldest finished Jobs beyond successful/failedJobsHistoryLimit. */
  private async cleanupHistory(cj: CJ, jobs: JobObj[]): Promise<void> {
    const limits = {
      Complete: cj.spec?.successfulJobsHistoryLimit ?? 3,
      Failed: cj.spec?.failedJobsHistoryLimit ?? 1,
    };
    for (const kind of ['Complete', 'Failed'] as const) {
      const done = jobs
        .filter((j) => jobFinished(j) === kind && !j.metadata.deletionTimestamp)
        .sort((a, b) => startOf(a) - startOf(b));
      const excess = done.slice(0, Math.max(0, done.length - limits[kind]));
      for (const j of excess) {
        if (await deleteExact(this.client, R.jobs, j, { propagationPolicy: 'Background' }))
          await this.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
      }
    }
  }

  private async writeStatus(cj: CJ, status: CronJobStatus): Promise<void> {
    if (deepEqual(status, cj.status ?? {})) return;
    const copy = clone(cj);
    copy.status = status;
    try {
      await this.client.updateStatus(R.cronjobs, copy);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function startOf(j: JobObj): number {
  return ts(j.status?.startTime) || ts(j.metadata.creationTimestamp);
}

function jobRef(j: JobObj): ObjectReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: j.metadata.name,
    namespace: j.metadata.namespace,
    uid: j.metadata.uid,
    resourceVersion: j.metadata.resourceVersion,
  };
}
