/**
 * Deployments and ReplicaSets: defaulting (replicas, strategy, template like pods), validation
 * (selector required, matching the template, immutable), Tables and the /scale view.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R, type ResourceType } from '../../../common/resources';
import type { KubeObject } from '../../../common/types';
import { defaultPodSpec, validatePodSpec } from './pods';
import {
  AGE_COLUMN,
  NAME_COLUMN,
  age,
  col,
  isObject,
  selectorMatches,
  selectorString,
  validateObjectMeta,
  type Column,
  type Strategy,
} from './strategy';
import { Errors, immutable, validateLabels } from './validation';

type Workload = { spec?: Deployment['spec'] | ReplicaSet['spec'] } & KubeObject;

function validateWorkload(t: ResourceType, obj: KubeObject): StatusCause[] {
  const errs = validateObjectMeta(t, obj);
  const spec = (obj as Workload).spec;
  if (!isObject(spec)) {
    errs.required('spec');
    return errs.causes;
  }
  if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || spec.replicas < 0))
    errs.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0');
  const sel = spec.selector;
  if (
    !isObject(sel) ||
    (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)
  ) {
    errs.required('spec.selector');
    if (isObject(sel)) errs.invalid('spec.selector', sel, 'empty selector is invalid for deployment');
  } else {
    validateLabels(errs, sel.matchLabels, 'spec.selector.matchLabels');
  }
  const tmpl = spec.template;
  if (!isObject(tmpl)) errs.required('spec.template');
  else {
    validateLabels(errs, tmpl.metadata?.labels, 'spec.template.metadata.labels');
    if (isObject(sel) && !selectorMatches(sel, tmpl.metadata?.labels))
      errs.invalid(
        'spec.template.metadata.labels',
        tmpl.metadata?.labels ?? {},
        '`selector` does not match template `labels`',
      );
    validatePodSpec(errs, tmpl.spec, 'spec.template.spec');
    if (tmpl.spec?.restartPolicy && tmpl.spec.restartPolicy !== 'Always')
      errs.notSupported('spec.template.spec.restartPolicy', tmpl.spec.restartPolicy, ['Always']);
  }
  if (t === R.deployments) validateStrategy(errs, obj as Deployment);
  return errs.causes;
}

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

function validateWorkloadUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const errs = new Errors();
  immutable(errs, 'spec.selector', (obj as Workload).spec?.selector, (old as Workload).spec?.selector);
  return errs.causes;
}

function defaultTemplate(obj: Workload): void {
  if (!isObject(obj.spec)) return;
  obj.spec.replicas ??= 1;
  const tmpl = obj.spec.template;
  if (isObject(tmpl)) {
    tmpl.metadata ??= {};
    // A template never carries a real timestamp; kubectl and controllers compare templates.
    defaultPodSpec(tmpl.spec);
  }
}

function containersAndImages(obj: Workload): [string, string] {
  const cs = obj.spec?.template?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(',')];
}

const WIDE: Column[] = [
  col('Containers', 'string', 'Names of each container in the template.', { wide: true }),
  col('Images', 'string', 'Images referenced by each container in the template.', { wide: true }),
  col(
    'Selector',
    'string',
    'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
    { wide: true },
  ),
];

/** Deployment strategy. */
export const deploymentStrategy: Strategy = {
  type: R.deployments,
  hasStatus: true,
  scale: true,
  prepareForCreate(obj) {
    obj.status = {};
  },
  applyDefaults(obj) {
    const d = obj as unknown as Deployment;
    defaultTemplate(obj as Workload);
    if (!isObject(d.spec)) return;
    d.spec.strategy ??= { type: 'RollingUpdate' };
    d.spec.strategy.type ??= 'RollingUpdate';
    if (d.spec.strategy.type === 'RollingUpdate') {
      d.spec.strategy.rollingUpdate ??= {};
      d.spec.strategy.rollingUpdate.maxSurge ??= '25%';
      d.spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    }
    d.spec.revisionHistoryLimit ??= 10;
    d.spec.progressDeadlineSeconds ??= 600;
  },
  validate: (obj) => validateWorkload(R.deployments, obj),
  validateUpdate: validateWorkloadUpdate,
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
      ...WIDE,
    ],
    cells(obj, now) {
      const d = obj as unknown as Deployment;
      const [containers, images] = containersAndImages(obj as Workload);
      return [
        d.metadata?.name,
        `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
        d.status?.updatedReplicas ?? 0,
        d.status?.availableReplicas ?? 0,
        age(d.metadata?.creationTimestamp, now),
        containers,
        images,
        selectorString(d.spec?.selector),
      ];
    },
  },
};

/** ReplicaSet strategy. */
export const replicaSetStrategy: Strategy = {
  type: R.replicasets,
  hasStatus: true,
  fields: (obj) => ({ 'status.replicas': String((obj as unknown as ReplicaSet).status?.replicas ?? 0) }),
  scale: true,
  prepareForCreate(obj) {
    obj.status = { replicas: 0 };
  },
  applyDefaults: (obj) => defaultTemplate(obj as Workload),
  validate: (obj) => validateWorkload(R.replicasets, obj),
  validateUpdate: validateWorkloadUpdate,
  table: {
    columns: [
      NAME_COLUMN,
      col('Desired', 'integer', 'Replicas is the number of desired replicas.'),
      col('Current', 'integer', 'Replicas is the most recently oberved number of replicas.'),
      col('Ready', 'integer', 'The number of ready replicas for this replica set.'),
      AGE_COLUMN,
      WIDE[0],
      WIDE[1],
      col('Selector', 'string', 'Selector is a label query over pods that should match the replica count.', {
        wide: true,
      }),
    ],
    cells(obj, now) {
      const rs = obj as unknown as ReplicaSet;
      const [containers, images] = containersAndImages(obj as Workload);
      return [
        rs.metadata?.name,
        rs.spec?.replicas ?? 0,
        rs.status?.replicas ?? 0,
        rs.status?.readyReplicas ?? 0,
        age(rs.metadata?.creationTimestamp, now),
        containers,
        images,
        selectorString(rs.spec?.selector),
      ];
    },
  },
};
