/**
 * Reviews: authorization.k8s.io/v1 SelfSubjectAccessReview and SelfSubjectRulesReview (what
 * `kubectl auth can-i`, also `--list`, asks), SubjectAccessReview and the namespaced
 * LocalSubjectAccessReview (answered for the user named in the spec; asking needs permission,
 * as any create), authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`). Access
 * reviews are decided by the server's authorizer, rules reviews listed by RBAC's rule resolver.
 * Nothing is stored; the object is returned with its status filled in, as kube-apiserver does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { apiVersionOf, type ResourceType } from '../../common/resources';
import { decodeBody, readBody, sendJson } from './http';
import { badRequest, invalid, methodNotAllowed, pathNotFound } from './status';

import { ADMIN_USER } from './auth/admin-token';
import type { RbacAuthorizer } from './auth/rbac/authorizer';
import { requestUser, type Attributes, type Authorizer, type UserInfo } from './auth/types';

/** What the access and rules reviews are answered from. */
export interface ReviewDeps {
  authorizer: Authorizer;
  rbac: RbacAuthorizer;
}

/** The plural resource names of the review kinds this module answers. */
export const REVIEW_RESOURCES = new Set([
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
  'authorization.k8s.io/subjectaccessreviews',
  'authorization.k8s.io/localsubjectaccessreviews',
  'authentication.k8s.io/selfsubjectreviews',
]);

/** True when a resource type is one of the self-subject reviews. */
export function isReview(t: ResourceType): boolean {
  return REVIEW_RESOURCES.has(`${t.group}/${t.plural}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Answers a create of a review kind (POST on its collection); everything else is 405. */
export async function handleReview(
  req: IncomingMessage,
  res: ServerResponse,
  t: ResourceType,
  query: URLSearchParams,
  name: string | undefined,
  namespace: string | undefined,
  deps: ReviewDeps,
): Promise<void> {
  if ((req.method ?? 'GET') !== 'POST' || name !== undefined || (namespace !== undefined) !== t.namespaced) {
    if (!req.complete) req.resume();
    throw methodNotAllowed(`${t.plural}.${t.group} only supports create (POST on the collection)`);
  }
  for (const d of query.getAll('dryRun'))
    if (d !== 'All' && d !== '')
      throw badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
  const body = decodeBody(await readBody(req), req.headers['content-type']);
  if (!isObject(body)) throw badRequest(`the request body must be a ${t.kind} object`);
  const expected = apiVersionOf(t);
  if (body.apiVersion !== undefined && body.apiVersion !== expected)
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected})`,
    );
  if (body.kind !== undefined && body.kind !== t.kind)
    throw badRequest(
      `the kind in the data (${String(body.kind)}) does not match the expected kind (${t.kind})`,
    );
  if (body.metadata !== undefined && body.metadata !== null && !isObject(body.metadata))
    throw badRequest('metadata must be an object');
  const meta = isObject(body.metadata) ? body.metadata : {};
  const out: Record<string, unknown> = {
    kind: t.kind,
    apiVersion: expected,
    metadata: { ...meta, creationTimestamp: null },
  };
  const spec = body.spec === undefined || body.spec === null ? {} : body.spec;
  if (t.plural !== 'selfsubjectreviews' && !isObject(spec)) throw badRequest('spec must be an object');
  const self = requestUser(req) ?? ADMIN_USER;
  switch (t.plural) {
    case 'subjectaccessreviews':
    case 'localsubjectaccessreviews':
    case 'selfsubjectaccessreviews': {
      const s = spec as Record<string, unknown>;
      const causes: StatusCause[] = [];
      const hasRes = isObject(s.resourceAttributes);
      const hasNonRes = isObject(s.nonResourceAttributes);
      if (s.resourceAttributes !== undefined && !hasRes)
        causes.push(field('spec.resourceAttributes', 'must be an object'));
      if (s.nonResourceAttributes !== undefined && !hasNonRes)
        causes.push(field('spec.nonResourceAttributes', 'must be an object'));
      if (hasRes === hasNonRes)
        causes.push(
          field(
            'spec.resourceAttributes',
            `Invalid value: ${hasRes ? '"..."' : 'null'}: exactly one of nonResourceAttributes or resourceAttributes must be specified`,
          ),
        );
      let user = self;
      if (t.plural !== 'selfsubjectaccessreviews') {
        if (typeof s.user !== 'string' && !Array.isArray(s.groups))
          causes.push(
            field('spec.user', 'Invalid value: "": at least one of user or group must be specified'),
          );
        user = {
          username: typeof s.user === 'string' ? s.user : '',
          groups: Array.isArray(s.groups) ? s.groups.filter((g): g is string => typeof g === 'string') : [],
          ...(typeof s.uid === 'string' ? { uid: s.uid } : {}),
        };
      }
      const ra = hasRes ? (s.resourceAttributes as Record<string, unknown>) : undefined;
      if (t.plural === 'localsubjectaccessreviews' && ra && (ra.namespace ?? '') !== namespace)
        causes.push(
          field(
            'spec.resourceAttributes.namespace',
            `Invalid value: ${JSON.stringify(ra.namespace ?? '')}: must match metadata.namespace`,
          ),
        );
      if (causes.length) throw invalid(t.kind, '', t.group, causes);
      out.spec = s;
      if (t.plural === 'localsubjectaccessreviews')
        out.metadata = { ...meta, namespace, creationTimestamp: null };
      out.status = await accessReview(deps.authorizer, user, s);
      break;
    }
    case 'selfsubjectrulesreviews': {
      const s = spec as Record<string, unknown>;
      if (s.namespace !== undefined && typeof s.namespace !== 'string')
        throw invalid(t.kind, '', t.group, [field('spec.namespace', 'must be a string')]);
      out.spec = s;
      out.status = rulesReview(deps.rbac, self, typeof s.namespace === 'string' ? s.namespace : '');
      break;
    }
    case 'selfsubjectreviews': {
      // Who the request was authenticated as (pkg/registry/authentication/selfsubjectreview).
      const u = requestUser(req) ?? ADMIN_USER;
      out.status = {
        userInfo: {
          username: u.username,
          ...(u.uid ? { uid: u.uid } : {}),
          groups: [...u.groups],
          ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}),
        },
      };
      break;
    }
    default:
      throw pathNotFound();
  }
  sendJson(res, 201, out);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** SubjectAccessReviewStatus for one user and the spec's resource or non-resource attributes. */
