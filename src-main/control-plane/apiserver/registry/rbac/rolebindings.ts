/** rbac.authorization.k8s.io/v1 RoleBindings: roleRef (immutable) and subject validation, the Name, Role, Age table; touches nothing else. */
import { R } from '../../../../common/resources';
import { validateObjectMeta, type Strategy } from '../strategy';
import {
  BINDING_TABLE,
  defaultBinding,
  validateBinding,
  validateBindingUpdate,
  rbacName,
} from './validation';

/** RoleBinding strategy. Stored and served; authorization does not read bindings yet (a later step enforces RBAC). */
export const roleBindingStrategy: Strategy = {
  type: R.rolebindings,
  hasStatus: false,
  topLevelFields: ['roleRef', 'subjects'],
  applyDefaults: defaultBinding,
  validate(obj) {
    const errs = validateObjectMeta(R.rolebindings, obj, rbacName);
    validateBinding(errs, obj, true);
    return errs.causes;
  },
  validateUpdate: validateBindingUpdate,
  table: BINDING_TABLE,
};
