/** rbac.authorization.k8s.io/v1 ClusterRoles: rules, a stored aggregationRule, the Name, Created At table; touches nothing else. */
import type { ClusterRole } from 'kubernetes-types/rbac/v1';
import { R } from '../../../../common/resources';
import { DEFAULT_TABLE, isObject, validateObjectMeta, type Strategy } from '../strategy';
import { validateRules, rbacName } from './validation';

/**
 * ClusterRole strategy. Stored and served; authorization does not read ClusterRoles yet (a
 * later step enforces RBAC), and no controller aggregates rules from aggregationRule yet: it is
 * validated and kept as given.
 */
export const clusterRoleStrategy: Strategy = {
  type: R.clusterroles,
  hasStatus: false,
  topLevelFields: ['rules', 'aggregationRule'],
  validate(obj) {
    const errs = validateObjectMeta(R.clusterroles, obj, rbacName);
    const cr = obj as unknown as ClusterRole;
    validateRules(errs, cr.rules, false);
    const agg = cr.aggregationRule;
    if (agg !== undefined && agg !== null) {
      if (!isObject(agg) || !agg.clusterRoleSelectors?.length)
        errs.required(
          'aggregationRule.clusterRoleSelectors',
          'at least one clusterRoleSelector required if aggregationRule is non-nil',
        );
    }
    return errs.causes;
  },
  table: DEFAULT_TABLE,
};
