/**
 * authentication.k8s.io/v1 TokenReview (upstream pkg/registry/authentication/tokenreview): asks
 * the API server's own token authenticators about a token, for the audiences in the spec (the
 * API audiences when none are given), and answers whether it is valid and for whom. Create-only;
 * nothing is stored.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceType } from '../../../common/resources';
import { decodeBody, readBody, sendJson } from '../http';
import { badRequest, methodNotAllowed } from '../status';
import type { TokenAuthenticator } from './serviceaccount-authenticator';
import { TokenError } from '../../client/serviceaccount-token';

/** True for the tokenreviews resource. */
export function isTokenReview(t: ResourceType): boolean {
  return t.group === 'authentication.k8s.io' && t.plural === 'tokenreviews';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Answers a TokenReview create from `authenticators`, tried in order; `apiAudiences` are the implicit ones. */
export async function handleTokenReview(
  req: IncomingMessage,
  res: ServerResponse,
  name: string | undefined,
  namespace: string | undefined,
  authenticators: TokenAuthenticator[],
  apiAudiences: string[],
): Promise<void> {
  if ((req.method ?? 'GET') !== 'POST' || name !== undefined || namespace !== undefined) {
    if (!req.complete) req.resume();
    throw methodNotAllowed(
      'tokenreviews.authentication.k8s.io only supports create (POST on the collection)',
    );
  }
  const body = decodeBody(await readBody(req), req.headers['content-type']);
  if (!isObject(body)) throw badRequest('the request body must be a TokenReview object');
  if (body.apiVersion !== undefined && body.apiVersion !== 'authentication.k8s.io/v1')
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (authentication.k8s.io/v1)`,
    );
  if (body.kind !== undefined && body.kind !== 'TokenReview')
    throw badRequest(
      `the kind in the data (${String(body.kind)}) does not match the expected kind (TokenReview)`,
    );
  const spec = isObject(body.spec) ? body.spec : {};
  const token = typeof spec.token === 'string' ? spec.token : '';
  if (!token) throw badRequest('token is required for TokenReview in authentication');
  const asked =
    Array.isArray(spec.audiences) && spec.audiences.length
      ? spec.audiences.filter((a): a is string => typeof a === 'string')
      : apiAudiences;
  let status: Record<string, unknown> = { authenticated: false, user: {} };
  for (const a of authenticators) {
    try {
      const r = await a.authenticateToken(token, asked);
      if (!r) continue;
      const u = r.user;
      status = {
        authenticated: true,
        user: {
          username: u.username,
          ...(u.uid ? { uid: u.uid } : {}),
          groups: [...u.groups],
          ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}),
        },
        audiences: r.audiences,
      };
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      status = { authenticated: false, user: {}, error: `[invalid bearer token, ${err.message}]` };
    }
    break;
  }
  const meta = isObject(body.metadata) ? body.metadata : {};
  sendJson(res, 201, {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { ...meta, creationTimestamp: null },
    spec: { ...spec },
    status,
  });
}
