/**
 * Validation and defaulting shared by the rbac.authorization.k8s.io/v1 kinds (pkg/apis/rbac/validation):
 * policy rules, role references and subjects. Pure functions over the objects; touches nothing else.
 */
import type { PolicyRule, RoleRef, Subject } from 'kubernetes-types/rbac/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import type { ResourceType } from '../../../../common/resources';
import type { KubeObject } from '../../../../common/types';
import {
  col,
  isObject,
  validateObjectMeta,
  type Strategy,
  type TableConvertor,
  AGE_COLUMN,
  NAME_COLUMN,
  age,
} from '../strategy';
import { Errors } from '../validation';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** ValidateRBACName (path.IsValidPathSegmentName): `system:…` names are fine, `/` and `%` are not. */
export function rbacName(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  const out: string[] = [];
  for (const c of ['/', '%']) if (v.includes(c)) out.push(`may not contain '${c}'`);
  return out;
}

/** ValidatePolicyRule for each of `rules`: verbs, then resources (with apiGroups) or nonResourceURLs. */
export function validateRules(errs: Errors, rules: unknown, namespaced: boolean, path = 'rules'): void {
  if (rules === undefined || rules === null) return;
  if (!Array.isArray(rules)) {
    errs.invalid(path, rules, 'must be a list of policy rules');
    return;
  }
  rules.forEach((r: PolicyRule, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(r)) {
      errs.invalid(p, r, 'must be a policy rule');
      return;
    }
    if (!r.verbs?.length) errs.required(`${p}.verbs`, 'verbs must contain at least one value');
    if (r.nonResourceURLs?.length) {
      if (namespaced)
        errs.invalid(
          `${p}.nonResourceURLs`,
          r.nonResourceURLs,
          'namespaced rules cannot apply to non-resource URLs',
        );
      if (r.apiGroups?.length || r.resources?.length)
        errs.invalid(
          `${p}.nonResourceURLs`,
          r.nonResourceURLs,
          'rules cannot apply to both regular resources and non-resource URLs',
        );
      return;
    }
    if (!r.apiGroups?.length)
      errs.required(`${p}.apiGroups`, 'resource rules must supply at least one api group');
    if (!r.resources?.length)
      errs.required(`${p}.resources`, 'resource rules must supply at least one resource');
  });
}

/** SetDefaults_RoleBinding / _Subject: roleRef.apiGroup, and each subject's apiGroup by its kind. */
export function defaultBinding(obj: KubeObject): void {
  const b = obj as unknown as { roleRef?: RoleRef; subjects?: Subject[] };
  if (isObject(b.roleRef)) b.roleRef.apiGroup ||= RBAC_GROUP;
  if (!Array.isArray(b.subjects)) return;
  for (const s of b.subjects) {
    if (!isObject(s) || s.apiGroup) continue;
    if (s.kind === 'ServiceAccount') s.apiGroup = '';
    else if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
}

/** ValidateRoleBinding / ValidateClusterRoleBinding past metadata: the roleRef and the subjects. */
export function validateBinding(errs: Errors, obj: KubeObject, namespaced: boolean): void {
  const b = obj as unknown as { roleRef?: RoleRef; subjects?: Subject[] };
  const ref = b.roleRef;
  if (!isObject(ref)) errs.required('roleRef');
  else {
    if (ref.apiGroup !== RBAC_GROUP) errs.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]);
    const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
    if (!kinds.includes(ref.kind)) errs.notSupported('roleRef.kind', ref.kind ?? '', kinds);
    if (!ref.name) errs.required('roleRef.name');
  }
  if (b.subjects === undefined || b.subjects === null) return;
  if (!Array.isArray(b.subjects)) {
    errs.invalid('subjects', b.subjects, 'must be a list of subjects');
    return;
  }
  b.subjects.forEach((s, i) => {
    const p = `subjects[${i}]`;
    if (!isObject(s)) {
      errs.invalid(p, s, 'must be a subject');
      return;
    }
    if (!s.name) errs.required(`${p}.name`);
    switch (s.kind) {
      case 'ServiceAccount':
        if (s.apiGroup) errs.notSupported(`${p}.apiGroup`, s.apiGroup, ['']);
        if (!namespaced && !s.namespace) errs.required(`${p}.namespace`);
        break;
      case 'User':
      case 'Group':
        if (s.apiGroup !== RBAC_GROUP) errs.notSupported(`${p}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]);
        break;
      default:
        errs.notSupported(`${p}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']);
    }
  });
}

/** ValidateRoleBindingUpdate: the roleRef never changes. */
export function validateBindingUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const errs = new Errors();
  const ref = (o: KubeObject) => (o as { roleRef?: unknown }).roleRef;
  if (JSON.stringify(ref(obj)) !== JSON.stringify(ref(old)))
    errs.invalid('roleRef', ref(obj) ?? null, 'cannot change roleRef');
  return errs.causes;
}

/** kubectl's RoleBinding / ClusterRoleBinding columns: Name, Role (kind/name), Age; wide: Users, Groups, ServiceAccounts. */
export const BINDING_TABLE: TableConvertor = {
  columns: [
    NAME_COLUMN,
    col('Role', 'string', 'Role indicates which role the binding binds to.'),
    AGE_COLUMN,
    col('Users', 'string', 'Users in the roleBinding', { wide: true }),
    col('Groups', 'string', 'Groups in the roleBinding', { wide: true }),
    col('ServiceAccounts', 'string', 'ServiceAccounts in the roleBinding', { wide: true }),
  ],
  cells(obj, now) {
    const b = obj as unknown as { roleRef?: RoleRef; subjects?: Subject[] };
    const subjects = Array.isArray(b.subjects) ? b.subjects : [];
    const of = (kind: string) => subjects.filter((s) => s.kind === kind);
    return [
      obj.metadata.name,
      `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`,
      age(obj.metadata.creationTimestamp, now),
      of('User')
        .map((s) => s.name)
        .join(', '),
      of('Group')
        .map((s) => s.name)
        .join(', '),
      of('ServiceAccount')
        .map((s) => `${s.namespace ?? ''}/${s.name}`)
        .join(', '),
    ];
  },
};

/**
 * The strategy of RoleBindings (`namespaced`) and ClusterRoleBindings: roleRef (immutable) and
 * subjects. Stored and served; authorization does not read bindings yet (a later step enforces RBAC).
 */
export function bindingStrategy(type: ResourceType, namespaced: boolean): Strategy {
  return {
    type,
    hasStatus: false,
    topLevelFields: ['roleRef', 'subjects'],
    applyDefaults: defaultBinding,
    validate(obj) {
      const errs = validateObjectMeta(type, obj, rbacName);
      validateBinding(errs, obj, namespaced);
      return errs.causes;
    },
    validateUpdate: validateBindingUpdate,
    table: BINDING_TABLE,
  };
}
