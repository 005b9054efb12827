/**
 * apps/v1 StatefulSets (pkg/registry/apps/statefulset): defaulting as kube-apiserver does it,
 * validation, spec immutability outside the mutable fields, the Table and /scale.
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { deepEqual } from '../../../../common/json';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from '../strategy';
import { Errors, dns1123Label } from '../validation';
import { CONTAINERS_COLUMN, IMAGES_COLUMN, containersAndImages, defaultTemplate } from '../core/pod-spec';
import { nonNegative, validateSelectorAndTemplate } from './validation';

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
    const errs = validateObjectMeta(R.statefulsets, obj);
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
    if (!deepEqual(a, b))
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
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
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
