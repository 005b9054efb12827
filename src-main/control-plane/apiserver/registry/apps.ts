/**
 * StatefulSets, DaemonSets and ControllerRevisions (apps/v1): defaulting as kube-apiserver does
 * it, validation (selector matching the template, StatefulSet spec immutability), Tables.
 */
import type { ControllerRevision, DaemonSet, StatefulSet } from 'kubernetes-types/apps/v1';
import type { LabelSelector, StatusCause } from 'kubernetes-types/meta/v1';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1';
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
  type Strategy,
} from './strategy';
import { Errors, dns1123Label, immutable, validateLabels } from './validation';

type Spec = { selector?: LabelSelector; template?: PodTemplateSpec; replicas?: number };

/** Selector + template checks shared by the apps kinds (ValidatePodTemplateSpecForX). */
export function validateSelectorAndTemplate(
  errs: Errors,
  spec: Spec,
  opts: { restartPolicies: string[] },
): void {
  const sel = spec.selector;
  if (
    !isObject(sel) ||
    (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)
  ) {
    errs.required('spec.selector');
    if (isObject(sel)) errs.invalid('spec.selector', sel, 'empty selector is invalid for deployment');
  } else validateLabels(errs, sel.matchLabels, 'spec.selector.matchLabels');
  const tmpl = spec.template;
  if (!isObject(tmpl)) {
    errs.required('spec.template');
    return;
  }
  validateLabels(errs, tmpl.metadata?.labels, 'spec.template.metadata.labels');
  if (isObject(sel) && !selectorMatches(sel, tmpl.metadata?.labels))
    errs.invalid(
      'spec.template.metadata.labels',
      tmpl.metadata?.labels ?? {},
      '`selector` does not match template `labels`',
    );
  validatePodSpec(errs, tmpl.spec, 'spec.template.spec');
  const rp = tmpl.spec?.restartPolicy;
  if (isObject(tmpl.spec) && !rp)
    errs.required(
      'spec.template.spec.restartPolicy',
      `valid values: ${opts.restartPolicies.map((p) => `"${p}"`).join(', ')}`,
    );
  else if (rp && !opts.restartPolicies.includes(rp))
    errs.notSupported('spec.template.spec.restartPolicy', rp, opts.restartPolicies);
}

function nonNegative(errs: Errors, field: string, v: unknown): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0))
    errs.invalid(field, v, 'must be greater than or equal to 0');
}

function defaultTemplate(tmpl: PodTemplateSpec | undefined): void {
  if (!isObject(tmpl)) return;
  tmpl.metadata ??= {};
  defaultPodSpec(tmpl.spec);
}

function containersAndImages(tmpl: PodTemplateSpec | undefined): [string, string] {
  const cs = tmpl?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(',')];
}

const CONTAINERS = col('Containers', 'string', 'Names of each container in the template.', { wide: true });
const IMAGES = col('Images', 'string', 'Images referenced by each container in the template.', {
  wide: true,
});

function validateMetaOf(t: ResourceType, obj: KubeObject): Errors {
  return validateObjectMeta(t, obj);
}

// -------------------------------------------------------------------------------------------------
// StatefulSet

/** Fields of a StatefulSet spec an update may change (ValidateStatefulSetUpdate). */
const STS_MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
  'revisionHistoryLimit',
];

