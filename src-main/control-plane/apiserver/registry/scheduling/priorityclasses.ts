/** scheduling.k8s.io/v1 PriorityClasses: value limits, reserved system- names, immutable value, Table. */
import type { PriorityClass } from 'kubernetes-types/scheduling/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, validateObjectMeta, type Strategy } from '../strategy';
import { Errors, immutable } from '../validation';

/** PriorityClass strategy. */
export const priorityClassStrategy: Strategy = {
  type: R.priorityclasses,
  hasStatus: false,
  topLevelFields: ['value', 'globalDefault', 'description', 'preemptionPolicy'],
  applyDefaults(obj) {
    (obj as unknown as PriorityClass).preemptionPolicy ??= 'PreemptLowerPriority';
  },
  validate(obj) {
    const errs = validateObjectMeta(R.priorityclasses, obj);
    const pc = obj as unknown as PriorityClass;
    if (typeof pc.value !== 'number' || !Number.isInteger(pc.value)) errs.required('value');
    else if (pc.value > 1_000_000_000 && !(obj.metadata.name ?? '').startsWith('system-'))
      errs.forbidden('value', 'maximum allowed value of a user defined priority is 1000000000');
    if (
      (obj.metadata.name ?? '').startsWith('system-') &&
      !['system-cluster-critical', 'system-node-critical'].includes(obj.metadata.name ?? '')
    )
      errs.forbidden('metadata.name', "priority class names with 'system-' prefix are reserved");
    if (pc.preemptionPolicy && !['PreemptLowerPriority', 'Never'].includes(pc.preemptionPolicy))
      errs.notSupported('preemptionPolicy', pc.preemptionPolicy, ['Never', 'PreemptLowerPriority']);
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    immutable(errs, 'value', (obj as { value?: unknown }).value, (old as { value?: unknown }).value);
    immutable(
      errs,
      'preemptionPolicy',
      (obj as { preemptionPolicy?: unknown }).preemptionPolicy,
      (old as { preemptionPolicy?: unknown }).preemptionPolicy,
    );
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Value', 'integer', 'The value of this priority class.'),
      col(
        'Global-Default',
        'boolean',
        'globalDefault specifies whether this PriorityClass should be considered as the default priority.',
      ),
      AGE_COLUMN,
      col(
        'PreemptionPolicy',
        'string',
        'PreemptionPolicy is the Policy for preempting pods with lower priority.',
      ),
    ],
    cells(obj, now) {
      const pc = obj as unknown as PriorityClass;
      return [
        obj.metadata.name,
        pc.value,
        pc.globalDefault ?? false,
        age(obj.metadata.creationTimestamp, now),
        pc.preemptionPolicy ?? '',
      ];
    },
  },
};
