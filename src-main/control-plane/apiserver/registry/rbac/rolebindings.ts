/** rbac.authorization.k8s.io/v1 RoleBindings: roleRef (immutable) and subject validation, the Name, Role, Age table; touches nothing else. */
import { R } from '../../../../common/resources';
import { bindingStrategy } from './validation';

export const roleBindingStrategy = bindingStrategy(R.rolebindings, true);
