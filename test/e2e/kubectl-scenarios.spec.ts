/**
 * Issue 3's acceptance suite: the real kubectl v1.32 against one real `skiff serve` process and
 * real Docker containers, verb by verb. Every kubectl invocation asserts on its output or exit
 * code; `kc` counts them and the last test checks there were at least 60. The second half applies
 * the docs-shaped manifests of test/e2e/manifests unchanged (`kubectl apply -f <file>`).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerAvailable, podContainers } from '../helpers/docker';
import { needTool } from '../helpers/skips';
import {
  eventually,
  kubectl,
  startSkiff,
  tempDir,
  type KubectlResult,
  type SkiffProcess,
} from '../helpers/skiff-process';

const hasDocker = dockerAvailable();
const kubectlAvailable = (() => {
  let ok = true;
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'pipe' });
  } catch {
    ok = false;
  }
  return needTool(ok, 'kubectl is not on PATH (`kubectl version --client` failed)');
})();

const BASE = `ks-${Date.now().toString(36)}`;
const NS = BASE;
const DOCS = `${BASE}-docs`;
const LIMITS = `${BASE}-limits`;
const QUOTA = `${BASE}-quota`;
const ALL_NS = [NS, DOCS, LIMITS, QUOTA];
const MANIFESTS = path.join(__dirname, 'manifests');
const IMAGE = 'skiff-test/busybox:1';
const IMAGE2 = 'skiff-test/busybox:2';

let skiff: SkiffProcess;
let invocations = 0;
const work = tempDir('skiff-scenarios-');
const cacheDir = tempDir('skiff-scenarios-kubecache-');
const children: ChildProcess[] = [];

/** One kubectl invocation (counted); never throws on a non-zero exit. */
function kc(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  invocations++;
  return kubectl(skiff.kubeconfig, args, opts);
}

/** kubectl with extra environment variables (e.g. KUBE_EDITOR); counted. */
function kcEnv(args: string[], env: Record<string, string>): Promise<KubectlResult> {
  invocations++;
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--kubeconfig', skiff.kubeconfig, ...args],
      { env: { ...process.env, KUBECACHEDIR: cacheDir, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: number }).code : 0;
        resolve({
          code: typeof code === 'number' ? code : 1,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
  });
}

