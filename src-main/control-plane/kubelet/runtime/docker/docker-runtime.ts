import Docker from 'dockerode';
import { readFile, statfs } from 'node:fs/promises';
import type { Duplex, Readable } from 'node:stream';
import {
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStats,
  type ContainerStatus,
  type ImageInfo,
  LABELS,
  type LogOptions,
  type PullOptions,
  type RuntimeEvent,
  type RuntimeInfo,
  type SandboxConfig,
  type SandboxStatus,
  type StreamOptions,
  type StreamSession,
  type VolumeOptions,
} from '../runtime';
import type { ClusterNetwork } from '../../../../common/network';
import type { NetworkAgentStatus } from '../runtime';
import { DockerContainerFiles } from './archive';
import { ensureClusterNetwork, ensureNetworkAgent, removeClusterNetwork } from './cluster-network';
import { containerCreateRequest, sandboxCreateRequest } from './container-config';
import { containerStatusOf, sandboxStatusOf } from './container-status';
import { hasStatus } from './engine-errors';
import { watchContainerEvents } from './engine-events';
import { hijackedSession, relayStream } from './hijacked-session';
import { importDefaultImage, imageStatus, listImages, pull, removeImage } from './images';
import { containerLogs } from './logs';
import { DEFAULT_SANDBOX_IMAGE } from './pause-image';
import { containerStats } from './stats';

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

/**
 * ContainerRuntime on the Docker engine API, with the pod-sandbox model of Kubernetes' former
 * dockershim: a sandbox container owns the pod's network, IPC and hostname, app containers
 * join it with `container:<sandbox id>`.
 */
export class DockerRuntime implements ContainerRuntime {
  readonly docker: Docker;
  readonly sandboxImage: string;
  readonly managedBy: string;
  /** Files of containers through the engine's archive API. */
  readonly files: DockerContainerFiles;
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
    this.files = new DockerContainerFiles(this.docker);
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
    const { name, spec } = sandboxCreateRequest(config, this.sandboxImage, this.managedBy);
    const container = await this.createNamed(name, spec);
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
    return list.map(sandboxStatusOf);
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
    const { name, spec } = containerCreateRequest(sandboxId, c, this.managedBy);
    const container = await this.createNamed(name, spec);
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
    const status = containerStatusOf(info, this.oomSeen.has(info.Id));
    // The state string of `docker ps` is the cache key, so "created" → "running" refreshes.
    this.inspectCache.set(`${info.Id}:${info.State.Status}`, status);
    return status;
  }

  containerLogs(id: string, opts: LogOptions): Promise<Readable> {
    return containerLogs(this.docker, id, opts);
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

  containerStats(id: string): Promise<ContainerStats | undefined> {
    return containerStats(this.docker, id);
  }

  // ---- images ----------------------------------------------------------------------------

  imageStatus(ref: string): Promise<ImageInfo | undefined> {
    return imageStatus(this.docker, ref);
  }

  async pullImage(ref: string, opts: PullOptions = {}): Promise<ImageInfo> {
    await pull(this.docker, ref, opts);
    const img = await this.imageStatus(ref);
    if (!img) throw new Error(`pull of ${ref} finished but the image is not present`);
    return img;
  }

  listImages(): Promise<ImageInfo[]> {
    return listImages(this.docker);
  }

  removeImage(ref: string): Promise<void> {
    return removeImage(this.docker, ref);
  }

  // ---- events ----------------------------------------------------------------------------

  events(listener: (event: RuntimeEvent) => void): () => void {
    return watchContainerEvents(this.docker, this.managedBy, (event) => {
      const { action, containerId } = event;
      if (action === 'oom' && containerId) {
        if (this.oomSeen.size > 10_000) this.oomSeen.clear();
        this.oomSeen.add(containerId);
        for (const key of this.inspectCache.keys())
          if (key.startsWith(`${containerId}:`)) this.inspectCache.delete(key);
      }
      listener(event);
    });
  }

  // ---- helpers ---------------------------------------------------------------------------

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
