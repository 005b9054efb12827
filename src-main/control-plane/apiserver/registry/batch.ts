/**
 * Jobs and CronJobs (batch/v1): defaulting (the generated controller-uid selector, completions,
 * backoffLimit…), validation (restartPolicy, cron schedules, immutable selector/template),
 * Tables and field selectors. Also exports the cron parser the CronJob controller can share.
 */
import { randomUUID } from 'node:crypto';
import type { CronJob, Job, JobSpec } from 'kubernetes-types/batch/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { parseCron } from '../../../common/cron';
import { R } from '../../../common/resources';
import type { KubeObject } from '../../../common/types';
import { defaultPodSpec, validatePodSpec } from './pods';
import {
  AGE_COLUMN,
  NAME_COLUMN,
  age,
  col,
  humanDuration,
  isObject,
  selectorMatches,
  selectorString,
  validateObjectMeta,
  type Strategy,
} from './strategy';
import { Errors, immutable, validateLabels } from './validation';

// -------------------------------------------------------------------------------------------------
// cron

/** Is `tz` an IANA time zone the runtime knows? */
function validTimeZone(tz: string): boolean {
  if (tz === '' || tz.toLowerCase() === 'local') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// -------------------------------------------------------------------------------------------------
// Job

/** The labels a generated Job selector uses (batch.kubernetes.io/controller-uid and the legacy ones). */
export const JOB_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

function defaultJobSpec(spec: JobSpec): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.manualSelector ??= undefined;
  if (spec.manualSelector === undefined) delete spec.manualSelector;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  const tmpl = spec.template;
  if (isObject(tmpl)) {
    tmpl.metadata ??= {};
    // restartPolicy has no default for Jobs: validation requires Never or OnFailure.
    const rp = tmpl.spec?.restartPolicy;
    defaultPodSpec(tmpl.spec);
    if (isObject(tmpl.spec) && rp === undefined) delete tmpl.spec.restartPolicy;
  }
}

function validateJobSpec(errs: Errors, spec: JobSpec | undefined, path: string, generated: boolean): void {
  if (!isObject(spec)) {
    errs.required(path);
    return;
  }
  for (const f of ['parallelism', 'completions', 'backoffLimit', 'ttlSecondsAfterFinished'] as const) {
    const v = spec[f];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0))
      errs.invalid(`${path}.${f}`, v, 'must be greater than or equal to 0');
  }
  if (spec.activeDeadlineSeconds !== undefined && !(spec.activeDeadlineSeconds > 0))
    errs.invalid(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be greater than 0');
  if (spec.completionMode && !['NonIndexed', 'Indexed'].includes(spec.completionMode))
    errs.notSupported(`${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']);
  if (spec.completionMode === 'Indexed' && spec.completions === undefined)
    errs.required(`${path}.completions`, 'when completion mode is Indexed');
  if (spec.podReplacementPolicy && !['TerminatingOrFailed', 'Failed'].includes(spec.podReplacementPolicy))
    errs.notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, [
      'Failed',
      'TerminatingOrFailed',
    ]);
  const tmpl = spec.template;
  if (!isObject(tmpl)) {
    errs.required(`${path}.template`);
    return;
  }
  validateLabels(errs, tmpl.metadata?.labels, `${path}.template.metadata.labels`);
  if (generated || spec.selector) {
    if (!isObject(spec.selector)) errs.required(`${path}.selector`);
    else if (!selectorMatches(spec.selector, tmpl.metadata?.labels))
      errs.invalid(
        `${path}.template.metadata.labels`,
        tmpl.metadata?.labels ?? {},
        '`selector` does not match template `labels`',
      );
  }
  validatePodSpec(errs, tmpl.spec, `${path}.template.spec`);
  const rp = tmpl.spec?.restartPolicy;
  if (isObject(tmpl.spec)) {
    if (!rp) errs.required(`${path}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"');
    else if (!['OnFailure', 'Never'].includes(rp))
      errs.notSupported(`${path}.template.spec.restartPolicy`, rp, ['OnFailure', 'Never']);
  }
}

