/**
 * apps/v1 Deployments (pkg/registry/apps/deployment): defaulting (replicas, the rolling-update
 * strategy, the pod template), validation (selector, template, strategy), the Table and /scale.
 */
import type { Deployment } from 'kubernetes-types/apps/v1';
import { deploymentColumns } from '../../../../common/deployment-columns';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, selectorString, type Strategy } from '../strategy';
import type { Errors } from '../validation';
import { CONTAINERS_COLUMN, IMAGES_COLUMN, containersAndImages, defaultTemplate } from '../core/pod-spec';
import { validateReplicatedSpec, validateSelectorUpdate } from './validation';

function intOrPercent(v: unknown): { ok: boolean; n: number; percent: boolean } {
  if (typeof v === 'number') return { ok: Number.isInteger(v) && v >= 0, n: v, percent: false };
  if (typeof v === 'string' && /^\d+%$/.test(v))
    return { ok: true, n: Number(v.slice(0, -1)), percent: true };
  return { ok: false, n: 0, percent: false };
}

function validateStrategy(errs: Errors, d: Deployment): void {
  const s = d.spec?.strategy;
  if (!s) return;
  if (s.type && !['RollingUpdate', 'Recreate'].includes(s.type))
    errs.notSupported('spec.strategy.type', s.type, ['Recreate', 'RollingUpdate']);
  if (s.type === 'Recreate' && s.rollingUpdate)
    errs.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'");
  const ru = s.rollingUpdate;
  if (ru) {
    const surge = intOrPercent(ru.maxSurge ?? 0);
    const unavail = intOrPercent(ru.maxUnavailable ?? 0);
    if (!surge.ok)
      errs.invalid(
        'spec.strategy.rollingUpdate.maxSurge',
        ru.maxSurge,
        "must be an integer or percentage (e.g '5%')",
      );
    if (!unavail.ok)
      errs.invalid(
        'spec.strategy.rollingUpdate.maxUnavailable',
        ru.maxUnavailable,
        "must be an integer or percentage (e.g '5%')",
      );
    if (unavail.percent && unavail.n > 100)
      errs.invalid(
        'spec.strategy.rollingUpdate.maxUnavailable',
        ru.maxUnavailable,
        'must not be greater than 100%',
      );
    if (surge.ok && unavail.ok && surge.n === 0 && unavail.n === 0)
      errs.invalid(
        'spec.strategy.rollingUpdate.maxUnavailable',
        ru.maxUnavailable,
        'may not be 0 when `maxSurge` is 0',
      );
  }
  if (d.spec?.revisionHistoryLimit !== undefined && d.spec.revisionHistoryLimit < 0)
    errs.invalid(
      'spec.revisionHistoryLimit',
      d.spec.revisionHistoryLimit,
      'must be greater than or equal to 0',
    );
}

/** Deployment strategy. */
export const deploymentStrategy: Strategy = {
  type: R.deployments,
  hasStatus: true,
  scale: true,
  prepareForCreate(obj) {
    obj.status = {};
  },
  applyDefaults(obj) {
    const spec = (obj as unknown as Deployment).spec;
    if (!isObject(spec)) return;
    spec.replicas ??= 1;
    defaultTemplate(spec.template);
    spec.strategy ??= { type: 'RollingUpdate' };
    spec.strategy.type ??= 'RollingUpdate';
    if (spec.strategy.type === 'RollingUpdate') {
      spec.strategy.rollingUpdate ??= {};
      spec.strategy.rollingUpdate.maxSurge ??= '25%';
      spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
  },
  validate(obj) {
    const errs = validateReplicatedSpec(R.deployments, obj);
    if (isObject(obj.spec)) validateStrategy(errs, obj as unknown as Deployment);
    return errs.causes;
  },
  validateUpdate: validateSelectorUpdate,
  table: {
    columns: [
      NAME_COLUMN,
      col('Ready', 'string', 'Number of the pod with ready state'),
      col(
        'Up-to-date',
        'string',
        'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      ),
      col(
        'Available',
        'string',
        'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      ),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      col(
        'Selector',
        'string',
        'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
        { wide: true },
      ),
    ],
    cells(obj, now) {
      const d = obj as unknown as Deployment;
      const [containers, images] = containersAndImages(d.spec?.template);
      const replicas = deploymentColumns(d);
      return [
        d.metadata?.name,
        replicas.ready,
        replicas.upToDate,
        replicas.available,
        age(d.metadata?.creationTimestamp, now),
        containers,
        images,
        selectorString(d.spec?.selector),
      ];
    },
  },
};
