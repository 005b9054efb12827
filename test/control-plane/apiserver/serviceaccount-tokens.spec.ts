/**
 * Service-account tokens over HTTP against a real ApiServer (in-memory store) with a manual
 * clock: the signing key in the data dir, TokenRequest (serviceaccounts/token) and its
 * validation, the token authenticator (expired, wrong audience, tampered, deleted ServiceAccount,
 * deleted bound Pod, legacy Secret tokens), TokenReview, SelfSubjectReview and discovery.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock, type Clock } from '../../../src-main/common/clock';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import {
  SA_NAME_ANNOTATION,
  SERVICE_ACCOUNT_TOKEN_TYPE,
  TokenError,
  TokenSigner,
  ensureServiceAccountKey,
  legacyClaims,
} from '../../../src-main/control-plane/client/serviceaccount-token';
import { pod, startApi, type TestApi } from './helpers';

class ManualClock implements Clock {
  offset = 0;
  now = () => Date.now() + this.offset;
  setTimeout = realClock.setTimeout;
  clearTimeout = realClock.clearTimeout;
}

const clock = new ManualClock();
let t: TestApi;

interface Res {
  status: number;
  json: any;
}

async function call(
  method: 'GET' | 'POST' | 'DELETE',
  p: string,
  body?: unknown,
  token?: string,
): Promise<Res> {
  const r = await t.request({
    method,
    path: p,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    token,
  });
  return { status: r.status, json: r.body ? JSON.parse(r.body) : undefined };
}

async function tokenFor(sa: string, spec: Record<string, unknown> = {}, ns = 'default'): Promise<Res> {
  return call('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec,
  });
}

async function createSa(name: string, extra: Record<string, unknown> = {}): Promise<KubeObject> {
  return t.client.create(R.serviceaccounts, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace: 'default' },
    ...extra,
  } as KubeObject);
}

/** `kubectl auth whoami` with a token: the SelfSubjectReview answer. */
async function whoami(token: string): Promise<Res> {
  return call(
    'POST',
    '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    token,
  );
}

beforeAll(async () => {
  t = await startApi({ serviceAccountTokens: true, clock });
});
afterAll(async () => {
  await t.stop();
});

describe('signing key and JWTs', () => {
  it('keeps the key in <dataDir>/pki/sa.key with mode 0600 and reuses it', () => {
    const file = path.join(t.dataDir, 'pki', 'sa.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = new TokenSigner(ensureServiceAccountKey(t.dataDir));
    expect(again.keyId).toBe(t.signer!.keyId);
    const tok = t.signer!.sign({ a: 1 });
    expect(again.verify(tok)).toEqual({ a: 1 });
  });

  it('verifies its own RS256 signature, refuses a tampered one, ignores non-JWTs', () => {
    const s = t.signer!;
    const tok = s.sign({ iss: 'x', n: 1 });
    const [h, , sig] = tok.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'RS256', kid: s.keyId });
    const forged = `${h}.${Buffer.from(JSON.stringify({ iss: 'x', n: 2 })).toString('base64url')}.${sig}`;
    expect(() => s.verify(forged)).toThrow(TokenError);
    const other = new TokenSigner(ensureServiceAccountKey(path.join(t.dataDir, 'other')));
    expect(() => s.verify(other.sign({ iss: 'x' }))).toThrow(TokenError);
    expect(s.verify('not-a-jwt')).toBeUndefined();
    expect(s.verify('a.b')).toBeUndefined();
  });
});

