/** core/v1 ResourceQuotas (pkg/registry/core/resourcequota): hard limits and scopes, the Request/Limit Table. */
import type { ResourceQuota } from 'kubernetes-types/core/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, validateObjectMeta, type Strategy } from '../strategy';
import { validateQuantityMap } from './limitranges';

function quotaCell(q: ResourceQuota, limits: boolean): string {
  const hard = q.status?.hard ?? q.spec?.hard ?? {};
  const used = q.status?.used ?? {};
  const keys = Object.keys(hard)
    .filter((k) => k.startsWith('limits.') === limits)
    .sort();
  return keys.map((k) => `${k}: ${used[k] ?? '0'}/${hard[k]}`).join(', ');
}

/** ResourceQuota strategy. */
export const resourceQuotaStrategy: Strategy = {
  type: R.resourcequotas,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = {};
  },
  validate(obj) {
    const errs = validateObjectMeta(R.resourcequotas, obj);
    const q = obj as unknown as ResourceQuota;
    validateQuantityMap(errs, 'spec.hard', q.spec?.hard);
    for (const [i, sc] of (q.spec?.scopes ?? []).entries())
      if (
        ![
          'Terminating',
          'NotTerminating',
          'BestEffort',
          'NotBestEffort',
          'PriorityClass',
          'CrossNamespacePodAffinity',
        ].includes(sc)
      )
        errs.notSupported(`spec.scopes[${i}]`, sc, [
          'BestEffort',
          'CrossNamespacePodAffinity',
          'NotBestEffort',
          'NotTerminating',
          'PriorityClass',
          'Terminating',
        ]);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      AGE_COLUMN,
      col(
        'Request',
        'string',
        'Request represents a minimum amount of cpu/memory that a container may consume.',
      ),
      col(
        'Limit',
        'string',
        'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
      ),
    ],
    cells(obj, now) {
      const q = obj as unknown as ResourceQuota;
      return [
        obj.metadata.name,
        age(obj.metadata.creationTimestamp, now),
        quotaCell(q, false),
        quotaCell(q, true),
      ];
    },
  },
};