async function accessReview(
  authorizer: Authorizer,
  user: UserInfo,
  s: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  let a: Attributes;
  if (isObject(s.resourceAttributes)) {
    const r = s.resourceAttributes;
    a = {
      user,
      isResourceRequest: true,
      path: '',
      verb: str(r.verb),
      namespace: str(r.namespace) || undefined,
      apiGroup: str(r.group),
      apiVersion: str(r.version),
      resource: str(r.resource),
      subresource: str(r.subresource) || undefined,
      name: str(r.name) || undefined,
    };
  } else {
    const n = s.nonResourceAttributes as Record<string, unknown>;
    a = { user, isResourceRequest: false, path: str(n.path), verb: str(n.verb) };
  }
  const d = await authorizer.authorize(a);
  if (d.decision === 'allow') {
    // RBAC names the binding that allowed it; system:masters is allowed before RBAC is asked.
    return { allowed: true, ...(d.reason ? { reason: d.reason } : {}) };
  }
  return {
    allowed: false,
    ...(d.decision === 'deny' ? { denied: true } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
  };
}

/** SubjectRulesReviewStatus: the rules RBAC gives `user` in `namespace` plus the cluster-wide ones. */
function rulesReview(rbac: RbacAuthorizer, user: UserInfo, namespace: string): Record<string, unknown> {
  const { rules, errors } = rbac.rulesFor(user, namespace || undefined);
  const resourceRules: Record<string, unknown>[] = [];
  const nonResourceRules: Record<string, unknown>[] = [];
  // The privileged-group authorizer in front of RBAC contributes everything for system:masters.
  if (user.groups.includes('system:masters')) {
    resourceRules.push({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    nonResourceRules.push({ verbs: ['*'], nonResourceURLs: ['*'] });
  }
  for (const r of rules) {
    if (r.nonResourceURLs?.length)
      nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
    else
      resourceRules.push({
        verbs: [...r.verbs],
        apiGroups: [...(r.apiGroups ?? [])],
        resources: [...(r.resources ?? [])],
        ...(r.resourceNames?.length ? { resourceNames: [...r.resourceNames] } : {}),
      });
  }
  return {
    resourceRules,
    nonResourceRules,
    incomplete: errors.length > 0,
    ...(errors.length ? { evaluationError: errors.join(', ') } : {}),
  };
}

function field(path: string, message: string): StatusCause {
  return { reason: 'FieldValueInvalid', field: path, message };
}