type JobObj = KubeObject & { spec?: JobSpec; status?: Job['status'] };

function jobStatus(j: Job, deleting: boolean): string {
  const conds = j.status?.conditions ?? [];
  const has = (t: string) => conds.some((c) => c.type === t && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (deleting) return 'Terminating';
  if (has('FailureTarget')) return 'FailureTarget';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  if (has('Suspended')) return 'Suspended';
  return 'Running';
}

/** Job strategy. */
export const jobStrategy: Strategy = {
  type: R.jobs,
  hasStatus: true,
  fields: (obj) => ({ 'status.successful': String((obj as JobObj).status?.succeeded ?? 0) }),
  prepareForCreate(obj) {
    obj.status = {};
    const spec = (obj as JobObj).spec;
    if (!isObject(spec) || spec.manualSelector === true) return;
    // Like the Job strategy's generateSelector: the uid is known here (the storage keeps it).
    const uid = randomUUID();
    (obj.metadata as { uid?: string }).uid = uid;
    const name = obj.metadata.name ?? '';
    spec.selector = { matchLabels: { [JOB_UID_LABEL]: uid } };
    if (isObject(spec.template)) {
      spec.template.metadata ??= {};
      spec.template.metadata.labels = {
        ...spec.template.metadata.labels,
        [JOB_UID_LABEL]: uid,
        [JOB_NAME_LABEL]: name,
        'controller-uid': uid,
        'job-name': name,
      };
    }
  },
  applyDefaults(obj) {
    const spec = (obj as JobObj).spec;
    if (isObject(spec)) defaultJobSpec(spec);
  },
  validate(obj): StatusCause[] {
    const errs = validateObjectMeta(R.jobs, obj);
    const spec = (obj as JobObj).spec;
    validateJobSpec(errs, spec, 'spec', true);
    if (isObject(spec) && spec.manualSelector === true && !spec.selector) errs.required('spec.selector');
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    const a = (obj as JobObj).spec;
    const b = (old as JobObj).spec;
    immutable(errs, 'spec.selector', a?.selector, b?.selector);
    immutable(errs, 'spec.completionMode', a?.completionMode, b?.completionMode);
    if (a?.completionMode !== 'Indexed') immutable(errs, 'spec.completions', a?.completions, b?.completions);
    // The template may change only while the Job is suspended and has never started.
    const started = !!(old as JobObj).status?.startTime;
    if (!(b?.suspend && !started)) immutable(errs, 'spec.template', a?.template, b?.template);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Status', 'string', 'Status of the job.'),
      col('Completions', 'string', 'The completion status of the job.'),
      col('Duration', 'string', 'Time required to complete the job.'),
      AGE_COLUMN,
      col('Containers', 'string', 'Names of each container in the template.', { wide: true }),
      col('Images', 'string', 'Images referenced by each container in the template.', { wide: true }),
      col('Selector', 'string', 'Selector is a label query over pods that should match the pod count.', {
        wide: true,
      }),
    ],
    cells(obj, now) {
      const j = obj as unknown as Job;
      const spec = j.spec;
      const succeeded = j.status?.succeeded ?? 0;
      let completions: string;
      if (spec?.completions !== undefined) completions = `${succeeded}/${spec.completions}`;
      else if ((spec?.parallelism ?? 0) > 1) completions = `${succeeded}/1 of ${spec?.parallelism}`;
      else completions = `${succeeded}/1`;
      const start = j.status?.startTime ? Date.parse(j.status.startTime) : undefined;
      const end = j.status?.completionTime ? Date.parse(j.status.completionTime) : now;
      const cs = spec?.template?.spec?.containers ?? [];
      return [
        obj.metadata.name,
        jobStatus(j, !!obj.metadata.deletionTimestamp),
        completions,
        start === undefined ? '' : humanDuration(end - start),
        age(obj.metadata.creationTimestamp, now),
        cs.map((c) => c.name).join(','),
        cs.map((c) => c.image).join(','),
        selectorString(spec?.selector),
      ];
    },
  },
};

