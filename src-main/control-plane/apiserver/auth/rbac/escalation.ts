/**
 * RBAC escalation prevention (pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased
 * and pkg/registry/rbac/validation.ConfirmNoEscalation): a Role or ClusterRole may only be
 * written by someone who already holds every permission in it, or has the `escalate` verb on
 * roles/clusterroles; a binding only by someone who holds the referenced role's permissions, or
 * has the `bind` verb on it. `system:masters` bypasses both (EscalationAllowed).
 */
import type { ClusterRole, RoleBinding } from 'kubernetes-types/rbac/v1';
import type { ResourceType } from '../../../../common/resources';
import type { KubeObject } from '../../../../common/types';
import { forbiddenError } from '../forbidden';
import type { UserInfo } from '../types';
import { SYSTEM_MASTERS, type RbacAuthorizer } from './authorizer';
import { compactRules, compactString, goQuoteList, uncovered } from './rules';

const RBAC = 'rbac.authorization.k8s.io';
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Checks one write of an RBAC object by `user`; throws 403 when it would escalate. */
export function confirmNoEscalation(
  rbac: RbacAuthorizer,
  user: UserInfo | undefined,
  t: ResourceType,
  obj: KubeObject,
  old: KubeObject | undefined,
): void {
  if (t.group !== RBAC || !user || user.groups.includes(SYSTEM_MASTERS)) return;
  const ns = obj.metadata.namespace;
  const name = obj.metadata.name ?? '';
  const allowed = (verb: string, resource: string, resName?: string) =>
    rbac.decide(user, {
      isResourceRequest: true,
      path: '',
      verb,
      apiGroup: RBAC,
      apiVersion: 'v1',
      resource,
      namespace: ns,
      name: resName,
    }).decision === 'allow';
  const holds = (rules: NonNullable<ClusterRole['rules']>) => {
    const { rules: owner, errors } = rbac.rulesFor(user, ns);
    const missing = uncovered(owner, rules);
    if (!missing.length) return;
    const lines = [...new Set(compactRules(missing).map(compactString))].sort();
    let msg = `user ${JSON.stringify(user.username)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
    if (errors.length) msg += `; resolution errors: [${errors.join(' ')}]`;
    throw forbiddenError(RBAC, t.plural, name, msg);
  };
  if (t.plural === 'roles' || t.plural === 'clusterroles') {
    const role = obj as unknown as ClusterRole;
    const prev = old as unknown as ClusterRole | undefined;
    if (prev && same(prev.rules, role.rules) && same(prev.aggregationRule, role.aggregationRule)) return;
    if (allowed('escalate', t.plural, name)) return;
    if (role.aggregationRule && (!prev || !same(prev.aggregationRule, role.aggregationRule)))
      throw forbiddenError(
        RBAC,
        t.plural,
        name,
        'must have cluster-admin privileges to use the aggregationRule',
      );
    holds(role.rules ?? []);
    return;
  }
  if (t.plural === 'rolebindings' || t.plural === 'clusterrolebindings') {
    const b = obj as unknown as RoleBinding;
    const prev = old as unknown as RoleBinding | undefined;
    if (prev && same(prev.roleRef, b.roleRef)) return;
    const ref = b.roleRef;
    if (!ref) return;
    const refResource = ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
    if (allowed('bind', refResource, ref.name)) return;
    const { rules, error } = rbac.roleRefRules(ref, ns);
    if (error) throw forbiddenError(RBAC, t.plural, name, error);
    holds(rules);
  }
}
