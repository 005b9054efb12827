/** rbac.authorization.k8s.io/v1 ClusterRoleBindings: roleRef (ClusterRole only, immutable) and subjects, the Name, Role, Age table; touches nothing else. */
import { R } from '../../../../common/resources';
import { validateObjectMeta, type Strategy } from '../strategy';
import {
  BINDING_TABLE,
  defaultBinding,
  validateBinding,
  validateBindingUpdate,
  rbacName,
} from './validation';

/** ClusterRoleBinding strategy. Stored and served; authorization does not read bindings yet (a later step enforces RBAC). */
export const clusterRoleBindingStrategy: Strategy = {
  type: R.clusterrolebindings,
  hasStatus: false,
  topLevelFields: ['roleRef', 'subjects'],
  applyDefaults: defaultBinding,
  validate(obj) {
    const errs = validateObjectMeta(R.clusterrolebindings, obj, rbacName);
    validateBinding(errs, obj, false);
    return errs.causes;
  },
  validateUpdate: validateBindingUpdate,
  table: BINDING_TABLE,
};