/** A long-running kubectl (get -w, port-forward); counted; killed in afterAll at the latest. */
function kcSpawn(args: string[]): { child: ChildProcess; out: () => string } {
  invocations++;
  const child = spawn('kubectl', ['--kubeconfig', skiff.kubeconfig, ...args], {
    env: { ...process.env, KUBECACHEDIR: cacheDir },
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, out: () => out };
}

/** `kubectl exec -it` needs a terminal: run it under script(1), which gives it a pty. */
function kcPty(args: string[]): Promise<KubectlResult> {
  invocations++;
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = ['kubectl', '--kubeconfig', skiff.kubeconfig, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    execFile(
      'script',
      ['-qec', cmd, '/dev/null'],
      { env: { ...process.env, KUBECACHEDIR: cacheDir }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: number }).code : 0;
        resolve({
          code: typeof code === 'number' ? code : 1,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
  });
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

const ok = (r: KubectlResult) => {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
};

const lines = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** A Deployment whose pods serve `hello from <pod>` on :8080 and exit promptly on SIGTERM. */
function webDeployment(name: string, replicas: number, labels = `app: ${name}`): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { ${labels} }
  template:
    metadata:
      labels: { ${labels} }
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: web
          image: ${IMAGE}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "mkdir -p /www && echo hello from $HOSTNAME > /www/index.html && exec httpd -f -p 8080 -h /www"]
          ports: [{ name: http, containerPort: 8080 }]
`;
}

describe.skipIf(!hasDocker || !kubectlAvailable)('kubectl scenarios (issue 3 acceptance)', () => {
  beforeAll(async () => {
    skiff = await startSkiff({ dataDir: tempDir('skiff-scenarios-data-') });
    await eventually(
      async () => / Ready /.test((await kubectl(skiff.kubeconfig, ['get', 'nodes'])).stdout),
      30_000,
      'node Ready',
    );
  }, 300_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill();
    if (!skiff) return;
    await kubectl(skiff.kubeconfig, ['uncordon', '--all']).catch(() => undefined);
    await kubectl(
      skiff.kubeconfig,
      ['delete', 'namespace', ...ALL_NS, '--ignore-not-found', '--timeout=120s'],
      {
        timeoutMs: 130_000,
      },
    ).catch(() => undefined);
    await skiff.destroy();
    for (const ns of ALL_NS)
      for (const id of podContainers(`label=io.kubernetes.pod.namespace=${ns}`)) docker('rm', '-f', id);
    fs.rmSync(work, { recursive: true, force: true });
  }, 180_000);

  describe('cluster information and discovery', () => {
    it('version, cluster-info, api-versions, api-resources', async () => {
      const v = ok(await kc(['version']));
      expect(v.stdout).toMatch(/Server Version: v1\.32\.\d+/);
      const vj = ok(await kc(['version', '-o', 'json']));
      expect(JSON.parse(vj.stdout).serverVersion).toMatchObject({ major: '1', minor: '32' });
      const ci = ok(await kc(['cluster-info']));
      expect(ci.stdout).toContain(`Kubernetes control plane is running at ${skiff.apiUrl}`);
      const av = ok(await kc(['api-versions']));
      for (const gv of ['v1', 'apps/v1', 'batch/v1', 'autoscaling/v2', 'metrics.k8s.io/v1beta1', 'policy/v1'])
        expect(lines(av.stdout)).toContain(gv);
      const ar = ok(await kc(['api-resources']));
      expect(ar.stdout).toMatch(/^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND/);
      expect(ar.stdout).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
      expect(ar.stdout).toMatch(/^nodes\s+no\s+v1\s+false\s+Node$/m);
      const nsd = ok(await kc(['api-resources', '--namespaced=false', '-o', 'name']));
      expect(lines(nsd.stdout)).toContain('namespaces');
      expect(lines(nsd.stdout)).not.toContain('pods');
    });

    it('explain from the served OpenAPI', async () => {
      const e = ok(await kc(['explain', 'deployment.spec.replicas']));
      expect(e.stdout).toMatch(/KIND:\s+Deployment/);
      expect(e.stdout).toMatch(/FIELD: replicas <integer>/);
      const r = ok(await kc(['explain', 'pods.spec.containers', '--recursive']));
      expect(r.stdout).toMatch(/livenessProbe\s+<Probe>/);
      const bad = await kc(['explain', 'pods.spec.nonsense']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/field "nonsense" does not exist/);
    });

    it('auth can-i and auth whoami (protobuf review bodies)', async () => {
      const yes = await kc(['auth', 'can-i', 'create', 'deployments', '-n', 'default']);
      expect(yes.code).toBe(0);
      expect(yes.stdout.trim()).toBe('yes');
      const all = ok(await kc(['auth', 'can-i', '--list']));
      expect(all.stdout).toMatch(/\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/);
      const who = ok(await kc(['auth', 'whoami']));
      expect(who.stdout).toMatch(/Username\s+skiff-admin/);
      expect(who.stdout).toContain('system:masters');
    });

    it('get nodes -o wide', async () => {
      const n = ok(await kc(['get', 'nodes', '-o', 'wide']));
      expect(n.stdout).toMatch(
        /NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE/,
      );
      expect(n.stdout).toMatch(/\sReady\s+control-plane\s/);
    });
  });

  describe('create (protobuf bodies) and get', () => {
    it('create namespace, deployment, configmap, secret, service', async () => {
      expect(ok(await kc(['create', 'namespace', NS])).stdout).toBe(`namespace/${NS} created\n`);
      const dup = await kc(['create', 'namespace', NS]);
      expect(dup.code).toBe(1);
      expect(dup.stderr).toContain(`namespaces "${NS}" already exists`);
      const d = ok(
        await kc([
          'create',
          'deployment',
          'web',
          '-n',
          NS,
          `--image=${IMAGE}`,
          '--replicas=2',
          '--port=8080',
          '--',
          'sh',
          '-c',
          'mkdir -p /www && echo hello from $HOSTNAME > /www/index.html && exec httpd -f -p 8080 -h /www',
        ]),
      );
      expect(d.stdout).toBe('deployment.apps/web created\n');
      const cm = ok(
        await kc([
          'create',
          'configmap',
          'settings',
          '-n',
          NS,
          '--from-literal=color=blue',
          '--from-literal=size=L',
        ]),
      );
      expect(cm.stdout).toBe('configmap/settings created\n');
      const sec = ok(
        await kc(['create', 'secret', 'generic', 'creds', '-n', NS, '--from-literal=password=s3cr3t']),
      );
      expect(sec.stdout).toBe('secret/creds created\n');
      const svc = ok(await kc(['create', 'service', 'clusterip', 'web', '-n', NS, '--tcp=80:8080']));
      expect(svc.stdout).toBe('service/web created\n');
      const pw = ok(await kc(['get', 'secret', 'creds', '-n', NS, '-o', 'jsonpath={.data.password}']));
      expect(Buffer.from(pw.stdout, 'base64').toString()).toBe('s3cr3t');
      const w = await kc(['wait', '-n', NS, '--for=condition=Available', 'deployment/web', '--timeout=90s'], {
        timeoutMs: 100_000,
      });
      expect(w.code, w.stderr).toBe(0);
      expect(w.stdout).toContain('deployment.apps/web condition met');
    }, 120_000);

    it('create -f a Pod; duplicate → AlreadyExists', async () => {
      const file = path.join(work, 'pod.yaml');
      fs.writeFileSync(
        file,
        `apiVersion: v1
kind: Pod
metadata:
  name: solo
  labels: { app: solo, tier: backend }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: ${IMAGE}
      command: ["sh", "-c", "echo solo-started; trap 'exit 0' TERM; while true; do sleep 1; done"]
`,
      );
      expect(ok(await kc(['create', '-n', NS, '-f', file])).stdout).toBe('pod/solo created\n');
      const again = await kc(['create', '-n', NS, '-f', file]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/\(AlreadyExists\).*pods "solo" already exists/);
      const w = ok(await kc(['wait', '-n', NS, '--for=condition=Ready', 'pod/solo', '--timeout=60s']));
      expect(w.stdout).toContain('pod/solo condition met');
    }, 90_000);

    it('get -o wide / yaml / json / jsonpath / custom-columns / name', async () => {
      const wide = ok(await kc(['get', 'pods', '-n', NS, '-o', 'wide']));
      expect(wide.stdout).toMatch(
        /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/,
      );
      expect(wide.stdout).toMatch(/^solo\s+1\/1\s+Running\s+0\s+\S+\s+\d+\.\d+\.\d+\.\d+\s+\S+/m);
      const yaml = ok(await kc(['get', 'deployment', 'web', '-n', NS, '-o', 'yaml']));
      expect(yaml.stdout).toMatch(/^kind: Deployment$/m);
      expect(yaml.stdout).toMatch(/^ {2}replicas: 2$/m);
      const json = ok(await kc(['get', 'configmap', 'settings', '-n', NS, '-o', 'json']));
      expect(JSON.parse(json.stdout)).toMatchObject({
        kind: 'ConfigMap',
        data: { color: 'blue', size: 'L' },
      });
      const jp = ok(
        await kc(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'jsonpath={.items[*].status.phase}']),
      );
      expect(jp.stdout.split(' ')).toEqual(['Running', 'Running']);
      const cc = ok(
        await kc([
          'get',
          'svc',
          'web',
          '-n',
          NS,
          '-o',
          'custom-columns=NAME:.metadata.name,PORT:.spec.ports[0].port,TARGET:.spec.ports[0].targetPort',
        ]),
      );
      expect(lines(cc.stdout)).toEqual([
        expect.stringMatching(/^NAME\s+PORT\s+TARGET$/),
        expect.stringMatching(/^web\s+80\s+8080$/),
      ]);
      const names = ok(await kc(['get', 'deploy,svc,cm', '-n', NS, '-o', 'name']));
      expect(lines(names.stdout)).toEqual(
        expect.arrayContaining(['deployment.apps/web', 'service/web', 'configmap/settings']),
      );
      const missing = await kc(['get', 'pod', 'nope', '-n', NS]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('Error from server (NotFound): pods "nope" not found');
    });

    it('get -l, --field-selector, -A, --show-labels, --sort-by', async () => {
      const sel = ok(await kc(['get', 'pods', '-n', NS, '-l', 'tier=backend', '-o', 'name']));
      expect(sel.stdout).toBe('pod/solo\n');
      const notIn = ok(await kc(['get', 'pods', '-n', NS, '-l', 'app notin (web)', '-o', 'name']));
      expect(notIn.stdout).toBe('pod/solo\n');
      const fs1 = ok(
        await kc([
          'get',
          'pods',
          '-n',
          NS,
          '--field-selector',
          'metadata.name=solo,status.phase=Running',
          '-o',
          'name',
        ]),
      );
      expect(fs1.stdout).toBe('pod/solo\n');
      const fs2 = ok(
        await kc(['get', 'pods', '-n', NS, '--field-selector', 'metadata.name!=solo', '-o', 'name']),
      );
      expect(lines(fs2.stdout)).toHaveLength(2);
      const badField = await kc(['get', 'pods', '-n', NS, '--field-selector', 'spec.bogus=1']);
      expect(badField.code).toBe(1);
      expect(badField.stderr).toMatch(/field label not supported: spec\.bogus/);
      const all = ok(await kc(['get', 'pods', '-A']));
      expect(all.stdout).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS/);
      expect(all.stdout).toMatch(new RegExp(`^${NS}\\s+solo\\s+1/1\\s+Running`, 'm'));
      const labels = ok(await kc(['get', 'pods', '-n', NS, '--show-labels']));
      expect(labels.stdout).toMatch(/^solo\s+.*\s+app=solo,tier=backend$/m);
      const sorted = ok(await kc(['get', 'pods', '-n', NS, '--sort-by=.metadata.name', '-o', 'name']));
      const got = lines(sorted.stdout);
      expect(got).toEqual([...got].sort());
    });

    it('get -w streams a row for an object created later', async () => {
      const w = kcSpawn(['get', 'configmaps', '-n', NS, '-w']);
      await eventually(() => w.out().includes('settings'), 20_000, 'initial watch rows');
      ok(await kc(['create', 'configmap', 'watched', '-n', NS, '--from-literal=k=v']));
      await eventually(
        () => /^watched\s+1\s+\S+$/m.test(w.out()),
        20_000,
        'a watch row for the new ConfigMap',
      );
      w.child.kill();
    });
  });

  describe('apply, diff, patch, edit, label, annotate', () => {
    const file = () => path.join(work, 'app-config.yaml');
    const write = (color: string) =>
      fs.writeFileSync(
        file(),
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: ${NS}\ndata:\n  color: ${color}\n  mode: prod\n`,
      );

    it('client-side apply: created, then unchanged, then configured', async () => {
      write('blue');
      expect(ok(await kc(['apply', '-f', file()])).stdout).toBe('configmap/app-config created\n');
      expect(ok(await kc(['apply', '-f', file()])).stdout).toBe('configmap/app-config unchanged\n');
      const last = ok(
        await kc([
          'get',
          'cm',
          'app-config',
          '-n',
          NS,
          '-o',
          'jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}',
        ]),
      );
      expect(JSON.parse(last.stdout).data).toEqual({ color: 'blue', mode: 'prod' });
    });

    it('diff shows the change (exit 1) and nothing once applied (exit 0)', async () => {
      write('red');
      const d = await kc(['diff', '-f', file()]);
      expect(d.code, d.stderr).toBe(1);
      expect(d.stdout).toMatch(/^-\s+color: blue$/m);
      expect(d.stdout).toMatch(/^\+\s+color: red$/m);
      expect(ok(await kc(['apply', '-f', file()])).stdout).toBe('configmap/app-config configured\n');
      const same = await kc(['diff', '-f', file()]);
      expect(same.code).toBe(0);
      expect(same.stdout).toBe('');
    });

    it('server-side apply: applied, conflict for another manager, --force-conflicts', async () => {
      const ssa = path.join(work, 'ssa.yaml');
      fs.writeFileSync(
        ssa,
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-cm\n  namespace: ${NS}\ndata:\n  owner: first\n`,
      );
      expect(ok(await kc(['apply', '--server-side', '-f', ssa])).stdout).toBe(
        'configmap/ssa-cm serverside-applied\n',
      );
      fs.writeFileSync(
        ssa,
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-cm\n  namespace: ${NS}\ndata:\n  owner: second\n`,
      );
      const conflict = await kc(['apply', '--server-side', '--field-manager=other', '-f', ssa]);
      expect(conflict.code).toBe(1);
      expect(conflict.stderr).toMatch(/conflict with "kubectl"/);
      expect(conflict.stderr).toContain('.data.owner');
      const forced = ok(
        await kc(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', ssa]),
      );
      expect(forced.stdout).toBe('configmap/ssa-cm serverside-applied\n');
      const mf = ok(
        await kc([
          'get',
          'cm',
          'ssa-cm',
          '-n',
          NS,
          '--show-managed-fields',
          '-o',
          'jsonpath={.metadata.managedFields[*].manager}',
        ]),
      );
      expect(mf.stdout.split(' ')).toContain('other');
      const ds = await kc(['diff', '--server-side', '--field-manager=other', '-f', ssa]);
      expect(ds.code, ds.stderr).toBe(0);
    });

    it('patch: strategic, merge and json; a bad json patch is a 400', async () => {
      const s = ok(
        await kc([
          'patch',
          'deployment',
          'web',
          '-n',
          NS,
          '-p',
          '{"spec":{"template":{"spec":{"containers":[{"name":"busybox","env":[{"name":"MODE","value":"smp"}]}]}}}}',
        ]),
      );
      expect(s.stdout).toBe('deployment.apps/web patched\n');
      const c = ok(
        await kc([
          'get',
          'deployment',
          'web',
          '-n',
          NS,
          '-o',
          'jsonpath={.spec.template.spec.containers[*].name}',
        ]),
      );
      expect(c.stdout).toBe('busybox'); // merged by name, not appended
      const m = ok(
        await kc([
          'patch',
          'cm',
          'app-config',
          '-n',
          NS,
          '--type=merge',
          '-p',
          '{"data":{"mode":null,"extra":"1"}}',
        ]),
      );
      expect(m.stdout).toBe('configmap/app-config patched\n');
      const j = ok(
        await kc([
          'patch',
          'cm',
          'app-config',
          '-n',
          NS,
          '--type=json',
          '-p',
          '[{"op":"replace","path":"/data/extra","value":"2"}]',
        ]),
      );
      expect(j.stdout).toBe('configmap/app-config patched\n');
      const data = ok(await kc(['get', 'cm', 'app-config', '-n', NS, '-o', 'jsonpath={.data}']));
      expect(JSON.parse(data.stdout)).toEqual({ color: 'red', extra: '2' });
      const noop = ok(
        await kc(['patch', 'cm', 'app-config', '-n', NS, '--type=merge', '-p', '{"data":{"extra":"2"}}']),
      );
      expect(noop.stdout).toBe('configmap/app-config patched (no change)\n');
      const bad = await kc([
        'patch',
        'cm',
        'app-config',
        '-n',
        NS,
        '--type=json',
        '-p',
        '[{"op":"remove","path":"/data/missing"}]',
      ]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/Error from server \(BadRequest\)/);
    });

    it('edit with a scripted KUBE_EDITOR', async () => {
      const editor = path.join(work, 'editor.sh');
      fs.writeFileSync(editor, `#!/bin/sh\nsed -i 's/color: red/color: green/' "$1"\n`, { mode: 0o755 });
      const e = await kcEnv(['edit', 'cm', 'app-config', '-n', NS], { KUBE_EDITOR: editor });
      expect(e.code, e.stderr).toBe(0);
      expect(e.stdout).toBe('configmap/app-config edited\n');
      const v = ok(await kc(['get', 'cm', 'app-config', '-n', NS, '-o', 'jsonpath={.data.color}']));
      expect(v.stdout).toBe('green');
      // An editor that changes nothing: kubectl cancels the edit.
      const none = await kcEnv(['edit', 'cm', 'app-config', '-n', NS], { KUBE_EDITOR: 'true' });
      expect(none.code).toBe(0);
      expect(none.stderr).toContain('Edit cancelled, no changes made.');
    });

    it('apply --prune removes what left the manifest set', async () => {
      const dir = path.join(work, 'prune');
      fs.mkdirSync(dir, { recursive: true });
      const cm = (n: string) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\n  namespace: ${NS}\n  labels: { set: pruned }\ndata: { k: v }\n`;
      fs.writeFileSync(path.join(dir, 'set.yaml'), `${cm('keep')}---\n${cm('drop')}`);
      // The allowlist is given explicitly so the prune touches ConfigMaps only (kubectl's default
      // list spans every workload kind).
      const args = ['apply', '-f', dir, '-l', 'set=pruned', '--prune', '--prune-allowlist=core/v1/ConfigMap'];
      const first = ok(await kc(args));
      expect(lines(first.stdout)).toEqual(['configmap/keep created', 'configmap/drop created']);
      fs.writeFileSync(path.join(dir, 'set.yaml'), cm('keep'));
      const second = ok(await kc(args));
      expect(lines(second.stdout)).toEqual(['configmap/keep unchanged', 'configmap/drop pruned']);
      const left = ok(await kc(['get', 'cm', '-n', NS, '-l', 'set=pruned', '-o', 'name']));
      expect(left.stdout).toBe('configmap/keep\n');
    });

    it('label and annotate (add, overwrite, remove)', async () => {
      expect(ok(await kc(['label', 'cm', 'app-config', '-n', NS, 'tier=frontend'])).stdout).toBe(
        'configmap/app-config labeled\n',
      );
      const clash = await kc(['label', 'cm', 'app-config', '-n', NS, 'tier=backend']);
      expect(clash.code).toBe(1);
      expect(clash.stderr).toMatch(/'tier' already has a value \(frontend\), and --overwrite is false/);
      ok(await kc(['label', 'cm', 'app-config', '-n', NS, 'tier=backend', '--overwrite']));
      const sel = ok(await kc(['get', 'cm', '-n', NS, '-l', 'tier=backend', '-o', 'name']));
      expect(sel.stdout).toBe('configmap/app-config\n');
      expect(ok(await kc(['annotate', 'cm', 'app-config', '-n', NS, 'owner=team-a'])).stdout).toBe(
        'configmap/app-config annotated\n',
      );
      const a = ok(
        await kc(['get', 'cm', 'app-config', '-n', NS, '-o', 'jsonpath={.metadata.annotations.owner}']),
      );
      expect(a.stdout).toBe('team-a');
      expect(ok(await kc(['label', 'cm', 'app-config', '-n', NS, 'tier-'])).stdout).toBe(
        'configmap/app-config unlabeled\n',
      );
      const gone = ok(await kc(['get', 'cm', 'app-config', '-n', NS, '--show-labels', '--no-headers']));
      expect(gone.stdout).toMatch(/<none>\s*$/);
    });
  });

  describe('deployments: scale, autoscale, rollout, set', () => {
    it('scale and autoscale', async () => {
      expect(ok(await kc(['scale', 'deployment', 'web', '-n', NS, '--replicas=3'])).stdout).toBe(
        'deployment.apps/web scaled\n',
      );
      const st = await kc(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=90s'], {
        timeoutMs: 100_000,
      });
      expect(st.code, st.stderr).toBe(0);
      expect(st.stdout).toContain('deployment "web" successfully rolled out');
      const r = ok(await kc(['get', 'deploy', 'web', '-n', NS]));
      expect(r.stdout).toMatch(/^web\s+3\/3\s+3\s+3\s/m);
      const pre = await kc(['scale', 'deployment', 'web', '-n', NS, '--current-replicas=2', '--replicas=4']);
      expect(pre.code).toBe(1);
      expect(pre.stderr).toMatch(/Expected replicas to be 2, was 3/);
      const hpa = ok(
        await kc(['autoscale', 'deployment', 'web', '-n', NS, '--min=3', '--max=5', '--cpu-percent=80']),
      );
      expect(hpa.stdout).toBe('horizontalpodautoscaler.autoscaling/web autoscaled\n');
      const g = ok(await kc(['get', 'hpa', 'web', '-n', NS]));
      expect(g.stdout).toMatch(/^web\s+Deployment\/web\s+cpu: \S+\/80%\s+3\s+5\s/m);
      // min 3 keeps the autoscaler from scaling an idle Deployment down; delete it all the same.
      expect(ok(await kc(['delete', 'hpa', 'web', '-n', NS])).stdout).toContain('deleted');
    }, 120_000);

    it('set image / env / resources roll the Deployment; history lists the revisions', async () => {
      expect(ok(await kc(['set', 'image', 'deployment/web', '-n', NS, `busybox=${IMAGE2}`])).stdout).toBe(
        'deployment.apps/web image updated\n',
      );
      const s1 = await kc(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=120s'], {
        timeoutMs: 130_000,
      });
      expect(s1.stdout).toContain('successfully rolled out');
      expect(ok(await kc(['set', 'env', 'deployment/web', '-n', NS, 'GREETING=hi'])).stdout).toBe(
        'deployment.apps/web env updated\n',
      );
      const env = ok(await kc(['set', 'env', 'deployment/web', '-n', NS, '--list']));
      expect(env.stdout).toMatch(/^GREETING=hi$/m);
      const res = ok(
        await kc([
          'set',
          'resources',
          'deployment/web',
          '-n',
          NS,
          '-c',
          'busybox',
          '--limits=cpu=200m,memory=64Mi',
        ]),
      );
      expect(res.stdout).toBe('deployment.apps/web resource requirements updated\n');
      const s2 = await kc(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=120s'], {
        timeoutMs: 130_000,
      });
      expect(s2.stdout).toContain('successfully rolled out');
      await eventually(
        async () => {
          const r = await kubectl(skiff.kubeconfig, [
            'get',
            'pods',
            '-n',
            NS,
            '-l',
            'app=web',
            '-o',
            'jsonpath={.items[*].spec.containers[0].resources.limits.cpu}',
          ]);
          const v = r.stdout.split(' ').filter(Boolean);
          return v.length === 3 && v.every((c) => c === '200m');
        },
        30_000,
        'old pods gone',
      );
      const h = ok(await kc(['rollout', 'history', 'deployment/web', '-n', NS]));
      expect(h.stdout).toMatch(/REVISION\s+CHANGE-CAUSE/);
      // 1 created, 2 SMP patch (env MODE), 3 image, 4 env, 5 resources.
      expect(
        lines(h.stdout)
          .filter((l) => /^\d+\s/.test(l))
          .map((l) => Number(l.split(/\s+/)[0])),
      ).toEqual([1, 2, 3, 4, 5]);
      const h3 = ok(await kc(['rollout', 'history', 'deployment/web', '-n', NS, '--revision=3']));
      expect(h3.stdout).toMatch(/Image:\s+skiff-test\/busybox:2/);
    }, 300_000);

    it('rollout undo, pause/resume and restart', async () => {
      expect(ok(await kc(['rollout', 'undo', 'deployment/web', '-n', NS, '--to-revision=3'])).stdout).toBe(
        'deployment.apps/web rolled back\n',
      );
      const s = await kc(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=120s'], {
        timeoutMs: 130_000,
      });
      expect(s.stdout).toContain('successfully rolled out');
      const lim = ok(
        await kc([
          'get',
          'deploy',
          'web',
          '-n',
          NS,
          '-o',
          'jsonpath={.spec.template.spec.containers[0].resources.limits.cpu}',
        ]),
      );
      expect(lim.stdout).toBe(''); // revision 3 had no limits
      expect(ok(await kc(['rollout', 'pause', 'deployment/web', '-n', NS])).stdout).toBe(
        'deployment.apps/web paused\n',
      );
      ok(await kc(['set', 'image', 'deployment/web', '-n', NS, `busybox=${IMAGE}`]));
      const paused = ok(
        await kc([
          'get',
          'deploy',
          'web',
          '-n',
          NS,
          '-o',
          'jsonpath={.spec.paused} {.status.conditions[?(@.type=="Progressing")].reason}',
        ]),
      );
      expect(paused.stdout).toBe('true DeploymentPaused');
      expect(ok(await kc(['rollout', 'resume', 'deployment/web', '-n', NS])).stdout).toBe(
        'deployment.apps/web resumed\n',
      );
      const s2 = await kc(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=120s'], {
        timeoutMs: 130_000,
      });
      expect(s2.stdout).toContain('successfully rolled out');
      const img = ok(
        await kc(['get', 'deploy', 'web', '-n', NS, '-o', 'jsonpath={.status.updatedReplicas}']),
      );
      expect(img.stdout).toBe('3');
      expect(ok(await kc(['rollout', 'restart', 'deployment/web', '-n', NS])).stdout).toBe(
        'deployment.apps/web restarted\n',
      );
      const ann = ok(
        await kc([
          'get',
          'deploy',
          'web',
          '-n',
          NS,
          '-o',
          'jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}',
        ]),
      );
      expect(ann.stdout).toMatch(/^\d{4}-\d\d-\d\dT/);
      const s3 = await kc(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=120s'], {
        timeoutMs: 130_000,
      });
      expect(s3.stdout).toContain('successfully rolled out');
      const dd = ok(await kc(['describe', 'deployment', 'web', '-n', NS]));
      expect(dd.stdout).toMatch(/Replicas:\s+3 desired \| 3 updated \| \d+ total \| \d+ available/);
      expect(dd.stdout).toMatch(/Image:\s+skiff-test\/busybox:1/);
      expect(dd.stdout).toMatch(/ScalingReplicaSet/);
      await eventually(
        async () => {
          const r = await kubectl(skiff.kubeconfig, [
            'get',
            'pods',
            '-n',
            NS,
            '-l',
            'app=web',
            '--no-headers',
          ]);
          const l = lines(r.stdout);
          return l.length === 3 && l.every((x) => /1\/1\s+Running/.test(x));
        },
        60_000,
        'three web pods Running after the restart',
      );
    }, 400_000);
  });

  describe('pods: logs, exec, port-forward, cp, top, describe, events', () => {
    const webPod = async () =>
      (
        await kc([
          'get',
          'pods',
          '-n',
          NS,
          '-l',
          'app=web',
          '--field-selector=status.phase=Running',
          '-o',
          'jsonpath={.items[0].metadata.name}',
        ])
      ).stdout;

    it('logs (plain, --tail, -c, previous-less pod)', async () => {
      const l = await eventually(
        async () => {
          const r = await kc(['logs', 'solo', '-n', NS]);
          return r.stdout.includes('solo-started') && r;
        },
        20_000,
        'log line',
      );
      expect(l.code).toBe(0);
      const c = ok(await kc(['logs', 'pod/solo', '-n', NS, '-c', 'main', '--tail=1']));
      expect(c.stdout).toBe('solo-started\n');
      const bad = await kc(['logs', 'solo', '-n', NS, '-c', 'nope']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/container nope is not valid for pod solo/);
    });

    it('exec non-interactive: output, exit code, stdin', async () => {
      const e = ok(
        await kc(['exec', 'solo', '-n', NS, '--', 'sh', '-c', 'echo out; echo err >&2; hostname']),
      );
      expect(e.stdout).toBe('out\nsolo\n');
      expect(e.stderr).toContain('err');
      const code = await kc(['exec', 'solo', '-n', NS, '--', 'sh', '-c', 'exit 3']);
      expect(code.code).toBe(3);
      const stdin = ok(
        await kc(['exec', '-i', 'solo', '-n', NS, '--', 'sh', '-c', 'tr a-z A-Z'], { input: 'piped in\n' }),
      );
      expect(stdin.stdout).toBe('PIPED IN\n');
    });

    it('exec -it through a pty', async () => {
      const r = await kcPty(['exec', '-it', 'solo', '-n', NS, '--', 'sh', '-c', 'tty; echo interactive-ok']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
      expect(r.stdout).toContain('interactive-ok\r\n'); // the pod's terminal turns \n into \r\n
    });

    it('port-forward to a pod port; an HTTP GET from Node goes through', async () => {
      const pod = await webPod();
      expect(pod).toMatch(/^web-/);
      const pf = kcSpawn(['port-forward', '-n', NS, `pod/${pod}`, ':8080']);
      const port = await eventually(
        () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(pf.out())?.[1],
        20_000,
        'port-forward ready',
      );
      const res = await httpGet(`http://127.0.0.1:${port}/index.html`);
      expect(res.status).toBe(200);
      expect(res.body).toBe(`hello from ${pod}\n`);
      const again = await httpGet(`http://127.0.0.1:${port}/missing`);
      expect(again.status).toBe(404);
      pf.child.kill();
      // A Service port works too (kubectl resolves it to the pod's target port).
      const svc = kcSpawn(['port-forward', '-n', NS, 'svc/web', ':80']);
      const sport = await eventually(
        () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(svc.out())?.[1],
        20_000,
        'service port-forward ready',
      );
      expect((await httpGet(`http://127.0.0.1:${sport}/index.html`)).body).toMatch(/^hello from web-/);
      svc.child.kill();
    });

    it('run --rm -i attaches to a new pod and deletes it; expose makes a Service', async () => {
      const r = await kc(
        [
          'run',
          'once',
          '-n',
          NS,
          '--rm',
          '-i',
          '--restart=Never',
          `--image=${IMAGE}`,
          '--',
          'sh',
          '-c',
          'echo attached-output',
        ],
        {
          timeoutMs: 90_000,
        },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('attached-output');
      expect(r.stdout).toContain('pod "once" deleted');
      const gone = await kc(['get', 'pod', 'once', '-n', NS, '--ignore-not-found', '-o', 'name']);
      expect(gone.stdout).toBe('');
      const ex = ok(
        await kc([
          'expose',
          'deployment',
          'web',
          '-n',
          NS,
          '--name=web-exposed',
          '--port=8081',
          '--target-port=8080',
        ]),
      );
      expect(ex.stdout).toBe('service/web-exposed exposed\n');
      const ep = await eventually(
        async () => {
          const e = await kc([
            'get',
            'endpoints',
            'web-exposed',
            '-n',
            NS,
            '-o',
            'jsonpath={.subsets[0].addresses[*].ip}',
          ]);
          return e.stdout.split(' ').filter(Boolean).length === 3 && e;
        },
        30_000,
        'endpoints of the exposed Service',
      );
      expect(ep.code).toBe(0);
    }, 120_000);

    it('cp both ways', async () => {
      const local = path.join(work, 'to-pod.txt');
      fs.writeFileSync(local, 'copied into the pod\n');
      const up = await kc(['cp', local, `${NS}/solo:/tmp/in.txt`]);
      expect(up.code, up.stderr).toBe(0);
      expect(ok(await kc(['exec', 'solo', '-n', NS, '--', 'cat', '/tmp/in.txt'])).stdout).toBe(
        'copied into the pod\n',
      );
      ok(
        await kc([
          'exec',
          'solo',
          '-n',
          NS,
          '--',
          'sh',
          '-c',
          'mkdir -p /tmp/d && echo from-pod > /tmp/d/out.txt',
        ]),
      );
      const back = path.join(work, 'from-pod');
      const down = await kc(['cp', `${NS}/solo:/tmp/d`, back]);
      expect(down.code, down.stderr).toBe(0);
      expect(fs.readFileSync(path.join(back, 'out.txt'), 'utf8')).toBe('from-pod\n');
    });

    it('top nodes and top pods', async () => {
      const n = await eventually(
        async () => {
          const r = await kc(['top', 'nodes']);
          return r.code === 0 && r;
        },
        60_000,
        'node metrics',
      );
      expect(n.stdout).toMatch(/NAME\s+CPU\(cores\)\s+CPU(\(%\))?\s+MEMORY\(bytes\)\s+MEMORY(\(%\))?/);
      expect(n.stdout).toMatch(/\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
      const p = await eventually(
        async () => {
          const r = await kc(['top', 'pods', '-n', NS]);
          return r.code === 0 && r.stdout.includes('solo') && r;
        },
        60_000,
        'pod metrics',
      );
      expect(p.stdout).toMatch(/^solo\s+\d+m\s+\d+Mi/m);
      const c = ok(await kc(['top', 'pod', 'solo', '-n', NS, '--containers']));
      expect(c.stdout).toMatch(/^solo\s+main\s+\d+m\s+\d+Mi/m);
    }, 150_000);

    it('describe pod / service / node and events', async () => {
      const dp = ok(await kc(['describe', 'pod', 'solo', '-n', NS]));
      expect(dp.stdout).toMatch(/^Status:\s+Running$/m);
      expect(dp.stdout).toMatch(/^Labels:\s+app=solo$/m);
      expect(dp.stdout).toMatch(/Normal\s+Scheduled\s+\S+\s+\S+\s+Successfully assigned/);
      const ds = ok(await kc(['describe', 'svc', 'web', '-n', NS]));
      expect(ds.stdout).toMatch(/^TargetPort:\s+8080\/TCP$/m);
      expect(ds.stdout).toMatch(/^Endpoints:\s+(\d+\.\d+\.\d+\.\d+:8080,?){3}$/m);
      const node = ok(await kc(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
      const dn = ok(await kc(['describe', 'node', node]));
      expect(dn.stdout).toMatch(/Non-terminated Pods:\s+\(\d+ in total\)/);
      expect(dn.stdout).toContain(`${NS}  `);
      const ev = ok(await kc(['events', '-n', NS]));
      expect(ev.stdout).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
      expect(ev.stdout).toMatch(/Normal\s+Scheduled\s+Pod\/solo/);
      const evFor = ok(await kc(['events', '-n', NS, '--for', 'deployment/web']));
      expect(evFor.stdout).toMatch(/ScalingReplicaSet\s+Deployment\/web/);
      expect(evFor.stdout).not.toContain('Pod/solo');
      const ge = ok(
        await kc(['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=solo,reason=Started']),
      );
      expect(ge.stdout).toMatch(/Started\s+pod\/solo/);
    });
  });

  describe('delete (cascade modes, --wait) and wait', () => {
    const depPods = async (app: string) =>
      lines(
        (await kubectl(skiff.kubeconfig, ['get', 'rs,pods', '-n', NS, '-l', `app=${app}`, '-o', 'name']))
          .stdout,
      );

    it('wait --for=jsonpath and --for=delete', async () => {
      ok(await kc(['apply', '-f', '-'], { input: webDeployment('jp', 2) }));
      const w = await kc(
        ['wait', '-n', NS, 'deploy/jp', '--for=jsonpath={.status.readyReplicas}=2', '--timeout=90s'],
        {
          timeoutMs: 100_000,
        },
      );
      expect(w.code, w.stderr).toBe(0);
      expect(w.stdout).toBe('deployment.apps/jp condition met\n');
      const timeout = await kc([
        'wait',
        '-n',
        NS,
        'deploy/jp',
        '--for=jsonpath={.status.readyReplicas}=5',
        '--timeout=1s',
      ]);
      expect(timeout.code).toBe(1);
      expect(timeout.stderr).toContain('timed out waiting for the condition');
      ok(await kc(['delete', 'pod', 'solo', '-n', NS, '--wait=false']));
      const wd = await kc(['wait', '-n', NS, '--for=delete', 'pod/solo', '--timeout=60s'], {
        timeoutMs: 70_000,
      });
      expect(wd.code, wd.stderr).toBe(0);
      expect(wd.stdout).toBe('pod/solo condition met\n');
      const gone = await kc(['get', 'pod', 'solo', '-n', NS]);
      expect(gone.code).toBe(1);
    }, 180_000);

    it('--cascade=background (default, --wait) removes the ReplicaSet and pods', async () => {
      const d = ok(await kc(['delete', 'deployment', 'jp', '-n', NS, '--cascade=background']));
      expect(d.stdout).toBe('deployment.apps "jp" deleted\n');
      await eventually(async () => (await depPods('jp')).length === 0, 60_000, 'jp dependents collected');
    }, 90_000);

    it('--cascade=foreground: the owner waits for its dependents', async () => {
      ok(await kc(['apply', '-f', '-'], { input: webDeployment('fg', 2) }));
      ok(await kc(['rollout', 'status', 'deploy/fg', '-n', NS, '--timeout=90s'], { timeoutMs: 100_000 }));
      const d = await kc(['delete', 'deployment', 'fg', '-n', NS, '--cascade=foreground', '--timeout=90s'], {
        timeoutMs: 100_000,
      });
      expect(d.code, d.stderr).toBe(0);
      expect(d.stdout).toBe('deployment.apps "fg" deleted\n');
      // kubectl waited for the Deployment itself, which went only after its ReplicaSet (and pods).
      const rs = ok(await kc(['get', 'rs', '-n', NS, '-l', 'app=fg', '-o', 'name']));
      expect(rs.stdout).toBe('');
      expect(await depPods('fg')).toEqual([]);
    }, 200_000);

    it('--cascade=orphan keeps the ReplicaSet and pods, without owner', async () => {
      ok(await kc(['apply', '-f', '-'], { input: webDeployment('orph', 1) }));
      ok(await kc(['rollout', 'status', 'deploy/orph', '-n', NS, '--timeout=90s'], { timeoutMs: 100_000 }));
      const d = ok(await kc(['delete', 'deployment', 'orph', '-n', NS, '--cascade=orphan']));
      expect(d.stdout).toBe('deployment.apps "orph" deleted\n');
      const rs = ok(
        await kc([
          'get',
          'rs',
          '-n',
          NS,
          '-l',
          'app=orph',
          '-o',
          'jsonpath={range .items[*]}{.metadata.name}:{.metadata.ownerReferences}{"\\n"}{end}',
        ]),
      );
      expect(lines(rs.stdout)).toEqual([expect.stringMatching(/^orph-\w+:$/)]);
      const pods = ok(await kc(['get', 'pods', '-n', NS, '-l', 'app=orph', '--no-headers']));
      expect(lines(pods.stdout)).toHaveLength(1);
      // Deleting the orphaned ReplicaSet with --wait returns once it is gone.
      const rsd = ok(
        await kc(['delete', 'rs', '-n', NS, '-l', 'app=orph', '--wait', '--timeout=60s'], {
          timeoutMs: 70_000,
        }),
      );
      expect(rsd.stdout).toMatch(/^replicaset.apps "orph-\w+" deleted$/m);
      await eventually(async () => (await depPods('orph')).length === 0, 60_000, 'orphaned pods collected');
    }, 200_000);

    it('delete a missing object → NotFound; --ignore-not-found → 0', async () => {
      const m = await kc(['delete', 'cm', 'nope', '-n', NS]);
      expect(m.code).toBe(1);
      expect(m.stderr).toContain('Error from server (NotFound): configmaps "nope" not found');
      const i = await kc(['delete', 'cm', 'nope', '-n', NS, '--ignore-not-found']);
      expect(i.code).toBe(0);
      expect(i.stdout).toBe('');
    });
  });

  describe('docs-shaped manifests (test/e2e/manifests), applied unchanged', () => {
    const m = (f: string) => path.join(MANIFESTS, f);

    beforeAll(async () => {
      for (const ns of [DOCS, LIMITS, QUOTA]) ok(await kc(['create', 'namespace', ns]));
    });

    it('CronJob (created first so that its minute comes round)', async () => {
      expect(ok(await kc(['apply', '-n', DOCS, '-f', m('cronjob.yaml')])).stdout).toBe(
        'cronjob.batch/hello created\n',
      );
      const g = ok(await kc(['get', 'cronjob', 'hello', '-n', DOCS]));
      expect(g.stdout).toMatch(/^hello\s+\* \* \* \* \*\s+<none>\s+False\s+0\s/m);
    });

    it('Deployment + Service: 3 replicas ready, endpoints list them', async () => {
      expect(ok(await kc(['apply', '-n', DOCS, '-f', m('deployment.yaml')])).stdout).toBe(
        'deployment.apps/httpd-deployment created\n',
      );
      expect(ok(await kc(['apply', '-n', DOCS, '-f', m('service.yaml')])).stdout).toBe(
        'service/my-service created\n',
      );
      const st = await kc(
        ['rollout', 'status', 'deployment/httpd-deployment', '-n', DOCS, '--timeout=120s'],
        {
          timeoutMs: 130_000,
        },
      );
      expect(st.stdout).toContain('deployment "httpd-deployment" successfully rolled out');
      const again = ok(await kc(['apply', '-n', DOCS, '-f', m('deployment.yaml')]));
      expect(again.stdout).toBe('deployment.apps/httpd-deployment unchanged\n');
      const ep = await eventually(
        async () => {
          const r = await kc([
            'get',
            'endpoints',
            'my-service',
            '-n',
            DOCS,
            '-o',
            'jsonpath={.subsets[*].addresses[*].ip}',
          ]);
          return r.stdout.split(' ').filter(Boolean).length === 3 && r;
        },
        30_000,
        'three endpoints',
      );
      const podIps = ok(
        await kc(['get', 'pods', '-n', DOCS, '-l', 'app=httpd', '-o', 'jsonpath={.items[*].status.podIP}']),
      );
      expect(ep.stdout.split(' ').sort()).toEqual(podIps.stdout.split(' ').sort());
      const port = ok(
        await kc([
          'get',
          'endpoints',
          'my-service',
          '-n',
          DOCS,
          '-o',
          'jsonpath={.subsets[0].ports[0].port}',
        ]),
      );
      expect(port.stdout).toBe('80');
      const slices = ok(
        await kc([
          'get',
          'endpointslices',
          '-n',
          DOCS,
          '-l',
          'kubernetes.io/service-name=my-service',
          '-o',
          'jsonpath={.items[*].endpoints[*].addresses[0]}',
        ]),
      );
      expect(slices.stdout.split(' ').sort()).toEqual(podIps.stdout.split(' ').sort());
    }, 180_000);

    it('ConfigMap consumed as env and as files', async () => {
      const a = ok(await kc(['apply', '-n', DOCS, '-f', m('configmap.yaml')]));
      expect(a.stdout).toBe('configmap/game-demo created\npod/configmap-demo-pod created\n');
      ok(
        await kc(['wait', '-n', DOCS, '--for=condition=Ready', 'pod/configmap-demo-pod', '--timeout=60s'], {
          timeoutMs: 70_000,
        }),
      );
      const env = ok(
        await kc([
          'exec',
          '-n',
          DOCS,
          'configmap-demo-pod',
          '--',
          'sh',
          '-c',
          'echo $PLAYER_INITIAL_LIVES $UI_PROPERTIES_FILE_NAME',
        ]),
      );
      expect(env.stdout).toBe('3 user-interface.properties\n');
      const files = ok(await kc(['exec', '-n', DOCS, 'configmap-demo-pod', '--', 'ls', '/config']));
      expect(lines(files.stdout)).toEqual(['game.properties', 'user-interface.properties']);
      const game = ok(
        await kc(['exec', '-n', DOCS, 'configmap-demo-pod', '--', 'cat', '/config/game.properties']),
      );
      expect(game.stdout).toBe('enemy.types=aliens,monsters\nplayer.maximum-lives=5\n');
    }, 90_000);

    it('Job runs to completion; its logs hold the result', async () => {
      expect(ok(await kc(['apply', '-n', DOCS, '-f', m('job.yaml')])).stdout).toBe('job.batch/pi created\n');
      const w = await kc(['wait', '-n', DOCS, '--for=condition=complete', 'job/pi', '--timeout=90s'], {
        timeoutMs: 100_000,
      });
      expect(w.code, w.stderr).toBe(0);
      expect(w.stdout).toBe('job.batch/pi condition met\n');
      const l = ok(await kc(['logs', '-n', DOCS, 'job/pi']));
      expect(l.stdout).toBe('3.14159265358979323846264338327950288419716939937510\n');
      const d = ok(await kc(['describe', 'job', 'pi', '-n', DOCS]));
      expect(d.stdout).toMatch(/Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed/);
      // Recorded once (regression: a sync from a stale cache recorded it a second time, "(x2 over 0s)").
      expect(d.stdout).toMatch(/Normal\s+Completed\s+\d+s\s+job-controller\s+Job completed/);
      const ev = ok(
        await kc([
          'get',
          'events',
          '-n',
          DOCS,
          '--field-selector',
          'involvedObject.name=pi,reason=Completed',
          '-o',
          'jsonpath={.items[*].count}',
        ]),
      );
      expect(ev.stdout).toBe('1');
    }, 120_000);

    it('StatefulSet: headless Service, pods created in order, one PVC each', async () => {
      const a = ok(await kc(['apply', '-n', DOCS, '-f', m('statefulset.yaml')]));
      expect(a.stdout).toBe('service/nginx created\nstatefulset.apps/web created\n');
      const st = await kc(['rollout', 'status', 'sts/web', '-n', DOCS, '--timeout=120s'], {
        timeoutMs: 130_000,
      });
      expect(st.code, st.stderr).toBe(0);
      expect(st.stdout).toContain('partitioned roll out complete: 2 new pods have been updated...');
      const t = ok(
        await kc([
          'get',
          'pods',
          '-n',
          DOCS,
          '-l',
          'app=nginx',
          '-o',
          'jsonpath={range .items[*]}{.metadata.name} {.metadata.creationTimestamp} {.status.conditions[?(@.type=="Ready")].lastTransitionTime}{"\\n"}{end}',
        ]),
      );
      const rows = Object.fromEntries(
        lines(t.stdout).map((l) => {
          const [n, c, r] = l.split(' ');
          return [n, { created: Date.parse(c), ready: Date.parse(r) }];
        }),
      );
      expect(Object.keys(rows).sort()).toEqual(['web-0', 'web-1']);
      expect(rows['web-1'].created).toBeGreaterThanOrEqual(rows['web-0'].ready);
      const pvc = ok(
        await kc([
          'get',
          'pvc',
          '-n',
          DOCS,
          '-o',
          'custom-columns=NAME:.metadata.name,STATUS:.status.phase',
          '--no-headers',
        ]),
      );
      expect(lines(pvc.stdout).map((l) => l.split(/\s+/).join(' '))).toEqual([
        'www-web-0 Bound',
        'www-web-1 Bound',
      ]);
      const host = ok(
        await kc(['exec', '-n', DOCS, 'web-1', '--', 'cat', '/usr/share/nginx/html/index.html']),
      );
      expect(host.stdout).toBe('web-1\n');
      const svc = ok(await kc(['get', 'svc', 'nginx', '-n', DOCS]));
      expect(svc.stdout).toMatch(/^nginx\s+ClusterIP\s+None\s+<none>\s+80\/TCP/m);
    }, 180_000);

    it('DaemonSet: one pod on the node', async () => {
      expect(ok(await kc(['apply', '-n', DOCS, '-f', m('daemonset.yaml')])).stdout).toBe(
        'daemonset.apps/fluentd-elasticsearch created\n',
      );
      const st = await kc(['rollout', 'status', 'ds/fluentd-elasticsearch', '-n', DOCS, '--timeout=90s'], {
        timeoutMs: 100_000,
      });
      expect(st.stdout).toContain('daemon set "fluentd-elasticsearch" successfully rolled out');
      const g = ok(await kc(['get', 'ds', 'fluentd-elasticsearch', '-n', DOCS]));
      expect(g.stdout).toMatch(/^fluentd-elasticsearch\s+1\s+1\s+1\s+1\s+1\s+<none>/m);
    }, 120_000);

    it('LimitRange defaults a pod without resources', async () => {
      const a = ok(await kc(['apply', '-n', LIMITS, '-f', m('limitrange.yaml')]));
      expect(a.stdout).toBe('limitrange/mem-limit-range created\npod/default-mem-demo created\n');
      const r = ok(
        await kc([
          'get',
          'pod',
          'default-mem-demo',
          '-n',
          LIMITS,
          '-o',
          'jsonpath={.spec.containers[0].resources}',
        ]),
      );
      expect(JSON.parse(r.stdout)).toEqual({ limits: { memory: '512Mi' }, requests: { memory: '256Mi' } });
      const d = ok(await kc(['describe', 'limitrange', 'mem-limit-range', '-n', LIMITS]));
      expect(d.stdout).toMatch(/Container\s+memory\s+-\s+-\s+256Mi\s+512Mi\s+-/);
    });

    it('ResourceQuota: usage in describe quota, over-quota and unspecified pods are forbidden', async () => {
      const a = ok(await kc(['apply', '-n', QUOTA, '-f', m('resourcequota.yaml')]));
      expect(a.stdout).toBe('resourcequota/mem-cpu-demo created\npod/quota-mem-cpu-demo created\n');
      const d = await eventually(
        async () => {
          const r = await kc(['describe', 'quota', 'mem-cpu-demo', '-n', QUOTA]);
          return /requests\.memory\s+600Mi\s+1Gi/.test(r.stdout) && r;
        },
        30_000,
        'quota usage',
      );
      expect(d.stdout).toMatch(/limits\.cpu\s+800m\s+2/);
      expect(d.stdout).toMatch(/limits\.memory\s+800Mi\s+2Gi/);
      expect(d.stdout).toMatch(/requests\.cpu\s+400m\s+1/);
      const over = await kc(['apply', '-n', QUOTA, '-f', m('resourcequota-pod-2.yaml')]);
      expect(over.code).toBe(1);
      expect(over.stderr).toContain(
        'pods "quota-mem-cpu-demo-2" is forbidden: exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=600Mi, limited: requests.memory=1Gi',
      );
      const bare = await kc(['run', 'bare', '-n', QUOTA, `--image=${IMAGE}`, '--', 'sleep', '60']);
      expect(bare.code).toBe(1);
      expect(bare.stderr).toMatch(
        /pods "bare" is forbidden: failed quota: mem-cpu-demo: must specify limits\.cpu/,
      );
      const used = ok(
        await kc([
          'get',
          'resourcequota',
          'mem-cpu-demo',
          '-n',
          QUOTA,
          '-o',
          'jsonpath={.status.used.requests\\.memory}',
        ]),
      );
      expect(used.stdout).toBe('600Mi');
    }, 60_000);

    it('CronJob fired: a Job ran and said hello', async () => {
      const job = await eventually(
        async () => {
          const r = await kc([
            'get',
            'jobs',
            '-n',
            DOCS,
            '-o',
            'jsonpath={range .items[*]}{.metadata.name} {.status.succeeded}{"\\n"}{end}',
          ]);
          return lines(r.stdout)
            .find((l) => /^hello-\d+ 1$/.test(l))
            ?.split(' ')[0];
        },
        150_000,
        'a completed Job of CronJob hello',
      );
      const l = ok(await kc(['logs', '-n', DOCS, `job/${job}`]));
      expect(l.stdout).toMatch(/Hello from the Kubernetes cluster\n$/);
      const cj = ok(
        await kc(['get', 'cronjob', 'hello', '-n', DOCS, '-o', 'jsonpath={.status.lastScheduleTime}']),
      );
      expect(cj.stdout).toMatch(/^\d{4}-\d\d-\d\dT/);
    }, 180_000);
  });

  describe('nodes: cordon, uncordon, drain', () => {
    it('cordon makes the node unschedulable; new pods stay Pending until uncordon', async () => {
      const node = ok(await kc(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
      expect(ok(await kc(['cordon', node])).stdout).toBe(`node/${node} cordoned\n`);
      try {
        const g = ok(await kc(['get', 'node', node]));
        expect(g.stdout).toMatch(/Ready,SchedulingDisabled/);
        ok(await kc(['run', 'waiting', '-n', NS, `--image=${IMAGE}`, '--', 'sleep', '3600']));
        const ev = await eventually(
          async () => {
            const r = await kc([
              'get',
              'events',
              '-n',
              NS,
              '--field-selector',
              'involvedObject.name=waiting,reason=FailedScheduling',
            ]);
            return r.stdout.includes('FailedScheduling') && r;
          },
          30_000,
          'FailedScheduling',
        );
        expect(ev.stdout).toMatch(/unschedulable/);
      } finally {
        expect(ok(await kc(['uncordon', node])).stdout).toBe(`node/${node} uncordoned\n`);
      }
      const w = await kc(['wait', '-n', NS, '--for=condition=Ready', 'pod/waiting', '--timeout=60s'], {
        timeoutMs: 70_000,
      });
      expect(w.code, w.stderr).toBe(0);
      ok(await kc(['delete', 'pod', 'waiting', '-n', NS, '--wait=false']));
    }, 120_000);

    it('drain evicts the selected pods; the Deployment replaces them once uncordoned', async () => {
      const node = ok(await kc(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
      const before = lines(ok(await kc(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'name'])).stdout);
      expect(before).toHaveLength(3);
      const d = await kc(['drain', node, '--ignore-daemonsets', '--pod-selector=app=web', '--timeout=120s'], {
        timeoutMs: 130_000,
      });
      try {
        expect(d.code, d.stderr).toBe(0);
        expect(d.stdout).toContain(`node/${node} cordoned`);
        for (const p of before) expect(d.stdout).toContain(`${p} evicted`);
        expect(d.stdout).toContain(`node/${node} drained`);
      } finally {
        ok(await kc(['uncordon', node]));
      }
      await eventually(
        async () => {
          const r = await kubectl(skiff.kubeconfig, [
            'get',
            'pods',
            '-n',
            NS,
            '-l',
            'app=web',
            '--no-headers',
          ]);
          const l = lines(r.stdout);
          return (
            l.length === 3 &&
            l.every((x) => /1\/1\s+Running/.test(x)) &&
            l.every((x) => !before.includes(`pod/${x.split(/\s+/)[0]}`))
          );
        },
        90_000,
        'three new web pods Running',
      );
    }, 240_000);
  });

  it('made at least 60 kubectl invocations, each asserted', () => {
    expect(invocations).toBeGreaterThanOrEqual(60);
  });
});
