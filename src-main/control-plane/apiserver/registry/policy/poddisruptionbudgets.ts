/** policy/v1 PodDisruptionBudgets: minAvailable / maxUnavailable validation and the PDB Table. */
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from '../strategy';
import { validateLabels } from '../validation';

function intOrPercent(v: unknown): boolean {
  return (
    (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'string' && /^\d+%$/.test(v))
  );
}

/** PodDisruptionBudget strategy. */
export const pdbStrategy: Strategy = {
  type: R.poddisruptionbudgets,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
  validate(obj) {
    const errs = validateObjectMeta(R.poddisruptionbudgets, obj);
    const spec = (obj as unknown as PodDisruptionBudget).spec;
    if (!isObject(spec)) {
      errs.required('spec');
      return errs.causes;
    }
    if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined)
      errs.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set');
    if (spec.minAvailable !== undefined && !intOrPercent(spec.minAvailable))
      errs.invalid('spec.minAvailable', spec.minAvailable, "must be an integer or percentage (e.g '5%')");
    if (spec.maxUnavailable !== undefined && !intOrPercent(spec.maxUnavailable))
      errs.invalid('spec.maxUnavailable', spec.maxUnavailable, "must be an integer or percentage (e.g '5%')");
    validateLabels(errs, spec.selector?.matchLabels, 'spec.selector.matchLabels');
    if (
      spec.unhealthyPodEvictionPolicy &&
      !['IfHealthyBudget', 'AlwaysAllow'].includes(spec.unhealthyPodEvictionPolicy)
    )
      errs.notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, [
        'AlwaysAllow',
        'IfHealthyBudget',
      ]);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Min Available', 'string', 'The minimum number of pods that must be available simultaneously.'),
      col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable simultaneously.'),
      col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const p = obj as unknown as PodDisruptionBudget;
      return [
        obj.metadata.name,
        p.spec?.minAvailable !== undefined ? String(p.spec.minAvailable) : 'N/A',
        p.spec?.maxUnavailable !== undefined ? String(p.spec.maxUnavailable) : 'N/A',
        p.status?.disruptionsAllowed ?? 0,
        age(obj.metadata.creationTimestamp, now),
      ];
    },
  },
};
