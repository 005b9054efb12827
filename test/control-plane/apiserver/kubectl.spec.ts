/**
 * Real kubectl v1.32 against a started ApiServer (no scheduler/kubelet): the verbs that only
 * need the API server — get, create -f, apply twice, patch, scale, delete, get -w.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKubeconfig } from '../../../src-main/control-plane/apiserver/kubeconfig';
import { startApi, type TestApi } from './helpers';

let t: TestApi;
let dir: string;
let env: NodeJS.ProcessEnv;

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const DEPLOY = (image: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: ${image}
        ports:
        - containerPort: 80
        env:
        - {name: A, value: "1"}
`;

beforeAll(async () => {
  t = await startApi();
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-kubectl-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server: t.url, caPem: t.caPem, token: t.token }, { merge: false });
  env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: path.join(dir, 'cache'), HOME: dir };
});
afterAll(async () => {
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kubectl against the ApiServer', () => {
  it('version, api-resources and get namespaces', async () => {
    const v = await kubectl('version', '-o', 'json');
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout).serverVersion.minor).toBe('32');
    const ar = await kubectl('api-resources');
    expect(ar.code).toBe(0);
    expect(ar.stdout).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    const ns = await kubectl('get', 'ns');
    expect(ns.code).toBe(0);
    expect(ns.stdout).toMatch(/NAME\s+STATUS\s+AGE/);
    expect(ns.stdout).toMatch(/kube-system\s+Active/);
  });

  it('create -f, AlreadyExists, get -o wide/yaml, apply twice → unchanged, apply change → configured', async () => {
    const f = path.join(dir, 'web.yaml');
    writeFileSync(f, DEPLOY('nginx:1.27', 2));
    const c = await kubectl('create', '-f', f);
    expect(c.stderr).toBe('');
    expect(c.stdout).toContain('deployment.apps/web created');
    const dup = await kubectl('create', '-f', f);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain('Error from server (AlreadyExists)');
    const wide = await kubectl('get', 'deploy', '-o', 'wide');
    expect(wide.stdout).toMatch(
      /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/,
    );
    expect(wide.stdout).toMatch(/web\s+0\/2\s+0\s+0\s+\S+\s+app\s+nginx:1\.27\s+app=web/);
    const y = await kubectl('get', 'deploy', 'web', '-o', 'yaml');
    expect(y.stdout).toContain('revisionHistoryLimit: 10');
    expect(y.stdout).toContain('protocol: TCP');

    writeFileSync(f, DEPLOY('nginx:1.27', 2));
    const a1 = await kubectl('apply', '-f', f);
    expect(a1.code).toBe(0);
    const a2 = await kubectl('apply', '-f', f);
    expect(a2.stdout).toContain('deployment.apps/web unchanged');
    writeFileSync(f, DEPLOY('nginx:1.28', 3));
    const a3 = await kubectl('apply', '-f', f);
    expect(a3.stdout).toContain('deployment.apps/web configured');
    const img = await kubectl(
      'get',
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image} {.spec.replicas} {.metadata.generation}',
    );
    expect(img.stdout).toBe('nginx:1.28 3 2');
  });

  it('server-side apply, patch, label, scale', async () => {
    const f = path.join(dir, 'ns.yaml');
    writeFileSync(f, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n');
    const ssa = await kubectl('apply', '--server-side', '-f', f);
    expect(ssa.stdout).toContain('namespace/team serverside-applied');
    const lbl = await kubectl('label', 'ns', 'team', 'tier=gold');
    expect(lbl.stdout).toContain('namespace/team labeled');
    const p = await kubectl('patch', 'deploy', 'web', '-p', '{"spec":{"replicas":3}}');
    expect(p.stdout).toContain('(no change)');
    const jp = await kubectl(
      'patch',
      'deploy',
      'web',
      '--type=json',
      '-p',
      '[{"op":"frobnicate","path":"/spec"}]',
    );
    expect(jp.code).not.toBe(0);
    expect(jp.stderr).toContain('frobnicate');
    const sc = await kubectl('scale', 'deploy', 'web', '--replicas=5');
    expect(sc.stdout).toContain('deployment.apps/web scaled');
    expect((await kubectl('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}')).stdout).toBe('5');
  });

  it('validation and not-found errors print like a real cluster', async () => {
    const f = path.join(dir, 'bad.yaml');
    writeFileSync(
      f,
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Pod\nspec:\n  containers:\n  - name: a\n',
    );
    const bad = await kubectl('create', '-f', f);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('is invalid');
    expect(bad.stderr).toContain('spec.containers[0].image: Required value');
    const nf = await kubectl('get', 'pod', 'nope');
    expect(nf.stderr).toContain('Error from server (NotFound): pods "nope" not found');
  });

  it('get -w shows changes live', async () => {
    const w = spawn('kubectl', ['get', 'pods', '-w', '--v=6'], { env });
    let out = '';
    let err = '';
    w.stdout.on('data', (c: Buffer) => (out += c.toString()));
    w.stderr.on('data', (c: Buffer) => (err += c.toString()));
    try {
      const f = path.join(dir, 'pod.yaml');
      writeFileSync(
        f,
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: watched\nspec:\n  containers:\n  - name: a\n    image: busybox:1.36\n',
      );
      // Wait until the watch is open: at --v=6 kubectl logs each response, the watch's included.
      for (let i = 0; i < 150 && !/watch=true.* 200 OK/.test(err); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(err).toMatch(/watch=true.* 200 OK/);
      expect((await kubectl('create', '-f', f)).code).toBe(0);
      for (let i = 0; i < 100 && !out.includes('watched'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/watched\s+0\/1\s+Pending/);
    } finally {
      w.kill('SIGTERM');
    }
  });

  it('delete', async () => {
    const d = await kubectl('delete', 'deploy', 'web');
    expect(d.stdout).toContain('deployment.apps "web" deleted');
    const p = await kubectl('delete', 'pod', 'watched');
    expect(p.stdout).toContain('pod "watched" deleted');
    expect((await kubectl('get', 'deploy')).stderr).toContain('No resources found');
  });
});
