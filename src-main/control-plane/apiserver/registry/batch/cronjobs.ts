/**
 * batch/v1 CronJobs (pkg/registry/batch/cronjob): defaulting, validation (cron schedule, time
 * zone, the job template's Job spec) and kubectl's CronJob Table.
 */
import type { CronJob } from 'kubernetes-types/batch/v1';
import { parseCron } from '../../../../common/cron';
import { R } from '../../../../common/resources';
import {
  AGE_COLUMN,
  NAME_COLUMN,
  age,
  col,
  isObject,
  selectorString,
  validateObjectMeta,
  type Strategy,
} from '../strategy';
import { defaultPodSpec } from '../core/pod-spec';
import { validateJobSpec } from './jobs';

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
