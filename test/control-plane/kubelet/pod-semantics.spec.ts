/**
 * PodSpec semantics on real Docker through the whole cluster (API server, controllers, kubelet):
 * init containers and sidecars, restart policies, probes (liveness restarts with back-off,
 * readiness gating Ready), OOMKilled, termination messages, env from ConfigMaps/Secrets,
 * configMap/secret/downwardAPI/emptyDir volumes (a ConfigMap edit reaching the file), a PVC's
 * data surviving its pod, securityContext, hostAliases, shareProcessNamespace, lifecycle hooks
 * and kubectl debug with an ephemeral container.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { dockerAvailable, eventually } from './helpers/docker';
import { kubectlAvailable, startTestCluster, type TestCluster } from './helpers/cluster';

const ready = (await dockerAvailable()) && (await kubectlAvailable());
const IMAGE = 'skiff-test/busybox:1';

type AnyPod = KubeObject & { spec: any; status?: any };

describe.skipIf(!ready)('PodSpec semantics on Docker', () => {
  let t: TestCluster;
  const pod = (name: string) => t.cluster.client.get<AnyPod>(R.pods, name, 'default');
  const apply = async (obj: unknown) => {
    const r = await t.kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj) });
    expect(r.code, r.stderr).toBe(0);
  };
  const mkPod = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, ...extra },
      spec: { terminationGracePeriodSeconds: 1, ...spec },
    });
  const c = (name: string, command: string, more: Record<string, unknown> = {}) => ({
    name,
    image: IMAGE,
    command: ['sh', '-c', command],
    ...more,
  });
  const events = async (name: string) => {
    const list = await t.cluster.client.list<
      KubeObject & { reason: string; message: string; involvedObject: any }
    >(R.events, { namespace: 'default' });
    return list.items.filter((e) => e.involvedObject.name === name);
  };
  const exec = async (name: string, cmd: string) => {
    const r = await t.kubectl(['exec', name, '--', 'sh', '-c', cmd]);
    return r.stdout;
  };
  const waitReady = async (...names: string[]) => {
    const r = await t.kubectl(
      ['wait', '--for=condition=Ready', ...names.map((n) => `pod/${n}`), '--timeout=60s'],
      {
        timeoutMs: 70_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
  };

  beforeAll(async () => {
    t = await startTestCluster('semantics-node');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('runs init containers in order to completion, then sidecars and app containers', async () => {
    await mkPod('init', {
      volumes: [{ name: 'work', emptyDir: {} }],
      initContainers: [
        c('first', 'sleep 1; echo first >> /work/order', {
          volumeMounts: [{ name: 'work', mountPath: '/work' }],
        }),
        c('second', 'echo second >> /work/order', { volumeMounts: [{ name: 'work', mountPath: '/work' }] }),
        c('side', 'echo sidecar >> /work/order; exec sleep 3600', {
          restartPolicy: 'Always',
          volumeMounts: [{ name: 'work', mountPath: '/work' }],
        }),
      ],
      containers: [
        c('app', 'cat /work/order; exec sleep 3600', {
          volumeMounts: [{ name: 'work', mountPath: '/work' }],
        }),
      ],
    });
    // While the first init container runs the pod is Pending, not Initialized.
    const early = await pod('init');
    expect(early.status?.phase ?? 'Pending').toBe('Pending');
    await waitReady('init');
    const logs = await t.kubectl(['logs', 'init', '-c', 'app']);
    expect(logs.stdout).toBe('first\nsecond\nsidecar\n');
    const p = await pod('init');
    expect(p.status.initContainerStatuses.map((s: any) => [s.name, Object.keys(s.state)[0]])).toEqual([
      ['first', 'terminated'],
      ['second', 'terminated'],
      ['side', 'running'],
    ]);
    expect(p.status.initContainerStatuses[0].state.terminated.reason).toBe('Completed');
    expect(p.status.conditions.find((x: any) => x.type === 'Initialized').status).toBe('True');
  });

  it('restartPolicy Never fails the pod, OnFailure completes it; termination messages', async () => {
    await mkPod('never', {
      restartPolicy: 'Never',
      containers: [c('app', 'echo bye > /dev/termination-log; exit 2')],
    });
    await mkPod('fallback', {
      restartPolicy: 'Never',
      containers: [c('app', 'echo from-logs; exit 1', { terminationMessagePolicy: 'FallbackToLogsOnError' })],
    });
    await mkPod('onfailure', { restartPolicy: 'OnFailure', containers: [c('app', 'exit 0')] });
    const never = await eventually(async () => {
      const p = await pod('never');
      return p.status?.phase === 'Failed' ? p : undefined;
    }, 40_000);
    expect(never.status.containerStatuses[0].state.terminated).toMatchObject({
      exitCode: 2,
      reason: 'Error',
      message: 'bye\n',
    });
    const fb = await eventually(async () => {
      const p = await pod('fallback');
      return p.status?.phase === 'Failed' ? p : undefined;
    }, 40_000);
    expect(fb.status.containerStatuses[0].state.terminated.message).toBe('from-logs\n');
    await eventually(async () => (await pod('onfailure')).status?.phase === 'Succeeded', 40_000);
  });

  it('OOMKilled with exit code 137 when a container allocates past its memory limit', async () => {
    await mkPod('oom', {
      restartPolicy: 'Never',
      containers: [
        c('hog', 'head -c 200000000 /dev/zero | tail', { resources: { limits: { memory: '32Mi' } } }),
      ],
    });
    const p = await eventually(async () => {
      const x = await pod('oom');
      return x.status?.phase === 'Failed' ? x : undefined;
    }, 40_000);
    expect(p.status.containerStatuses[0].state.terminated).toMatchObject({
      reason: 'OOMKilled',
      exitCode: 137,
    });
  });

  it('a failing liveness probe restarts the container with back-off, visible in restartCount and events', async () => {
    await mkPod('live', {
      containers: [
        c('app', 'exec sleep 3600', {
          livenessProbe: { exec: { command: ['sh', '-c', 'exit 1'] }, periodSeconds: 1, failureThreshold: 2 },
        }),
      ],
    });
    const p = await eventually(async () => {
      const x = await pod('live');
      return x.status?.containerStatuses?.[0]?.restartCount >= 2 ? x : undefined;
    }, 60_000);
    expect(p.status.containerStatuses[0].lastState.terminated).toBeDefined();
    const ev = await events('live');
    const reasons = ev.map((e) => e.reason);
    expect(reasons).toContain('Unhealthy');
    expect(reasons).toContain('Killing');
    expect(reasons).toContain('BackOff');
    expect(ev.find((e) => e.reason === 'Unhealthy')!.message).toMatch(/^Liveness probe failed/);
    expect(ev.find((e) => e.reason === 'Killing' && /liveness/.test(e.message))!.message).toBe(
      'Container app failed liveness probe, will be restarted',
    );
  });

  it('readiness: a failing probe keeps the pod Running but not Ready; passing ones (published and not) make it Ready', async () => {
    const web =
      'mkdir -p /www && echo ok > /www/index.html && httpd -p 80 -h /www && httpd -p 8081 -h /www && exec sleep 3600';
    await mkPod('unready', {
      containers: [
        c('app', web, {
          ports: [{ containerPort: 80 }],
          readinessProbe: { httpGet: { path: '/nope', port: 80 }, periodSeconds: 1 },
        }),
      ],
    });
    await mkPod('readyweb', {
      containers: [
        c('app', web, {
          ports: [{ name: 'http', containerPort: 80 }],
          readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
          // 8081 is not published: probed through the pod's network namespace.
          startupProbe: { tcpSocket: { port: 8081 }, periodSeconds: 1, failureThreshold: 30 },
        }),
      ],
    });
    await waitReady('readyweb');
    const u = await eventually(async () => {
      const x = await pod('unready');
      const failed = (await events('unready')).some((e) => e.message.includes('statuscode: 404'));
      return x.status?.phase === 'Running' && failed ? x : undefined;
    }, 30_000);
    expect(u.status.conditions.find((x: any) => x.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
    });
    expect(u.status.containerStatuses[0]).toMatchObject({ ready: false, started: true, restartCount: 0 });
    expect((await events('unready')).map((e) => e.message)).toContain(
      'Readiness probe failed: HTTP probe failed with statuscode: 404',
    );
  });

  it('env and volumes from ConfigMaps, Secrets and the downward API; a ConfigMap edit reaches the file', async () => {
    await apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg' },
      data: { greeting: 'hello', 'app.conf': 'v=1' },
    });
    await apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'sec' },
      data: { password: Buffer.from('s3cret').toString('base64') },
    });
    await mkPod(
      'conf',
      {
        volumes: [
          { name: 'cfg', configMap: { name: 'cfg' } },
          { name: 'sec', secret: { secretName: 'sec', defaultMode: 0o400 } },
          {
            name: 'info',
            downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
          },
          { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
        ],
        containers: [
          c('app', 'exec sleep 3600', {
            env: [
              { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'greeting' } } },
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
              { name: 'MEM_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
              { name: 'MSG', value: '$(GREETING) world' },
            ],
            envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'cfg' } }],
            resources: { limits: { memory: '64Mi' } },
            volumeMounts: [
              { name: 'cfg', mountPath: '/etc/cfg' },
              { name: 'sec', mountPath: '/etc/sec' },
              { name: 'info', mountPath: '/etc/info' },
              { name: 'mem', mountPath: '/scratch' },
            ],
          }),
        ],
      },
      { labels: { tier: 'web' } },
    );
    await waitReady('conf');
    expect(await exec('conf', 'echo "$GREETING|$PASSWORD|$MEM_LIMIT|$MSG|$CFG_greeting"')).toBe(
      'hello|s3cret|67108864|hello world|hello\n',
    );
    expect(
      await exec('conf', 'cat /etc/cfg/app.conf; echo; cat /etc/sec/password; echo; cat /etc/info/labels'),
    ).toBe('v=1\ns3cret\ntier="web"');
    // The file is a symlink through ..data (the AtomicWriter layout, as on any kubelet): -L.
    expect(await exec('conf', 'stat -L -c %a /etc/sec/password')).toBe('400\n');
    expect(await exec('conf', 'mount | grep " /scratch " | cut -d" " -f5')).toBe('tmpfs\n');
    const r = await t.kubectl(['patch', 'configmap', 'cfg', '-p', '{"data":{"app.conf":"v=2"}}']);
    expect(r.code, r.stderr).toBe(0);
    await eventually(async () => (await exec('conf', 'cat /etc/cfg/app.conf')) === 'v=2', 30_000);
  });

  it('a missing ConfigMap key is CreateContainerConfigError', async () => {
    await mkPod('badenv', {
      containers: [
        c('app', 'sleep 3600', {
          env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }],
        }),
      ],
    });
    const p = await eventually(async () => {
      const x = await pod('badenv');
      return x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError'
        ? x
        : undefined;
    }, 30_000);
    expect(p.status.containerStatuses[0].state.waiting.message).toBe('configmap "nope" not found');
  });

  it("a PVC's data survives its pod (Docker named volume from the local provisioner)", async () => {
    await apply({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } } },
    });
    const spec = (cmd: string) => ({
      volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }],
      containers: [c('app', cmd, { volumeMounts: [{ name: 'd', mountPath: '/data' }] })],
    });
    await mkPod('writer', spec('echo persisted > /data/file; exec sleep 3600'));
    await waitReady('writer');
    expect((await t.kubectl(['delete', 'pod', 'writer', '--wait=true'], { timeoutMs: 60_000 })).code).toBe(0);
    await mkPod('reader', spec('exec sleep 3600'));
    await waitReady('reader');
    expect(await exec('reader', 'cat /data/file')).toBe('persisted\n');
  });

  it('securityContext, hostAliases, shareProcessNamespace and lifecycle hooks', async () => {
    await mkPod('sec', {
      hostAliases: [{ ip: '10.1.2.3', hostnames: ['db.local'] }],
      shareProcessNamespace: true,
      securityContext: { runAsUser: 1234, runAsGroup: 2345 },
      containers: [
        c('app', 'exec sleep 3600', {
          securityContext: { readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo started > /tmp/hook'] } } },
        }),
      ],
      volumes: [{ name: 'tmp', emptyDir: {} }],
    });
    await waitReady('sec');
    expect(await exec('sec', 'id -u; id -g')).toBe('1234\n2345\n');
    expect(await exec('sec', 'touch /x 2>&1 || echo readonly')).toContain('readonly');
    expect(await exec('sec', 'grep db.local /etc/hosts')).toMatch(/^10\.1\.2\.3\s+db\.local/);
    expect(await exec('sec', 'tr -d "\\0" < /proc/1/cmdline')).toBe('/pause');
    expect(await exec('sec', 'cat /tmp/hook')).toBe('started\n');
  });

  it('hostNetwork pods share the host network namespace and report the host IP', async () => {
    await mkPod('hostnet', { hostNetwork: true, containers: [c('app', 'exec sleep 3600')] });
    await waitReady('hostnet');
    const { networkInterfaces } = await import('node:os');
    const before = Object.keys(networkInterfaces());
    const inPod = (await exec('hostnet', 'ls /sys/class/net')).trim().split(/\s+/);
    // Other suites add and remove veths and bridges meanwhile: only interfaces the host had both
    // before and after the exec certainly existed while the pod listed its own.
    const after = new Set(Object.keys(networkInterfaces()));
    const hostIfaces = before.filter((name) => after.has(name));
    expect(hostIfaces.length).toBeGreaterThan(1);
    // The pod sees the host's interfaces, not a lone eth0 of its own.
    for (const name of hostIfaces) expect(inPod).toContain(name);
    const p = await pod('hostnet');
    expect(p.status.podIP).toBe('127.0.0.1');
  });

  it("kubectl debug adds an ephemeral container sharing the target container's process namespace", async () => {
    await mkPod('dbg', { containers: [c('app', 'exec sleep 3600')] });
    await waitReady('dbg');
    const r = await t.kubectl([
      'debug',
      'dbg',
      `--image=${IMAGE}`,
      '--target=app',
      '-c',
      'debugger',
      '--',
      'sh',
      '-c',
      'cat /proc/1/cmdline | tr "\\0" " "; echo',
    ]);
    expect(r.code, r.stderr).toBe(0);
    await eventually(
      async () => (await t.kubectl(['logs', 'dbg', '-c', 'debugger'])).stdout.includes('sleep 3600'),
      30_000,
    );
    const p = await pod('dbg');
    expect(p.status.ephemeralContainerStatuses?.[0]?.name).toBe('debugger');
  });
});
