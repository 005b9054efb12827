/**
 * An in-memory container runtime implementing runtime.ts, for the kubelet's unit tests: sandboxes
 * and containers with the engine's states, ids, attempts and label filters, exits scripted per
 * container name (or triggered by the test), images present or pullable on demand, engine events,
 * and a log of every call in order. Time comes from the injected clock, so back-offs are exact.
 * The Docker suites test the real runtime; this exists so sync and status run without an engine.
 */
import { PassThrough, Readable, type Duplex } from 'node:stream';
import type { Clock } from '../../../../src-main/common/clock';
import { clusterNetworkForSlot, type ClusterNetwork } from '../../../../src-main/common/network';
import {
  LABELS,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStats,
  type ContainerStatus,
  type ImageInfo,
  type LogOptions,
  type NetworkAgentStatus,
  type PullOptions,
  type RuntimeEvent,
  type RuntimeInfo,
  type SandboxConfig,
  type SandboxStatus,
  type StreamOptions,
  type StreamSession,
} from '../../../../src-main/control-plane/kubelet/runtime/runtime';

/** What a started container of a given name does. */
export interface ContainerScript {
  /** Exits with this code `runMs` after it started (default: runs until stopped). */
  exitCode?: number;
  runMs?: number;
  /** The start fails with this engine error (the container is left exited with exit code 128). */
  startError?: string;
  /** Its log output. */
  logs?: string;
  /** The exit is an OOM kill. */
  oomKilled?: boolean;
}

interface FakeContainer extends ContainerStatus {
  config: ContainerConfig;
}

interface FakeSandbox extends SandboxStatus {
  config: SandboxConfig;
}

/** One call the runtime received: the method and the container name / pod name it concerned. */
export interface RuntimeCall {
  op: string;
  /** Kubernetes container name (`POD` for sandboxes), when the call concerned one. */
  name?: string;
  id?: string;
  /** Stop timeout in seconds, for stops. */
  timeout?: number;
}

