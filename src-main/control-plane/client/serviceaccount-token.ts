/**
 * Service-account JWTs, as kube-apiserver's pkg/serviceaccount (jwt.go, claims.go, legacy.go):
 * RS256 tokens signed by one RSA key kept in the data dir (`<dataDir>/pki/sa.key`, mode 0600,
 * made on first start and reused after, like --service-account-signing-key-file).
 *
 * Two token shapes are issued and verified:
 * - bound tokens (TokenRequest, the kubelet's projected volume): issuer
 *   `https://kubernetes.default.svc.cluster.local`, an audience list, exp/iat/nbf/jti and the
 *   private `kubernetes.io` claim naming the namespace, service account and, for bound tokens,
 *   the pod or secret;
 * - legacy tokens (Secrets of type kubernetes.io/service-account-token): issuer
 *   `kubernetes/serviceaccount`, no expiry, the `kubernetes.io/serviceaccount/*` claims.
 *
 * This module only signs and checks signatures and claims shape; whether the named objects still
 * exist is the API server's authenticator's job (apiserver/auth/serviceaccount-authenticator.ts).
 * It lives with the client machinery because two components sign: the API server (TokenRequest)
 * and the controller manager's legacy tokens controller, as upstream's pkg/serviceaccount is
 * shared by kube-apiserver and kube-controller-manager.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** kube-apiserver's default --service-account-issuer (and so the default --api-audiences). */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The issuer of legacy Secret-based tokens (pkg/serviceaccount/legacy.go). */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

/** The legacy token Secret type and its annotations (core/v1 constants). */
export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

/** A reference to the object a token is bound to (the `kubernetes.io.pod` / `.secret` claim). */
export interface BoundRef {
  name: string;
  uid: string;
}

/** The private claim of bound tokens (claims.go `kubernetes`). */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: BoundRef;
  pod?: BoundRef;
  secret?: BoundRef;
  /** Present on the kubelet's extended-lifetime tokens upstream; Skiff issues none. */
  warnafter?: number;
}

/** The claims of a bound (TokenRequest) token. */
export interface BoundClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': KubernetesClaim;
}

/** The claims of a legacy Secret-based token (legacy.go). */
export interface LegacyClaims {
  iss: typeof LEGACY_ISSUER;
  sub: string;
  'kubernetes.io/serviceaccount/namespace': string;
  'kubernetes.io/serviceaccount/secret.name': string;
  'kubernetes.io/serviceaccount/service-account.name': string;
  'kubernetes.io/serviceaccount/service-account.uid': string;
}

/** A credential that is a JWT of ours but is not valid; the message is what TokenReview reports. */
export class TokenError extends Error {}

/** `system:serviceaccount:<ns>:<name>`, the username of a service account. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** Splits a service-account username; undefined for any other user name. */
export function parseServiceAccountUsername(u: string): { namespace: string; name: string } | undefined {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(u);
  return m ? { namespace: m[1]!, name: m[2]! } : undefined;
}

/**
 * Loads the signing key from `<dataDir>/pki/sa.key`, creating a 2048-bit RSA key (PKCS#1 PEM,
 * mode 0600) when there is none. The same key signs and, through its public half, verifies.
 */
export function ensureServiceAccountKey(dataDir: string): KeyObject {
  const dir = path.join(dataDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'sa.key');
  try {
    return createPrivateKey(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(file, privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), { mode: 0o600 });
  chmodSync(file, 0o600);
  return privateKey;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Signs and verifies service-account JWTs with one RSA key (RS256). */
export class TokenSigner {
  private readonly publicKey: KeyObject;
  /** The `kid` header: base64url SHA-256 of the public key's DER, as upstream's keyIDFromPublicKey. */
  readonly keyId: string;

  constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    this.keyId = b64url(
      createHash('sha256')
        .update(this.publicKey.export({ type: 'spki', format: 'der' }))
        .digest(),
    );
  }

  /** A signed compact JWS of `claims`. */
  sign(claims: object): string {
    const head = b64url(JSON.stringify({ alg: 'RS256', kid: this.keyId }));
    const body = b64url(JSON.stringify(claims));
    const sig = sign('sha256', Buffer.from(`${head}.${body}`), this.privateKey);
    return `${head}.${body}.${b64url(sig)}`;
  }

  /**
   * The claims of a token, or undefined when it is not a JWT at all (someone else's credential).
   * Throws TokenError when it is a JWT whose signature does not check out.
   */
  verify(token: string): Record<string, unknown> | undefined {
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
    let header: unknown;
    let claims: unknown;
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isObject(header) || !isObject(claims)) return undefined;
    if (header.alg !== 'RS256') throw new TokenError(`unexpected signing algorithm "${String(header.alg)}"`);
    const ok = verify(
      'sha256',
      Buffer.from(`${parts[0]}.${parts[1]}`),
      this.publicKey,
      Buffer.from(parts[2]!, 'base64url'),
    );
    if (!ok) throw new TokenError('square/go-jose: error in cryptographic primitive');
    return claims;
  }
}

/** What a bound token is for (pkg/serviceaccount Claims()). */
export interface BoundTokenRequest {
  namespace: string;
  serviceAccount: BoundRef;
  pod?: BoundRef;
  secret?: BoundRef;
  audiences: string[];
  expirationSeconds: number;
  /** ms since the epoch. */
  now: number;
}

/** The claims of a bound token issued now. */
export function boundClaims(r: BoundTokenRequest, issuer = DEFAULT_ISSUER): BoundClaims {
  const iat = Math.floor(r.now / 1000);
  const k: KubernetesClaim = { namespace: r.namespace, serviceaccount: r.serviceAccount };
  if (r.pod) k.pod = r.pod;
  if (r.secret) k.secret = r.secret;
  return {
    aud: r.audiences,
    exp: iat + r.expirationSeconds,
    iat,
    iss: issuer,
    jti: randomUUID(),
    'kubernetes.io': k,
    nbf: iat,
    sub: serviceAccountUsername(r.namespace, r.serviceAccount.name),
  };
}

/** The claims of a legacy token for a token Secret. */
export function legacyClaims(namespace: string, serviceAccount: BoundRef, secretName: string): LegacyClaims {
  return {
    iss: LEGACY_ISSUER,
    'kubernetes.io/serviceaccount/namespace': namespace,
    'kubernetes.io/serviceaccount/secret.name': secretName,
    'kubernetes.io/serviceaccount/service-account.name': serviceAccount.name,
    'kubernetes.io/serviceaccount/service-account.uid': serviceAccount.uid,
    sub: serviceAccountUsername(namespace, serviceAccount.name),
  };
}
