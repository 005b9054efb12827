/**
 * RBAC enforced, driven with the real kubectl and the admin kubeconfig: impersonation (`--as`,
 * `--as-group`) of identities RBAC has granted nothing gets 403 worded as kube-apiserver words it;
 * a RoleBinding to `view` makes reads pass but not secrets; `auth can-i` (SSAR) and
 * `auth can-i --list` (SSRR) answer from the same rules; a user who holds `edit` cannot create a
 * Role granting more than that (escalation), and cannot impersonate anyone.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKubeconfig } from '../../../src-main/control-plane/apiserver/kubeconfig';
import { kubectlAvailable } from '../kubelet/helpers/cluster';
import { startApi, type TestApi } from './helpers';

let t: TestApi;
let dir: string;
let env: NodeJS.ProcessEnv;
const SA = 'system:serviceaccount:default:default';

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const hasKubectl = await kubectlAvailable();

describe.runIf(hasKubectl)('RBAC with kubectl', () => {
  beforeAll(async () => {
    t = await startApi({ serviceAccountTokens: true });
    dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-rbac-kubectl-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, { server: t.url, caPem: t.caPem, token: t.token }, { merge: false });
    env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: path.join(dir, 'cache'), HOME: dir };
  });
  afterAll(async () => {
    await t?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the default ClusterRoles and bindings exist, labelled as Kubernetes bootstraps them', async () => {
    const r = await kubectl(
      'get',
      'clusterroles',
      '-l',
      'kubernetes.io/bootstrapping=rbac-defaults',
      '-o',
      'name',
    );
    expect(r.code, r.stderr).toBe(0);
    for (const name of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user'])
      expect(r.stdout).toContain(`clusterrole.rbac.authorization.k8s.io/${name}\n`);
    const b = await kubectl(
      'get',
      'clusterrolebinding',
      'cluster-admin',
      '-o',
      'jsonpath={.subjects[0].name}',
    );
    expect(b.stdout).toBe('system:masters');
  });

  it('an identity with no bindings is 403, worded as kube-apiserver', async () => {
    const r = await kubectl('--as', SA, 'get', 'pods');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Error from server (Forbidden): pods is forbidden: User "${SA}" cannot list resource "pods" in API group "" in the namespace "default"`,
    );
    const c = await kubectl('--as', 'alice', 'get', 'nodes');
    expect(c.stderr).toContain(
      'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
    );
    const sub = await kubectl('--as', 'alice', 'get', '--raw', '/api/v1/namespaces/default/pods/x/log');
    expect(sub.stderr).toContain('cannot get resource "pods/log" in API group "" in the namespace "default"');
    expect((await kubectl('--as', SA, 'auth', 'can-i', 'list', 'pods')).stdout.trim()).toBe('no');
  });

  it('after a RoleBinding to view: reads pass, secrets and writes do not; can-i --list matches', async () => {
    const bind = await kubectl(
      'create',
      'rolebinding',
      'sa-view',
      '--clusterrole=view',
      '--serviceaccount=default:default',
    );
    expect(bind.code, bind.stderr).toBe(0);
    const get = await kubectl('--as', SA, 'get', 'pods');
    expect(get.code, get.stderr).toBe(0);
    const secrets = await kubectl('--as', SA, 'get', 'secrets');
    expect(secrets.stderr).toContain(`secrets is forbidden: User "${SA}" cannot list resource "secrets"`);
    const write = await kubectl('--as', SA, 'create', 'configmap', 'nope');
    expect(write.stderr).toContain(
      `configmaps is forbidden: User "${SA}" cannot create resource "configmaps"`,
    );
    // Another namespace is not covered by a RoleBinding in default.
    expect(
      (await kubectl('--as', SA, 'auth', 'can-i', 'list', 'pods', '-n', 'kube-system')).stdout.trim(),
    ).toBe('no');
    expect((await kubectl('--as', SA, 'auth', 'can-i', 'list', 'pods')).stdout.trim()).toBe('yes');
    expect((await kubectl('--as', SA, 'auth', 'can-i', 'create', 'deployments')).stdout.trim()).toBe('no');
    const list = await kubectl('--as', SA, 'auth', 'can-i', '--list');
    expect(list.code, list.stderr).toBe(0);
    const rows = list.stdout.split('\n');
    const row = (resource: string) => rows.find((l) => l.split(/\s+/)[0] === resource);
    expect(row('pods')).toMatch(/\[get list watch\]/);
    expect(row('configmaps')).toMatch(/\[get list watch\]/);
    expect(row('secrets')).toBeUndefined();
  });

  it('escalation: an editor cannot grant what it does not hold; cannot impersonate', async () => {
    const bind = await kubectl('create', 'rolebinding', 'bob-admin', '--clusterrole=admin', '--user=bob');
    expect(bind.code, bind.stderr).toBe(0);
    // admin in the namespace may create a Role within what it holds…
    const ok = await kubectl(
      '--as',
      'bob',
      'create',
      'role',
      'cm-reader',
      '--verb=get',
      '--resource=configmaps',
    );
    expect(ok.code, ok.stderr).toBe(0);
    // …but not one granting nodes (cluster-scoped, not held).
    const role = path.join(dir, 'role.yaml');
    writeFileSync(
      role,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: node-reader}
rules:
- {apiGroups: [""], resources: [nodes], verbs: [get]}
`,
    );
    const esc = await kubectl('--as', 'bob', 'create', '-f', role);
    expect(esc.code).toBe(1);
    expect(esc.stderr).toContain('forbidden');
    const imp = await kubectl('--as', 'bob', 'get', 'pods');
    expect(imp.code, imp.stderr).toBe(0);
    expect((await kubectl('--as', 'bob', 'auth', 'can-i', 'impersonate', 'users')).stdout.trim()).toBe('no');
    // A real non-privileged identity (a service-account token) asking to impersonate is refused.
    const sa = await kubectl('create', 'serviceaccount', 'imp');
    expect(sa.code, sa.stderr).toBe(0);
    const tok = (await kubectl('create', 'token', 'imp')).stdout.trim();
    const r = await t.request({
      method: 'GET',
      path: '/api/v1/namespaces/default/pods',
      headers: { 'Impersonate-User': 'alice' },
      token: tok,
    });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).message).toBe(
      'users "alice" is forbidden: User "system:serviceaccount:default:imp" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
  });
});
