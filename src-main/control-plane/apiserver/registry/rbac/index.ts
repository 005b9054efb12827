/** The rbac.authorization.k8s.io API group's registry: Roles, ClusterRoles and their bindings (stored, not yet enforced). */
import type { Strategy } from '../strategy';
import { clusterRoleBindingStrategy } from './clusterrolebindings';
import { clusterRoleStrategy } from './clusterroles';
import { roleBindingStrategy } from './rolebindings';
import { roleStrategy } from './roles';

/** The strategies of rbac.authorization.k8s.io/v1. */
export const RBAC_STRATEGIES: Strategy[] = [
  clusterRoleBindingStrategy,
  clusterRoleStrategy,
  roleBindingStrategy,
  roleStrategy,
];
