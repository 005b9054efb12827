/**
 * The issue-3 controllers end to end, as a user drives them: `skiff serve` as a real process,
 * the real kubectl, real Docker containers. Jobs run to completion (`kubectl wait`), a CronJob
 * fires on its schedule, a StatefulSet comes up in order and rolls (rollout status / history /
 * undo), a DaemonSet lands on the node, a Service's Endpoints list the ready pods, a PVC is
 * bound by the default StorageClass, and a deleted namespace stays Terminating until empty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerAvailable, podContainers } from '../helpers/docker';
import { eventually, kubectl, startSkiff, tempDir, type SkiffProcess } from '../helpers/skiff-process';

const hasDocker = dockerAvailable();
const NS = `wl-${Date.now().toString(36)}`;
const DOOMED = `${NS}-doomed`;

/** A container that exits promptly on SIGTERM. */
const loop = (img = 'skiff-test/busybox:1') => `
      terminationGracePeriodSeconds: 2
      containers:
        - name: app
          image: ${img}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
          ports: [{ name: web, containerPort: 8080 }]`;

describe.skipIf(!hasDocker)(
  'kubectl workloads: Jobs, CronJobs, StatefulSets, DaemonSets, Services, PVCs, namespaces',
  () => {
    let skiff: SkiffProcess;
    let kc: (args: string[], input?: string, timeoutMs?: number) => ReturnType<typeof kubectl>;
    const dataDir = tempDir('skiff-workloads-');

    beforeAll(async () => {
      skiff = await startSkiff({ dataDir });
      kc = (args, input, timeoutMs) => kubectl(skiff.kubeconfig, args, { input, timeoutMs });
      const ns = await kc(
        ['apply', '-f', '-'],
        `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${NS} }\n---\napiVersion: v1\nkind: Namespace\nmetadata: { name: ${DOOMED} }\n`,
      );
      expect(ns.code, ns.stderr).toBe(0);
      // Created first so that its schedule has come round by the time the last test looks.
      const cj = await kc(
        ['apply', '-n', NS, '-f', '-'],
        `apiVersion: batch/v1
kind: CronJob
metadata: { name: tick }
spec:
  schedule: "*/1 * * * *"
  successfulJobsHistoryLimit: 1
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers:
            - name: tick
              image: skiff-test/busybox:1
              imagePullPolicy: IfNotPresent
              command: ["sh", "-c", "echo tick"]
`,
      );
      expect(cj.code, cj.stderr).toBe(0);
    }, 180_000);

    afterAll(async () => {
      if (!skiff) return;
      // This cluster's id (kube-system's uid) labels its Docker volumes: remove exactly those.
      const cluster = (await kc(['get', 'namespace', 'kube-system', '-o', 'jsonpath={.metadata.uid}']))
        .stdout;
      await kc(['delete', 'namespace', NS, DOOMED, '--wait=false']).catch(() => undefined);
      await skiff.destroy();
      const volumes = cluster
        ? docker('volume', 'ls', '-q', '--filter', `label=skiff.dev/managed-by=skiff-${cluster}`).split('\n')
        : [];
      for (const ns of [NS, DOOMED])
        for (const id of podContainers(`label=io.kubernetes.pod.namespace=${ns}`)) docker('rm', '-f', id);
      for (const v of volumes.filter(Boolean)) docker('volume', 'rm', '-f', v);
    }, 60_000);

    it('runs a Job to completion: kubectl wait --for=condition=complete', async () => {
      const apply = await kc(
        ['apply', '-n', NS, '-f', '-'],
        `apiVersion: batch/v1
kind: Job
metadata: { name: pi }
spec:
  completions: 2
  parallelism: 2
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
        - name: pi
          image: skiff-test/busybox:1
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "echo 3.14159"]
`,
      );
      expect(apply.stdout).toContain('job.batch/pi created');
      const wait = await kc(
        ['wait', '-n', NS, '--for=condition=complete', 'job/pi', '--timeout=90s'],
        undefined,
        100_000,
      );
      expect(wait.code, wait.stderr).toBe(0);
      expect(wait.stdout).toContain('job.batch/pi condition met');
      const st = await kc([
        'get',
        'job',
        'pi',
        '-n',
        NS,
        '-o',
        'jsonpath={.status.succeeded}/{.status.failed}/{.status.completionTime}',
      ]);
      expect(st.stdout).toMatch(/^2\/0\/\d{4}-\d\d-\d\dT/);
      const get = await kc(['get', 'job', 'pi', '-n', NS]);
      expect(get.stdout).toMatch(/pi\s+Complete\s+2\/2/);
      // The pods are kept (finished) and let go of the Job's tracking finalizer.
      const pods = await kc([
        'get',
        'pods',
        '-n',
        NS,
        '-l',
        'batch.kubernetes.io/job-name=pi',
        '-o',
        'jsonpath={range .items[*]}{.status.phase} {.metadata.finalizers}{"\\n"}{end}',
      ]);
      expect(
        pods.stdout
          .trim()
          .split('\n')
          .map((l) => l.trim()),
      ).toEqual(['Succeeded', 'Succeeded']);
    }, 120_000);

    it('brings a StatefulSet of 2 up in order, rolls it, shows history and undoes', async () => {
      const apply = await kc(
        ['apply', '-n', NS, '-f', '-'],
        `apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  clusterIP: None
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: web }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: web }
spec:
  replicas: 2
  serviceName: web
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:${loop()}
`,
      );
      expect(apply.code, apply.stderr).toBe(0);
      const rs = await kc(['rollout', 'status', 'sts/web', '-n', NS, '--timeout=120s'], undefined, 130_000);
      expect(rs.code, rs.stderr).toBe(0);
      // The API server defaults rollingUpdate.partition to 0, so kubectl reports a partitioned roll out.
      expect(rs.stdout).toContain('partitioned roll out complete: 2 new pods have been updated...');
      // Ordered: web-1 was created only once web-0 was Ready.
      const t = await kc([
        'get',
        'pods',
        '-n',
        NS,
        '-l',
        'app=web',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name} {.metadata.creationTimestamp} {.status.conditions[?(@.type=="Ready")].lastTransitionTime}{"\\n"}{end}',
      ]);
      const rows = Object.fromEntries(
        t.stdout
          .trim()
          .split('\n')
          .map((l) => {
            const [n, c, r] = l.split(' ');
            return [n, { created: Date.parse(c), ready: Date.parse(r) }];
          }),
      );
      expect(Object.keys(rows).sort()).toEqual(['web-0', 'web-1']);
      expect(rows['web-1'].created).toBeGreaterThanOrEqual(rows['web-0'].ready);
      const host = await kc([
        'get',
        'pod',
        'web-1',
        '-n',
        NS,
        '-o',
        'jsonpath={.spec.hostname}.{.spec.subdomain}',
      ]);
      expect(host.stdout).toBe('web-1.web');

      // The headless Service's Endpoints list both ready pods by IP and hostname.
      const ips = (
        await kc(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'jsonpath={.items[*].status.podIP}'])
      ).stdout
        .trim()
        .split(' ')
        .sort();
      expect(ips).toHaveLength(2);
      await eventually(
        async () => {
          const ep = await kc([
            'get',
            'endpoints',
            'web',
            '-n',
            NS,
            '-o',
            'jsonpath={.subsets[0].addresses[*].ip} {.subsets[0].ports[0].port}',
          ]);
          const [a, b, port] = ep.stdout.trim().split(' ');
          return [a, b].sort().join() === ips.join() && port === '8080';
        },
        20_000,
        'Endpoints with both pod IPs',
      );
      const slices = await kc([
        'get',
        'endpointslices',
        '-n',
        NS,
        '-l',
        'kubernetes.io/service-name=web',
        '-o',
        'jsonpath={.items[*].endpoints[*].conditions.ready}',
      ]);
      expect(slices.stdout.trim()).toBe('true true');

      const set = await kc(['set', 'image', 'sts/web', 'app=skiff-test/busybox:2', '-n', NS]);
      expect(set.code, set.stderr).toBe(0);
      const rs2 = await kc(['rollout', 'status', 'sts/web', '-n', NS, '--timeout=120s'], undefined, 130_000);
      expect(rs2.code, rs2.stderr).toBe(0);
      const images = await kc([
        'get',
        'pods',
        '-n',
        NS,
        '-l',
        'app=web',
        '-o',
        'jsonpath={.items[*].spec.containers[0].image}',
      ]);
      expect(images.stdout).toBe('skiff-test/busybox:2 skiff-test/busybox:2');
      const hist = await kc(['rollout', 'history', 'sts/web', '-n', NS]);
      expect(hist.code, hist.stderr).toBe(0);
      expect(hist.stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
      const undo = await kc(['rollout', 'undo', 'sts/web', '-n', NS]);
      expect(undo.code, undo.stderr).toBe(0);
      expect(undo.stdout).toContain('statefulset.apps/web rolled back');
      const rs3 = await kc(['rollout', 'status', 'sts/web', '-n', NS, '--timeout=120s'], undefined, 130_000);
      expect(rs3.code, rs3.stderr).toBe(0);
      const back = await kc([
        'get',
        'pods',
        '-n',
        NS,
        '-l',
        'app=web',
        '-o',
        'jsonpath={.items[*].spec.containers[0].image}',
      ]);
      expect(back.stdout).toBe('skiff-test/busybox:1 skiff-test/busybox:1');
    }, 400_000);

    it("keeps a StatefulSet pod's data on its claim across pod re-creation", async () => {
      const apply = await kc(
        ['apply', '-n', NS, '-f', '-'],
        `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: vol }
spec:
  replicas: 1
  serviceName: vol
  selector: { matchLabels: { app: vol } }
  template:
    metadata: { labels: { app: vol } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: skiff-test/busybox:1
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "[ -f /data/id ] || echo $HOSTNAME-$RANDOM$RANDOM > /data/id; cat /data/id; trap 'exit 0' TERM; while true; do sleep 1; done"]
          volumeMounts: [{ name: data, mountPath: /data }]
  volumeClaimTemplates:
    - metadata: { name: data }
      spec:
        accessModes: [ReadWriteOnce]
        resources: { requests: { storage: 1Gi } }
`,
      );
      expect(apply.code, apply.stderr).toBe(0);
      const rs = await kc(['rollout', 'status', 'sts/vol', '-n', NS, '--timeout=90s'], undefined, 100_000);
      expect(rs.code, rs.stderr).toBe(0);
      const pvc = await kc(['get', 'pvc', 'data-vol-0', '-n', NS, '-o', 'jsonpath={.status.phase}']);
      expect(pvc.stdout).toBe('Bound');
      const first = await eventually(
        async () => (await kc(['logs', 'vol-0', '-n', NS])).stdout.trim(),
        30_000,
        'vol-0 log',
      );
      expect(first).toMatch(/^vol-0-\d+$/);
      const uid = (await kc(['get', 'pod', 'vol-0', '-n', NS, '-o', 'jsonpath={.metadata.uid}'])).stdout;
      expect((await kc(['delete', 'pod', 'vol-0', '-n', NS])).code).toBe(0);
      await eventually(
        async () => {
          const r = await kc([
            'get',
            'pod',
            'vol-0',
            '-n',
            NS,
            '-o',
            'jsonpath={.metadata.uid} {.status.phase}',
          ]);
          const [u, phase] = r.stdout.split(' ');
          return u && u !== uid && phase === 'Running';
        },
        60_000,
        'vol-0 re-created',
      );
      const again = await eventually(
        async () => (await kc(['logs', 'vol-0', '-n', NS])).stdout.trim(),
        30_000,
        'vol-0 log',
      );
      expect(again).toBe(first);
    }, 200_000);

    it('runs a DaemonSet pod on the node: kubectl rollout status ds', async () => {
      const apply = await kc(
        ['apply', '-n', NS, '-f', '-'],
        `apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent }
spec:
  selector: { matchLabels: { app: agent } }
  template:
    metadata: { labels: { app: agent } }
    spec:${loop()}
`,
      );
      expect(apply.code, apply.stderr).toBe(0);
      const rs = await kc(['rollout', 'status', 'ds/agent', '-n', NS, '--timeout=90s'], undefined, 100_000);
      expect(rs.code, rs.stderr).toBe(0);
      expect(rs.stdout).toContain('daemon set "agent" successfully rolled out');
      const node = (await kc(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
      const pods = await kc([
        'get',
        'pods',
        '-n',
        NS,
        '-l',
        'app=agent',
        '-o',
        'jsonpath={.items[*].spec.nodeName}',
      ]);
      expect(pods.stdout).toBe(node);
      const get = await kc(['get', 'ds', 'agent', '-n', NS, '--no-headers']);
      expect(get.stdout).toMatch(/^agent\s+1\s+1\s+1\s+1\s+1\s/);
      // A new template rolls the pod and is recorded as revision 2; undo brings revision 1 back.
      expect((await kc(['set', 'image', 'ds/agent', 'app=skiff-test/busybox:2', '-n', NS])).code).toBe(0);
      const rs2 = await kc(['rollout', 'status', 'ds/agent', '-n', NS, '--timeout=90s'], undefined, 100_000);
      expect(rs2.code, rs2.stderr).toBe(0);
      const hist = await kc(['rollout', 'history', 'ds/agent', '-n', NS]);
      expect(hist.stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
      const undo = await kc(['rollout', 'undo', 'ds/agent', '-n', NS]);
      expect(undo.code, undo.stderr).toBe(0);
      const rs3 = await kc(['rollout', 'status', 'ds/agent', '-n', NS, '--timeout=90s'], undefined, 100_000);
      expect(rs3.code, rs3.stderr).toBe(0);
      await eventually(
        async () => {
          const img = await kc([
            'get',
            'pods',
            '-n',
            NS,
            '-l',
            'app=agent',
            '-o',
            'jsonpath={.items[*].spec.containers[0].image}',
          ]);
          return img.stdout === 'skiff-test/busybox:1';
        },
        60_000,
        'DaemonSet pod back on busybox:1',
      );
    }, 300_000);

    it('binds a PVC through the default StorageClass', async () => {
      const apply = await kc(
        ['apply', '-n', NS, '-f', '-'],
        `apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 1Gi } }
`,
      );
      expect(apply.code, apply.stderr).toBe(0);
      const w = await kc(
        ['wait', '-n', NS, '--for=jsonpath={.status.phase}=Bound', 'pvc/data', '--timeout=30s'],
        undefined,
        40_000,
      );
      expect(w.code, w.stderr).toBe(0);
      const uid = (await kc(['get', 'pvc', 'data', '-n', NS, '-o', 'jsonpath={.metadata.uid}'])).stdout;
      const pvc = await kc(['get', 'pvc', 'data', '-n', NS, '--no-headers']);
      expect(pvc.stdout).toMatch(new RegExp(`^data\\s+Bound\\s+pvc-${uid}\\s+1Gi\\s+RWO\\s+standard`));
      const pv = await kc([
        'get',
        'pv',
        `pvc-${uid}`,
        '-o',
        'jsonpath={.status.phase} {.spec.claimRef.name} {.spec.csi.volumeHandle}',
      ]);
      expect(pv.stdout).toBe(`Bound data skiff-pvc-${uid}`);
      // Reclaim policy Delete: the volume goes with the claim.
      expect((await kc(['delete', 'pvc', 'data', '-n', NS])).code).toBe(0);
      const gone = await kc(['wait', '--for=delete', `pv/pvc-${uid}`, '--timeout=30s'], undefined, 40_000);
      expect(gone.code, gone.stderr).toBe(0);
    }, 90_000);

    it('keeps a deleted namespace Terminating until its contents are gone', async () => {
      const apply = await kc(
        ['apply', '-n', DOOMED, '-f', '-'],
        `apiVersion: apps/v1
kind: Deployment
metadata: { name: app }
spec:
  replicas: 1
  selector: { matchLabels: { app: app } }
  template:
    metadata: { labels: { app: app } }
    spec:${loop()}
---
apiVersion: v1
kind: ConfigMap
metadata: { name: cfg }
data: { a: b }
---
# Holds the namespace in Terminating until the test lets go (the pod alone may be gone in
# well under a second, before the create below is tried).
apiVersion: v1
kind: ConfigMap
metadata: { name: hold, finalizers: [skiff.dev/test-hold] }
`,
      );
      expect(apply.code, apply.stderr).toBe(0);
      await eventually(
        async () => {
          const r = await kc(['get', 'pods', '-n', DOOMED, '--no-headers']);
          return /1\/1\s+Running/.test(r.stdout);
        },
        90_000,
        'pod Running',
      );
      const sa = await kc(['get', 'serviceaccount', 'default', '-n', DOOMED, '-o', 'name']);
      expect(sa.stdout.trim()).toBe('serviceaccount/default');
      const del = await kc(['delete', 'namespace', DOOMED, '--wait=false']);
      expect(del.stdout).toContain(`namespace "${DOOMED}" deleted`);
      const phase = await kc(['get', 'namespace', DOOMED, '-o', 'jsonpath={.status.phase}']);
      expect(phase.stdout).toBe('Terminating');
      const late = await kc(
        ['apply', '-n', DOOMED, '-f', '-'],
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: late }\n',
      );
      expect(late.code).not.toBe(0);
      expect(late.stderr).toContain(
        `unable to create new content in namespace ${DOOMED} because it is being terminated`,
      );
      const release = await kc([
        'patch',
        'configmap',
        'hold',
        '-n',
        DOOMED,
        '--type=merge',
        '-p',
        '{"metadata":{"finalizers":null}}',
      ]);
      expect(release.code, release.stderr).toBe(0);
      const gone = await kc(
        ['wait', '--for=delete', `namespace/${DOOMED}`, '--timeout=90s'],
        undefined,
        100_000,
      );
      expect(gone.code, gone.stderr).toBe(0);
    }, 200_000);

    it('scales a Deployment on CPU utilization with a HorizontalPodAutoscaler (metrics.k8s.io)', async () => {
      const apply = await kc(
        ['apply', '-n', NS, '-f', '-'],
        `apiVersion: apps/v1
kind: Deployment
metadata: { name: busy }
spec:
  replicas: 1
  selector: { matchLabels: { app: busy } }
  template:
    metadata: { labels: { app: busy } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: skiff-test/busybox:1
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "trap 'exit 0' TERM; while true; do :; done"]
          resources:
            requests: { cpu: 50m }
            limits: { cpu: 100m }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: busy }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: busy }
  minReplicas: 1
  maxReplicas: 2
  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: 50 } }
`,
      );
      expect(apply.code, apply.stderr).toBe(0);
      // ~100m used of 50m requested = ~200 % against 50 %: scale to the maximum of 2.
      await eventually(
        async () => {
          const r = await kc(['get', 'deploy', 'busy', '-n', NS, '-o', 'jsonpath={.spec.replicas}']);
          return r.stdout === '2';
        },
        120_000,
        'HPA scaled busy to 2',
      );
      const hpa = await kc([
        'get',
        'hpa',
        'busy',
        '-n',
        NS,
        '-o',
        'jsonpath={.status.desiredReplicas} {.status.currentMetrics[0].resource.current.averageUtilization} {.status.conditions[?(@.type=="ScalingLimited")].reason}',
      ]);
      const [desired, util, limited] = hpa.stdout.split(' ');
      expect(desired).toBe('2');
      expect(Number(util)).toBeGreaterThan(50);
      expect(limited).toBe('TooManyReplicas');
      const ev = await kc([
        'get',
        'events',
        '-n',
        NS,
        '--field-selector',
        'involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale',
        '-o',
        'jsonpath={.items[*].message}',
      ]);
      expect(ev.stdout).toContain(
        'New size: 2; reason: cpu resource utilization (percentage of request) above target',
      );
      // Stop burning CPU on a shared machine.
      await kc(['delete', 'hpa,deploy', 'busy', '-n', NS, '--wait=false']);
    }, 150_000);

    it('fires the CronJob on its schedule', async () => {
      await eventually(
        async () => {
          const r = await kc([
            'get',
            'cronjob',
            'tick',
            '-n',
            NS,
            '-o',
            'jsonpath={.status.lastSuccessfulTime}',
          ]);
          return /^\d{4}-/.test(r.stdout);
        },
        130_000,
        'CronJob lastSuccessfulTime',
      );
      const jobs = await kc(['get', 'jobs', '-n', NS, '-o', 'jsonpath={.items[*].metadata.name}']);
      expect(jobs.stdout).toMatch(/\btick-\d+\b/);
      const get = await kc(['get', 'cronjob', 'tick', '-n', NS, '--no-headers']);
      expect(get.stdout).toMatch(/^tick\s+\*\/1 \* \* \* \*\s+/);
    }, 140_000);
  },
);
