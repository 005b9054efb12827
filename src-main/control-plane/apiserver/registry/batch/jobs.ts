/**
 * batch/v1 Jobs (pkg/registry/batch/job): defaulting (the generated controller-uid selector,
 * completions, backoffLimit ...), validation of the Job spec CronJobs share, update rules, the
 * status.successful field and kubectl's Job Table.
 */
import { randomUUID } from 'node:crypto';
import type { Job, JobSpec } from 'kubernetes-types/batch/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../../common/resources';
import type { KubeObject } from '../../../../common/types';
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
} from '../strategy';
import { Errors, immutable, validateLabels } from '../validation';
import { defaultPodSpec, validatePodSpec } from '../core/pod-spec';

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

/** Validates a Job spec at `path`; `generated`: the selector is the generated one (required). */
export function validateJobSpec(
  errs: Errors,
  spec: JobSpec | undefined,
  path: string,
  generated: boolean,
): void {
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