// -------------------------------------------------------------------------------------------------
// CronJob

/** CronJob strategy. */
export const cronJobStrategy: Strategy = {
  type: R.cronjobs,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = {};
  },
  applyDefaults(obj) {
    const spec = (obj as unknown as CronJob).spec;
    if (!isObject(spec)) return;
    spec.concurrencyPolicy ??= 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    const tmpl = spec.jobTemplate?.spec?.template;
    if (isObject(tmpl)) {
      const rp = tmpl.spec?.restartPolicy;
      defaultPodSpec(tmpl.spec);
      if (isObject(tmpl.spec) && rp === undefined) delete tmpl.spec.restartPolicy;
    }
  },
  validate(obj) {
    const errs = validateObjectMeta(R.cronjobs, obj);
    // The Job name is the CronJob name plus an 11-character suffix.
    if ((obj.metadata.name ?? '').length > 52)
      errs.invalid('metadata.name', obj.metadata.name, 'must be no more than 52 characters');
    const spec = (obj as unknown as CronJob).spec;
    if (!isObject(spec)) {
      errs.required('spec');
      return errs.causes;
    }
    if (!spec.schedule) errs.required('spec.schedule');
    else
      try {
        parseCron(spec.schedule);
      } catch (err) {
        errs.invalid('spec.schedule', spec.schedule, (err as Error).message);
      }
    if (spec.timeZone !== undefined && spec.timeZone !== null && !validTimeZone(spec.timeZone))
      errs.invalid('spec.timeZone', spec.timeZone, 'unknown time zone ' + spec.timeZone);
    if (spec.concurrencyPolicy && !['Allow', 'Forbid', 'Replace'].includes(spec.concurrencyPolicy))
      errs.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']);
    for (const f of [
      'startingDeadlineSeconds',
      'successfulJobsHistoryLimit',
      'failedJobsHistoryLimit',
    ] as const) {
      const v = spec[f];
      if (v !== undefined && v !== null && (typeof v !== 'number' || v < 0))
        errs.invalid(`spec.${f}`, v, 'must be greater than or equal to 0');
    }
    if (!isObject(spec.jobTemplate)) errs.required('spec.jobTemplate');
    else validateJobSpec(errs, spec.jobTemplate.spec, 'spec.jobTemplate.spec', false);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
      col(
        'Timezone',
        'string',
        'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.',
      ),
      col(
        'Suspend',
        'boolean',
        'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.',
      ),
      col('Active', 'integer', 'A list of pointers to currently running jobs.'),
      col(
        'Last Schedule',
        'string',
        'Information when was the last time the job was successfully scheduled.',
      ),
      AGE_COLUMN,
      col('Containers', 'string', 'Names of each container in the template.', { wide: true }),
      col('Images', 'string', 'Images referenced by each container in the template.', { wide: true }),
      col('Selector', 'string', 'Selector is a label query over pods that should match the pod count.', {
        wide: true,
      }),
    ],
    cells(obj, now) {
      const c = obj as unknown as CronJob;
      const cs = c.spec?.jobTemplate?.spec?.template?.spec?.containers ?? [];
      return [
        obj.metadata.name,
        c.spec?.schedule ?? '',
        c.spec?.timeZone ?? '<none>',
        // printBoolPtr: the real server sends "True"/"False" strings in this boolean column.
        c.spec?.suspend ? 'True' : 'False',
        c.status?.active?.length ?? 0,
        c.status?.lastScheduleTime ? age(c.status.lastScheduleTime, now) : '<none>',
        age(obj.metadata.creationTimestamp, now),
        cs.map((x) => x.name).join(','),
        cs.map((x) => x.image).join(','),
        selectorString(c.spec?.jobTemplate?.spec?.selector) || '<none>',
      ];
    },
  },
};

/** Strategies of this file. */
export const BATCH_STRATEGIES: Strategy[] = [jobStrategy, cronJobStrategy];
