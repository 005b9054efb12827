/** rbac.authorization.k8s.io/v1 Roles: rule validation and the Name, Created At table; stored only — touches nothing else. */
import { R } from '../../../../common/resources';
import { DEFAULT_TABLE, validateObjectMeta, type Strategy } from '../strategy';
import { validateRules, rbacName } from './validation';

/** Role strategy. Stored and served; authorization does not read Roles yet (a later step enforces RBAC). */
export const roleStrategy: Strategy = {
  type: R.roles,
  hasStatus: false,
  topLevelFields: ['rules'],
  validate(obj) {
    const errs = validateObjectMeta(R.roles, obj, rbacName);
    validateRules(errs, (obj as { rules?: unknown }).rules, true);
    return errs.causes;
  },
  table: DEFAULT_TABLE,
};
