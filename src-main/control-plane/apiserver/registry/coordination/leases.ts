/** coordination.k8s.io/v1 Leases (node heartbeats and leader election): duration validation, the Holder Table. */
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, validateObjectMeta, type Strategy } from '../strategy';

/** Lease strategy (node heartbeats and leader election). */
export const leaseStrategy: Strategy = {
  type: R.leases,
  hasStatus: false,
  validate(obj): StatusCause[] {
    const errs = validateObjectMeta(R.leases, obj);
    const l = obj as unknown as Lease;
    if (l.spec?.leaseDurationSeconds !== undefined && l.spec.leaseDurationSeconds <= 0)
      errs.invalid('spec.leaseDurationSeconds', l.spec.leaseDurationSeconds, 'must be greater than 0');
    return errs.causes;
  },
  table: {
    columns: [NAME_COLUMN, col('Holder', 'string', 'The holder of the lease.'), AGE_COLUMN],
    cells: (obj, now) => [
      obj.metadata.name,
      (obj as unknown as Lease).spec?.holderIdentity ?? '',
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