describe('TokenRequest', () => {
  let saUid = '';
  beforeAll(async () => {
    saUid = (await createSa('bot')).metadata.uid!;
  });

  it('issues a bound token with the upstream claims, 201 and the default lifetime and audience', async () => {
    const r = await tokenFor('bot');
    expect(r.status).toBe(201);
    expect(r.json.kind).toBe('TokenRequest');
    expect(r.json.apiVersion).toBe('authentication.k8s.io/v1');
    expect(r.json.spec.expirationSeconds).toBe(3600);
    expect(r.json.spec.audiences).toEqual(['https://kubernetes.default.svc.cluster.local']);
    const exp = Date.parse(r.json.status.expirationTimestamp);
    expect(Math.abs(exp - (clock.now() + 3600_000))).toBeLessThan(2000);
    const claims = t.signer!.verify(r.json.status.token) as any;
    expect(claims.iss).toBe('https://kubernetes.default.svc.cluster.local');
    expect(claims.sub).toBe('system:serviceaccount:default:bot');
    expect(claims.aud).toEqual(['https://kubernetes.default.svc.cluster.local']);
    expect(claims.exp - claims.iat).toBe(3600);
    expect(claims.nbf).toBe(claims.iat);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims['kubernetes.io']).toEqual({
      namespace: 'default',
      serviceaccount: { name: 'bot', uid: saUid },
    });
  });

  it('validates: lifetime at least 10 minutes, a known account, Pod or Secret bindings with their uid', async () => {
    const short = await tokenFor('bot', { expirationSeconds: 599 });
    expect(short.status).toBe(422);
    expect(short.json.message).toContain(
      'spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes',
    );
    expect((await tokenFor('bot', { expirationSeconds: 600 })).status).toBe(201);
    const missing = await tokenFor('nobody');
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('serviceaccounts "nobody" not found');
    const cm = await tokenFor('bot', { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } });
    expect(cm.status).toBe(400);
    expect(cm.json.message).toBe('cannot bind token to object of type /v1, Kind=ConfigMap');
    const noPod = await tokenFor('bot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'ghost' } });
    expect(noPod.status).toBe(404);
    await t.client.create(
      R.pods,
      pod('bound-uid', { spec: { ...pod('x').spec, serviceAccountName: 'bot' } }),
    );
    const wrongUid = await tokenFor('bot', {
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'bound-uid', uid: 'not-it' },
    });
    expect(wrongUid.status).toBe(409);
    expect(wrongUid.json.message).toContain('the UID in the bound object reference (not-it) does not match');
    await t.client.create(R.pods, pod('other-sa'));
    const otherSa = await tokenFor('bot', {
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'other-sa' },
    });
    expect(otherSa.status).toBe(400);
    expect(otherSa.json.message).toContain('to pod running with different serviceaccount name');
  });

  it('is a subresource in discovery, and TokenReview a create-only resource', async () => {
    const core = await call('GET', '/api/v1');
    const token = core.json.resources.find((r: any) => r.name === 'serviceaccounts/token');
    expect(token).toMatchObject({
      kind: 'TokenRequest',
      group: 'authentication.k8s.io',
      version: 'v1',
      verbs: ['create'],
    });
    const authn = await call('GET', '/apis/authentication.k8s.io/v1');
    expect(authn.json.resources.find((r: any) => r.name === 'tokenreviews')).toMatchObject({
      kind: 'TokenReview',
      verbs: ['create'],
      namespaced: false,
    });
    expect((await call('GET', '/apis/authentication.k8s.io/v1/tokenreviews')).status).toBe(405);
  });
});

