/**
 * RBAC policy-rule arithmetic, pure functions: whether a rule allows a request
 * (pkg/apis/rbac/v1 evaluation_helpers: VerbMatches, APIGroupMatches, ResourceMatches,
 * ResourceNameMatches, NonResourceURLMatches), whether one set of rules covers another
 * (pkg/registry/rbac/validation: Covers, BreakdownRule, CompactRules) and how a rule is
 * written in escalation messages (CompactString).
 */
import type { PolicyRule, Subject } from 'kubernetes-types/rbac/v1';
import type { RequestInfo } from '../request-info';
import type { UserInfo } from '../types';

const ALL = '*';

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return (rule.verbs ?? []).some((v) => v === ALL || v === verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === ALL || g === group);
}

/** `pods`, `pods/log`, `*`, and `*∕log` (any resource's log subresource). */
export function resourceMatches(rule: PolicyRule, resource: string, subresource?: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string | undefined): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name ?? '');
}

/** Exact, `*`, or a prefix ending in `*` (`/healthz/*`). */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** RuleAllows: does one rule grant the request? */
export function ruleAllows(info: RequestInfo, rule: PolicyRule): boolean {
  if (info.isResourceRequest)
    return (
      verbMatches(rule, info.verb) &&
      apiGroupMatches(rule, info.apiGroup ?? '') &&
      resourceMatches(rule, info.resource ?? '', info.subresource) &&
      resourceNameMatches(rule, info.name)
    );
  return verbMatches(rule, info.verb) && nonResourceURLMatches(rule, info.path);
}

/** appliesTo: does a binding subject name this user (or one of its groups, or its service account)? */
export function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  switch (s.kind) {
    case 'User':
      return user.username === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      // A ServiceAccount subject without a namespace takes the binding's (RoleBindings only).
      const ns = s.namespace || bindingNamespace;
      if (!ns) return false;
      return user.username === `system:serviceaccount:${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

/** BreakdownRule: one rule per (group, resource, verb) or (url, verb), resourceNames kept. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const g of rule.apiGroups ?? [])
    for (const r of rule.resources ?? [])
      for (const v of rule.verbs ?? [])
        out.push({
          apiGroups: [g],
          resources: [r],
          verbs: [v],
          ...(rule.resourceNames?.length ? { resourceNames: [...rule.resourceNames] } : {}),
        });
  for (const u of rule.nonResourceURLs ?? [])
    for (const v of rule.verbs ?? []) out.push({ nonResourceURLs: [u], verbs: [v] });
  return out;
}

const has = (list: string[] | undefined, v: string) => (list ?? []).includes(v);

/** Owner resources cover a requested one: `*`, equal, `x/*` for `x/sub`, `*∕sub` for `x/sub`. */
function resourceCoversAll(owner: string[], requested: string[]): boolean {
  if (owner.includes(ALL)) return true;
  return requested.every((r) => {
    if (owner.includes(r)) return true;
    const slash = r.indexOf('/');
    if (slash < 0) return false;
    return owner.includes(`${r.slice(0, slash)}/*`) || owner.includes(`*${r.slice(slash)}`);
  });
}

function nonResourceURLCovers(owner: string, requested: string): boolean {
  if (owner === requested) return true;
  return owner.endsWith('*') && requested.startsWith(owner.slice(0, -1));
}

/** ruleCovers: does `owner` grant everything the single (broken-down) rule `req` does? */
export function ruleCovers(owner: PolicyRule, req: PolicyRule): boolean {
  const verbs = has(owner.verbs, ALL) || (req.verbs ?? []).every((v) => has(owner.verbs, v));
  if (!verbs) return false;
  const urls = (req.nonResourceURLs ?? []).every((u) =>
    (owner.nonResourceURLs ?? []).some((o) => nonResourceURLCovers(o, u)),
  );
  if (!urls) return false;
  const groups = has(owner.apiGroups, ALL) || (req.apiGroups ?? []).every((g) => has(owner.apiGroups, g));
  if (!groups) return false;
  if (!resourceCoversAll(owner.resources ?? [], req.resources ?? [])) return false;
  // An owner without resourceNames covers every name; otherwise each requested one must be listed.
  if (!owner.resourceNames?.length) return true;
  if (!req.resourceNames?.length) return false;
  return req.resourceNames.every((n) => has(owner.resourceNames, n));
}

/** Covers: the rules of `servant` that none of `owner` covers (empty = covered). */
export function uncovered(owner: PolicyRule[], servant: PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const r of servant)
    for (const piece of breakdownRule(r)) if (!owner.some((o) => ruleCovers(o, piece))) missing.push(piece);
  return missing;
}

/** CompactRules: simple resource rules (one group, one resource, no names) merged by their verbs. */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple =
      !r.resourceNames?.length &&
      !r.nonResourceURLs?.length &&
      r.apiGroups?.length === 1 &&
      r.resources?.length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = `${r.apiGroups![0]}\u0000${r.resources![0]}`;
    const cur = simple.get(key);
    if (cur) {
      for (const v of r.verbs ?? []) if (!cur.verbs.includes(v)) cur.verbs.push(v);
    } else {
      const c: PolicyRule = {
        apiGroups: [...r.apiGroups!],
        resources: [...r.resources!],
        verbs: [...r.verbs],
      };
      simple.set(key, c);
      out.push(c);
    }
  }
  return out;
}

/** Go's %q of a []string: `["a" "b"]`. */
export function goQuoteList(list: string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** CompactString: `{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}` (empty fields left out). */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  const add = (k: string, v: string[] | undefined) => {
    if (v?.length) parts.push(`${k}:${goQuoteList(v)}`);
  };
  add('APIGroups', r.apiGroups);
  add('Resources', r.resources);
  add('ResourceNames', r.resourceNames);
  add('NonResourceURLs', r.nonResourceURLs);
  add('Verbs', r.verbs);
  return `{${parts.join(', ')}}`;
}