/** StatefulSet strategy. */
export const statefulSetStrategy: Strategy = {
  type: R.statefulsets,
  hasStatus: true,
  scale: true,
  prepareForCreate(obj) {
    obj.status = { replicas: 0, availableReplicas: 0 };
  },
  applyDefaults(obj) {
    const spec = (obj as unknown as StatefulSet).spec;
    if (!isObject(spec)) return;
    spec.replicas ??= 1;
    spec.podManagementPolicy ??= 'OrderedReady';
    spec.updateStrategy ??= { type: 'RollingUpdate' };
    spec.updateStrategy.type ??= 'RollingUpdate';
    if (spec.updateStrategy.type === 'RollingUpdate') {
      spec.updateStrategy.rollingUpdate ??= {};
      spec.updateStrategy.rollingUpdate.partition ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
    spec.persistentVolumeClaimRetentionPolicy ??= {};
    spec.persistentVolumeClaimRetentionPolicy.whenDeleted ??= 'Retain';
    spec.persistentVolumeClaimRetentionPolicy.whenScaled ??= 'Retain';
    defaultTemplate(spec.template);
    for (const c of spec.volumeClaimTemplates ?? []) {
      if (!isObject(c)) continue;
      c.apiVersion ??= 'v1';
      c.kind ??= 'PersistentVolumeClaim';
      if (isObject(c.spec)) c.spec.volumeMode ??= 'Filesystem';
      (c as { status?: unknown }).status ??= { phase: 'Pending' };
    }
  },
  validate(obj): StatusCause[] {
    const errs = validateMetaOf(R.statefulsets, obj);
    const spec = (obj as unknown as StatefulSet).spec;
    if (!isObject(spec)) {
      errs.required('spec');
      return errs.causes;
    }
    nonNegative(errs, 'spec.replicas', spec.replicas);
    nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
    nonNegative(errs, 'spec.revisionHistoryLimit', spec.revisionHistoryLimit);
    if (spec.serviceName)
      for (const m of dns1123Label(spec.serviceName)) errs.invalid('spec.serviceName', spec.serviceName, m);
    if (spec.podManagementPolicy && !['OrderedReady', 'Parallel'].includes(spec.podManagementPolicy))
      errs.notSupported('spec.podManagementPolicy', spec.podManagementPolicy, ['OrderedReady', 'Parallel']);
    const us = spec.updateStrategy;
    if (us?.type && !['RollingUpdate', 'OnDelete'].includes(us.type))
      errs.notSupported('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']);
    if (us?.type === 'OnDelete' && us.rollingUpdate)
      errs.invalid(
        'spec.updateStrategy.rollingUpdate',
        us.rollingUpdate,
        "only allowed for updateStrategy 'RollingUpdate'",
      );
    nonNegative(errs, 'spec.updateStrategy.rollingUpdate.partition', us?.rollingUpdate?.partition);
    for (const k of ['whenDeleted', 'whenScaled'] as const) {
      const v = spec.persistentVolumeClaimRetentionPolicy?.[k];
      if (v && !['Retain', 'Delete'].includes(v))
        errs.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v, ['Retain', 'Delete']);
    }
    (spec.volumeClaimTemplates ?? []).forEach((c, i) => {
      if (!c?.metadata?.name) errs.required(`spec.volumeClaimTemplates[${i}].metadata.name`);
    });
    validateSelectorAndTemplate(errs, spec, { restartPolicies: ['Always'] });
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    const a = { ...((obj as unknown as StatefulSet).spec ?? {}) } as Record<string, unknown>;
    const b = { ...((old as unknown as StatefulSet).spec ?? {}) } as Record<string, unknown>;
    for (const k of STS_MUTABLE) {
      delete a[k];
      delete b[k];
    }
    if (JSON.stringify(canon(a)) !== JSON.stringify(canon(b)))
      errs.forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      );
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Ready', 'string', 'Number of the pod with ready state'),
      AGE_COLUMN,
      CONTAINERS,
      IMAGES,
    ],
    cells(obj, now) {
      const s = obj as unknown as StatefulSet;
      const [c, i] = containersAndImages(s.spec?.template);
      return [
        obj.metadata.name,
        `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 0}`,
        age(obj.metadata.creationTimestamp, now),
        c,
        i,
      ];
    },
  },
};

function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon);
  if (!isObject(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, canon(v[k])]),
  );
}

// -------------------------------------------------------------------------------------------------
// DaemonSet

function intOrPercent(v: unknown): boolean {
  return (
    (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'string' && /^\d+%$/.test(v))
  );
}

