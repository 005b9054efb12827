import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { DockerRuntime } from '../../../src-main/control-plane/kubelet/runtime/docker/docker-runtime';
import {
  DEFAULT_SANDBOX_IMAGE,
  pauseRootfsTar,
} from '../../../src-main/control-plane/kubelet/runtime/docker/pause-image';
import { dockerAvailable, removeManaged, testManagedBy } from './helpers/docker';

const hasDocker = await dockerAvailable();
const managedBy = testManagedBy();

describe('pause image', () => {
  it('names the sandboxImage option when the architecture has no shipped binary', () => {
    expect(() => pauseRootfsTar('riscv64')).toThrow(/sandboxImage.*registry\.k8s\.io\/pause/);
  });
  it('is a tar with the executables /pause, /relay and /netd (ELF)', () => {
    const tar = pauseRootfsTar('x64');
    expect(tar.length % 512).toBe(0);
    expect(tar.subarray(0, 5).toString()).toBe('pause');
    expect(tar.subarray(512, 516)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    const second = 512 + Math.ceil(Number.parseInt(tar.subarray(124, 135).toString(), 8) / 512) * 512;
    expect(tar.subarray(second, second + 5).toString()).toBe('relay');
    expect(tar.subarray(second + 512, second + 516)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    const third =
      second +
      512 +
      Math.ceil(Number.parseInt(tar.subarray(second + 124, second + 135).toString(), 8) / 512) * 512;
    expect(tar.subarray(third, third + 4).toString()).toBe('netd');
    expect(tar.subarray(third + 512, third + 516)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  });
});

describe.skipIf(!hasDocker)('DockerRuntime on the real engine', () => {
  const rt = new DockerRuntime({ managedBy });
  const docker = new Docker();
  afterAll(() => removeManaged(managedBy));
  beforeAll(async () => {
    // Build the default sandbox image from scratch once, to exercise the offline path.
    const used = await docker.listContainers({ all: true, filters: { ancestor: [DEFAULT_SANDBOX_IMAGE] } });
    if (used.length === 0) await rt.removeImage(DEFAULT_SANDBOX_IMAGE);
  });

  it('runs a sandbox that stops fast, with published ports and the pod hostname', async () => {
    const sb = await rt.runPodSandbox({
      podUid: 'uid-rt-1',
      podName: 'rt-pod',
      namespace: 'default',
      hostname: 'rt-pod',
      attempt: 0,
      ports: [{ containerPort: 80, protocol: 'TCP', hostIp: '127.0.0.1' }],
    });
    expect(sb.state).toBe('ready');
    expect(sb.ports[0]).toMatchObject({ containerPort: 80, hostIp: '127.0.0.1' });
    expect(sb.ports[0]!.hostPort).toBeGreaterThan(0);
    expect(sb.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const id = await rt.createContainer(sb.id, {
      podUid: 'uid-rt-1',
      podName: 'rt-pod',
      namespace: 'default',
      name: 'web',
      attempt: 0,
      image: 'skiff-test/busybox:1',
      command: ['sh', '-c', 'hostname; echo err >&2; exec httpd -f -p 80 -h /'],
      env: [],
      resources: { memoryBytes: 32 * 1024 * 1024, nanoCpus: 250_000_000, cpuShares: 256 },
    });
    await rt.startContainer(id);
    const res = await fetch(`http://127.0.0.1:${sb.ports[0]!.hostPort}/bin/`).catch(() => undefined);
    expect(res?.status).toBeDefined();
    const inspect = await docker.getContainer(id).inspect();
    expect(inspect.HostConfig.Memory).toBe(32 * 1024 * 1024);
    expect(inspect.HostConfig.NanoCpus).toBe(250_000_000);
    const logs = await rt.containerLogs(id, {});
    let text = '';
    for await (const c of logs) text += String(c);
    expect(text).toContain('rt-pod\n');
    expect(text).toContain('err\n');
    const [st] = await rt.listContainers({ 'io.kubernetes.pod.uid': 'uid-rt-1' });
    expect(st).toMatchObject({ id, name: 'web', state: 'running', attempt: 0 });
    const t0 = Date.now();
    await rt.stopPodSandbox(sb.id, 10);
    expect(Date.now() - t0).toBeLessThan(3000);
    await rt.removeContainer(id);
    await rt.removePodSandbox(sb.id);
    expect(await rt.containerStatus(id)).toBeUndefined();
  });

  it('reports a failing pull with the engine message', async () => {
    await expect(rt.pullImage('127.0.0.1:1/nope/nothing:1')).rejects.toThrow(/127\.0\.0\.1:1/);
  });

  it('reports runtime info', async () => {
    const info = await rt.info();
    expect(info.cpus).toBeGreaterThan(0);
    expect(info.memoryBytes).toBeGreaterThan(0);
    expect(info.runtimeVersion).toMatch(/^\d+\./);
    expect(info.architecture).toBe('amd64');
  });
});
