/**
 * apps/v1 ReplicaSets (pkg/registry/apps/replicaset): defaulting (replicas, the pod template),
 * validation (selector matching the template, immutable), the status.replicas field, the
 * Table and /scale.
 */
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import { R } from '../../../../common/resources';
import { isObject, selectorString, type Strategy } from '../strategy';
import { defaultTemplate, replicatedTable } from '../core/pod-spec';
import { validateReplicatedSpec, validateSelectorUpdate } from './validation';

/** ReplicaSet strategy. */
export const replicaSetStrategy: Strategy = {
  type: R.replicasets,
  hasStatus: true,
  fields: (obj) => ({ 'status.replicas': String((obj as unknown as ReplicaSet).status?.replicas ?? 0) }),
  scale: true,
  prepareForCreate(obj) {
    obj.status = { replicas: 0 };
  },
  applyDefaults(obj) {
    const spec = (obj as unknown as ReplicaSet).spec;
    if (!isObject(spec)) return;
    spec.replicas ??= 1;
    defaultTemplate(spec.template);
  },
  validate: (obj) => validateReplicatedSpec(R.replicasets, obj).causes,
  validateUpdate: validateSelectorUpdate,
  table: replicatedTable('replica set', (obj) =>
    selectorString((obj as unknown as ReplicaSet).spec?.selector),
  ),
};
