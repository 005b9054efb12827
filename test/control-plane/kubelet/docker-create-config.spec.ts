// Unit tests (no engine) of the Docker runtime's pure parts: create options, status mapping, stats, log params.
import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import {
  containerCreateRequest,
  identityLabels,
  sandboxCreateRequest,
  userOf,
} from '../../../src-main/control-plane/kubelet/runtime/docker/container-config';
import {
  containerStatusOf,
  sandboxStatusOf,
} from '../../../src-main/control-plane/kubelet/runtime/docker/container-status';
import { statsOf } from '../../../src-main/control-plane/kubelet/runtime/docker/stats';
import { sinceParam } from '../../../src-main/control-plane/kubelet/runtime/docker/logs';
import type { ContainerConfig, SandboxConfig } from '../../../src-main/control-plane/kubelet/runtime/runtime';

const identity = {
  'io.kubernetes.pod.uid': 'uid-1',
  'io.kubernetes.pod.name': 'web',
  'io.kubernetes.pod.namespace': 'default',
  'io.kubernetes.container.attempt': '2',
  'skiff.dev/managed-by': 'skiff-test',
};

describe('sandbox create options', () => {
  const config: SandboxConfig = {
    podUid: 'uid-1',
    podName: 'web',
    namespace: 'default',
    hostname: 'h'.repeat(70),
    domainname: 'svc.cluster.local',
    network: 'skiff-net',
    extraHosts: ['web:10.0.0.2'],
    resolvConf: 'nameserver 10.96.0.10\n',
    attempt: 2,
    ports: [
      { containerPort: 80, protocol: 'TCP', hostPort: 8080, hostIp: '127.0.0.1' },
      { containerPort: 80, protocol: 'TCP', hostIp: '::1' },
      { containerPort: 53, protocol: 'UDP', hostIp: '0.0.0.0' },
    ],
    labels: { app: 'web', 'skiff.dev/managed-by': 'overridden' },
  };

  it('names, labels, publishes ports and limits the pause process', () => {
    const { name, spec } = sandboxCreateRequest(config, 'skiff/pause:2', 'skiff-test');
    expect(name).toBe('k8s_POD_web_default_uid-1_2');
    expect(spec).toEqual({
      Image: 'skiff/pause:2',
      Hostname: 'h'.repeat(63),
      Domainname: 'svc.cluster.local',
      Labels: {
        app: 'web',
        ...identity,
        'io.kubernetes.container.name': 'POD',
        'io.kubernetes.docker.type': 'podsandbox',
      },
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      HostConfig: {
        IpcMode: 'shareable',
        PortBindings: {
          '80/tcp': [
            { HostIp: '127.0.0.1', HostPort: '8080' },
            { HostIp: '::1', HostPort: '' },
          ],
          '53/udp': [{ HostIp: '0.0.0.0', HostPort: '' }],
        },
        NetworkMode: 'skiff-net',
        ExtraHosts: ['web:10.0.0.2'],
        RestartPolicy: { Name: 'no' },
        Memory: 64 * 1024 * 1024,
        MemorySwap: 64 * 1024 * 1024,
      },
    });
  });

  it('with hostNetwork sets no hostname, domain or ports', () => {
    const { spec } = sandboxCreateRequest({ ...config, hostNetwork: true, extraHosts: [] }, 'p', 'm');
    expect(spec.Hostname).toBeUndefined();
    expect(spec.Domainname).toBeUndefined();
    expect(spec.ExposedPorts).toBeUndefined();
    expect(spec.HostConfig?.PortBindings).toBeUndefined();
    expect(spec.HostConfig?.NetworkMode).toBe('host');
    expect(spec.HostConfig?.ExtraHosts).toBeUndefined();
  });
});

