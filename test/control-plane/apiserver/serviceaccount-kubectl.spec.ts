/**
 * The real kubectl with service-account tokens: `kubectl create token default --duration 10m`
 * (protobuf TokenRequest) gives a token `kubectl --token=… auth whoami` accepts; one for another
 * audience and an expired one (signed with the cluster's key, exp in the past) are 401. Also the
 * ServiceAccount admission's defaults on pods created over the API.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { writeKubeconfig } from '../../../src-main/control-plane/apiserver/kubeconfig';
import { boundClaims } from '../../../src-main/control-plane/client/serviceaccount-token';
import { kubectlAvailable } from '../kubelet/helpers/cluster';
import { pod, startApi, type Manifest, type TestApi } from './helpers';

let t: TestApi;
let dir: string;
let env: NodeJS.ProcessEnv;
let saUid = '';

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  t = await startApi({ serviceAccountTokens: true });
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-sa-kubectl-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server: t.url, caPem: t.caPem, token: t.token }, { merge: false });
  env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: path.join(dir, 'cache'), HOME: dir };
  // No controller manager here: the `default` account is made by hand.
  saUid = (
    await t.client.create(R.serviceaccounts, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: 'default' },
    } as KubeObject)
  ).metadata.uid!;
});
afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('kubectl and service-account tokens', async () => {
  const hasKubectl = await kubectlAvailable();

  it.runIf(hasKubectl)('create token --duration 10m → a token auth whoami accepts', async () => {
    const r = await kubectl('create', 'token', 'default', '--duration', '10m');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    const claims = t.signer!.verify(token) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBe(600);
    const who = await kubectl('--token', token, 'auth', 'whoami', '-o', 'json');
    expect(who.code).toBe(0);
    expect(JSON.parse(who.stdout).status.userInfo).toMatchObject({
      username: 'system:serviceaccount:default:default',
      uid: saUid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
    });
    const table = await kubectl('--token', token, 'auth', 'whoami');
    expect(table.stdout).toMatch(/Username\s+system:serviceaccount:default:default/);
  });

  it.runIf(hasKubectl)('a token for --audience foo is 401', async () => {
    const r = await kubectl('create', 'token', 'default', '--audience', 'foo');
    expect(r.code).toBe(0);
    const who = await kubectl('--token', r.stdout.trim(), 'auth', 'whoami');
    expect(who.code).not.toBe(0);
    expect(who.stderr).toContain('Unauthorized');
  });

  it.runIf(hasKubectl)('an expired token is 401', async () => {
    const token = t.signer!.sign(
      boundClaims({
        namespace: 'default',
        serviceAccount: { name: 'default', uid: saUid },
        audiences: ['https://kubernetes.default.svc.cluster.local'],
        expirationSeconds: 600,
        now: Date.now() - 3600_000,
      }),
    );
    const who = await kubectl('--token', token, 'auth', 'whoami');
    expect(who.code).not.toBe(0);
    expect(who.stderr).toContain('Unauthorized');
    // Discovery-driven commands word the same 401 as kubectl does.
    const get = await kubectl('--token', token, 'get', 'configmaps');
    expect(get.code).not.toBe(0);
    expect(get.stderr).toContain('the server has asked for the client to provide credentials');
  });

  it.runIf(hasKubectl)('--duration under 10 minutes is refused as Invalid', async () => {
    const r = await kubectl('create', 'token', 'default', '--duration', '5m');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('may not specify a duration less than 10 minutes');
  });
});

describe('ServiceAccount admission', () => {
  const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

  it('adds the kube-api-access volume and a read-only mount to every container', async () => {
    const p = pod('auto');
    p.spec.initContainers = [{ name: 'init', image: 'busybox', command: ['true'] }];
    const got = (await t.client.create(R.pods, p)) as Manifest;
    expect(got.spec.serviceAccountName).toBe('default');
    const vols = got.spec.volumes as any[];
    expect(vols).toHaveLength(1);
    expect(vols[0].name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(vols[0].projected).toEqual({
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
    });
    for (const c of [...got.spec.containers, ...got.spec.initContainers])
      expect(c.volumeMounts).toEqual([{ name: vols[0].name, readOnly: true, mountPath: MOUNT }]);
  });

  it('automountServiceAccountToken false on the pod, or on the account, mounts nothing', async () => {
    const off = pod('no-automount');
    off.spec.automountServiceAccountToken = false;
    expect(((await t.client.create(R.pods, off)) as Manifest).spec.volumes).toBeUndefined();
    await t.client.create(R.serviceaccounts, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'quiet', namespace: 'default' },
      automountServiceAccountToken: false,
      imagePullSecrets: [{ name: 'regcred' }],
    } as KubeObject);
    const q = pod('quiet-pod');
    q.spec.serviceAccountName = 'quiet';
    const got = (await t.client.create(R.pods, q)) as Manifest;
    expect(got.spec.volumes).toBeUndefined();
    expect(got.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    // The pod's own setting wins over the account's.
    const on = pod('quiet-but-on');
    on.spec.serviceAccountName = 'quiet';
    on.spec.automountServiceAccountToken = true;
    expect(((await t.client.create(R.pods, on)) as Manifest).spec.volumes).toHaveLength(1);
  });

  it('leaves a container that already mounts the path alone', async () => {
    const p = pod('own-mount');
    p.spec.volumes = [{ name: 'mine', emptyDir: {} }];
    p.spec.containers.push({ name: 'second', image: 'busybox' });
    p.spec.containers[0].volumeMounts = [{ name: 'mine', mountPath: MOUNT }];
    const got = (await t.client.create(R.pods, p)) as Manifest;
    expect(got.spec.containers[0].volumeMounts).toEqual([{ name: 'mine', mountPath: MOUNT }]);
    expect(got.spec.containers[1].volumeMounts[0].mountPath).toBe(MOUNT);
    expect((got.spec.volumes as any[]).map((v) => v.name)).toEqual([
      'mine',
      got.spec.containers[1].volumeMounts[0].name,
    ]);
  });

  it('refuses a pod of a missing account as upstream, but not of `default` (made asynchronously)', async () => {
    const p = pod('ghost-sa');
    p.spec.serviceAccountName = 'ghost';
    const r = await t.request({
      method: 'POST',
      path: '/api/v1/namespaces/default/pods',
      body: JSON.stringify(p),
    });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).message).toBe(
      'pods "ghost-sa" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found',
    );
    await t.client.create(R.namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'fresh' },
    } as KubeObject);
    const fresh = pod('early');
    fresh.metadata.namespace = 'fresh';
    const got = (await t.client.create(R.pods, fresh)) as Manifest;
    expect(got.spec.volumes).toHaveLength(1);
  });
});
