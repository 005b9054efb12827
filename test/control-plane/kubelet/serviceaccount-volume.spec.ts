/**
 * In-cluster identity on real Docker: a pod gets the projected kube-api-access volume (token,
 * namespace, ca.crt) and KUBERNETES_SERVICE_HOST/PORT; the mounted token is one the API server
 * accepts (TokenReview), bound to that pod; and a pod running kubectl (skiff-test/kubectl:1,
 * the host's kubectl in a busybox image) uses the in-cluster config — no kubeconfig — to run
 * `kubectl auth whoami` as system:serviceaccount:default:default.
 *
 * `runPod` runs one command in a pod to completion and returns its phase and logs, so RBAC cases
 * (403 before a RoleBinding, 200 after) can be added as more `it`s over the same cluster.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R, findByKind } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { dockerAvailable, eventually } from './helpers/docker';
import { kubectlAvailable, startTestCluster, type TestCluster } from './helpers/cluster';

const ready = (await dockerAvailable()) && (await kubectlAvailable());
const BUSYBOX = 'skiff-test/busybox:1';
const KUBECTL_IMAGE = 'skiff-test/kubectl:1';

function imagePresent(image: string): boolean {
  try {
    execFileSync('docker', ['image', 'inspect', image], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!ready)('service-account tokens in pods (real Docker)', () => {
  let t: TestCluster;

  /** Runs `command` in a one-container pod (restartPolicy Never) and waits for it to finish. */
  async function runPod(
    name: string,
    image: string,
    command: string[],
    spec: Record<string, unknown> = {},
    namespace = 'default',
  ): Promise<{ phase: string; logs: string; pod: KubeObject }> {
    await t.cluster.client.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image, imagePullPolicy: 'Never', command }],
        ...spec,
      },
    } as KubeObject);
    const pod = await eventually(async () => {
      const p = await t.cluster.client.get<any>(R.pods, name, namespace);
      if (p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
        throw new Error(`phase ${p.status?.phase}`);
      return p as KubeObject;
    }, 90_000);
    const r = await t.kubectl(['logs', '-n', namespace, name]);
    return { phase: (pod.status as { phase: string }).phase, logs: r.stdout, pod };
  }

  beforeAll(async () => {
    execFileSync('bash', [path.join(__dirname, '../../images/build.sh')], { stdio: 'pipe' });
    t = await startTestCluster('sa-node');
    // The default account and kube-root-ca.crt come from the controller manager.
    await eventually(() => t.cluster.client.get(R.serviceaccounts, 'default', 'default'), 30_000);
    await eventually(() => t.cluster.client.get(R.configmaps, 'kube-root-ca.crt', 'default'), 30_000);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("mounts token, namespace and ca.crt; the token is the pod's and the API accepts it", async () => {
    const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
    const r = await runPod('sa-files', BUSYBOX, [
      'sh',
      '-c',
      `cat ${dir}/token; echo; echo ---; cat ${dir}/namespace; echo; echo ---; cat ${dir}/ca.crt; echo ---; ` +
        `env | grep ^KUBERNETES_SERVICE_; echo ---; ls -l ${dir}/`,
    ]);
    expect(r.phase, r.logs).toBe('Succeeded');
    const [token, ns, ca, env, ls] = r.logs.split('---\n').map((s) => s.trim());
    expect(ns).toBe('default');
    expect(ca).toBe(t.cluster.caPem.trim());
    expect(env).toMatch(/^KUBERNETES_SERVICE_HOST=\d+\.\d+\.\d+\.\d+$/m);
    expect(env).toMatch(/^KUBERNETES_SERVICE_PORT=443$/m);
    // The AtomicWriter's layout: names are symlinks through ..data.
    expect(ls).toMatch(/token -> \.\.data\/token/);
    const review = await t.cluster.client.create<any>(
      findByKind('authentication.k8s.io/v1', 'TokenReview')!,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        metadata: {},
        spec: { token },
      } as KubeObject,
    );
    expect(review.status).toMatchObject({
      authenticated: true,
      user: {
        username: 'system:serviceaccount:default:default',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
        extra: {
          'authentication.kubernetes.io/pod-name': ['sa-files'],
          'authentication.kubernetes.io/pod-uid': [r.pod.metadata.uid],
        },
      },
    });
  });

  it('automountServiceAccountToken: false mounts nothing', async () => {
    const r = await runPod(
      'sa-none',
      BUSYBOX,
      ['sh', '-c', 'ls /var/run/secrets/kubernetes.io/serviceaccount || echo absent'],
      {
        automountServiceAccountToken: false,
      },
    );
    expect(r.logs).toContain('absent');
  });

  it('kubectl in a pod uses the in-cluster config: auth whoami is the service account', async () => {
    expect(imagePresent(KUBECTL_IMAGE), 'test/images/build-kubectl.sh builds it').toBe(true);
    const r = await runPod('whoami', KUBECTL_IMAGE, [
      'kubectl',
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    ]);
    expect(r.phase, r.logs).toBe('Succeeded');
    expect(r.logs.trim()).toBe('system:serviceaccount:default:default');
  });
  it('RBAC in a pod: get pods is 403 until a RoleBinding to view, then 200; secrets stay 403; can-i --list matches', async () => {
    const sa = 'system:serviceaccount:default:default';
    const before = await runPod('rbac-before', KUBECTL_IMAGE, ['kubectl', 'get', 'pods']);
    expect(before.phase, before.logs).toBe('Failed');
    expect(before.logs).toContain(
      `Error from server (Forbidden): pods is forbidden: User "${sa}" cannot list resource "pods" in API group "" in the namespace "default"`,
    );
    const bind = await t.kubectl([
      'create',
      'rolebinding',
      'default-view',
      '--clusterrole=view',
      '--serviceaccount=default:default',
    ]);
    expect(bind.code, bind.stderr).toBe(0);
    const after = await runPod('rbac-after', KUBECTL_IMAGE, ['kubectl', 'get', 'pods', '-o', 'name']);
    expect(after.phase, after.logs).toBe('Succeeded');
    expect(after.logs).toContain('pod/rbac-before');
    const secrets = await runPod('rbac-secrets', KUBECTL_IMAGE, ['kubectl', 'get', 'secrets']);
    expect(secrets.phase, secrets.logs).toBe('Failed');
    expect(secrets.logs).toContain(
      `secrets is forbidden: User "${sa}" cannot list resource "secrets" in API group "" in the namespace "default"`,
    );
    const list = await runPod('rbac-list', KUBECTL_IMAGE, ['kubectl', 'auth', 'can-i', '--list']);
    expect(list.phase, list.logs).toBe('Succeeded');
    const rows = list.logs.split('\n');
    const row = (resource: string) => rows.find((l) => l.split(/\s+/)[0] === resource);
    expect(row('pods'), list.logs).toMatch(/\[get list watch\]/);
    expect(row('deployments.apps'), list.logs).toMatch(/\[get list watch\]/);
    expect(row('secrets'), list.logs).toBeUndefined();
    expect(row('selfsubjectreviews.authentication.k8s.io'), list.logs).toMatch(/\[create\]/);
  }, 240_000);

  it('@kubernetes/client-node in a pod, with its in-cluster config: listing pods is 403 until a RoleBinding allows it, then the list', async () => {
    // The client and a script using it, bundled into one file and run by the host's node in a
    // busybox image (test/images/build-node-client.sh): no registry, no npm in the pod.
    const bundle = path.join(os.tmpdir(), `skiff-node-client-${process.pid}.js`);
    await esbuild.build({
      entryPoints: [path.join(__dirname, '../../images/node-client/list-pods.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: bundle,
      logLevel: 'warning',
    });
    const tag = createHash('sha256').update(fs.readFileSync(bundle)).digest('hex').slice(0, 12);
    execFileSync('bash', [path.join(__dirname, '../../images/build-node-client.sh'), bundle, tag], {
      stdio: 'pipe',
    });
    fs.rmSync(bundle, { force: true });
    const image = `skiff-test/node-client:${tag}`;
    const ns = 'client-node';
    await t.cluster.client.create(R.namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    } as KubeObject);
    await eventually(() => t.cluster.client.get(R.serviceaccounts, 'default', ns), 30_000);
    await eventually(() => t.cluster.client.get(R.configmaps, 'kube-root-ca.crt', ns), 30_000);

    const before = await runPod('list-before', image, ['node', '/app/main.js'], {}, ns);
    expect(before.phase, before.logs).toBe('Failed');
    expect(before.logs).toMatch(/^SERVER https:\/\/\S+:\d+$/m);
    expect(before.logs).toContain(
      `ERROR 403 pods is forbidden: User "system:serviceaccount:${ns}:default" cannot list resource "pods" in API group "" in the namespace "${ns}"`,
    );
    const bind = await t.kubectl([
      'create',
      'rolebinding',
      'pod-reader',
      '-n',
      ns,
      '--clusterrole=view',
      `--serviceaccount=${ns}:default`,
    ]);
    expect(bind.code, bind.stderr).toBe(0);
    const after = await runPod('list-after', image, ['node', '/app/main.js'], {}, ns);
    expect(after.phase, after.logs).toBe('Succeeded');
    const names = /^PODS (.*)$/m.exec(after.logs)?.[1]?.split(',') ?? [];
    expect(names, after.logs).toEqual(expect.arrayContaining(['list-before', 'list-after']));
  }, 240_000);
});