describe('container create options', () => {
  const base: ContainerConfig = {
    podUid: 'uid-1',
    podName: 'web',
    namespace: 'default',
    name: 'app',
    attempt: 2,
    image: 'nginx:1',
    env: [
      { name: 'A', value: '1' },
      { name: 'B', value: 'x=y' },
    ],
    resources: {},
  };

  it('joins the sandbox, labels the container and bounds its logs', () => {
    const { name, spec } = containerCreateRequest('sb1', base, 'skiff-test');
    expect(name).toBe('k8s_app_web_default_uid-1_2');
    expect(spec).toEqual({
      Image: 'nginx:1',
      Entrypoint: undefined,
      Cmd: undefined,
      Env: ['A=1', 'B=x=y'],
      WorkingDir: undefined,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      AttachStdin: false,
      Labels: {
        ...identity,
        'io.kubernetes.container.name': 'app',
        'io.kubernetes.docker.type': 'container',
        'io.kubernetes.sandbox.id': 'sb1',
        'io.kubernetes.container.restartCount': '2',
      },
      User: undefined,
      HostConfig: {
        NetworkMode: 'container:sb1',
        IpcMode: 'container:sb1',
        PidMode: undefined,
        Mounts: [],
        Privileged: false,
        CapAdd: undefined,
        CapDrop: undefined,
        ReadonlyRootfs: false,
        SecurityOpt: undefined,
        GroupAdd: undefined,
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '5' } },
        RestartPolicy: { Name: 'no' },
        Memory: undefined,
        MemorySwap: undefined,
        NanoCpus: undefined,
        CpuShares: undefined,
      },
    });
  });

  it('maps command, mounts, resources and security', () => {
    const { spec } = containerCreateRequest(
      'sb1',
      {
        ...base,
        command: ['sh', '-c'],
        args: ['echo hi'],
        workingDir: '/w',
        tty: true,
        stdin: true,
        stdinOnce: true,
        labels: { team: 'a' },
        mounts: [
          { type: 'bind', source: '/host/vol', target: '/data', subPath: 'sub', readOnly: true },
          { type: 'volume', source: 'cache', target: '/cache', subPath: 'ignored' },
        ],
        resources: { memoryBytes: 128 * 2 ** 20, nanoCpus: 250_000_000, cpuShares: 256 },
        security: {
          runAsUser: 1000,
          runAsGroup: 3000,
          supplementalGroups: [4000, 5000],
          privileged: true,
          capAdd: ['NET_ADMIN'],
          capDrop: ['ALL'],
          readOnlyRootFilesystem: true,
          noNewPrivileges: true,
        },
        sharePid: true,
      },
      'skiff-test',
    );
    expect(spec.Entrypoint).toEqual(['sh', '-c']);
    expect(spec.Cmd).toEqual(['echo hi']);
    expect(spec.WorkingDir).toBe('/w');
    expect([spec.Tty, spec.OpenStdin, spec.StdinOnce, spec.AttachStdin]).toEqual([true, true, true, false]);
    expect(spec.Labels?.team).toBe('a');
    expect(spec.User).toBe('1000:3000');
    expect(spec.HostConfig).toMatchObject({
      PidMode: 'container:sb1',
      Mounts: [
        { Type: 'bind', Source: '/host/vol/sub', Target: '/data', ReadOnly: true },
        { Type: 'volume', Source: 'cache', Target: '/cache', ReadOnly: false },
      ],
      Privileged: true,
      CapAdd: ['NET_ADMIN'],
      CapDrop: ['ALL'],
      ReadonlyRootfs: true,
      SecurityOpt: ['no-new-privileges'],
      GroupAdd: ['4000', '5000'],
      Memory: 128 * 2 ** 20,
      MemorySwap: 128 * 2 ** 20,
      NanoCpus: 250_000_000,
      CpuShares: 256,
    });
  });

  it('empty command/args leave the image defaults; pidOfContainer wins over sharePid', () => {
    const { spec } = containerCreateRequest(
      'sb1',
      { ...base, command: [], args: [], sharePid: true, pidOfContainer: 'c9' },
      'm',
    );
    expect(spec.Entrypoint).toBeUndefined();
    expect(spec.Cmd).toBeUndefined();
    expect(spec.HostConfig?.PidMode).toBe('container:c9');
  });

  it('spells User like docker run --user', () => {
    expect(userOf(undefined)).toBeUndefined();
    expect(userOf({ privileged: true })).toBeUndefined();
    expect(userOf({ runAsUser: 1000 })).toBe('1000');
    expect(userOf({ runAsGroup: 50 })).toBe('0:50');
    expect(userOf({ runAsUser: 0, runAsGroup: 0 })).toBe('0:0');
  });

  it('identity labels carry the managing kubelet', () => {
    expect(identityLabels('m', 'u', 'p', 'n', 'c', 0)).toEqual({
      'io.kubernetes.pod.uid': 'u',
      'io.kubernetes.pod.name': 'p',
      'io.kubernetes.pod.namespace': 'n',
      'io.kubernetes.container.name': 'c',
      'io.kubernetes.container.attempt': '0',
      'skiff.dev/managed-by': 'm',
    });
  });
});

