/**
 * The cluster token Skiff writes into its kubeconfig: whoever presents it is the local
 * administrator, in `system:masters` (which RBAC short-circuits to allow, as upstream's
 * authorizer does for that group). Compared in constant time.
 */
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Authenticator, UserInfo } from './types';

/** The identity behind the cluster token. */
export const ADMIN_USER: UserInfo = {
  username: 'skiff-admin',
  groups: ['system:masters', 'system:authenticated'],
};

/** The bearer token of a request, or undefined when it has none. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return m ? m[1].trim() : undefined;
}

/** Recognises the cluster token (and only it): the admin. Anything else is left to the next authenticator. */
export class AdminTokenAuthenticator implements Authenticator {
  private readonly token: Buffer;
  constructor(token: string) {
    this.token = Buffer.from(token);
  }
  authenticate(req: IncomingMessage): UserInfo | undefined {
    const t = bearerToken(req);
    return t === undefined ? undefined : this.match(t);
  }

  /** For TokenReview: the admin token is valid for whatever audiences are asked. */
  authenticateToken(
    token: string,
    audiences: string[] = [],
  ): Promise<{ user: UserInfo; audiences: string[] } | undefined> {
    const user = this.match(token);
    return Promise.resolve(user ? { user, audiences } : undefined);
  }

  private match(t: string): UserInfo | undefined {
    const a = Buffer.from(t);
    return a.length === this.token.length && timingSafeEqual(a, this.token) ? ADMIN_USER : undefined;
  }
}
