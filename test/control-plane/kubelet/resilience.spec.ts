/**
 * Node facts and resilience on real Docker: node.status.images and pressure conditions; the
 * engine vanishing (its API socket cut through a proxy) → node NotReady with the reason, and
 * back → Ready with the pod recovered per its restart policy after its containers died (as in an
 * engine restart); containers removed behind Skiff's back are recreated.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { Kubelet } from '../../../src-main/control-plane/kubelet/kubelet';
import { DockerRuntime } from '../../../src-main/control-plane/kubelet/runtime/docker/docker-runtime';
import { FakeApi } from '../helpers/fake-api';
import { realClock } from '../../../src-main/common/clock';
import { dockerAvailable, eventually, removeManaged, testManagedBy } from './helpers/docker';

const hasDocker = await dockerAvailable();
const managedBy = testManagedBy();
const NODE = 'resilience-node';
const IMAGE = 'skiff-test/busybox:1';

/** A unix-socket proxy in front of the engine that can be cut and restored. */
class EngineProxy {
  private server?: net.Server;
  private readonly conns = new Set<net.Socket>();
  constructor(readonly socketPath: string) {}
  async up(): Promise<void> {
    fs.rmSync(this.socketPath, { force: true });
    this.server = net.createServer((client) => {
      const upstream = net.connect('/var/run/docker.sock');
      this.conns.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.conns.delete(client);
        this.conns.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((r) => this.server!.listen(this.socketPath, r));
  }
  async down(): Promise<void> {
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = undefined;
  }
}

describe.skipIf(!hasDocker)('node facts and resilience', () => {
  const api = new FakeApi(realClock);
  const docker = new Docker();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-resilience-'));
  const proxy = new EngineProxy(path.join(dir, 'docker.sock'));
  let kubelet: Kubelet;
  const node = () => api.list('nodes').find((n) => n.metadata.name === NODE) as any;
  const ready = () => node()?.status.conditions.find((c: any) => c.type === 'Ready');
  const cstatus = (name: string) => api.getPod(name)?.status?.containerStatuses?.[0];
  const containersOf = async (uid: string) =>
    docker.listContainers({
      all: true,
      filters: { label: [`skiff.dev/managed-by=${managedBy}`, `io.kubernetes.pod.uid=${uid}`] },
    });

  beforeAll(async () => {
    await proxy.up();
    kubelet = new Kubelet(api.client, new DockerRuntime({ managedBy, socketPath: proxy.socketPath }), {
      nodeName: NODE,
      serverToken: 'resilience-token',
      relistIntervalMs: 500,
      heartbeatIntervalMs: 300,
      nodeStatusIntervalMs: 1000,
      initialBackoffMs: 500,
      rootDir: path.join(dir, 'kubelet'),
    });
    await kubelet.start();
  });
  afterAll(async () => {
    await kubelet?.stop();
    api.close();
    await proxy.down();
    await removeManaged(managedBy);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports the runtime images and pressure conditions from real figures', async () => {
    const n = node();
    const names = n.status.images.flatMap((i: any) => i.names);
    expect(names).toContain(IMAGE);
    expect(n.status.images.every((i: any) => i.sizeBytes > 0)).toBe(true);
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure'])
      expect(n.status.conditions.find((c: any) => c.type === type)).toMatchObject({ status: 'False' });
  });

  it('goes NotReady with the reason while the engine is gone and recovers pods when it returns', async () => {
    const pod = api.addPod({
      metadata: { name: 'survivor' },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: IMAGE, command: ['sleep', '3600'] }],
      },
    });
    const uid = pod.metadata.uid!;
    await eventually(() => cstatus('survivor')?.state?.running, 30_000);
    await proxy.down();
    const r = await eventually(() => (ready()?.status === 'False' ? ready() : undefined), 15_000);
    expect(r.reason).toBe('KubeletNotReady');
    expect(r.message).toMatch(/^container runtime is down: /);
    // What an engine restart does to running containers.
    for (const c of await containersOf(uid))
      await docker
        .getContainer(c.Id)
        .kill()
        .catch(() => undefined);
    await proxy.up();
    await eventually(() => ready()?.status === 'True', 15_000);
    const cs = await eventually(() => {
      const s = cstatus('survivor');
      return s?.state?.running && s.restartCount >= 1 ? s : undefined;
    }, 30_000);
    expect(cs.lastState.terminated).toBeDefined();
    expect(api.getPod('survivor').status.phase).toBe('Running');
  });

  it('recreates a container removed behind its back', async () => {
    const before = cstatus('survivor').containerID as string;
    await docker.getContainer(before.replace('docker://', '')).remove({ force: true });
    const after = await eventually(() => {
      const s = cstatus('survivor');
      return s?.state?.running && s.containerID !== before ? s : undefined;
    }, 30_000);
    expect(after.containerID).toMatch(/^docker:\/\//);
  });
});
