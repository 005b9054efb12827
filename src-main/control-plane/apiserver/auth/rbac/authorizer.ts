/**
 * The RBAC authorizer (plugin/pkg/auth/authorizer/rbac) and its rule resolver
 * (pkg/registry/rbac/validation.DefaultRuleResolver): a request is allowed when a rule of a role
 * bound to its user allows it — ClusterRoleBindings everywhere, RoleBindings (to a Role or a
 * ClusterRole) in their namespace. The `system:masters` group is allowed everything first, as
 * kube-apiserver's privileged-group authorizer in front of RBAC does.
 */
import type { PolicyRule, RoleRef } from 'kubernetes-types/rbac/v1';
import type { Attributes, Authorizer, Decision, UserInfo } from '../types';
import type { RequestInfo } from '../request-info';
import type { PolicyIndex } from './policy-index';
import { ruleAllows, subjectMatches } from './rules';

/** The group whose members may do anything (user.SystemPrivilegedGroup). */
export const SYSTEM_MASTERS = 'system:masters';

/** The rules a user holds in a namespace (or cluster-wide), and what could not be resolved. */
export interface ResolvedRules {
  rules: PolicyRule[];
  errors: string[];
}

/** What RBAC decisions are made from: the policy objects in force. */
export class RbacAuthorizer implements Authorizer {
  constructor(private readonly index: PolicyIndex) {}

  /** GetRoleReferenceRules: the rules a roleRef points at, or an error naming the missing role. */
  roleRefRules(ref: RoleRef, bindingNamespace: string | undefined): { rules: PolicyRule[]; error?: string } {
    if (ref.kind === 'ClusterRole') {
      const cr = this.index.getClusterRole(ref.name);
      if (!cr) return { rules: [], error: `clusterrole.rbac.authorization.k8s.io "${ref.name}" not found` };
      return { rules: cr.rules ?? [] };
    }
    if (ref.kind === 'Role' && bindingNamespace) {
      const r = this.index.getRole(bindingNamespace, ref.name);
      if (!r) return { rules: [], error: `role.rbac.authorization.k8s.io "${ref.name}" not found` };
      return { rules: r.rules ?? [] };
    }
    return { rules: [], error: `unsupported role reference kind: "${ref.kind}"` };
  }

  /**
   * VisitRulesFor: calls `visit` with each rule that applies to `user` in `namespace` (cluster
   * rules first); stops when it returns false.
   */
  private visitRules(
    user: UserInfo,
    namespace: string | undefined,
    visit: (rule: PolicyRule) => boolean,
    errors: string[],
  ): void {
    for (const b of this.index.listClusterRoleBindings()) {
      if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, undefined))) continue;
      const { rules, error } = this.roleRefRules(b.roleRef, undefined);
      if (error) errors.push(error);
      for (const r of rules) if (!visit(r)) return;
    }
    if (!namespace) return;
    for (const b of this.index.listRoleBindings(namespace)) {
      if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, namespace))) continue;
      const { rules, error } = this.roleRefRules(b.roleRef, namespace);
      if (error) errors.push(error);
      for (const r of rules) if (!visit(r)) return;
    }
  }

  /** RulesFor: every rule that applies to `user` in `namespace` (undefined = cluster-wide only). */
  rulesFor(user: UserInfo, namespace: string | undefined): ResolvedRules {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRules(
      user,
      namespace,
      (r) => {
        rules.push(r);
        return true;
      },
      errors,
    );
    return { rules, errors };
  }

  /** Decides one request: allow, or no opinion with RBAC's reason (unresolvable roles). */
  decide(user: UserInfo, info: RequestInfo): { decision: Decision; reason?: string } {
    if (user.groups.includes(SYSTEM_MASTERS)) return { decision: 'allow' };
    let allowed = false;
    const errors: string[] = [];
    this.visitRules(
      user,
      info.namespace,
      (r) => {
        allowed = ruleAllows(info, r);
        return !allowed;
      },
      errors,
    );
    if (allowed) return { decision: 'allow' };
    // utilerrors.NewAggregate: one error as is, several in brackets.
    const reason = errors.length
      ? `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}`
      : undefined;
    return { decision: 'noopinion', reason };
  }

  authorize(a: Attributes): Promise<{ decision: Decision; reason?: string }> {
    return Promise.resolve(this.decide(a.user, a));
  }
}
