/** rbac.authorization.k8s.io/v1 ClusterRoleBindings: roleRef (ClusterRole only, immutable) and subjects, the Name, Role, Age table; touches nothing else. */
import { R } from '../../../../common/resources';
import { bindingStrategy } from './validation';

export const clusterRoleBindingStrategy = bindingStrategy(R.clusterrolebindings, false);
