/**
 * core/v1 Namespaces (pkg/registry/core/namespace): DNS-1123 label names, the
 * kubernetes.io/metadata.name label, status.phase Active on create, the status.phase field.
 */
import type { Namespace } from 'kubernetes-types/core/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, validateObjectMeta, type Strategy } from '../strategy';
import { dns1123Label } from '../validation';

/** Namespace strategy: DNS-1123 label names, status.phase Active on create. */
export const namespaceStrategy: Strategy = {
  type: R.namespaces,
  hasStatus: true,
  fields: (obj) => ({ 'status.phase': (obj as unknown as Namespace).status?.phase ?? '' }),
  prepareForCreate(obj) {
    obj.status = { phase: 'Active' };
  },
  applyDefaults(obj) {
    const ns = obj as unknown as Namespace;
    ns.metadata ??= {};
    // The real server labels every namespace with its own name.
    if (ns.metadata.name)
      ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name };
    ns.spec ??= { finalizers: ['kubernetes'] };
  },
  validate(obj): StatusCause[] {
    return validateObjectMeta(R.namespaces, obj, dns1123Label).causes;
  },
  table: {
    columns: [NAME_COLUMN, col('Status', 'string', 'The status of the namespace'), AGE_COLUMN],
    cells: (obj, now) => [
      obj.metadata.name,
      (obj as unknown as Namespace).status?.phase ?? '',
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
