import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { Kubelet } from '../../../src-main/control-plane/kubelet/kubelet';
import { PUBLISHED_PORTS_ANNOTATION } from '../../../src-main/control-plane/kubelet/pod-syncer';
import { DockerRuntime } from '../../../src-main/control-plane/kubelet/runtime/docker/docker-runtime';
import { FakeApi } from '../helpers/fake-api';
import { realClock } from '../../../src-main/common/clock';
import { R } from '../../../src-main/common/resources';
import { dockerAvailable, eventually, removeManaged, testManagedBy } from './helpers/docker';

const hasDocker = await dockerAvailable();
const managedBy = testManagedBy();
const NODE = 'kubelet-test-node';
const TOKEN = 'kubelet-test-token';
const IMAGE = 'skiff-test/busybox:1';

describe.skipIf(!hasDocker)('Kubelet on real Docker', () => {
  const api = new FakeApi(realClock);
  const docker = new Docker();
  const runtime = new DockerRuntime({ managedBy });
  let kubelet: Kubelet;
  const newKubelet = () =>
    new Kubelet(api.client, runtime, {
      nodeName: NODE,
      serverToken: TOKEN,
      relistIntervalMs: 500,
      initialBackoffMs: 1500,
    });

  const kget = (path: string, token = TOKEN) =>
    fetch(`http://127.0.0.1:${kubelet.port}${path}`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
  const containersOf = async (uid: string) =>
    docker.listContainers({
      all: true,
      filters: { label: [`skiff.dev/managed-by=${managedBy}`, `io.kubernetes.pod.uid=${uid}`] },
    });
  const status = (name: string) => api.getPod(name)?.status;
  const cstatus = (name: string, c = 'main') =>
    status(name)?.containerStatuses?.find((s: { name: string }) => s.name === c);
  const events = (name: string) =>
    api.list('events').filter((e) => (e.involvedObject as { name: string }).name === name) as unknown as {
      reason: string;
      message: string;
      type: string;
    }[];

  beforeAll(async () => {
    kubelet = newKubelet();
    await kubelet.start();
  });
  afterAll(async () => {
    await kubelet?.stop();
    api.close();
    await removeManaged(managedBy);
  });

  it('registers a Ready node with capacity, nodeInfo and a lease', async () => {
    const node = api.list('nodes').find((n) => n.metadata.name === NODE) as any;
    expect(node.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      reason: 'KubeletReady',
    });
    expect(Number(node.status.capacity.cpu)).toBeGreaterThan(0);
    expect(node.status.capacity.pods).toBe('110');
    expect(node.status.allocatable.memory).toMatch(/Ki$/);
    expect(node.status.nodeInfo).toMatchObject({
      kubeletVersion: 'v1.32.4-skiff',
      architecture: 'amd64',
      operatingSystem: 'linux',
    });
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^docker:\/\/\d/);
    expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBe(kubelet.port);
    expect(node.metadata.labels).toMatchObject({
      'kubernetes.io/hostname': NODE,
      'node-role.kubernetes.io/control-plane': '',
    });
    const lease = api.list('leases').find((l) => l.metadata.name === NODE) as any;
    expect(lease.metadata.namespace).toBe('kube-node-lease');
    expect(lease.spec).toMatchObject({ holderIdentity: NODE, leaseDurationSeconds: 40 });
  });

  it('runs a pod: shared hostname, published port, limits, status, logs', async () => {
    const pod = api.addPod({
      metadata: { name: 'web' },
      spec: {
        nodeName: NODE,
        containers: [
          {
            name: 'main',
            image: IMAGE,
            command: ['sh', '-c'],
            args: ['echo host=$(hostname) name=$(POD_NAME) greet=$(GREETING); exec httpd -f -p 8080 -h /etc'],
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'GREETING', value: 'hi-$(POD_NAME)' },
            ],
            ports: [{ containerPort: 8080 }],
            resources: { limits: { cpu: '500m', memory: '64Mi' } },
          },
          {
            name: 'side',
            image: IMAGE, // Catches SIGTERM but keeps running: only the kill after the grace period ends it.
            command: ['sh', '-c', 'trap "echo term-received" TERM; while true; do echo tick; sleep 1; done'],
          },
        ],
      },
    });
    const uid = pod.metadata.uid!;
    await eventually(
      () =>
        status('web')?.phase === 'Running' && status('web')?.containerStatuses?.every((c: any) => c.ready),
      20_000,
    );
    const st = status('web');
    expect(st.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(st.hostIP).toBe('127.0.0.1');
    expect(st.qosClass).toBe('Burstable');
    expect(st.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    const cs = cstatus('web');
    expect(cs.containerID).toMatch(/^docker:\/\/[0-9a-f]{64}$/);
    expect(cs.imageID).toMatch(/^docker:\/\/sha256:/);
    expect(cs.restartCount).toBe(0);

    const ports = JSON.parse(api.getPod('web').metadata.annotations![PUBLISHED_PORTS_ANNOTATION]!) as Record<
      string,
      string
    >;
    expect(ports['8080/TCP']).toMatch(/^127\.0\.0\.1:\d+$/);
    const res = await eventually(() =>
      fetch(`http://${ports['8080/TCP']}/hostname`).then((r) => (r.ok ? r.text() : undefined)),
    );
    expect(res.trim()).toBe('web');

    const inspect = await docker.getContainer(cs.containerID.slice('docker://'.length)).inspect();
    expect(inspect.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(inspect.HostConfig.MemorySwap).toBe(64 * 1024 * 1024);
    expect(inspect.HostConfig.NanoCpus).toBe(500_000_000);
    expect(inspect.HostConfig.CpuShares).toBe(512);
    expect(inspect.Config.Labels).toMatchObject({
      'io.kubernetes.pod.uid': uid,
      'io.kubernetes.container.name': 'main',
    });
    expect((await containersOf(uid)).length).toBe(3); // sandbox + 2 app containers

    // Logs: auth, content with $(VAR) expansion, tail, timestamps, follow.
    expect((await kget('/healthz', '')).status).toBe(401);
    expect((await kget('/healthz', 'wrong')).status).toBe(401);
    expect((await kget('/healthz')).status).toBe(200);
    const text = await eventually(async () => {
      const t = await (await kget('/containerLogs/default/web/main')).text();
      return t.includes('host=') ? t : undefined;
    });
    expect(text).toContain('host=web name=web greet=hi-web');
    const tail = await (await kget('/containerLogs/default/web/side?tailLines=1&timestamps=true')).text();
    expect(tail.trim().split('\n')).toHaveLength(1);
    expect(tail).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z tick\n$/);
    const abort = new AbortController();
    const follow = await kget('/containerLogs/default/web/side?follow=true&tailLines=0');
    expect(follow.status).toBe(200);
    const reader = follow.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('tick');
    await reader.cancel();
    abort.abort();
    expect((await kget('/containerLogs/default/web/nope')).status).toBe(404);
    expect((await kget('/containerLogs/default/nope/main')).status).toBe(404);
    const prev = await kget('/containerLogs/default/web/main?previous=true');
    expect(prev.status).toBe(400);
    expect(((await prev.json()) as { message: string }).message).toBe(
      'previous terminated container "main" in pod "web" not found',
    );
    const events0 = events('web').map((e) => e.reason);
    expect(events0).toEqual(expect.arrayContaining(['Created', 'Started']));
  });

  it('restarts a crashing container with CrashLoopBackOff and keeps the previous instance', async () => {
    api.addPod({
      metadata: { name: 'crash' },
      spec: {
        nodeName: NODE,
        containers: [
          { name: 'main', image: IMAGE, command: ['sh', '-c', 'echo boom $(date +%s%N); exit 3'] },
        ],
      },
    });
    await eventually(() => cstatus('crash')?.state?.waiting?.reason === 'CrashLoopBackOff', 20_000);
    const cs = cstatus('crash');
    expect(cs.restartCount).toBeGreaterThanOrEqual(1);
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(cs.state.waiting.message).toMatch(
      /^back-off \d+s restarting failed container=main pod=crash_default/,
    );
    expect(status('crash').phase).toBe('Running');
    await eventually(() => events('crash').some((e) => e.reason === 'BackOff'));
    const prev = await (await kget('/containerLogs/default/crash/main?previous=true')).text();
    expect(prev).toMatch(/^boom \d+%N\n$/); // undefined $(…) stays as written, then sh runs it
    // It restarts again once the back-off passes (1.5 s, then 3 s in this test).
    await eventually(() => cstatus('crash')?.restartCount >= 2, 20_000);
    const uid = api.getPod('crash').metadata.uid!;
    // Only the current and the previous instance are kept.
    const apps = (await containersOf(uid)).filter(
      (c) => c.Labels['io.kubernetes.docker.type'] === 'container',
    );
    expect(apps.length).toBeLessThanOrEqual(2);
  });

  it('reports ErrImagePull then ImagePullBackOff for an image that cannot be pulled', async () => {
    api.addPod({
      metadata: { name: 'nopull' },
      spec: { nodeName: NODE, containers: [{ name: 'main', image: '127.0.0.1:1/skiff/none:1' }] },
    });
    // ErrImagePull may last only until the next sync, so look at every status written.
    const reasons = () =>
      api.history
        .filter((h) => h.plural === 'pods' && h.obj.metadata.name === 'nopull')
        .map((h) => (h.obj.status as any)?.containerStatuses?.[0]?.state?.waiting?.reason)
        .filter(Boolean);
    await eventually(() => reasons().includes('ErrImagePull'), 20_000);
    expect(status('nopull').phase).toBe('Pending');
    await eventually(() => cstatus('nopull')?.state?.waiting?.reason === 'ImagePullBackOff', 20_000);
    expect(reasons().indexOf('ErrImagePull')).toBeLessThan(reasons().indexOf('ImagePullBackOff'));
    await eventually(() =>
      events('nopull').some(
        (e) =>
          e.reason === 'Failed' && e.message.startsWith('Failed to pull image "127.0.0.1:1/skiff/none:1"'),
      ),
    );
    expect(events('nopull').map((e) => e.reason)).toEqual(
      expect.arrayContaining(['Pulling', 'Failed', 'BackOff']),
    );
  });

  it('ErrImageNeverPull for a missing image with pull policy Never', async () => {
    api.addPod({
      metadata: { name: 'never' },
      spec: {
        nodeName: NODE,
        containers: [{ name: 'main', image: 'skiff-test/absent:1', imagePullPolicy: 'Never' }],
      },
    });
    await eventually(() => cstatus('never')?.state?.waiting?.reason === 'ErrImageNeverPull', 20_000);
  });

  it('runs a Never pod to Succeeded', async () => {
    api.addPod({
      metadata: { name: 'once' },
      spec: {
        nodeName: NODE,
        restartPolicy: 'Never',
        containers: [{ name: 'main', image: IMAGE, command: ['true'] }],
      },
    });
    await eventually(() => status('once')?.phase === 'Succeeded', 20_000);
    expect(cstatus('once').state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('adopts running containers after a restart (same ids, nothing recreated)', async () => {
    const uid = api.getPod('web').metadata.uid!;
    const before = (await containersOf(uid)).map((c) => c.Id).sort();
    const crashRestarts = cstatus('crash').restartCount as number;
    await kubelet.stop();
    kubelet = newKubelet();
    await kubelet.start();
    await new Promise((r) => setTimeout(r, 2500));
    const after = (await containersOf(uid)).map((c) => c.Id).sort();
    expect(after).toEqual(before);
    expect(cstatus('web').restartCount).toBe(0);
    expect(cstatus('crash').restartCount).toBeGreaterThanOrEqual(crashRestarts);
    expect((await kget('/healthz')).status).toBe(200);
  });

  it('deletes gracefully: SIGTERM, kill after the grace, containers removed, pod deleted', async () => {
    const uid = api.getPod('web').metadata.uid!;
    const t0 = Date.now();
    api.markDeleted('web', 'default', 2);
    await eventually(() => !api.getPod('web'), 10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900); // waited for the 2 s grace
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(await containersOf(uid)).toHaveLength(0);
    expect(events('web').some((e) => e.reason === 'Killing')).toBe(true);
  });

  it('deletes a default-grace pod whose PID 1 ignores SIGTERM within 10 s', async () => {
    const pod = api.addPod({
      metadata: { name: 'stubborn' },
      spec: {
        nodeName: NODE,
        containers: [{ name: 'main', image: IMAGE, command: ['sh', '-c', 'while true; do sleep 1; done'] }],
      },
    });
    await eventually(() => status('stubborn')?.phase === 'Running', 20_000);
    const t0 = Date.now();
    api.markDeleted('stubborn'); // default grace: 30 s
    await eventually(() => !api.getPod('stubborn'), 10_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await containersOf(pod.metadata.uid!)).toHaveLength(0);
  });

  it('removes containers of pods that vanished from the API', async () => {
    const uid = api.getPod('crash').metadata.uid!;
    api.forget(R.pods, 'default', 'crash');
    await kubelet.stop();
    kubelet = newKubelet();
    await kubelet.start();
    await eventually(async () => (await containersOf(uid)).length === 0, 15_000);
  });
});
