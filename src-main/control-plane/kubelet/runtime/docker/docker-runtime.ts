import Docker from 'dockerode';
import { readFile, statfs } from 'node:fs/promises';
import { Duplex, PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import {
  LABELS,
  SANDBOX_CONTAINER_NAME,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStats,
  type ContainerStatus,
  type ImageInfo,
  type LogOptions,
  type PublishedPort,
  type PullOptions,
  type RuntimeEvent,
  type RuntimeInfo,
  type SandboxConfig,
  type SandboxStatus,
  type SecurityConfig,
  type StreamOptions,
  type StreamSession,
  type VolumeOptions,
} from '../runtime';
import type { ClusterNetwork } from '../../../../common/network';
import type { NetworkAgentStatus } from '../runtime';
import { ensureClusterNetwork, ensureNetworkAgent, removeClusterNetwork } from './cluster-network';
import { DEFAULT_SANDBOX_IMAGE, pauseRootfsTar } from './pause-image';

/** Options of the Docker runtime. */
export interface DockerRuntimeOptions {
  /** Engine socket; default /var/run/docker.sock (or DOCKER_HOST handling of dockerode). */
  socketPath?: string;
  /**
   * Image of the pod sandbox container. The default (`DEFAULT_SANDBOX_IMAGE`) is built locally
   * from the pause, relay and netd binaries Skiff ships; any other image (e.g. registry.k8s.io/pause:3.10) is pulled when
   * missing.
   */
  sandboxImage?: string;
  /** Value of the `skiff.dev/managed-by` label, so several kubelets can share one engine. */
  managedBy?: string;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * ContainerRuntime on the Docker engine API, with the pod-sandbox model of Kubernetes' former
 * dockershim: a sandbox container owns the pod's network, IPC and hostname, app containers
 * join it with `container:<sandbox id>`.
 */
export class DockerRuntime implements ContainerRuntime {
  readonly docker: Docker;
  readonly sandboxImage: string;
  readonly managedBy: string;
  private sandboxImageReady?: Promise<void>;
  /** Inspect results keyed by `id:state`: a container's details only change with its state. */
  private readonly inspectCache = new Map<string, ContainerStatus>();
  /**
   * Containers the engine reported an 'oom' event for. Docker 20.10 races containerd's OOM and
   * exit events, so State.OOMKilled can read false for a container killed by the OOM killer.
   */
  private readonly oomSeen = new Set<string>();

  constructor(opts: DockerRuntimeOptions = {}) {
    this.docker = opts.socketPath ? new Docker({ socketPath: opts.socketPath }) : new Docker();
    this.sandboxImage = opts.sandboxImage ?? DEFAULT_SANDBOX_IMAGE;
    this.managedBy = opts.managedBy ?? 'skiff';
  }

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  async info(): Promise<RuntimeInfo> {
    const [info, version] = await Promise.all([this.docker.info(), this.docker.version()]);
    let storageBytes: number | undefined;
    let storageAvailableBytes: number | undefined;
    try {
      // Only meaningful when the engine runs on this machine; a remote engine's root is not here.
      const s = await statfs(info.DockerRootDir || '/var/lib/docker');
      storageBytes = s.blocks * s.bsize;
      storageAvailableBytes = s.bavail * s.bsize;
    } catch {
      storageBytes = undefined;
    }
    return {
      runtimeName: 'docker',
      runtimeVersion: version.Version ?? info.ServerVersion,
      cpus: info.NCPU,
      memoryBytes: info.MemTotal,
      storageBytes,
      storageAvailableBytes,
      osImage: info.OperatingSystem,
      kernelVersion: info.KernelVersion,
      architecture: kubeArch(info.Architecture),
      operatingSystem: info.OSType || 'linux',
      hostname: info.Name,
    };
  }

  // ---- sandboxes -------------------------------------------------------------------------

  async runPodSandbox(config: SandboxConfig): Promise<SandboxStatus> {
    await this.ensureSandboxImage();
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of config.ports) {
      const key = `${p.containerPort}/${p.protocol.toLowerCase()}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort ? String(p.hostPort) : '' });
    }
    const labels = {
      ...config.labels,
      ...this.identityLabels(
        config.podUid,
        config.podName,
        config.namespace,
        SANDBOX_CONTAINER_NAME,
        config.attempt,
      ),
      [LABELS.type]: 'podsandbox',
    };
    const name = `k8s_${SANDBOX_CONTAINER_NAME}_${config.podName}_${config.namespace}_${config.podUid}_${config.attempt}`;
    const container = await this.createNamed(name, {
      Image: this.sandboxImage,
      Hostname: config.hostNetwork ? undefined : config.hostname.slice(0, 63),
      Domainname: config.hostNetwork ? undefined : config.domainname,
      Labels: labels,
      ExposedPorts: config.hostNetwork ? undefined : exposed,
      HostConfig: {
        // Without "shareable" app containers cannot join the IPC namespace (machine-notes.md).
        IpcMode: 'shareable',
        PortBindings: config.hostNetwork ? undefined : bindings,
        NetworkMode: config.hostNetwork ? 'host' : config.network,
        // Containers joining this network namespace share its /etc/hosts (and resolv.conf).
        ExtraHosts: config.extraHosts?.length ? config.extraHosts : undefined,
        RestartPolicy: { Name: 'no' },
        // The pause process needs almost nothing; keep a runaway from hurting the host.
        Memory: 64 * 1024 * 1024,
        MemorySwap: 64 * 1024 * 1024,
      },
    });
    await container.start();
    if (config.resolvConf !== undefined) {
      try {
        await this.writeSandboxFile(container.id, '/etc/resolv.conf', config.resolvConf);
      } catch (err) {
        await this.removeContainer(container.id).catch(() => undefined);
        throw err;
      }
    }
    const sb = await this.inspectSandbox(container.id);
    if (!sb) throw new Error(`sandbox ${container.id} vanished right after it started`);
    return sb;
  }

  async stopPodSandbox(id: string, timeoutSeconds: number): Promise<void> {
    await this.stopContainer(id, timeoutSeconds);
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.removeContainer(id);
  }

  async listPodSandboxes(labels: Record<string, string> = {}, id?: string): Promise<SandboxStatus[]> {
    const list = await this.docker.listContainers({
      all: true,
      filters: {
        label: this.labelFilter({ ...labels, [LABELS.type]: 'podsandbox' }),
        ...(id ? { id: [id] } : {}),
      },
    });
    return list.map((c) => {
      const l = c.Labels ?? {};
      const nets = Object.values(c.NetworkSettings?.Networks ?? {});
      return {
        id: c.Id,
        podUid: l[LABELS.podUid] ?? '',
        podName: l[LABELS.podName] ?? '',
        namespace: l[LABELS.podNamespace] ?? '',
        attempt: Number(l[LABELS.attempt] ?? 0),
        state: c.State === 'running' ? 'ready' : 'notready',
        createdAt: c.Created * 1000,
        ip: nets.find((n) => n.IPAddress)?.IPAddress || undefined,
        ports: (c.Ports ?? [])
          .filter((p) => p.PublicPort)
          .map((p) => ({
            containerPort: p.PrivatePort,
            protocol: p.Type.toUpperCase() as PublishedPort['protocol'],
            hostIp: p.IP ?? '127.0.0.1',
            hostPort: p.PublicPort,
          })),
        labels: l,
      } satisfies SandboxStatus;
    });
  }

  private async inspectSandbox(id: string): Promise<SandboxStatus | undefined> {
    return (await this.listPodSandboxes({}, id))[0];
  }

  /**
   * Overwrites a file of a running sandbox in place with `/netd --write` — for /etc/resolv.conf,
   * which Docker bind-mounts (the archive API cannot replace it) and shares with every container
   * joining the sandbox's network namespace. Docker's Dns* options cannot express Kubernetes'
   * resolv.conf on a user-defined network (it always writes its embedded 127.0.0.11 server).
   * A sandbox of another image gets the write from a short-lived helper container joined to it,
   * which sees the same file.
   */
  private async writeSandboxFile(sandboxId: string, path: string, content: string): Promise<void> {
    const cmd = ['/netd', '--write', path, content];
    let exitCode: number | undefined;
    let output = '';
    if (this.sandboxImage === DEFAULT_SANDBOX_IMAGE) {
      const exec = await this.docker
        .getContainer(sandboxId)
        .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
      const stream = (await exec.start({ hijack: true, stdin: false } as never)) as Duplex;
      for await (const chunk of stream) output += (chunk as Buffer).toString('utf8');
      exitCode = (await exec.inspect()).ExitCode ?? undefined;
    } else {
      await this.ensureRelayImage();
      const helper = await this.docker.createContainer({
        Image: DEFAULT_SANDBOX_IMAGE,
        Entrypoint: cmd,
        Labels: { [LABELS.managedBy]: this.managedBy, 'skiff.dev/file-writer-for': sandboxId },
        HostConfig: { NetworkMode: `container:${sandboxId}` },
      });
      try {
        await helper.start();
        exitCode = ((await helper.wait()) as { StatusCode?: number }).StatusCode;
        output = String(await helper.logs({ stdout: true, stderr: true }));
      } finally {
        await helper.remove({ force: true }).catch(() => undefined);
      }
    }
    if (exitCode !== 0) {
      throw new Error(
        `cannot write ${path} in the pod sandbox: ${output.replace(/[^\t\n\x20-\x7e]/g, '').trim() || `exit code ${exitCode}`}`,
      );
    }
  }

  // ---- cluster network -------------------------------------------------------------------

  /** The cluster network is named after this runtime's managed-by value (`skiff-<uid>`). */
  ensureClusterNetwork(preferred?: { slot: number }): Promise<ClusterNetwork> {
    return ensureClusterNetwork(this.docker, this.managedBy, preferred);
  }

  /** The agent runs Skiff's own sandbox image (it carries /netd), whatever sandboxImage is. */
  async ensureNetworkAgent(network: ClusterNetwork): Promise<NetworkAgentStatus> {
    await this.ensureRelayImage();
    return ensureNetworkAgent(this.docker, network, {
      image: DEFAULT_SANDBOX_IMAGE,
      managedBy: this.managedBy,
    });
  }

  removeClusterNetwork(network: ClusterNetwork): Promise<void> {
    return removeClusterNetwork(this.docker, network);
  }

  async warmUp(): Promise<void> {
    await this.ensureSandboxImage();
  }

  /** Builds (default image) or pulls (configured image) the sandbox image once, when missing. */
  private ensureSandboxImage(): Promise<void> {
    this.sandboxImageReady ??= (async () => {
      if (await this.imageStatus(this.sandboxImage)) return;
      if (this.sandboxImage === DEFAULT_SANDBOX_IMAGE) {
        await importDefaultImage(this.docker);
      } else {
        await this.pullImage(this.sandboxImage);
      }
    })().catch((err: unknown) => {
      // Let a later sandbox retry (e.g. the engine came back).
      this.sandboxImageReady = undefined;
      throw err;
    });
    return this.sandboxImageReady;
  }

  // ---- containers ------------------------------------------------------------------------

  async createContainer(sandboxId: string, c: ContainerConfig): Promise<string> {
    const labels = {
      ...c.labels,
      ...this.identityLabels(c.podUid, c.podName, c.namespace, c.name, c.attempt),
      [LABELS.type]: 'container',
      [LABELS.sandboxId]: sandboxId,
      [LABELS.restartCount]: String(c.attempt),
    };
    const r = c.resources;
    const name = `k8s_${c.name}_${c.podName}_${c.namespace}_${c.podUid}_${c.attempt}`;
    const container = await this.createNamed(name, {
      Image: c.image,
      Entrypoint: c.command && c.command.length ? c.command : undefined,
      // Kubernetes: a command without args drops the image CMD; Docker already does that when
      // Entrypoint is given and Cmd is not.
      Cmd: c.args && c.args.length ? c.args : undefined,
      Env: c.env.map((e) => `${e.name}=${e.value}`),
      WorkingDir: c.workingDir,
      Tty: !!c.tty,
      OpenStdin: !!c.stdin,
      StdinOnce: !!c.stdinOnce,
      AttachStdin: false,
      Labels: labels,
      User: userOf(c.security),
      HostConfig: {
        NetworkMode: `container:${sandboxId}`,
        IpcMode: `container:${sandboxId}`,
        PidMode: c.pidOfContainer
          ? `container:${c.pidOfContainer}`
          : c.sharePid
            ? `container:${sandboxId}`
            : undefined,
        Mounts: (c.mounts ?? []).map((m) => ({
          Type: m.type,
          Source: m.subPath && m.type === 'bind' ? `${m.source}/${m.subPath}` : m.source,
          Target: m.target,
          ReadOnly: !!m.readOnly,
        })) as never,
        Privileged: !!c.security?.privileged,
        CapAdd: c.security?.capAdd,
        CapDrop: c.security?.capDrop,
        ReadonlyRootfs: !!c.security?.readOnlyRootFilesystem,
        SecurityOpt: c.security?.noNewPrivileges ? ['no-new-privileges'] : undefined,
        GroupAdd: c.security?.supplementalGroups?.map(String),
        // Bounded logs per container, like the kubelet's containerLogMaxSize/MaxFiles (10Mi × 5).
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '5' } },
        RestartPolicy: { Name: 'no' },
        Memory: r.memoryBytes,
        // Equal to Memory: no swap on top of the limit, as the kubelet configures cgroups.
        MemorySwap: r.memoryBytes,
        NanoCpus: r.nanoCpus,
        CpuShares: r.cpuShares,
      },
    });
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    await this.docker.getContainer(id).start();
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      const t = (await this.ignoresStopSignal(id)) ? 0 : Math.max(0, Math.round(timeoutSeconds));
      await this.docker.getContainer(id).stop({ t });
    } catch (err) {
      // 304: already stopped; 404: already gone.
      if (!hasStatus(err, 304, 404)) throw err;
    }
  }

  /**
   * True when the container's PID 1 has no SIGTERM handler (e.g. `sh -c 'while …'`). The kernel
   * discards such a signal to a namespace's init, so waiting out the grace period could not
   * change the outcome — only delay it; the container is then killed at once. Needs the
   * engine's /proc (a local engine); when unreadable the normal grace applies.
   */
  private async ignoresStopSignal(id: string): Promise<boolean> {
    try {
      const info = await this.docker.getContainer(id).inspect();
      const signal = (info.Config as { StopSignal?: string }).StopSignal ?? 'SIGTERM';
      if (!info.State.Running || !info.State.Pid || (signal !== 'SIGTERM' && signal !== '15')) return false;
      const status = await readFile(`/proc/${info.State.Pid}/status`, 'utf8');
      const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
      if (!caught) return false;
      return (BigInt(`0x${caught}`) & (1n << 14n)) === 0n; // bit 14 = signal 15
    } catch {
      return false;
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      // 409 "removal already in progress" is as good as done.
      if (!hasStatus(err, 404, 409)) throw err;
    }
    for (const key of this.inspectCache.keys()) if (key.startsWith(`${id}:`)) this.inspectCache.delete(key);
  }

  async listContainers(labels: Record<string, string> = {}): Promise<ContainerStatus[]> {
    const list = await this.docker.listContainers({
      all: true,
      filters: { label: this.labelFilter({ ...labels, [LABELS.type]: 'container' }) },
    });
    const live = new Set(list.map((c) => `${c.Id}:${c.State}`));
    for (const key of this.inspectCache.keys()) if (!live.has(key)) this.inspectCache.delete(key);
    const out = await Promise.all(
      list.map(
        async (c) => this.inspectCache.get(`${c.Id}:${c.State}`) ?? (await this.containerStatus(c.Id)),
      ),
    );
    return out.filter((c): c is ContainerStatus => !!c);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(id).inspect();
    } catch (err) {
      if (hasStatus(err, 404)) return undefined;
      throw err;
    }
    const l = info.Config.Labels ?? {};
    const s = info.State;
    const state: ContainerStatus['state'] =
      s.Status === 'running' || s.Status === 'paused' || s.Status === 'restarting'
        ? 'running'
        : s.Status === 'created'
          ? 'created'
          : s.Status === 'exited' || s.Status === 'dead'
            ? 'exited'
            : 'unknown';
    const status: ContainerStatus = {
      id: info.Id,
      sandboxId: l[LABELS.sandboxId] ?? info.HostConfig.NetworkMode?.replace(/^container:/, '') ?? '',
      podUid: l[LABELS.podUid] ?? '',
      podName: l[LABELS.podName] ?? '',
      namespace: l[LABELS.podNamespace] ?? '',
      name: l[LABELS.containerName] ?? '',
      attempt: Number(l[LABELS.attempt] ?? 0),
      state,
      createdAt: Date.parse(info.Created),
      startedAt: s.StartedAt && s.StartedAt !== ZERO_TIME ? Date.parse(s.StartedAt) : undefined,
      finishedAt: s.FinishedAt && s.FinishedAt !== ZERO_TIME ? Date.parse(s.FinishedAt) : undefined,
      exitCode: state === 'exited' ? s.ExitCode : undefined,
      oomKilled: s.OOMKilled || this.oomSeen.has(info.Id),
      error: s.Error || undefined,
      image: info.Config.Image,
      imageId: info.Image,
      labels: l,
    };
    // The state string of `docker ps` is the cache key, so "created" → "running" refreshes.
    this.inspectCache.set(`${info.Id}:${s.Status}`, status);
    return status;
  }

  async containerLogs(id: string, opts: LogOptions): Promise<Readable> {
    const container = this.docker.getContainer(id);
    const info = await container.inspect();
    const params: Record<string, unknown> = {
      stdout: true,
      stderr: true,
      timestamps: !!opts.timestamps,
      tail: opts.tailLines !== undefined ? opts.tailLines : 'all',
      // Docker reads "seconds.nanoseconds"; a plain float would put milliseconds in the nanos.
      since: opts.sinceMs !== undefined ? sinceParam(opts.sinceMs) : 0,
    };
    let raw: Readable;
    if (opts.follow) {
      raw = (await container.logs({ ...params, follow: true } as never)) as unknown as Readable;
    } else {
      const buf = (await container.logs({ ...params, follow: false } as never)) as unknown as Buffer;
      raw = Readable.from([buf]);
    }
    // With a TTY the engine sends the raw terminal bytes; otherwise 8-byte framed stdout/stderr.
    if (info.Config.Tty) return raw.pipe(new PassThrough());
    const out = raw.pipe(new DockerDemux());
    // Destroying the result must close the engine connection (the client went away).
    out.on('close', () => raw.destroy());
    raw.on('error', (err) => out.destroy(err));
    return out;
  }

  // ---- streams (exec, attach, port-forward) -----------------------------------------------

  async exec(id: string, opts: StreamOptions & { command: string[] }): Promise<StreamSession> {
    const exec = await this.docker.getContainer(id).exec({
      Cmd: opts.command,
      AttachStdin: opts.stdin,
      AttachStdout: true,
      AttachStderr: !opts.tty,
      Tty: opts.tty,
    });
    const socket = (await exec.start({ hijack: true, stdin: opts.stdin, Tty: opts.tty } as never)) as Duplex;
    return hijackedSession(socket, opts, {
      resize: async (w, h) => {
        await exec.resize({ w, h } as never);
      },
      // The engine marks the exec finished a moment after the output ends: ask a few times.
      exitCode: async () => {
        for (let i = 0; i < 50; i++) {
          const info = await exec.inspect();
          if (!info.Running) return info.ExitCode ?? undefined;
          await new Promise((r) => setTimeout(r, 20));
        }
        return undefined;
      },
    });
  }

  async attach(id: string, opts: StreamOptions): Promise<StreamSession> {
    const container = this.docker.getContainer(id);
    const info = await container.inspect();
    // Like the kubelet: attaching to a finished container fails at once (kubectl run -i then
    // falls back to the logs) instead of hanging on a stream that never comes.
    if (!info.State.Running) throw new Error(`container ${info.Name.replace(/^\//, '')} is not running`);
    const tty = !!info.Config.Tty;
    const socket = (await container.attach({
      stream: true,
      stdin: opts.stdin,
      stdout: true,
      stderr: true,
      hijack: true,
    } as never)) as unknown as Duplex;
    return hijackedSession(
      socket,
      { ...opts, tty },
      {
        resize: async (w, h) => {
          await container.resize({ w, h } as never);
        },
        exitCode: async () => {
          const i = await container.inspect().catch(() => undefined);
          return i && !i.State.Running ? i.State.ExitCode : undefined;
        },
      },
    );
  }

  /**
   * Runs the `/relay PORT` helper of Skiff's sandbox image in the pod's network namespace and
   * carries the bytes over its stdio — like the kubelet's own port-forward, which connects to
   * localhost inside the pod's namespace. This reaches every port (published or not, apps bound
   * to 127.0.0.1 included), needs nothing in the app image, and works with engines whose
   * container IPs are unreachable (Docker Desktop), since the bytes travel over the engine API.
   * A sandbox of another image (a configured one, or a `skiff/pause:1` sandbox adopted from an
   * older Skiff) gets the relay in a short-lived helper container joined to its namespace.
   */
  async portForward(sandboxId: string, port: number): Promise<Duplex> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid port ${port}`);
    const sandbox = await this.docker.getContainer(sandboxId).inspect();
    if (!sandbox.State.Running) throw new Error(`pod sandbox ${sandboxId} is not running`);
    let socket: Duplex;
    let exitCode: () => Promise<number | undefined>;
    if (sandbox.Config.Image === DEFAULT_SANDBOX_IMAGE && this.sandboxImage === DEFAULT_SANDBOX_IMAGE) {
      const exec = await this.docker.getContainer(sandboxId).exec({
        Cmd: ['/relay', String(port)],
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
      });
      socket = (await exec.start({ hijack: true, stdin: true } as never)) as Duplex;
      exitCode = async () => (await exec.inspect()).ExitCode ?? undefined;
    } else {
      await this.ensureRelayImage();
      const helper = await this.docker.createContainer({
        Image: DEFAULT_SANDBOX_IMAGE,
        Entrypoint: ['/relay', String(port)],
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Labels: { [LABELS.managedBy]: this.managedBy, 'skiff.dev/port-forward-for': sandboxId },
        HostConfig: { NetworkMode: `container:${sandboxId}`, AutoRemove: true },
      });
      socket = (await helper.attach({
        stream: true,
        stdin: true,
        stdout: true,
        stderr: true,
        hijack: true,
      } as never)) as unknown as Duplex;
      await helper.start();
      exitCode = async () => {
        const r = (await helper.wait().catch(() => undefined)) as { StatusCode?: number } | undefined;
        return r?.StatusCode;
      };
    }
    return relayStream(socket, port, exitCode);
  }

  /** The default sandbox image must exist for the helper-container route (it carries /relay, /netd). */
  private async ensureRelayImage(): Promise<void> {
    if (this.sandboxImage === DEFAULT_SANDBOX_IMAGE) return this.ensureSandboxImage();
    if (!(await this.imageStatus(DEFAULT_SANDBOX_IMAGE))) await importDefaultImage(this.docker);
  }

  // ---- files and volumes -----------------------------------------------------------------

  async ensureVolume(name: string, opts: VolumeOptions = {}): Promise<void> {
    try {
      await this.docker.getVolume(name).inspect();
      return;
    } catch (err) {
      if (!hasStatus(err, 404)) throw err;
    }
    await this.docker.createVolume({
      Name: name,
      Driver: 'local',
      Labels: { [LABELS.managedBy]: this.managedBy, ...opts.labels },
      ...(opts.tmpfsBytes !== undefined
        ? {
            DriverOpts: {
              type: 'tmpfs',
              device: 'tmpfs',
              o: opts.tmpfsBytes ? `size=${opts.tmpfsBytes}` : '',
            },
          }
        : {}),
    } as never);
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove();
    } catch (err) {
      if (!hasStatus(err, 404)) throw err;
    }
  }

  async listVolumes(labels: Record<string, string>): Promise<string[]> {
    const r = (await this.docker.listVolumes({
      filters: { label: this.labelFilter(labels) },
    } as never)) as unknown as {
      Volumes?: { Name: string }[];
    };
    return (r.Volumes ?? []).map((v) => v.Name);
  }

  // ---- stats -----------------------------------------------------------------------------

  async containerStats(id: string): Promise<ContainerStats | undefined> {
    let s: DockerStats;
    try {
      // one-shot: no second CPU reading inside the engine (it would wait ~1 s); the kubelet
      // computes rates from its own consecutive samples.
      s = (await this.docker
        .getContainer(id)
        .stats({ stream: false, 'one-shot': true } as never)) as unknown as DockerStats;
    } catch (err) {
      if (hasStatus(err, 404, 409)) return undefined;
      throw err;
    }
    const usage = s.memory_stats?.usage ?? 0;
    const st = s.memory_stats?.stats ?? {};
    // cgroup v1 reports total_inactive_file, v2 inactive_file (like cAdvisor's working set).
    const inactive = st.total_inactive_file ?? st.inactive_file ?? 0;
    const cpu = s.cpu_stats?.cpu_usage?.total_usage;
    if (cpu === undefined || !s.read || s.read.startsWith('0001-')) return undefined;
    return {
      timestamp: Date.parse(s.read),
      cpuUsageNanos: cpu,
      memoryUsageBytes: usage,
      memoryWorkingSetBytes: Math.max(0, usage - inactive),
    };
  }

  // ---- images ----------------------------------------------------------------------------

  async imageStatus(ref: string): Promise<ImageInfo | undefined> {
    try {
      const i = await this.docker.getImage(ref).inspect();
      return { id: i.Id, repoTags: i.RepoTags ?? [], repoDigests: i.RepoDigests ?? [], size: i.Size };
    } catch (err) {
      if (hasStatus(err, 404)) return undefined;
      throw err;
    }
  }

  async pullImage(ref: string, opts: PullOptions = {}): Promise<ImageInfo> {
    const stream = (await this.docker.pull(ref, {
      authconfig: opts.auth,
      abortSignal: opts.signal,
    })) as NodeJS.ReadableStream;
    await readProgress(stream, opts.onProgress);
    const img = await this.imageStatus(ref);
    if (!img) throw new Error(`pull of ${ref} finished but the image is not present`);
    return img;
  }

  async listImages(): Promise<ImageInfo[]> {
    const list = await this.docker.listImages();
    return list.map((i) => ({
      id: i.Id,
      repoTags: i.RepoTags ?? [],
      repoDigests: i.RepoDigests ?? [],
      size: i.Size,
    }));
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await this.docker.getImage(ref).remove();
    } catch (err) {
      if (!hasStatus(err, 404)) throw err;
    }
  }

  // ---- events ----------------------------------------------------------------------------

  events(listener: (event: RuntimeEvent) => void): () => void {
    let closed = false;
    let current: NodeJS.ReadableStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = 500;
    const connect = async (): Promise<void> => {
      if (closed) return;
      try {
        const stream = (await this.docker.getEvents({
          filters: { type: ['container'], label: [`${LABELS.managedBy}=${this.managedBy}`] },
        })) as NodeJS.ReadableStream;
        if (closed) {
          (stream as Readable).destroy();
          return;
        }
        current = stream;
        delay = 500;
        let buf = '';
        stream.on('data', (chunk: Buffer) => {
          buf += chunk.toString('utf8');
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            try {
              const ev = JSON.parse(line) as {
                Action?: string;
                id?: string;
                Actor?: { ID?: string; Attributes?: Record<string, string> };
              };
              const action = (ev.Action ?? '').split(':')[0]!;
              const containerId = ev.Actor?.ID ?? ev.id ?? '';
              if (action === 'oom' && containerId) {
                if (this.oomSeen.size > 10_000) this.oomSeen.clear();
                this.oomSeen.add(containerId);
                for (const key of this.inspectCache.keys())
                  if (key.startsWith(`${containerId}:`)) this.inspectCache.delete(key);
              }
              listener({ action, containerId, podUid: ev.Actor?.Attributes?.[LABELS.podUid] });
            } catch {
              // A torn line from a dying connection: the relist covers whatever it said.
            }
          }
        });
        const again = () => {
          current = undefined;
          schedule();
        };
        stream.on('end', again);
        stream.on('error', again);
      } catch {
        schedule();
      }
    };
    const schedule = () => {
      if (closed || timer) return;
      // Reconnect with a growing delay so a stopped engine is not hammered.
      timer = setTimeout(() => {
        timer = undefined;
        void connect();
      }, delay);
      delay = Math.min(delay * 2, 10_000);
    };
    void connect();
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      (current as Readable | undefined)?.destroy();
    };
  }

  // ---- helpers ---------------------------------------------------------------------------

  private identityLabels(
    uid: string,
    pod: string,
    ns: string,
    container: string,
    attempt: number,
  ): Record<string, string> {
    return {
      [LABELS.podUid]: uid,
      [LABELS.podName]: pod,
      [LABELS.podNamespace]: ns,
      [LABELS.containerName]: container,
      [LABELS.attempt]: String(attempt),
      [LABELS.managedBy]: this.managedBy,
    };
  }

  private labelFilter(labels: Record<string, string>): string[] {
    return Object.entries({ [LABELS.managedBy]: this.managedBy, ...labels }).map(([k, v]) => `${k}=${v}`);
  }

  /** Creates a container by name; a stale one of the same name (a half-done earlier try) is replaced. */
  private async createNamed(name: string, spec: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer({ ...spec, name });
    } catch (err) {
      if (!hasStatus(err, 409)) throw err;
      await this.removeContainer(name);
      return await this.docker.createContainer({ ...spec, name });
    }
  }
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into the plain bytes. */
class DockerDemux extends Transform {
  private buf: Buffer = Buffer.alloc(0);
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + len) break;
      this.push(this.buf.subarray(8, 8 + len));
      this.buf = this.buf.subarray(8 + len);
    }
    cb();
  }
}

/** Docker's `User` from runAsUser/runAsGroup. */
function userOf(s: SecurityConfig | undefined): string | undefined {
  if (s?.runAsUser === undefined && s?.runAsGroup === undefined) return undefined;
  return s.runAsGroup !== undefined ? `${s.runAsUser ?? 0}:${s.runAsGroup}` : String(s.runAsUser);
}

/** The parts of the engine's stats document the kubelet reads. */
interface DockerStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/** Builds Skiff's default sandbox image (`/pause`, `/relay`, `/netd`) from the shipped binaries. */
async function importDefaultImage(docker: Docker): Promise<void> {
  const [repo, tag] = DEFAULT_SANDBOX_IMAGE.split(':');
  const stream = (await (docker.importImage as (...a: unknown[]) => Promise<unknown>).call(
    docker,
    Readable.from([pauseRootfsTar()]),
    { repo, tag, changes: ['CMD ["/pause"]'] },
  )) as NodeJS.ReadableStream;
  await readProgress(stream);
}

/**
 * A session over an engine's hijacked exec/attach connection: demultiplexes stdout/stderr
 * (8-byte frame headers) unless it is a TTY, and half-closes the connection when stdin ends,
 * which the engine passes on to the process as EOF.
 */
function hijackedSession(
  socket: Duplex,
  opts: StreamOptions,
  hooks: { resize(w: number, h: number): Promise<void>; exitCode(): Promise<number | undefined> },
): StreamSession {
  const stdout = new PassThrough();
  const stderr = opts.tty ? undefined : new PassThrough();
  if (opts.tty) {
    socket.pipe(stdout);
  } else {
    const demux = new StreamDemux(stdout, stderr!);
    socket.on('data', (chunk: Buffer) => {
      if (!demux.write(chunk)) {
        socket.pause();
        demux.onDrain(() => socket.resume());
      }
    });
    socket.on('end', () => {
      stdout.end();
      stderr!.end();
    });
  }
  socket.on('close', () => {
    if (!stdout.writableEnded) stdout.end();
    if (stderr && !stderr.writableEnded) stderr.end();
  });
  socket.on('error', () => undefined);
  let stdin: PassThrough | undefined;
  if (opts.stdin) {
    stdin = new PassThrough();
    stdin.on('data', (c: Buffer) => {
      if (!socket.write(c)) {
        stdin!.pause();
        socket.once('drain', () => stdin!.resume());
      }
    });
    stdin.on('end', () => socket.end());
  }
  const done = new Promise<{ exitCode?: number }>((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      hooks.exitCode().then(
        (exitCode) => resolve({ exitCode }),
        () => resolve({}),
      );
    };
    socket.on('end', finish);
    socket.on('close', finish);
  });
  return {
    stdin,
    stdout,
    stderr,
    resize: (w, h) => hooks.resize(w, h),
    done,
    close: () => socket.destroy(),
  };
}

/** Splits the engine's multiplexed stream into stdout and stderr, with backpressure. */
class StreamDemux {
  private buf: Buffer = Buffer.alloc(0);
  private waiting?: PassThrough;
  constructor(
    private readonly stdout: PassThrough,
    private readonly stderr: PassThrough,
  ) {}
  /** False when a target is full: stop feeding until onDrain. */
  write(chunk: Buffer): boolean {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let ok = true;
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + len) break;
      const target = this.buf[0] === 2 ? this.stderr : this.stdout;
      if (!target.write(this.buf.subarray(8, 8 + len))) {
        ok = false;
        this.waiting = target;
      }
      this.buf = this.buf.subarray(8 + len);
    }
    return ok;
  }
  onDrain(fn: () => void): void {
    if (this.waiting) this.waiting.once('drain', fn);
    else fn();
    this.waiting = undefined;
  }
}

/**
 * The relay's stdio as one duplex byte stream to the pod's port; a relay that exits with an
 * error (nothing listens on the port) destroys the stream with its message.
 */
function relayStream(socket: Duplex, port: number, exitCode: () => Promise<number | undefined>): Duplex {
  const session = hijackedSession(
    socket,
    { stdin: true, stdout: true, stderr: true, tty: false },
    { resize: async () => undefined, exitCode },
  );
  let errText = '';
  session.stderr!.on('data', (c: Buffer) => (errText += c.toString('utf8')));
  const out = new Duplex({
    read() {
      session.stdout.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (session.stdin!.write(chunk)) cb();
      else session.stdin!.once('drain', () => cb());
    },
    final(cb) {
      session.stdin!.end();
      cb();
    },
    destroy(err, cb) {
      session.close();
      cb(err);
    },
  });
  session.stdout.on('data', (c: Buffer) => {
    if (!out.push(c)) session.stdout.pause();
  });
  session.stdout.on('end', () => {
    void session.done.then(({ exitCode }) => {
      if (exitCode !== undefined && exitCode !== 0)
        out.destroy(
          new Error(
            `failed to connect to localhost:${port} inside the pod's network namespace: ${errText.trim() || `relay exit code ${exitCode}`}`,
          ),
        );
      else out.push(null);
    });
  });
  return out;
}

