/**
 * Real kubectl v1.32 against a started ApiServer for the issue-3 kinds: manifests in the shape
 * of Kubernetes' docs, `kubectl get` of many kinds at once with their columns, CRDs applied
 * then used (`kubectl get <plural>` with printer columns, explain), and `kubectl create secret`.
 */
import { execFile } from 'node:child_process';
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

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

const KINDS = `apiVersion: v1
kind: Service
metadata:
  name: my-service
spec:
  selector:
    app.kubernetes.io/name: MyApp
  ports:
    - protocol: TCP
      port: 80
      targetPort: 9376
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: game-demo
data:
  player_initial_lives: "3"
  ui_properties_file_name: "user-interface.properties"
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: nginx
  serviceName: "nginx"
  replicas: 3
  template:
    metadata:
      labels:
        app: nginx
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: nginx
        image: skiff-test/busybox:1
        ports:
        - containerPort: 80
          name: web
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: fluentd-elasticsearch
spec:
  selector:
    matchLabels:
      name: fluentd-elasticsearch
  template:
    metadata:
      labels:
        name: fluentd-elasticsearch
    spec:
      containers:
      - name: fluentd-elasticsearch
        image: skiff-test/busybox:1
---
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: skiff-test/busybox:1
        command: ["sh", "-c", "echo 3.14"]
      restartPolicy: Never
  backoffLimit: 4
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: skiff-test/busybox:1
            command: [/bin/sh, -c, date; echo Hello from the Kubernetes cluster]
          restartPolicy: OnFailure
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: php-apache
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: php-apache
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 50
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: task-pv-claim
spec:
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 3Gi
---
apiVersion: v1
kind: LimitRange
metadata:
  name: cpu-resource-constraint
spec:
  limits:
  - default:
      cpu: 500m
    defaultRequest:
      cpu: 500m
    max:
      cpu: "1"
    min:
      cpu: 100m
    type: Container
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: mem-cpu-demo
spec:
  hard:
    requests.cpu: "1"
    requests.memory: 1Gi
    limits.cpu: "2"
    limits.memory: 2Gi
`;

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                cronSpec:
                  type: string
                  pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'
                image:
                  type: string
                replicas:
                  type: integer
                  minimum: 1
                  maximum: 10
                  default: 1
      additionalPrinterColumns:
      - name: Spec
        type: string
        description: The cron spec defining the interval a CronJob is run
        jsonPath: .spec.cronSpec
      - name: Replicas
        type: integer
        description: The number of jobs launched by the CronJob
        jsonPath: .spec.replicas
      - name: Age
        type: date
        jsonPath: .metadata.creationTimestamp
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames:
    - ct
`;

const CR = `apiVersion: "stable.example.com/v1"
kind: CronTab
metadata:
  name: my-new-cron-object
spec:
  cronSpec: "* * * * */5"
  image: my-awesome-cron-image
