/**
 * The service-account token authenticator (kube-apiserver's pkg/serviceaccount jwt.go with the
 * validators of claims.go and legacy.go): a bearer JWT signed by the cluster's service-account
 * key is checked for signature, issuer, audience (it must name one of the API server's
 * audiences, --api-audiences), exp and nbf, and then against the live objects — the
 * ServiceAccount must still exist with the uid in the token and, for bound tokens, so must the
 * Pod or Secret it is bound to; a legacy token must still be the `token` of its Secret.
 *
 * A credential that is not a JWT, or is a JWT of another issuer, is left to the next
 * authenticator; a JWT of ours that fails a check is a 401 (`Unauthorized`, as upstream says no
 * more than that to the client).
 */
import type { IncomingMessage } from 'node:http';
import { realClock, type Clock } from '../../../common/clock';
import { silentLogger, type Logger } from '../../../common/logger';
import { R, type ResourceType } from '../../../common/resources';
import type { KubeObject } from '../../../common/types';
import { StatusError, unauthorized } from '../status';
import type { ObjectStorage } from '../storage';
import { bearerToken } from './admin-token';
import {
  DEFAULT_ISSUER,
  LEGACY_ISSUER,
  TokenError,
  TokenSigner,
  serviceAccountUsername,
  type BoundRef,
} from '../../client/serviceaccount-token';
import type { Authenticator, UserInfo } from './types';

/** What a token authenticator answers for one token (authenticator.Response). */
export interface TokenResult {
  user: UserInfo;
  /** The audiences the token is valid for, among those asked for. */
  audiences: string[];
}

/**
 * Authenticates a bare token (authenticator.Token), as TokenReview asks with its own audiences.
 * Answers undefined for a token it does not recognise; throws TokenError for one it recognises
 * that is invalid.
 */
export interface TokenAuthenticator {
  authenticateToken(token: string, audiences?: string[]): Promise<TokenResult | undefined>;
}

/** The groups every service account is in (serviceaccount.MakeGroupNames). */
export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
}