describe('authenticating service-account tokens', () => {
  let saUid = '';
  beforeAll(async () => {
    saUid = (await createSa('robot')).metadata.uid!;
  });

  it('a fresh token is the service account, with its uid and groups (SelfSubjectReview)', async () => {
    const tok = (await tokenFor('robot')).json.status.token as string;
    const who = await whoami(tok);
    expect(who.status).toBe(201);
    expect(who.json.status.userInfo).toMatchObject({
      username: 'system:serviceaccount:default:robot',
      uid: saUid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
    });
    // Authenticated, but RBAC grants a service account nothing until it is bound: 403, worded as
    // kube-apiserver words it; after a RoleBinding to the `view` ClusterRole, 200.
    const denied = await call('GET', '/api/v1/namespaces/default/configmaps', undefined, tok);
    expect(denied.status).toBe(403);
    expect(denied.json.message).toBe(
      'configmaps is forbidden: User "system:serviceaccount:default:robot" cannot list resource "configmaps" in API group "" in the namespace "default"',
    );
    const bound = await call('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'robot-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: 'default' }],
    });
    expect(bound.status).toBe(201);
    expect((await call('GET', '/api/v1/namespaces/default/configmaps', undefined, tok)).status).toBe(200);
    // view does not include secrets.
    expect((await call('GET', '/api/v1/namespaces/default/secrets', undefined, tok)).status).toBe(403);
    // The admin token is still the admin.
    expect((await whoami(t.token)).json.status.userInfo.username).toBe('skiff-admin');
  });

  it('an expired token is 401 Unauthorized (and fine just before)', async () => {
    const tok = (await tokenFor('robot', { expirationSeconds: 600 })).json.status.token as string;
    clock.offset = 590_000;
    expect((await whoami(tok)).status).toBe(201);
    clock.offset = 600_000 + 61_000;
    try {
      const r = await whoami(tok);
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'Unauthorized',
        message: 'Unauthorized',
        code: 401,
      });
    } finally {
      clock.offset = 0;
    }
  });

  it('a token for another audience, a tampered one and garbage are 401', async () => {
    const foo = (await tokenFor('robot', { audiences: ['foo'] })).json.status.token as string;
    expect((await whoami(foo)).status).toBe(401);
    const good = (await tokenFor('robot')).json.status.token as string;
    const [h, b, sig] = good.split('.');
    const claims = JSON.parse(Buffer.from(b!, 'base64url').toString());
    claims.sub = 'system:serviceaccount:kube-system:admin';
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    expect((await whoami(tampered)).status).toBe(401);
    expect((await whoami(`${h}.${b}.${sig!.slice(0, -4)}AAAA`)).status).toBe(401);
    expect((await whoami('garbage')).status).toBe(401);
  });

  it('a token of a deleted (or re-created) ServiceAccount is 401', async () => {
    await createSa('temp');
    const tok = (await tokenFor('temp')).json.status.token as string;
    expect((await whoami(tok)).status).toBe(201);
    await t.client.delete(R.serviceaccounts, 'temp', 'default');
    expect((await whoami(tok)).status).toBe(401);
    await createSa('temp');
    expect((await whoami(tok)).status).toBe(401);
  });

  it('a pod-bound token carries the pod in extra and dies with the pod', async () => {
    const p = await t.client.create(
      R.pods,
      pod('holder', { spec: { ...pod('x').spec, serviceAccountName: 'robot' } }),
    );
    const r = await tokenFor('robot', {
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'holder', uid: p.metadata.uid },
    });
    expect(r.json.spec.boundObjectRef).toEqual({
      kind: 'Pod',
      apiVersion: 'v1',
      name: 'holder',
      uid: p.metadata.uid,
    });
    const tok = r.json.status.token as string;
    expect((t.signer!.verify(tok) as any)['kubernetes.io'].pod).toEqual({
      name: 'holder',
      uid: p.metadata.uid,
    });
    const who = await whoami(tok);
    expect(who.json.status.userInfo.extra).toMatchObject({
      'authentication.kubernetes.io/pod-name': ['holder'],
      'authentication.kubernetes.io/pod-uid': [p.metadata.uid],
    });
    // An unscheduled pod is deleted at once.
    await t.client.delete(R.pods, 'holder', 'default');
    expect((await whoami(tok)).status).toBe(401);
  });

  it('a secret-bound token dies with the secret', async () => {
    const s = await t.client.create(R.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'anchor', namespace: 'default' },
    } as KubeObject);
    const tok = (
      await tokenFor('robot', { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'anchor' } })
    ).json.status.token as string;
    expect((t.signer!.verify(tok) as any)['kubernetes.io'].secret).toEqual({
      name: 'anchor',
      uid: s.metadata.uid,
    });
    expect((await whoami(tok)).status).toBe(201);
    await t.client.delete(R.secrets, 'anchor', 'default');
    expect((await whoami(tok)).status).toBe(401);
  });

  it('a legacy token authenticates while its Secret holds it', async () => {
    const tok = t.signer!.sign(legacyClaims('default', { name: 'robot', uid: saUid }, 'robot-token'));
    expect((await whoami(tok)).status).toBe(401); // no such Secret yet
    await t.client.create(R.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      type: SERVICE_ACCOUNT_TOKEN_TYPE,
      metadata: { name: 'robot-token', namespace: 'default', annotations: { [SA_NAME_ANNOTATION]: 'robot' } },
      data: { token: Buffer.from(tok).toString('base64') },
    } as KubeObject);
    const who = await whoami(tok);
    expect(who.status).toBe(201);
    expect(who.json.status.userInfo.username).toBe('system:serviceaccount:default:robot');
    await t.client.delete(R.secrets, 'robot-token', 'default');
    expect((await whoami(tok)).status).toBe(401);
  });
});

describe('TokenReview', () => {
  const review = (spec: Record<string, unknown>) =>
    call('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec,
    });

  it('answers authenticated, user and audiences from the authenticators', async () => {
    const uid = (await createSa('reviewed')).metadata.uid!;
    const tok = (await tokenFor('reviewed', { audiences: ['foo', 'bar'] })).json.status.token as string;
    const ok = await review({ token: tok, audiences: ['bar'] });
    expect(ok.status).toBe(201);
    expect(ok.json.status).toMatchObject({
      authenticated: true,
      user: { username: 'system:serviceaccount:default:reviewed', uid },
      audiences: ['bar'],
    });
    // Default audiences are the API server's: this token is not for it.
    const api = await review({ token: tok });
    expect(api.json.status.authenticated).toBe(false);
    expect(api.json.status.error).toContain('invalid bearer token');
    const admin = await review({ token: t.token });
    expect(admin.json.status).toMatchObject({ authenticated: true, user: { username: 'skiff-admin' } });
    expect((await review({ token: 'nope' })).json.status.authenticated).toBe(false);
    const empty = await review({});
    expect(empty.status).toBe(400);
    expect(empty.json.message).toBe('token is required for TokenReview in authentication');
  });
});
