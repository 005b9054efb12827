/**
 * The seam between authentication and authorization, shaped like k8s.io/apiserver's
 * pkg/authentication/user.Info, pkg/authentication/authenticator.Request and
 * pkg/authorization/authorizer.{Attributes,Authorizer}.
 *
 * The request pipeline (api-server.ts dispatch) is: authenticate → (impersonate) → authorize →
 * route. Each request's resolved identity is kept beside it (requestUser), so handlers that
 * need it — the self-subject reviews, TokenRequest, RBAC escalation checks — read the same one.
 */
import type { IncomingMessage } from 'node:http';

/** Who a request is from (user.Info). */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/**
 * One way of recognising a request's credentials (authenticator.Request). Answers undefined when
 * the request carries nothing this authenticator understands, so the next one is asked; throws a
 * 401 StatusError when it does understand the credential and it is invalid (expired, wrong
 * audience, bad signature).
 */
export interface Authenticator {
  authenticate(req: IncomingMessage): Promise<UserInfo | undefined> | UserInfo | undefined;
}

/** What a request asks to do (authorizer.Attributes). */
export interface Attributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection, or a custom verb (impersonate, bind, escalate, use); for non-resource requests the lower-case HTTP method. */
  verb: string;
  isResourceRequest: boolean;
  /** The request path, for non-resource requests (/healthz, /openapi/v2, /api …). */
  path: string;
  namespace?: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export type Decision = 'allow' | 'deny' | 'noopinion';

/** Decides whether a request may proceed (authorizer.Authorizer). */
export interface Authorizer {
  authorize(a: Attributes): Promise<{ decision: Decision; reason?: string }>;
}

/** Allows everything: what Skiff did before RBAC was enforced; kept for tests that need it. */
export const alwaysAllow: Authorizer = {
  authorize: () => Promise.resolve({ decision: 'allow' }),
};

const users = new WeakMap<IncomingMessage, UserInfo>();

/** Records the identity a request was authenticated (or impersonated) as. */
export function setRequestUser(req: IncomingMessage, user: UserInfo): void {
  users.set(req, user);
}

/** The identity a request was authenticated as; undefined for public paths (/healthz, /version). */
export function requestUser(req: IncomingMessage): UserInfo | undefined {
  return users.get(req);
}