/** Reads an engine JSON progress stream to its end; rejects with the engine's error line. */
function readProgress(stream: NodeJS.ReadableStream, onProgress?: PullOptions['onProgress']): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let failure: string | undefined;
    const handle = (line: string) => {
      if (!line.trim()) return;
      try {
        const m = JSON.parse(line) as {
          status?: string;
          id?: string;
          progress?: string;
          progressDetail?: { current?: number; total?: number };
          error?: string;
          errorDetail?: { message?: string };
        };
        if (m.error || m.errorDetail?.message) failure = m.errorDetail?.message ?? m.error;
        else if (m.status)
          onProgress?.({
            status: m.status,
            id: m.id,
            detail: m.progress,
            current: m.progressDetail?.current,
            total: m.progressDetail?.total,
          });
      } catch {
        // Not JSON: progress noise.
      }
    };
    stream.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        handle(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    stream.on('end', () => {
      handle(buf);
      if (failure) reject(new Error(failure));
      else resolve();
    });
    stream.on('error', reject);
  });
}

function sinceParam(ms: number): string {
  const sec = Math.floor(ms / 1000);
  const nanos = Math.round((ms - sec * 1000) * 1e6);
  return `${sec}.${String(nanos).padStart(9, '0')}`;
}

function hasStatus(err: unknown, ...codes: number[]): boolean {
  const code = (err as { statusCode?: number } | undefined)?.statusCode;
  return code !== undefined && codes.includes(code);
}

/** Docker's `uname -m` style architecture in Kubernetes' GOARCH spelling. */
function kubeArch(arch: string): string {
  const map: Record<string, string> = {
    x86_64: 'amd64',
    aarch64: 'arm64',
    armv7l: 'arm',
    i686: '386',
    s390x: 's390x',
    ppc64le: 'ppc64le',
  };
  return map[arch] ?? arch;
}