export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly sandboxes = new Map<string, FakeSandbox>();
  readonly images = new Map<string, ImageInfo>();
  readonly calls: RuntimeCall[] = [];
  /** Scripts by Kubernetes container name. */
  readonly scripts = new Map<string, ContainerScript>();
  /** Images a pull succeeds for (anything else fails like a registry without the image). */
  readonly pullable = new Set<string>();
  /** When set, runPodSandbox fails with this message. */
  sandboxError?: string;
  /** When set, every call fails like an engine that went away. */
  down = false;
  private seq = 0;
  private readonly listeners = new Set<(e: RuntimeEvent) => void>();
  private readonly volumes = new Map<string, Record<string, string>>();

  constructor(private readonly clock: Clock) {}

  /** Makes an image present locally. */
  addImage(ref: string, repoDigest?: string): ImageInfo {
    const info: ImageInfo = {
      id: `sha256:${(++this.seq).toString(16).padStart(64, '0')}`,
      repoTags: [ref],
      repoDigests: repoDigest ? [repoDigest] : [],
      size: 1_000_000,
    };
    this.images.set(ref, info);
    return info;
  }

  /** Containers of a pod by Kubernetes name, every instance. */
  instances(podUid: string, name?: string): ContainerStatus[] {
    return [...this.containers.values()]
      .filter((c) => c.podUid === podUid && (name === undefined || c.name === name))
      .sort((a, b) => a.attempt - b.attempt);
  }

  /** Ends a running container now, as if its process exited with `exitCode`. */
  exit(id: string, exitCode: number, oomKilled = false): void {
    const c = this.containers.get(id);
    if (!c || c.state !== 'running') return;
    c.state = 'exited';
    c.exitCode = exitCode;
    c.oomKilled = oomKilled;
    c.finishedAt = this.clock.now();
    this.emit('die', c);
  }

  /** Sends an engine event for a pod (as a container change would), waking its worker. */
  nudge(podUid: string): void {
    for (const l of this.listeners) l({ action: 'update', containerId: '', podUid });
  }

  /** The ops recorded so far as `op name` strings (e.g. `start init-a`), optionally only some ops. */
  ops(only?: string[]): string[] {
    return this.calls
      .filter((c) => !only || only.includes(c.op))
      .map((c) => (c.name ? `${c.op} ${c.name}` : c.op));
  }

  // ---- ContainerRuntime ----------------------------------------------------------------------

  async info(): Promise<RuntimeInfo> {
    this.check();
    return {
      runtimeName: 'fake',
      runtimeVersion: '1.0.0',
      cpus: 2,
      memoryBytes: 4 * 1024 ** 3,
      storageBytes: 100 * 1024 ** 3,
      storageAvailableBytes: 50 * 1024 ** 3,
      osImage: 'Fake OS',
      kernelVersion: '6.0.0-fake',
      architecture: 'amd64',
      operatingSystem: 'linux',
      hostname: 'fake-host',
    };
  }

  async ping(): Promise<void> {
    this.check();
  }

  async runPodSandbox(config: SandboxConfig): Promise<SandboxStatus> {
    this.check();
    this.calls.push({ op: 'runPodSandbox', name: 'POD' });
    if (this.sandboxError) throw new Error(this.sandboxError);
    const id = this.newId('sb');
    const sb: FakeSandbox = {
      id,
      podUid: config.podUid,
      podName: config.podName,
      namespace: config.namespace,
      attempt: config.attempt,
      state: 'ready',
      createdAt: this.clock.now(),
      ip: config.hostNetwork ? undefined : `10.244.0.${(this.seq % 250) + 2}`,
      ports: config.ports.map((p, i) => ({
        containerPort: p.containerPort,
        protocol: p.protocol,
        hostIp: p.hostIp,
        hostPort: p.hostPort ?? 30_000 + i,
      })),
      labels: {
        ...config.labels,
        [LABELS.podUid]: config.podUid,
        [LABELS.podName]: config.podName,
        [LABELS.podNamespace]: config.namespace,
      },
      config,
    };
    this.sandboxes.set(id, sb);
    return strip(sb);
  }

  async stopPodSandbox(id: string, timeoutSeconds: number): Promise<void> {
    this.check();
    this.calls.push({ op: 'stopPodSandbox', name: 'POD', id, timeout: timeoutSeconds });
    const sb = this.sandboxes.get(id);
    if (sb) sb.state = 'notready';
  }

  async removePodSandbox(id: string): Promise<void> {
    this.check();
    this.calls.push({ op: 'removePodSandbox', name: 'POD', id });
    this.sandboxes.delete(id);
    for (const [cid, c] of this.containers) if (c.sandboxId === id) this.containers.delete(cid);
  }

  async listPodSandboxes(labels?: Record<string, string>): Promise<SandboxStatus[]> {
    this.check();
    return [...this.sandboxes.values()].filter((s) => matches(s.labels, labels)).map(strip);
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    this.check();
    this.calls.push({ op: 'create', name: config.name });
    if (!this.sandboxes.has(sandboxId)) throw new Error(`No such container: ${sandboxId}`);
    const image = this.images.get(config.image);
    if (!image) throw new Error(`No such image: ${config.image}`);
    const id = this.newId(config.name);
    this.containers.set(id, {
      id,
      sandboxId,
      podUid: config.podUid,
      podName: config.podName,
      namespace: config.namespace,
      name: config.name,
      attempt: config.attempt,
      state: 'created',
      createdAt: this.clock.now(),
      image: config.image,
      imageId: image.id,
      labels: {
        ...config.labels,
        [LABELS.podUid]: config.podUid,
        [LABELS.containerName]: config.name,
        [LABELS.sandboxId]: sandboxId,
      },
      config,
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    this.check();
    const c = this.mustGet(id);
    this.calls.push({ op: 'start', name: c.name, id });
    const script = this.scripts.get(c.name) ?? {};
    if (script.startError) {
      c.state = 'exited';
      c.exitCode = 128;
      c.error = script.startError;
      c.finishedAt = this.clock.now();
      throw new Error(script.startError);
    }
    c.state = 'running';
    c.startedAt = this.clock.now();
    this.emit('start', c);
    if (script.exitCode !== undefined) {
      const code = script.exitCode;
      if (!script.runMs) this.exit(id, code, script.oomKilled);
      else this.clock.setTimeout(() => this.exit(id, code, script.oomKilled), script.runMs);
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    this.check();
    const c = this.containers.get(id) ?? this.sandboxes.get(id);
    this.calls.push({ op: 'stop', name: c && 'name' in c ? c.name : undefined, id, timeout: timeoutSeconds });
    const ctr = this.containers.get(id);
    // SIGTERM ends the fake process at once: exit code 143 like a shell that was terminated.
    if (ctr?.state === 'running') this.exit(id, 143);
  }

  async removeContainer(id: string): Promise<void> {
    this.check();
    const c = this.containers.get(id);
    this.calls.push({ op: 'remove', name: c ? c.name : this.sandboxes.has(id) ? 'POD' : undefined, id });
    if (c?.state === 'running') throw new Error(`cannot remove container ${id}: container is running`);
    this.containers.delete(id);
    this.sandboxes.delete(id);
  }

  async listContainers(labels?: Record<string, string>): Promise<ContainerStatus[]> {
    this.check();
    return [...this.containers.values()].filter((c) => matches(c.labels, labels)).map(strip);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    this.check();
    const c = this.containers.get(id);
    return c ? strip(c) : undefined;
  }

  async containerLogs(id: string, opts: LogOptions): Promise<Readable> {
    this.check();
    const c = this.mustGet(id);
    let lines = (this.scripts.get(c.name)?.logs ?? '').split(/(?<=\n)/).filter(Boolean);
    if (opts.tailLines !== undefined) lines = lines.slice(-opts.tailLines);
    return Readable.from(lines.map((l) => Buffer.from(l)));
  }

  async exec(id: string, opts: StreamOptions & { command: string[] }): Promise<StreamSession> {
    this.check();
    const c = this.mustGet(id);
    this.calls.push({ op: `exec ${opts.command.join(' ')}`, name: c.name, id });
    if (c.state !== 'running') throw new Error(`container ${id} is not running`);
    return this.session(opts.command[0] === 'false' ? 1 : 0);
  }

  async attach(id: string, _opts: StreamOptions): Promise<StreamSession> {
    this.check();
    this.mustGet(id);
    return this.session(undefined);
  }

  async portForward(sandboxId: string, port: number): Promise<Duplex> {
    this.check();
    throw new Error(`fake runtime: nothing listens on port ${port} in sandbox ${sandboxId}`);
  }

  async ensureVolume(name: string, opts?: { labels?: Record<string, string> }): Promise<void> {
    this.check();
    if (!this.volumes.has(name)) this.volumes.set(name, opts?.labels ?? {});
  }

  async removeVolume(name: string): Promise<void> {
    this.check();
    this.volumes.delete(name);
  }

  async listVolumes(labels: Record<string, string>): Promise<string[]> {
    this.check();
    return [...this.volumes].filter(([, l]) => matches(l, labels)).map(([n]) => n);
  }

  async containerStats(id: string): Promise<ContainerStats | undefined> {
    this.check();
    const c = this.containers.get(id);
    if (c?.state !== 'running') return undefined;
    const mib = 1024 * 1024;
    return {
      timestamp: this.clock.now(),
      cpuUsageNanos: 1e6,
      memoryUsageBytes: 8 * mib,
      memoryWorkingSetBytes: 6 * mib,
    };
  }

  async imageStatus(ref: string): Promise<ImageInfo | undefined> {
    this.check();
    return this.images.get(ref) ?? [...this.images.values()].find((i) => i.id === ref);
  }

  async pullImage(ref: string, opts?: PullOptions): Promise<ImageInfo> {
    this.check();
    this.calls.push({ op: 'pull', name: ref });
    if (!this.pullable.has(ref))
      throw new Error(
        `pull access denied for ${ref}, repository does not exist or may require 'docker login'`,
      );
    opts?.onProgress?.({ status: 'Pull complete', id: 'layer1' });
    return this.images.get(ref) ?? this.addImage(ref, `${ref.split(':')[0]}@sha256:${'ab'.repeat(32)}`);
  }

  async listImages(): Promise<ImageInfo[]> {
    this.check();
    return [...this.images.values()];
  }

  async removeImage(ref: string): Promise<void> {
    this.check();
    this.images.delete(ref);
  }

  async ensureClusterNetwork(preferred?: { slot: number }): Promise<ClusterNetwork> {
    this.check();
    return clusterNetworkForSlot(preferred?.slot ?? 0, 'skiff-fake');
  }

  async ensureNetworkAgent(_network: ClusterNetwork): Promise<NetworkAgentStatus> {
    this.check();
    return { address: '127.0.0.1:1', containerId: 'fake-netd' };
  }

  async removeClusterNetwork(_network: ClusterNetwork): Promise<void> {
    this.check();
  }

  events(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- internals ---------------------------------------------------------------------------

  private check(): void {
    if (this.down) throw new Error('connect ENOENT /var/run/docker.sock');
  }

  private newId(prefix: string): string {
    return `${prefix}-${(++this.seq).toString(16).padStart(8, '0')}`;
  }

  private mustGet(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new Error(`No such container: ${id}`);
    return c;
  }

  private emit(action: string, c: ContainerStatus): void {
    for (const l of this.listeners) l({ action, containerId: c.id, podUid: c.podUid });
  }

  private session(exitCode: number | undefined): StreamSession {
    const stdout = new PassThrough();
    stdout.end();
    return {
      stdout,
      resize: async () => undefined,
      done: Promise.resolve({ exitCode }),
      close: () => stdout.destroy(),
    };
  }
}

/** A copy without the fake's own fields (what a real runtime would return). */
function strip<T extends { config: unknown }>(o: T): Omit<T, 'config'> {
  const { config: _config, ...rest } = o;
  return structuredClone(rest);
}

function matches(have: Record<string, string>, want?: Record<string, string>): boolean {
  return !want || Object.entries(want).every(([k, v]) => have[k] === v);
}
