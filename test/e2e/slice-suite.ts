// The kubectl slice suite (not a spec file itself): slice.spec.ts runs it on the default store, slice-etcd.spec.ts on a throwaway etcd; touches only its own Skiff process, namespace and containers.
/**
 * The slice end to end, as a user does it: `skiff serve` as a real process, the real kubectl,
 * real Docker containers. Mirrors the acceptance list of issue 2.
 */
import fs from 'node:fs';
import https from 'node:https';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerAvailable, podContainers } from '../helpers/docker';
import { eventually, kubectl, startSkiff, tempDir, type SkiffProcess } from '../helpers/skiff-process';

const NS = `slice-${Date.now().toString(36)}`;

function deploymentYaml(replicas: number, opts: { image?: string; greeting?: string } = {}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  namespace: ${NS}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: hello }
  strategy:
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  template:
    metadata:
      labels: { app: hello }
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: app
          image: ${opts.image ?? 'skiff-test/busybox:1'}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "echo \\"$GREETING from $HOSTNAME\\"; i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done"]
          env:
            - name: GREETING
              value: ${opts.greeting ?? 'hello-skiff'}
          resources:
            limits: { cpu: 250m, memory: 64Mi }
`;
}

function rawGet(
  apiUrl: string,
  p: string,
  headers: Record<string, string>,
  ca?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(p, apiUrl);
    const req = https.request(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        headers,
        ca,
        rejectUnauthorized: !!ca,
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Registers the slice suite. `extraArgs` (asked when serve starts, so a file's beforeAll can
 * set it up) are added to every `skiff serve` of the suite, e.g. `--store etcd://…`.
 */
