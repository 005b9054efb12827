/**
 * apps/v1 ReplicaSets (pkg/registry/apps/replicaset): defaulting (replicas, the pod template),
 * validation (selector matching the template, immutable), the status.replicas field, the
 * Table and /scale.
 */
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, selectorString, type Strategy } from '../strategy';
import { CONTAINERS_COLUMN, IMAGES_COLUMN, containersAndImages, defaultTemplate } from '../core/pod-spec';
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
  table: {
    columns: [
      NAME_COLUMN,
      col('Desired', 'integer', 'Replicas is the number of desired replicas.'),
      col('Current', 'integer', 'Replicas is the most recently oberved number of replicas.'),
      col('Ready', 'integer', 'The number of ready replicas for this replica set.'),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      col('Selector', 'string', 'Selector is a label query over pods that should match the replica count.', {
        wide: true,
      }),
    ],
    cells(obj, now) {
      const rs = obj as unknown as ReplicaSet;
      const [containers, images] = containersAndImages(rs.spec?.template);
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