/** Options of the service-account authenticator. */
export interface ServiceAccountAuthenticatorOptions {
  signer: TokenSigner;
  /** Reads the ServiceAccounts, Pods and Secrets tokens name. */
  storage: ObjectStorage;
  /** The API server's audiences (--api-audiences); default [the issuer]. */
  audiences?: string[];
  /** --service-account-issuer. */
  issuer?: string;
  clock?: Clock;
  logger?: Logger;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function ref(v: unknown): BoundRef | undefined {
  return isObject(v) && typeof v.name === 'string' && typeof v.uid === 'string'
    ? { name: v.name, uid: v.uid }
    : undefined;
}

/** Authenticates service-account tokens (bound and legacy) against the live objects. */
export class ServiceAccountTokenAuthenticator implements Authenticator, TokenAuthenticator {
  readonly audiences: string[];
  readonly issuer: string;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: ServiceAccountAuthenticatorOptions) {
    this.issuer = opts.issuer ?? DEFAULT_ISSUER;
    this.audiences = opts.audiences?.length ? opts.audiences : [this.issuer];
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? silentLogger;
  }

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const token = bearerToken(req);
    if (token === undefined) return undefined;
    try {
      return (await this.authenticateToken(token))?.user;
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      // The reason goes to the log only; the client learns no more than upstream tells it.
      this.logger.debug('service account token rejected', { reason: err.message });
      throw unauthorized();
    }
  }

  async authenticateToken(token: string, audiences = this.audiences): Promise<TokenResult | undefined> {
    const claims = this.opts.signer.verify(token);
    if (!claims) return undefined;
    if (claims.iss === LEGACY_ISSUER) return this.legacy(token, claims, audiences);
    if (claims.iss !== this.issuer) return undefined;
    return this.bound(claims, audiences);
  }

  private async bound(c: Record<string, unknown>, wanted: string[]): Promise<TokenResult> {
    const now = Math.floor(this.clock.now() / 1000);
    const aud = Array.isArray(c.aud) ? c.aud : typeof c.aud === 'string' ? [c.aud] : [];
    const audiences = wanted.filter((a) => aud.includes(a));
    if (!audiences.length) throw new TokenError('token audiences is invalid (aud)');
    if (typeof c.exp !== 'number') throw new TokenError('token has no expiry (exp)');
    // go-jose's default leeway is one minute either side.
    if (now > c.exp + 60)
      throw new TokenError('square/go-jose/jwt: validation failed, token is expired (exp)');
    if (typeof c.nbf === 'number' && now < c.nbf - 60)
      throw new TokenError('square/go-jose/jwt: validation failed, token not valid yet (nbf)');
    const k = c['kubernetes.io'];
    if (!isObject(k) || typeof k.namespace !== 'string')
      throw new TokenError('token has no kubernetes.io claim');
    const namespace = k.namespace;
    const sa = ref(k.serviceaccount);
    if (!sa) throw new TokenError('token has no service account claim');
    if (c.sub !== serviceAccountUsername(namespace, sa.name))
      throw new TokenError('token subject is invalid (sub)');
    await this.expectLive(R.serviceaccounts, namespace, sa, 'service account');
    const extra: Record<string, string[]> = {};
    const pod = ref(k.pod);
    const secret = ref(k.secret);
    if (pod) {
      const p = await this.expectLive(R.pods, namespace, pod, 'pod');
      // A pod past its deletion deadline no longer holds its tokens (claims.go).
      const del = p.metadata.deletionTimestamp;
      if (del && Date.parse(del) < this.clock.now())
        throw new TokenError(`pod "${pod.name}" is being deleted`);
      extra['authentication.kubernetes.io/pod-name'] = [pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [pod.uid];
    }
    if (secret) await this.expectLive(R.secrets, namespace, secret, 'secret');
    if (typeof c.jti === 'string') extra['authentication.kubernetes.io/credential-id'] = [`JTI=${c.jti}`];
    return {
      user: {
        username: serviceAccountUsername(namespace, sa.name),
        uid: sa.uid,
        groups: serviceAccountGroups(namespace),
        extra,
      },
      audiences,
    };
  }

  private async legacy(token: string, c: Record<string, unknown>, wanted: string[]): Promise<TokenResult> {
    const namespace = c['kubernetes.io/serviceaccount/namespace'];
    const secretName = c['kubernetes.io/serviceaccount/secret.name'];
    const name = c['kubernetes.io/serviceaccount/service-account.name'];
    const uid = c['kubernetes.io/serviceaccount/service-account.uid'];
    if (
      typeof namespace !== 'string' ||
      typeof secretName !== 'string' ||
      typeof name !== 'string' ||
      typeof uid !== 'string'
    )
      throw new TokenError('legacy token is missing claims');
    if (c.sub !== serviceAccountUsername(namespace, name))
      throw new TokenError('token subject is invalid (sub)');
    // Legacy tokens carry no audience: they are valid for the API server's own audiences only
    // (upstream wraps audience-agnostic authenticators so).
    const audiences = wanted.filter((a) => this.audiences.includes(a));
    if (!audiences.length) throw new TokenError('token audiences is invalid (aud)');
    // legacy.go: the Secret must still exist and still hold exactly this token.
    const secret = await this.lookup(R.secrets, namespace, secretName);
    const data = (secret?.data as Record<string, string> | undefined)?.token;
    if (
      !secret ||
      secret.metadata.deletionTimestamp ||
      data === undefined ||
      Buffer.from(data, 'base64').toString() !== token
    )
      throw new TokenError(
        `token secret ${namespace}/${secretName} has been deleted or no longer holds this token`,
      );
    await this.expectLive(R.serviceaccounts, namespace, { name, uid }, 'service account');
    return {
      user: {
        username: serviceAccountUsername(namespace, name),
        uid,
        groups: serviceAccountGroups(namespace),
        extra: {},
      },
      audiences,
    };
  }

  private async lookup(t: ResourceType, namespace: string, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.opts.storage.get(t, namespace, name);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return undefined;
      throw err;
    }
  }

  private async expectLive(
    t: ResourceType,
    namespace: string,
    want: BoundRef,
    what: string,
  ): Promise<KubeObject> {
    const obj = await this.lookup(t, namespace, want.name);
    if (!obj) throw new TokenError(`${what} ${namespace}/${want.name} has been deleted`);
    if (obj.metadata.uid !== want.uid)
      throw new TokenError(`${what} UID (${obj.metadata.uid}) does not match claim (${want.uid})`);
    return obj;
  }
}