export function sliceSuite(
  opts: { title?: string; extraArgs?: () => string[]; dataDir?: string; enabled?: boolean } = {},
): void {
  const hasDocker = opts.enabled !== false && dockerAvailable();
  const extraArgs = () => opts.extraArgs?.() ?? [];
  describe.skipIf(!hasDocker)(
    opts.title ?? 'slice: kubectl → scheduler → controllers → kubelet → Docker',
    () => {
      let skiff: SkiffProcess;
      let kc: (args: string[], input?: string) => ReturnType<typeof kubectl>;
      const dataDir = opts.dataDir ?? tempDir('skiff-slice-');

      beforeAll(async () => {
        skiff = await startSkiff({ dataDir, extraArgs: extraArgs() });
        kc = (args, input) => kubectl(skiff.kubeconfig, args, { input });
      }, 180_000);

      afterAll(async () => {
        if (!skiff) return;
        await kc(['delete', 'namespace', NS, '--wait=false']).catch(() => undefined);
        await skiff.destroy();
        for (const id of podContainers(`label=io.kubernetes.pod.namespace=${NS}`)) docker('rm', '-f', id);
      }, 60_000);

      it('writes a 0600 kubeconfig and shows the node Ready', async () => {
        expect(fs.statSync(skiff.kubeconfig).mode & 0o777).toBe(0o600);
        const r = await eventually(
          async () => {
            const r = await kc(['get', 'nodes']);
            return / Ready /.test(r.stdout) && r;
          },
          10_000,
          'node Ready',
        );
        expect(r.stdout).toMatch(/NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
      });

      it('answers 401 Status without a token and with a wrong one', async () => {
        const none = await rawGet(skiff.apiUrl, '/api/v1/pods', {});
        expect(none.status).toBe(401);
        expect(JSON.parse(none.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
        const wrong = await rawGet(skiff.apiUrl, '/api/v1/pods', { Authorization: 'Bearer nope' });
        expect(wrong.status).toBe(401);
        const ok = await rawGet(skiff.apiUrl, '/api/v1/namespaces', {
          Authorization: `Bearer ${skiff.token}`,
        });
        expect(ok.status).toBe(200);
        const version = await rawGet(skiff.apiUrl, '/version', {});
        expect(JSON.parse(version.body).gitVersion).toMatch(/^v1\.32\./);
      });

      it('runs a 3-replica Deployment with enforced limits, and serves its logs', async () => {
        // (`kubectl create namespace` POSTs protobuf, which is the [api] issue's; apply sends JSON.)
        expect(
          (await kc(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${NS} }\n`))
            .code,
        ).toBe(0);
        const apply = await kc(['apply', '-f', '-'], deploymentYaml(3));
        expect(apply.stdout + apply.stderr).toContain('deployment.apps/hello created');
        await eventually(
          async () => {
            const r = await kc(['get', 'pods', '-n', NS, '-l', 'app=hello', '--no-headers']);
            const lines = r.stdout.trim().split('\n').filter(Boolean);
            return lines.length === 3 && lines.every((l) => /\b1\/1\s+Running\b/.test(l));
          },
          90_000,
          '3 pods Running',
        );
        const ids = podContainers(`label=io.kubernetes.pod.namespace=${NS}`);
        const apps = ids.filter(
          (id) =>
            docker('inspect', '-f', '{{index .Config.Labels "io.kubernetes.container.name"}}', id).trim() ===
            'app',
        );
        expect(apps).toHaveLength(3);
        for (const id of apps) {
          const [mem, cpus] = docker('inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}', id)
            .trim()
            .split(' ');
          expect(Number(mem)).toBe(64 * 1024 * 1024);
          expect(Number(cpus)).toBe(250_000_000);
        }
        const pod = (
          await kc(['get', 'pods', '-n', NS, '-l', 'app=hello', '-o', 'jsonpath={.items[0].metadata.name}'])
        ).stdout;
        const logs = await eventually(
          async () => {
            const r = await kc(['logs', '-n', NS, pod]);
            return r.stdout.includes('hello-skiff from') && r;
          },
          20_000,
          'log line',
        );
        expect(logs.stdout).toContain(`hello-skiff from ${pod}`);
        const tail = await kc(['logs', '-n', NS, pod, '--tail=1']);
        expect(tail.stdout.trim().split('\n')).toHaveLength(1);

        // logs -f streams lines as they are written.
        const f = spawn(
          'kubectl',
          ['--kubeconfig', skiff.kubeconfig, 'logs', '-f', '-n', NS, pod, '--tail=1'],
          {
            env: { ...process.env, KUBECONFIG: skiff.kubeconfig },
          },
        );
        let streamed = '';
        f.stdout.on('data', (d) => (streamed += d));
        const ticks = await eventually(
          () => {
            const n = (streamed.match(/tick \d+/g) ?? []).length;
            return n >= 3 && n;
          },
          20_000,
          'three streamed ticks',
        );
        f.kill();
        expect(ticks).toBeGreaterThanOrEqual(3);
      });

      it('prints Kubernetes-looking output for get -o wide/yaml and describe', async () => {
        const wide = await kc(['get', 'pods', '-n', NS, '-o', 'wide']);
        expect(wide.stdout).toMatch(/NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
        const yaml = await kc(['get', 'deployment', 'hello', '-n', NS, '-o', 'yaml']);
        expect(yaml.stdout).toContain('kind: Deployment');
        expect(yaml.stdout).toMatch(/revisionHistoryLimit: 10/);
        expect(yaml.stdout).toMatch(/deployment.kubernetes.io\/revision: "1"/);
        const pod = (await kc(['get', 'pods', '-n', NS, '-o', 'name'])).stdout.trim().split('\n')[0];
        const dp = await kc(['describe', '-n', NS, pod]);
        expect(dp.stdout).toMatch(/Status:\s+Running/);
        expect(dp.stdout).toMatch(/Limits:\s+cpu:\s+250m\s+memory:\s+64Mi/);
        const dd = await kc(['describe', 'deployment', 'hello', '-n', NS]);
        expect(dd.stdout).toMatch(/Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available/);
        expect(dd.stdout).toMatch(/NewReplicaSet:\s+hello-\w+/);
        const node = (await kc(['get', 'nodes', '-o', 'name'])).stdout.trim();
        const dn = await kc(['describe', node]);
        expect(dn.stdout).toMatch(/Capacity:/);
        expect(dn.stdout).toMatch(/Allocatable:/);
        expect(dn.stdout).toMatch(/Non-terminated Pods:\s+\(\d+ in total\)/);
      });

      it('shows changes live with get -w', async () => {
        const w = spawn('kubectl', ['--kubeconfig', skiff.kubeconfig, 'get', 'pods', '-n', NS, '-w'], {
          env: { ...process.env, KUBECONFIG: skiff.kubeconfig },
        });
        let out = '';
        w.stdout.on('data', (d) => (out += d));
        await eventually(() => out.includes('Running'), 15_000, 'initial rows');
        const before = out.length;
        await kc([
          'run',
          'watched',
          '-n',
          NS,
          '--image=skiff-test/busybox:1',
          '--image-pull-policy=IfNotPresent',
          '--',
          'sleep',
          '3600',
        ]);
        await eventually(() => out.slice(before).includes('watched'), 30_000, 'a watch row for the new pod');
        w.kill();
        await kc(['delete', 'pod', 'watched', '-n', NS, '--wait=false']);
      });

      it('scales and rolls out a changed template; rollout status completes', async () => {
        expect((await kc(['scale', 'deployment', 'hello', '-n', NS, '--replicas=5'])).code).toBe(0);
        await eventually(
          async () => {
            const r = await kc([
              'get',
              'deployment',
              'hello',
              '-n',
              NS,
              '-o',
              'jsonpath={.status.availableReplicas}',
            ]);
            return r.stdout === '5';
          },
          90_000,
          '5 available',
        );
        const apply = await kc(
          ['apply', '-f', '-'],
          deploymentYaml(5, { greeting: 'hello-again', image: 'skiff-test/busybox:2' }),
        );
        expect(apply.stdout).toContain('configured');
        const status = await kubectl(
          skiff.kubeconfig,
          ['rollout', 'status', 'deployment/hello', '-n', NS, '--timeout=150s'],
          { timeoutMs: 170_000 },
        );
        expect(status.stdout).toContain('successfully rolled out');
        const rs = await kc([
          'get',
          'rs',
          '-n',
          NS,
          '-l',
          'app=hello',
          '-o',
          'jsonpath={range .items[*]}{.spec.replicas}{" "}{end}',
        ]);
        expect(rs.stdout.trim().split(' ').map(Number).sort()).toEqual([0, 5]);
        // Old pods may still be terminating right after the rollout; the live set converges to :2.
        await eventually(
          async () => {
            const images = await kc([
              'get',
              'pods',
              '-n',
              NS,
              '-l',
              'app=hello',
              '-o',
              'jsonpath={.items[*].spec.containers[0].image}',
            ]);
            const list = images.stdout.split(' ').filter(Boolean);
            return list.length === 5 && list.every((i) => i === 'skiff-test/busybox:2');
          },
          30_000,
          'only new pods left',
        );
      }, 240_000);

      it('keeps an oversized pod Pending with a FailedScheduling event', async () => {
        const r = await kc(
          ['apply', '-f', '-'],
          `apiVersion: v1
kind: Pod
metadata: { name: huge, namespace: ${NS} }
spec:
  containers:
    - name: app
      image: skiff-test/busybox:1
      command: ["sleep", "3600"]
      resources: { requests: { cpu: "512", memory: 4Ti } }
`,
        );
        expect(r.code).toBe(0);
        const ev = await eventually(
          async () => {
            const e = await kc([
              'get',
              'events',
              '-n',
              NS,
              '--field-selector',
              'involvedObject.name=huge,reason=FailedScheduling',
            ]);
            return e.stdout.includes('FailedScheduling') && e;
          },
          30_000,
          'FailedScheduling event',
        );
        expect(ev.stdout).toMatch(/0\/1 nodes are available: .*Insufficient (cpu|memory)/);
        const phase = await kc(['get', 'pod', 'huge', '-n', NS, '-o', 'jsonpath={.status.phase}']);
        expect(phase.stdout).toBe('Pending');
        await kc(['delete', 'pod', 'huge', '-n', NS]);
      });

      it('rejects bad input with a 4xx Status naming the problem and keeps serving', async () => {
        const badName = await kc(
          ['apply', '-f', '-'],
          `apiVersion: v1\nkind: ConfigMapX\nmetadata: {name: x}\n`,
        );
        expect(badName.code).not.toBe(0);
        const upper = await kc(
          ['create', '-f', '-', '--validate=false'],
          `apiVersion: v1\nkind: Pod\nmetadata: { name: Bad_Name, namespace: ${NS} }\nspec: { containers: [ { name: app, image: x } ] }\n`,
        );
        expect(upper.stderr).toMatch(/is invalid: metadata.name: Invalid value/);
        const noImage = await kc(
          ['create', '-f', '-', '--validate=false'],
          `apiVersion: v1\nkind: Pod\nmetadata: { name: noimage, namespace: ${NS} }\nspec: { containers: [ { name: app } ] }\n`,
        );
        expect(noImage.stderr).toMatch(/spec.containers\[0\].image: Required value/);
        const auth = { Authorization: `Bearer ${skiff.token}`, 'Content-Type': 'application/json' };
        const post = (body: string, ct = 'application/json') =>
          new Promise<{ status: number; body: string }>((resolve, reject) => {
            const u = new URL(`/api/v1/namespaces/${NS}/pods`, skiff.apiUrl);
            const req = https.request(
              {
                hostname: u.hostname,
                port: u.port,
                path: u.pathname,
                method: 'POST',
                headers: { ...auth, 'Content-Type': ct },
                rejectUnauthorized: false,
              },
              (res) => {
                let b = '';
                res.on('data', (d) => (b += d));
                res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
              },
            );
            req.on('error', (e) => resolve({ status: 0, body: String(e) }));
            req.end(body);
            void reject;
          });
        const malformed = await post('{"apiVersion":"v1","kind":"Pod",');
        expect(malformed.status).toBe(400);
        expect(JSON.parse(malformed.body).kind).toBe('Status');
        const badYaml = await post('apiVersion: v1\nkind: Pod\n  bad: [', 'application/yaml');
        expect(badYaml.status).toBe(400);
        const huge = await post(
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: 'big' },
            pad: 'x'.repeat(3.5 * 1024 * 1024),
          }),
        );
        expect(huge.status).toBe(413);
        expect(JSON.parse(huge.body)).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge' });
        const still = await kc(['get', 'ns', NS]);
        expect(still.code).toBe(0);
      });

      it('survives a restart: objects kept, containers adopted not recreated', async () => {
        const before = podContainers(`label=io.kubernetes.pod.namespace=${NS}`);
        const pods = (await kc(['get', 'pods', '-n', NS, '-o', 'name'])).stdout;
        expect(await skiff.stop('SIGTERM')).toBe(0);
        skiff = await startSkiff({ dataDir, extraArgs: extraArgs() });
        kc = (args, input) => kubectl(skiff.kubeconfig, args, { input });
        expect((await kc(['get', 'pods', '-n', NS, '-o', 'name'])).stdout).toBe(pods);
        await eventually(
          async () => {
            const r = await kc(['get', 'pods', '-n', NS, '-l', 'app=hello', '--no-headers']);
            const lines = r.stdout.trim().split('\n').filter(Boolean);
            return lines.length === 5 && lines.every((l) => /1\/1\s+Running/.test(l));
          },
          30_000,
          'pods Running after restart',
        );
        await new Promise((r) => setTimeout(r, 3000));
        expect(podContainers(`label=io.kubernetes.pod.namespace=${NS}`)).toEqual(before);
      }, 120_000);

      it('deleting the Deployment removes its ReplicaSets, pods and containers within 10 s', async () => {
        const t0 = Date.now();
        expect((await kc(['delete', 'deployment', 'hello', '-n', NS, '--wait=false'])).code).toBe(0);
        await eventually(
          async () => {
            const rs = await kc(['get', 'rs,pods', '-n', NS, '-l', 'app=hello', '-o', 'name']);
            return (
              rs.stdout.trim() === '' && podContainers(`label=io.kubernetes.pod.namespace=${NS}`).length === 0
            );
          },
          10_000,
          'everything gone',
        );
        expect(Date.now() - t0).toBeLessThan(10_000);
      }, 30_000);
    },
  );
}
