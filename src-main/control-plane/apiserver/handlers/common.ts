// Shared by the REST verb handlers: their dependencies, the dryRun/fieldValidation query parameters, field-ownership tracking and object rendering; imports no handler and never writes storage.
import type { ClusterNetwork } from '../../../common/network';
import type { Clock } from '../../../common/clock';
import type { Logger } from '../../../common/logger';
import { apiVersionOf, type ResourceType } from '../../../common/resources';
import type { KubeObject, ObjectMeta } from '../../../common/types';
import { sendJson, wantsTable } from '../http';
import type { Strategy } from '../registry';
import type { ResourceRequest } from '../request';
import { managerOf, trackUpdate } from '../ssa';
import { badRequest, notFound } from '../status';
import type { ObjectStorage } from '../storage';
import type { TokenSigner } from '../../client/serviceaccount-token';
import { TABLE_CONTENT_TYPE, includeObjectParam, toTable } from '../table';

/** What the REST layer needs from the server. */
export interface RestDeps {
  storage: ObjectStorage;
  clock: Clock;
  logger: Logger;
  /** Bearer token presented to kubelets when proxying logs. */
  kubeletToken?: string;
  /** The cluster's address plan, for Service admission. */
  network?: ClusterNetwork;
  /** Signs service-account tokens (TokenRequest); without it serviceaccounts/token answers 404. */
  tokenSigner?: TokenSigner;
}

/** The `fieldValidation` query parameter. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** ObjectMeta without kubernetes-types' readonly markers: the server is the one that writes them. */
export type Meta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };
export const mut = (obj: KubeObject): Meta => obj.metadata as Meta;

export function fieldValidation(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation') ?? 'Warn';
  if (v !== 'Strict' && v !== 'Warn' && v !== 'Ignore')
    throw badRequest(
      `fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`,
    );
  return v;
}

export function dryRun(q: URLSearchParams): boolean {
  const v = q.getAll('dryRun');
  for (const d of v)
    if (d !== 'All' && d !== '')
      throw badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
  return v.includes('All');
}

/** The stored object a write applies to; 404 when it is missing. */
export function existing(r: ResourceRequest, cur: KubeObject | undefined): KubeObject {
  if (!cur) throw notFound(r.type, r.name!);
  return cur;
}

/** Records an ordinary write's field ownership (operation Update) on `next`. */
export function track(
  deps: RestDeps,
  r: ResourceRequest,
  s: Strategy,
  cur: KubeObject | undefined,
  next: KubeObject,
): KubeObject {
  trackUpdate(cur, next, {
    type: r.type,
    manager: managerOf(r.query, r.req.headers['user-agent']),
    now: deps.clock.now(),
    ignoreStatus: s.hasStatus,
    subresource: r.subresource === 'status' ? 'status' : undefined,
    schema: s.openApiSchema,
  });
  return next;
}

/** `obj` with the type's apiVersion and kind, first (as in the real server's JSON). */
export function withType(t: ResourceType, obj: KubeObject): KubeObject {
  if (obj.apiVersion === apiVersionOf(t) && obj.kind === t.kind) return obj;
  // Rebuilt so apiVersion and kind come first, as in the real server's JSON.
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return { apiVersion: apiVersionOf(t), kind: t.kind, ...rest } as KubeObject;
}

/** Answers with one object, as a one-row Table when a GET's Accept asks for one. */
export function sendObject(
  deps: RestDeps,
  r: ResourceRequest,
  s: Strategy,
  code: number,
  obj: KubeObject,
): void {
  if (r.req.method === 'GET' && !r.subresource && wantsTable(r.req.headers.accept)) {
    const table = toTable(r.type, s.table, [obj], {
      now: deps.clock.now(),
      include: includeObjectParam(r.query),
      resourceVersion: obj.metadata.resourceVersion,
    });
    return sendJson(r.res, code, table, TABLE_CONTENT_TYPE);
  }
  sendJson(r.res, code, obj);
}
