/** networking.k8s.io/v1 NetworkPolicies (stored, not enforced): policyTypes defaulting, validation, Table. */
import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import { R } from '../../../../common/resources';
import {
  AGE_COLUMN,
  NAME_COLUMN,
  age,
  col,
  isObject,
  selectorString,
  validateObjectMeta,
  type Strategy,
} from '../strategy';
import { validateLabels } from '../validation';

/** NetworkPolicy strategy (stored, not enforced). */
export const networkPolicyStrategy: Strategy = {
  type: R.networkpolicies,
  hasStatus: false,
  applyDefaults(obj) {
    const spec = (obj as unknown as NetworkPolicy).spec;
    if (!isObject(spec)) return;
    spec.podSelector ??= {};
    if (!spec.policyTypes?.length)
      spec.policyTypes = spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
    for (const r of [...(spec.ingress ?? []), ...(spec.egress ?? [])])
      for (const p of r.ports ?? []) if (isObject(p)) p.protocol ??= 'TCP';
  },
  validate(obj) {
    const errs = validateObjectMeta(R.networkpolicies, obj);
    const spec = (obj as unknown as NetworkPolicy).spec;
    if (!isObject(spec)) {
      errs.required('spec');
      return errs.causes;
    }
    validateLabels(errs, spec.podSelector?.matchLabels, 'spec.podSelector.matchLabels');
    for (const [i, t] of (spec.policyTypes ?? []).entries())
      if (!['Ingress', 'Egress'].includes(t))
        errs.notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      selectorString((obj as unknown as NetworkPolicy).spec?.podSelector) || '<none>',
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
