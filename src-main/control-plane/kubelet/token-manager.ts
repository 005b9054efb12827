/**
 * The kubelet's service-account token manager (pkg/kubelet/token/token_manager.go): fetches bound
 * tokens for pods' projected serviceAccountToken sources through TokenRequest (bound to the pod,
 * with the source's audience and lifetime) and caches them, asking for a new one once 80 % of the
 * token's lifetime has passed or it is older than 24 h, as upstream's requiresRefresh.
 */
import { realClock, type Clock } from '../../common/clock';
import type { KubeClient } from '../../common/client/client';
import { R } from '../../common/resources';
import type { KubeObject } from '../../common/types';

interface Cached {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

/** What one token is for. */
export interface TokenFor {
  namespace: string;
  serviceAccount: string;
  pod: { name: string; uid: string };
  audience?: string;
  expirationSeconds: number;
}

const MAX_AGE_MS = 24 * 3600 * 1000;

export class TokenManager {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly client: KubeClient,
    private readonly clock: Clock = realClock,
  ) {}

  private static key(t: TokenFor): string {
    return JSON.stringify([t.pod.uid, t.namespace, t.serviceAccount, t.audience ?? '', t.expirationSeconds]);
  }

  /** A valid token for `t`: the cached one, or a fresh one when it is due for refresh. */
  async token(t: TokenFor): Promise<string> {
    const key = TokenManager.key(t);
    const hit = this.cache.get(key);
    const now = this.clock.now();
    if (hit && !this.requiresRefresh(hit, now)) return hit.token;
    const res = await this.client.create<KubeObject>(
      R.serviceaccounts,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        metadata: {},
        spec: {
          audiences: t.audience ? [t.audience] : [],
          expirationSeconds: t.expirationSeconds,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: t.pod.name, uid: t.pod.uid },
        },
      } as KubeObject,
      { namespace: t.namespace, name: t.serviceAccount, subresource: 'token' },
    );
    const status = (res as { status?: { token?: string; expirationTimestamp?: string } }).status;
    if (!status?.token) throw new Error('TokenRequest answered without a token');
    const expiresAt = status.expirationTimestamp
      ? Date.parse(status.expirationTimestamp)
      : now + t.expirationSeconds * 1000;
    this.cache.set(key, { token: status.token, issuedAt: now, expiresAt });
    return status.token;
  }

  private requiresRefresh(c: Cached, now: number): boolean {
    if (now >= c.expiresAt) return true;
    const ttl = c.expiresAt - c.issuedAt;
    return now - c.issuedAt > ttl * 0.8 || now - c.issuedAt > MAX_AGE_MS;
  }

  /** Forgets a pod's tokens (the pod is gone). */
  deletePod(uid: string): void {
    for (const k of this.cache.keys()) if ((JSON.parse(k) as string[])[0] === uid) this.cache.delete(k);
  }
}