describe('status mapping', () => {
  it('maps a listed sandbox, keeping only published ports', () => {
    const listed = {
      Id: 'sb1',
      Created: 1_700_000_000,
      State: 'running',
      Labels: { ...identity, app: 'web' },
      NetworkSettings: { Networks: { none: { IPAddress: '' }, net: { IPAddress: '10.0.0.5' } } },
      Ports: [
        { PrivatePort: 80, PublicPort: 8080, Type: 'tcp', IP: '0.0.0.0' },
        { PrivatePort: 53, PublicPort: 5353, Type: 'udp' },
        { PrivatePort: 9090, Type: 'tcp' },
      ],
    } as unknown as Docker.ContainerInfo;
    expect(sandboxStatusOf(listed)).toEqual({
      id: 'sb1',
      podUid: 'uid-1',
      podName: 'web',
      namespace: 'default',
      attempt: 2,
      state: 'ready',
      createdAt: 1_700_000_000_000,
      ip: '10.0.0.5',
      ports: [
        { containerPort: 80, protocol: 'TCP', hostIp: '0.0.0.0', hostPort: 8080 },
        { containerPort: 53, protocol: 'UDP', hostIp: '127.0.0.1', hostPort: 5353 },
      ],
      labels: { ...identity, app: 'web' },
    });
    const bare = { Id: 'x', Created: 1, State: 'exited' } as unknown as Docker.ContainerInfo;
    expect(sandboxStatusOf(bare)).toMatchObject({ state: 'notready', ip: undefined, ports: [], attempt: 0 });
  });

  const inspected = (state: Partial<Docker.ContainerInspectInfo['State']>, labels: Record<string, string>) =>
    ({
      Id: 'c1',
      Created: '2024-01-02T03:04:05.5Z',
      Image: 'sha256:abc',
      Config: { Image: 'nginx:1', Labels: labels },
      HostConfig: { NetworkMode: 'container:sb9' },
      State: {
        Status: 'exited',
        StartedAt: '2024-01-02T03:04:06Z',
        FinishedAt: '0001-01-01T00:00:00Z',
        ExitCode: 137,
        OOMKilled: false,
        Error: '',
        ...state,
      },
    }) as unknown as Docker.ContainerInspectInfo;

  it('maps an inspected container', () => {
    const labels = { ...identity, 'io.kubernetes.container.name': 'app', 'io.kubernetes.sandbox.id': 'sb1' };
    expect(containerStatusOf(inspected({}, labels), false)).toEqual({
      id: 'c1',
      sandboxId: 'sb1',
      podUid: 'uid-1',
      podName: 'web',
      namespace: 'default',
      name: 'app',
      attempt: 2,
      state: 'exited',
      createdAt: Date.parse('2024-01-02T03:04:05.5Z'),
      startedAt: Date.parse('2024-01-02T03:04:06Z'),
      finishedAt: undefined,
      exitCode: 137,
      oomKilled: false,
      error: undefined,
      image: 'nginx:1',
      imageId: 'sha256:abc',
      labels,
    });
  });

  it('maps engine states, the sandbox from NetworkMode, and an OOM seen only as an event', () => {
    const states: [string, string][] = [
      ['running', 'running'],
      ['paused', 'running'],
      ['restarting', 'running'],
      ['created', 'created'],
      ['exited', 'exited'],
      ['dead', 'exited'],
      ['removing', 'unknown'],
    ];
    for (const [engine, runtime] of states) {
      const s = containerStatusOf(inspected({ Status: engine }, {}), false);
      expect(s.state).toBe(runtime);
      expect(s.exitCode).toBe(runtime === 'exited' ? 137 : undefined);
    }
    const s = containerStatusOf(inspected({ Error: 'boom', StartedAt: '' }, {}), true);
    expect(s).toMatchObject({ sandboxId: 'sb9', oomKilled: true, error: 'boom', startedAt: undefined });
  });
});

describe('stats and log parameters', () => {
  it('computes the working set like cAdvisor (v1 and v2 cgroups)', () => {
    const cpu_stats = { cpu_usage: { total_usage: 5_000 } };
    const read = '2024-01-02T03:04:05Z';
    expect(
      statsOf({ read, cpu_stats, memory_stats: { usage: 1000, stats: { total_inactive_file: 300 } } }),
    ).toEqual({
      timestamp: Date.parse(read),
      cpuUsageNanos: 5_000,
      memoryUsageBytes: 1000,
      memoryWorkingSetBytes: 700,
    });
    expect(
      statsOf({ read, cpu_stats, memory_stats: { usage: 1000, stats: { inactive_file: 1200 } } }),
    ).toMatchObject({ memoryWorkingSetBytes: 0 });
    expect(statsOf({ read, cpu_stats })).toMatchObject({ memoryUsageBytes: 0, memoryWorkingSetBytes: 0 });
  });

  it('has no sample without a CPU reading or for a stopped container', () => {
    expect(statsOf({ read: '2024-01-02T03:04:05Z' })).toBeUndefined();
    expect(statsOf({ cpu_stats: { cpu_usage: { total_usage: 1 } } })).toBeUndefined();
    expect(
      statsOf({ read: '0001-01-01T00:00:00Z', cpu_stats: { cpu_usage: { total_usage: 1 } } }),
    ).toBeUndefined();
  });

  it('spells since as seconds.nanoseconds', () => {
    expect(sinceParam(1_700_000_000_123)).toBe('1700000000.123000000');
    expect(sinceParam(0)).toBe('0.000000000');
    expect(sinceParam(1500.5)).toBe('1.500500000');
  });
});
