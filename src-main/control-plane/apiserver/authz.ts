/**
 * Self-subject reviews: authorization.k8s.io/v1 SelfSubjectAccessReview and
 * SelfSubjectRulesReview, authentication.k8s.io/v1 SelfSubjectReview — what `kubectl auth can-i`
 * (also `--list`) and `kubectl auth whoami` ask. Skiff has one user: whoever holds the cluster
 * token is the administrator (`system:masters`), so every review is answered from that identity.
 * Nothing is stored; the object is returned with its status filled in, as kube-apiserver does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { apiVersionOf, type ResourceType } from '../../common/resources';
import { decodeBody, readBody, sendJson } from './http';
import { badRequest, invalid, methodNotAllowed, pathNotFound } from './status';

import { ADMIN_USER } from './auth/admin-token';
import { requestUser } from './auth/types';

/** The plural resource names of the review kinds this module answers. */
export const REVIEW_RESOURCES = new Set([
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
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
): Promise<void> {
  if ((req.method ?? 'GET') !== 'POST' || name !== undefined || namespace !== undefined) {
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
  switch (t.plural) {
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
      if (causes.length) throw invalid(t.kind, '', t.group, causes);
      out.spec = s;
      // system:masters may do anything (upstream's authorizer short-circuits the group).
      out.status = { allowed: true };
      break;
    }
    case 'selfsubjectrulesreviews': {
      const s = spec as Record<string, unknown>;
      if (s.namespace !== undefined && typeof s.namespace !== 'string')
        throw invalid(t.kind, '', t.group, [field('spec.namespace', 'must be a string')]);
      out.spec = s;
      out.status = {
        resourceRules: [
          {
            verbs: ['create'],
            apiGroups: ['authorization.k8s.io'],
            resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
          },
          { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
          { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
        ],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      };
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

function field(path: string, message: string): StatusCause {
  return { reason: 'FieldValueInvalid', field: path, message };
}