`;

beforeAll(async () => {
  t = await startApi();
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-kubectl-kinds-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server: t.url, caPem: t.caPem, token: t.token }, { merge: false });
  env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: path.join(dir, 'cache'), HOME: dir };
});
afterAll(async () => {
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kubectl with the common kinds', () => {
  it('applies docs-style manifests and gets them all with their columns', async () => {
    const a = await kubectl('apply', '-f', file('kinds.yaml', KINDS));
    expect(a.stderr).toBe('');
    expect(a.stdout).toContain('service/my-service created');
    expect(a.stdout).toContain('statefulset.apps/web created');
    expect(a.stdout).toContain('cronjob.batch/hello created');
    expect(a.stdout).toContain('horizontalpodautoscaler.autoscaling/php-apache created');
    const again = await kubectl('apply', '-f', path.join(dir, 'kinds.yaml'));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('service/my-service unchanged');
    expect(again.stdout).toContain('job.batch/pi unchanged');
    const g = await kubectl('get', 'svc,cm,secret,sts,ds,job,cj,hpa,pvc,sc');
    expect(g.stderr).toBe('');
    expect(g.stdout).toMatch(/NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
    expect(g.stdout).toMatch(/service\/kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP/);
    expect(g.stdout).toMatch(/service\/my-service\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP/);
    expect(g.stdout).toMatch(/configmap\/game-demo\s+2\s+/);
    expect(g.stdout).toMatch(/NAME\s+READY\s+AGE\nstatefulset\.apps\/web\s+0\/3/);
    expect(g.stdout).toMatch(
      /NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\ndaemonset\.apps\/fluentd-elasticsearch\s+0\s+0\s+0\s+0\s+0\s+<none>/,
    );
    expect(g.stdout).toMatch(/NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\njob\.batch\/pi\s+Running\s+0\/1/);
    expect(g.stdout).toMatch(
      /NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\ncronjob\.batch\/hello\s+\* \* \* \* \*\s+<none>\s+False\s+0\s+<none>/,
    );
    expect(g.stdout).toMatch(
      /horizontalpodautoscaler\.autoscaling\/php-apache\s+Deployment\/php-apache\s+cpu: <unknown>\/50%\s+1\s+10\s+0/,
    );
    expect(g.stdout).toMatch(
      /NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE\npersistentvolumeclaim\/task-pv-claim\s+Pending\s+standard\s+<unset>/,
    );
    expect(g.stdout).toMatch(
      /storageclass\.storage\.k8s\.io\/standard \(default\)\s+skiff\.dev\/local-volume\s+Delete\s+Immediate\s+false/,
    );
    const y = await kubectl(
      'get',
      'job',
      'pi',
      '-o',
      'jsonpath={.spec.completions} {.spec.parallelism} {.spec.backoffLimit} {.spec.completionMode} {.spec.selector.matchLabels}',
    );
    expect(y.stdout).toMatch(/^1 1 4 NonIndexed \{"batch.kubernetes.io\/controller-uid":"[0-9a-f-]{36}"\}$/);
    const hpa1 = await kubectl(
      'get',
      'horizontalpodautoscalers.v1.autoscaling',
      'php-apache',
      '-o',
      'jsonpath={.apiVersion} {.spec.targetCPUUtilizationPercentage}',
    );
    expect(hpa1.stdout).toBe('autoscaling/v1 50');
    const quota = await kubectl('get', 'quota', 'mem-cpu-demo');
    expect(quota.stdout).toMatch(/NAME\s+AGE\s+REQUEST\s+LIMIT/);
    expect(quota.stdout).toContain('requests.cpu: 0/1, requests.memory: 0/1Gi');
  });

  it('creates secrets with the generator and selects them by type', async () => {
    const c = await kubectl(
      'create',
      'secret',
      'generic',
      'db-user-pass',
      '--from-literal=username=admin',
      '--from-literal=password=S!B*d$zDsb=',
    );
    expect(c.stderr).toBe('');
    const s = await kubectl('get', 'secret', 'db-user-pass', '-o', 'jsonpath={.type} {.data.username}');
    expect(s.stdout).toBe(`Opaque ${Buffer.from('admin').toString('base64')}`);
    const sel = await kubectl('get', 'secrets', '--field-selector', 'type=Opaque', '-o', 'name');
    expect(sel.stdout.trim()).toBe('secret/db-user-pass');
    const bad = await kubectl('create', 'service', 'clusterip', 'bad', '--tcp=70000:80');
    expect(bad.code).not.toBe(0);
  });

  it('creates the common kinds with kubectl create generators', async () => {
    const cmds: [string[], string][] = [
      [['create', 'configmap', 'gen-cm', '--from-literal=a=1'], 'configmap/gen-cm created'],
      [['create', 'service', 'clusterip', 'gen-svc', '--tcp=80:8080'], 'service/gen-svc created'],
      [['create', 'service', 'nodeport', 'gen-np', '--tcp=80:8080'], 'service/gen-np created'],
      [
        ['create', 'job', 'gen-job', '--image=skiff-test/busybox:1', '--', 'echo', 'hi'],
        'job.batch/gen-job created',
      ],
      [
        ['create', 'cronjob', 'gen-cj', '--image=skiff-test/busybox:1', '--schedule=*/5 * * * *'],
        'cronjob.batch/gen-cj created',
      ],
      [['create', 'job', 'from-cj', '--from=cronjob/gen-cj'], 'job.batch/from-cj created'],
      [['create', 'quota', 'gen-quota', '--hard=pods=10,cpu=2'], 'resourcequota/gen-quota created'],
      [
        ['create', 'pdb', 'gen-pdb', '--selector=app=web', '--min-available=1'],
        'poddisruptionbudget.policy/gen-pdb created',
      ],
      [
        ['create', 'priorityclass', 'gen-pc', '--value=1000'],
        'priorityclass.scheduling.k8s.io/gen-pc created',
      ],
      [
        ['create', 'ingress', 'gen-ing', '--rule=web.local/=gen-svc:80'],
        'ingress.networking.k8s.io/gen-ing created',
      ],
      [['create', 'serviceaccount', 'gen-sa'], 'serviceaccount/gen-sa created'],
      [
        ['create', 'deployment', 'php-apache', '--image=skiff-test/busybox:1'],
        'deployment.apps/php-apache created',
      ],
      [
        ['autoscale', 'deployment', 'php-apache', '--min=1', '--max=3', '--cpu-percent=60', '--name=gen-hpa'],
        'horizontalpodautoscaler.autoscaling/gen-hpa autoscaled',
      ],
    ];
    for (const [args, want] of cmds) {
      const r = await kubectl(...args);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.stdout).toContain(want);
    }
    const np = await kubectl('get', 'svc', 'gen-np', '-o', 'jsonpath={.spec.ports[0].nodePort}');
    expect(Number(np.stdout)).toBeGreaterThanOrEqual(30000);
    const job = await kubectl('get', 'job', 'from-cj', '-o', 'jsonpath={.metadata.annotations}');
    expect(job.stdout).toContain('cronjob.kubernetes.io/instantiate');
    const hpa = await kubectl('get', 'hpa', 'gen-hpa');
    expect(hpa.stdout).toMatch(/gen-hpa\s+Deployment\/php-apache\s+cpu: <unknown>\/60%\s+1\s+3\s+0/);
    const pc = await kubectl('get', 'pc', 'gen-pc');
    expect(pc.stdout).toMatch(
      /NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY\ngen-pc\s+1000\s+false/,
    );
    const ing = await kubectl('get', 'ing', 'gen-ing');
    expect(ing.stdout).toMatch(
      /NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\ngen-ing\s+<none>\s+web\.local\s+80/,
    );
    const pdb = await kubectl('get', 'pdb', 'gen-pdb');
    expect(pdb.stdout).toMatch(
      /NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\ngen-pdb\s+1\s+N\/A\s+0/,
    );
  });

  it('describes the common kinds and gets all', async () => {
    for (const [kind, name, want] of [
      ['svc', 'my-service', /Type:\s+ClusterIP[\s\S]*TargetPort:\s+9376\/TCP/],
      ['sts', 'web', /Replicas:\s+3 desired/],
      ['ds', 'fluentd-elasticsearch', /Desired Number of Nodes Scheduled: 0/],
      ['job', 'pi', /Completions:\s+1/],
      ['cj', 'hello', /Schedule:\s+\* \* \* \* \*/],
      ['pvc', 'task-pv-claim', /StorageClass:\s+standard/],
      ['hpa', 'php-apache', /Min replicas:\s+1/],
      ['secret', 'db-user-pass', /password:\s+11 bytes/],
      ['cm', 'game-demo', /player_initial_lives:/],
      // Used/Hard come from the quota controller's status (not running here).
      ['quota', 'mem-cpu-demo', /Resource\s+Used\s+Hard/],
      ['limits', 'cpu-resource-constraint', /Container\s+cpu\s+100m\s+1/],
      ['sc', 'standard', /IsDefaultClass:\s+Yes/],
    ] as const) {
      const d = await kubectl('describe', kind, name);
      expect(d.stderr, `${kind}/${name}`).toBe('');
      expect(d.stdout).toMatch(want);
    }
    const all = await kubectl('get', 'all');
    expect(all.stderr).toBe('');
    for (const k of [
      'service/my-service',
      'daemonset.apps/fluentd-elasticsearch',
      'statefulset.apps/web',
      'job.batch/pi',
      'cronjob.batch/hello',
      'horizontalpodautoscaler.autoscaling/php-apache',
    ])
      expect(all.stdout).toContain(k);
  });

  it('kubectl debug adds an ephemeral container', async () => {
    // default has the docs' ResourceQuota (pods must set memory): debug elsewhere.
    expect((await kubectl('create', 'namespace', 'dbg')).code).toBe(0);
    const run = await kubectl(
      'run',
      '-n',
      'dbg',
      'dbg-target',
      '--image=skiff-test/busybox:1',
      '--',
      'sleep',
      '3600',
    );
    expect(run.code, run.stderr).toBe(0);
    const d = await kubectl(
      'debug',
      '-n',
      'dbg',
      'dbg-target',
      '--image=skiff-test/busybox:2',
      '-c',
      'debugger',
    );
    expect(d.code, d.stderr).toBe(0);
    const g = await kubectl(
      'get',
      '-n',
      'dbg',
      'pod',
      'dbg-target',
      '-o',
      'jsonpath={.spec.ephemeralContainers[0].name}',
    );
    expect(g.stdout).toBe('debugger');
  });

  it('rejects invalid objects with field causes', async () => {
    const r = await kubectl(
      'apply',
      '-f',
      file(
        'bad-cj.yaml',
        `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: bad}\nspec:\n  schedule: "every minute"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: a, image: busybox}]\n`,
      ),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.schedule: Invalid value: "every minute"');
  });
});

describe('kubectl with CustomResourceDefinitions', () => {
  it('applies a CRD, then a custom resource, and prints its columns', async () => {
    const c = await kubectl('apply', '-f', file('crd.yaml', CRD));
    expect(c.stderr).toBe('');
    expect(c.stdout).toContain(
      'customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created',
    );
    const w = await kubectl(
      'wait',
      '--for=condition=Established',
      'crd/crontabs.stable.example.com',
      '--timeout=10s',
    );
    expect(w.stdout).toContain('condition met');
    const cr = await kubectl('apply', '-f', file('cr.yaml', CR));
    expect(cr.stderr).toBe('');
    expect(cr.stdout).toContain('crontab.stable.example.com/my-new-cron-object created');
    const g = await kubectl('get', 'crontabs');
    expect(g.stdout).toMatch(
      /NAME\s+SPEC\s+REPLICAS\s+AGE\nmy-new-cron-object\s+\* \* \* \* \*\/5\s+1\s+\d+s/,
    );
    const short = await kubectl('get', 'ct', '-o', 'jsonpath={.items[0].spec.replicas}');
    expect(short.stdout).toBe('1');
    const again = await kubectl('apply', '-f', path.join(dir, 'cr.yaml'));
    expect(again.stdout).toContain('unchanged');
    const bad = await kubectl(
      'apply',
      '-f',
      file('bad-cr.yaml', CR.replace('* * * * */5', 'nope').replace('my-new-cron-object', 'bad')),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('spec.cronSpec');
    const ex = await kubectl('explain', 'crontab.spec');
    expect(ex.code).toBe(0);
    expect(ex.stdout).toContain('cronSpec');
    const ar = await kubectl('api-resources', '--api-group=stable.example.com');
    expect(ar.stdout).toMatch(/crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab/);
    const del = await kubectl('delete', 'crd', 'crontabs.stable.example.com');
    expect(del.code).toBe(0);
    const gone = await kubectl('get', 'crontabs');
    expect(gone.code).not.toBe(0);
  });
});