/** DaemonSet strategy. */
export const daemonSetStrategy: Strategy = {
  type: R.daemonsets,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = {
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
    };
  },
  applyDefaults(obj) {
    const spec = (obj as unknown as DaemonSet).spec;
    if (!isObject(spec)) return;
    spec.updateStrategy ??= { type: 'RollingUpdate' };
    spec.updateStrategy.type ??= 'RollingUpdate';
    if (spec.updateStrategy.type === 'RollingUpdate') {
      spec.updateStrategy.rollingUpdate ??= {};
      spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
      spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
    defaultTemplate(spec.template);
  },
  validate(obj) {
    const errs = validateMetaOf(R.daemonsets, obj);
    const spec = (obj as unknown as DaemonSet).spec;
    if (!isObject(spec)) {
      errs.required('spec');
      return errs.causes;
    }
    nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
    nonNegative(errs, 'spec.revisionHistoryLimit', spec.revisionHistoryLimit);
    const us = spec.updateStrategy;
    if (us?.type && !['RollingUpdate', 'OnDelete'].includes(us.type))
      errs.notSupported('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']);
    const ru = us?.rollingUpdate;
    if (ru) {
      if (!intOrPercent(ru.maxUnavailable))
        errs.invalid(
          'spec.updateStrategy.rollingUpdate.maxUnavailable',
          ru.maxUnavailable,
          "must be an integer or percentage (e.g '5%')",
        );
      if (!intOrPercent(ru.maxSurge))
        errs.invalid(
          'spec.updateStrategy.rollingUpdate.maxSurge',
          ru.maxSurge,
          "must be an integer or percentage (e.g '5%')",
        );
      const zero = (v: unknown) => v === 0 || v === '0%';
      if (zero(ru.maxUnavailable) && zero(ru.maxSurge))
        errs.invalid(
          'spec.updateStrategy.rollingUpdate.maxUnavailable',
          ru.maxUnavailable,
          'may not be 0 when `maxSurge` is 0',
        );
    }
    validateSelectorAndTemplate(errs, spec, { restartPolicies: ['Always'] });
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    immutable(
      errs,
      'spec.selector',
      (obj as unknown as DaemonSet).spec?.selector,
      (old as unknown as DaemonSet).spec?.selector,
    );
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col(
        'Desired',
        'integer',
        'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).',
      ),
      col(
        'Current',
        'integer',
        'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.',
      ),
      col(
        'Ready',
        'integer',
        'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
      ),
      col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
      col(
        'Available',
        'integer',
        'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
      ),
      col(
        'Node Selector',
        'string',
        "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
      ),
      AGE_COLUMN,
      CONTAINERS,
      IMAGES,
      col('Selector', 'string', 'A label query over pods that are managed by the daemon set.', {
        wide: true,
      }),
    ],
    cells(obj, now) {
      const d = obj as unknown as DaemonSet;
      const st = d.status;
      const ns = d.spec?.template?.spec?.nodeSelector ?? {};
      const nsKeys = Object.keys(ns).sort();
      const [c, i] = containersAndImages(d.spec?.template);
      return [
        obj.metadata.name,
        st?.desiredNumberScheduled ?? 0,
        st?.currentNumberScheduled ?? 0,
        st?.numberReady ?? 0,
        st?.updatedNumberScheduled ?? 0,
        st?.numberAvailable ?? 0,
        nsKeys.length ? nsKeys.map((k) => `${k}=${ns[k]}`).join(',') : '<none>',
        age(obj.metadata.creationTimestamp, now),
        c,
        i,
        selectorString(d.spec?.selector),
      ];
    },
  },
};

// -------------------------------------------------------------------------------------------------
// ControllerRevision

/** ControllerRevision strategy: data and revision are immutable. */
export const controllerRevisionStrategy: Strategy = {
  type: R.controllerrevisions,
  hasStatus: false,
  topLevelFields: ['data', 'revision'],
  validate(obj) {
    const errs = validateMetaOf(R.controllerrevisions, obj);
    const cr = obj as unknown as ControllerRevision;
    if (cr.revision === undefined) errs.required('revision');
    else nonNegative(errs, 'revision', cr.revision);
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    immutable(errs, 'data', (obj as { data?: unknown }).data, (old as { data?: unknown }).data);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Controller', 'string', 'Controller of the object'),
      col('Revision', 'integer', 'Revision indicates the revision of the state represented by Data.'),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const cr = obj as unknown as ControllerRevision;
      const owner = (obj.metadata.ownerReferences ?? []).find((o) => o.controller);
      const group = owner?.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
      const controller = owner
        ? `${owner.kind.toLowerCase()}${group ? `.${group}` : ''}/${owner.name}`
        : '<none>';
      return [obj.metadata.name, controller, cr.revision ?? 0, age(obj.metadata.creationTimestamp, now)];
    },
  },
};

/** Strategies of this file. */
export const APPS_STRATEGIES: Strategy[] = [
  statefulSetStrategy,
  daemonSetStrategy,
  controllerRevisionStrategy,
];
