// The CRI-shaped container runtime interface the kubelet programs against; pure types, imports only common/ (runtime/docker implements it).
import type { Duplex, Readable, Writable } from 'node:stream';
import type { ClusterNetwork } from '../../../common/network';
import type { FileEntry } from '../../../common/pod-files';

/** The address plan of a cluster network (defined in common/network.ts, pure). */
export type { ClusterNetwork };

/**
 * The kubelet's view of a container engine, shaped like Kubernetes' CRI (RuntimeService +
 * ImageService): pod sandboxes, containers identified by labels, images, logs and a wake-up
 * event stream. The kubelet only talks to this interface; `docker/docker-runtime.ts` implements
 * it on the Docker engine API.
 */
export interface ContainerRuntime {
  /** Engine and host facts for the Node object (capacity, nodeInfo). Throws when unreachable. */
  info(): Promise<RuntimeInfo>;
  /** Cheap liveness check of the engine; throws when unreachable. */
  ping(): Promise<void>;
  /**
   * Optional one-time preparation ahead of the first pod (the sandbox image), so the first pod
   * start does not pay for it. Failures are retried by the first sandbox that needs it.
   */
  warmUp?(): Promise<void>;

  /** Creates and starts a pod sandbox (network + IPC + hostname owner); returns its status. */
  runPodSandbox(config: SandboxConfig): Promise<SandboxStatus>;
  /** Stops a sandbox (SIGTERM, then kill after `timeoutSeconds`). Missing sandboxes are ignored. */
  stopPodSandbox(id: string, timeoutSeconds: number): Promise<void>;
  /** Removes a sandbox container (force). Missing sandboxes are ignored. */
  removePodSandbox(id: string): Promise<void>;
  /** Sandboxes (running or not) matching every given label. */
  listPodSandboxes(labels?: Record<string, string>): Promise<SandboxStatus[]>;

  /** Creates an app container inside a sandbox; returns its id. */
  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Stops a container: its stop signal, then kill after `timeoutSeconds`. Missing ones are ignored. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  /** Removes a container (force). Missing containers are ignored. */
  removeContainer(id: string): Promise<void>;
  /** App containers (any state) matching every given label. */
  listContainers(labels?: Record<string, string>): Promise<ContainerStatus[]>;
  /** Full status of one container, or undefined when it does not exist. */
  containerStatus(id: string): Promise<ContainerStatus | undefined>;
  /**
   * The demultiplexed stdout+stderr of a container as one byte stream. With `follow` it stays
   * open while the container runs; destroy it to stop early.
   */
  containerLogs(id: string, opts: LogOptions): Promise<Readable>;

  /** Runs a command in a running container (kubectl exec); rejects when it cannot start. */
  exec(id: string, opts: StreamOptions & { command: string[] }): Promise<StreamSession>;
  /** Connects to the stdio of a running container's main process (kubectl attach). */
  attach(id: string, opts: StreamOptions): Promise<StreamSession>;
  /**
   * A byte stream to `port` on the loopback of the sandbox's network namespace — what the
   * kubelet's port-forward connects to, so apps listening on 127.0.0.1 only are reachable too.
   * Failing to connect surfaces as an 'error' on the stream.
   */
  portForward(sandboxId: string, port: number): Promise<Duplex>;
  /**
   * A container's files (Skiff's files endpoint, common/pod-files.ts). Optional: CRI has no
   * such call; a runtime without it makes the kubelet answer 501.
   */
  readonly files?: ContainerFiles;

  /** Creates a named volume when missing (idempotent). */
  ensureVolume(name: string, opts?: VolumeOptions): Promise<void>;
  /** Removes a named volume; missing ones are ignored, volumes in use throw. */
  removeVolume(name: string): Promise<void>;
  /** Named volumes carrying all the given labels. */
  listVolumes(labels: Record<string, string>): Promise<string[]>;

  /** One cheap sample of a running container's CPU and memory; undefined when it is gone. */
  containerStats(id: string): Promise<ContainerStats | undefined>;

  /** The local image a reference resolves to, or undefined when it is not present. */
  imageStatus(ref: string): Promise<ImageInfo | undefined>;
  /** Pulls an image; resolves with the local image info, rejects with the engine's message. */
  pullImage(ref: string, opts?: PullOptions): Promise<ImageInfo>;
  listImages(): Promise<ImageInfo[]>;
  removeImage(ref: string): Promise<void>;

  /**
   * Creates or adopts this runtime's cluster network (named after its managed-by value): the
   * Docker network of `clusterNetworkForSlot(slot)`, trying slots upwards from `preferred.slot`
   * (default 0) when the engine's pools or a host interface overlap.
   */
  ensureClusterNetwork(preferred?: { slot: number }): Promise<ClusterNetwork>;
  /**
   * Starts or adopts the network agent (`netd`) of a cluster network: one container at
   * `network.agentIP`, with its control port published on 127.0.0.1. Idempotent; a stopped or
   * outdated agent is restarted or recreated. Resolves once the agent answers.
   */
  ensureNetworkAgent(network: ClusterNetwork): Promise<NetworkAgentStatus>;
  /** Removes the network agent and the Docker network of a cluster (pods must be gone). */
  removeClusterNetwork(network: ClusterNetwork): Promise<void>;

  /**
   * Subscribes to engine events about Skiff-managed containers. They are only wake-up hints:
   * the kubelet still relists. The runtime reconnects by itself; call the returned function to
   * unsubscribe.
   */
  events(listener: (event: RuntimeEvent) => void): () => void;
}

/** Engine and host facts reported on the Node. */
export interface RuntimeInfo {
  /** e.g. 'docker' */
  runtimeName: string;
  /** e.g. '20.10.24' */
  runtimeVersion: string;
  /** CPUs usable by containers. */
  cpus: number;
  /** Memory usable by containers, bytes. */
  memoryBytes: number;
  /** Size of the engine's storage filesystem in bytes, when known. */
  storageBytes?: number;
  /** Free bytes on that filesystem (for non-root users), when known. */
  storageAvailableBytes?: number;
  osImage: string;
  kernelVersion: string;
  /** Kubernetes spelling: 'amd64', 'arm64'… */
  architecture: string;
  /** 'linux', 'windows'… */
  operatingSystem: string;
  hostname: string;
}

/** One port of a pod to publish on the host. */
export interface PortMapping {
  containerPort: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  /** Fixed host port; undefined lets the engine pick an ephemeral one. */
  hostPort?: number;
  /** Host address to bind; Skiff always uses 127.0.0.1. */
  hostIp: string;
}

/** A port actually published by a sandbox. */
export interface PublishedPort {
  containerPort: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  hostIp: string;
  hostPort: number;
}

/** What a pod sandbox is made from. */
export interface SandboxConfig {
  podUid: string;
  podName: string;
  namespace: string;
  hostname: string;
  /** Use the host's network namespace (hostNetwork: no ports are published then). */
  hostNetwork?: boolean;
  /** Extra /etc/hosts entries (hostAliases), `name:ip`. */
  extraHosts?: string[];
  /** The Docker network the sandbox joins (ignored with hostNetwork); the engine's default otherwise. */
  network?: string;
  /**
   * The domain of the pod's hostname (`<subdomain>.<ns>.svc.<domain>`): /etc/hosts then maps
   * the pod IP to `<hostname>.<domain> <hostname>`, as the kubelet writes it.
   */
  domainname?: string;
  /** The whole /etc/resolv.conf of the pod; undefined keeps the engine's (dnsPolicy Default). */
  resolvConf?: string;
  /** Sandbox generation: 0 first, +1 each time the sandbox had to be recreated. */
  attempt: number;
  ports: PortMapping[];
  /** Extra labels (the identity labels are added by the runtime). */
  labels?: Record<string, string>;
}

/** The running network agent of a cluster network. */
export interface NetworkAgentStatus {
  /** Its control port on the host, `"127.0.0.1:PORT"` (what AgentClient.connect takes). */
  address: string;
  containerId: string;
}

/** A sandbox as the runtime sees it. */
export interface SandboxStatus {
  id: string;
  podUid: string;
  podName: string;
  namespace: string;
  attempt: number;
  state: 'ready' | 'notready';
  /** Epoch ms. */
  createdAt: number;
  /** The sandbox's own IP on the engine's network (reported, never used for traffic). */
  ip?: string;
  ports: PublishedPort[];
  labels: Record<string, string>;
}

/** Limits enforced by the engine, already converted from Kubernetes quantities. */
export interface ContainerResources {
  memoryBytes?: number;
  nanoCpus?: number;
  cpuShares?: number;
}

/** What an app container is made from (Kubernetes fields already resolved: env expanded etc.). */
export interface ContainerConfig {
  podUid: string;
  podName: string;
  namespace: string;
  /** The Kubernetes container name. */
  name: string;
  /** The restart attempt (= restartCount of this instance). */
  attempt: number;
  image: string;
  /** Replaces the image ENTRYPOINT when set. */
  command?: string[];
  /** Replaces the image CMD when set (or when command is set). */
  args?: string[];
  env: { name: string; value: string }[];
  workingDir?: string;
  tty?: boolean;
  stdin?: boolean;
  stdinOnce?: boolean;
  resources: ContainerResources;
  labels?: Record<string, string>;
  /** Volumes mounted into the container. */
  mounts?: Mount[];
  /** securityContext, already merged with the pod's. */
  security?: SecurityConfig;
  /** Share the sandbox's PID namespace (shareProcessNamespace). */
  sharePid?: boolean;
  /** Join this container's PID namespace instead (ephemeral containers with a target). */
  pidOfContainer?: string;
}

/** A mount of a prepared volume. */
export interface Mount {
  /** 'bind': a host path; 'volume': an engine named volume (created when missing). */
  type: 'bind' | 'volume';
  source: string;
  target: string;
  readOnly?: boolean;
  /** A sub-path of a bind source (engine named volumes cannot mount sub-paths on Docker 20.10). */
  subPath?: string;
}

/** Engine settings from a container's securityContext. */
export interface SecurityConfig {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  readOnlyRootFilesystem?: boolean;
  noNewPrivileges?: boolean;
}

/** Options of a named volume. */
export interface VolumeOptions {
  labels?: Record<string, string>;
  /** A memory-backed volume (tmpfs) of at most this many bytes (0 = engine default). */
  tmpfsBytes?: number;
}

/** A container as the runtime sees it. */
export interface ContainerStatus {
  id: string;
  sandboxId: string;
  podUid: string;
  podName: string;
  namespace: string;
  /** Kubernetes container name. */
  name: string;
  attempt: number;
  state: 'created' | 'running' | 'exited' | 'unknown';
  /** Epoch ms for each; undefined when not reached yet. */
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  oomKilled?: boolean;
  /** Engine error text (e.g. exec format error) when the start failed. */
  error?: string;
  /** The image reference the container was created from. */
  image: string;
  /** The resolved image id, `sha256:…`. */
  imageId: string;
  labels: Record<string, string>;
}

/** A point-in-time resource sample of a container (cgroup counters). */
export interface ContainerStats {
  /** Epoch ms of the reading. */
  timestamp: number;
  /** Cumulative CPU time, nanoseconds. */
  cpuUsageNanos: number;
  /** Memory in use including page cache, bytes. */
  memoryUsageBytes: number;
  /** usage minus inactive file cache — what the kubelet and `kubectl top` report. */
  memoryWorkingSetBytes: number;
}

/** Which stdio streams an exec/attach session carries. */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  /** Ignored with `tty` (a terminal has one output). */
  stderr: boolean;
  tty: boolean;
}

/** A running exec or attach session. */
export interface StreamSession {
  /** The process's stdin when asked for; `end()` closes it (EOF). */
  stdin?: Writable;
  /** stdout (with a TTY: the terminal output). */
  stdout: Readable;
  /** stderr; absent with a TTY or when not asked for. */
  stderr?: Readable;
  /** Sets the terminal size (TTY sessions). */
  resize(width: number, height: number): Promise<void>;
  /**
   * Resolves when the session is over (the output ended), with the process's exit code when
   * the engine knows it.
   */
  done: Promise<{ exitCode?: number }>;
  /** Cuts the session (the client went away). */
  close(): void;
}

/** Reading and writing files of a container without tools in its image (the engine's archive API). */
export interface ContainerFiles {
  /** What a path is (symlinks not followed), or undefined when it does not exist. */
  stat(id: string, path: string): Promise<FileEntry | undefined>;
  /** The entries of a directory (following a symlinked directory), directories first. */
  list(id: string, dir: string): Promise<FileEntry[]>;
  /** The bytes of a regular file. */
  read(id: string, path: string): Promise<Readable>;
  /** Creates or replaces `dir/name` with `data` (mode 0644). */
  write(id: string, dir: string, name: string, data: Buffer): Promise<void>;
}

/** Options of a log read. */
export interface LogOptions {
  follow?: boolean;
  /** Only the last N lines. */
  tailLines?: number;
  /** Only lines written at or after this epoch time (ms). */
  sinceMs?: number;
  /** Prefix each line with an RFC3339Nano timestamp and a space. */
  timestamps?: boolean;
}

/** A local image. */
export interface ImageInfo {
  /** `sha256:…` */
  id: string;
  repoTags: string[];
  /** `name@sha256:…` entries when the image came from a registry. */
  repoDigests: string[];
  size: number;
}

/** Registry credentials for a pull. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  auth?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** Options of an image pull. */
export interface PullOptions {
  auth?: RegistryAuth;
  /** Called with each progress message of the engine (layer status lines). */
  onProgress?(progress: {
    status: string;
    id?: string;
    detail?: string;
    /** Bytes done and in all, for a layer's download or extraction. */
    current?: number;
    total?: number;
  }): void;
  signal?: AbortSignal;
}

/** A wake-up hint from the engine. */
export interface RuntimeEvent {
  /** e.g. 'start', 'die', 'destroy', 'oom', 'create' */
  action: string;
  containerId: string;
  /** The pod UID label of the container, when it has one. */
  podUid?: string;
}

/** Label keys shared by the runtime and the kubelet (kubelet's dockershim spelling). */
export const LABELS = {
  podUid: 'io.kubernetes.pod.uid',
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  containerName: 'io.kubernetes.container.name',
  /** 'podsandbox' | 'container' */
  type: 'io.kubernetes.docker.type',
  sandboxId: 'io.kubernetes.sandbox.id',
  attempt: 'io.kubernetes.container.attempt',
  restartCount: 'io.kubernetes.container.restartCount',
  /** Marks everything Skiff's kubelet manages. */
  managedBy: 'skiff.dev/managed-by',
  /** What a non-pod container is for: 'skiff-netd' (the network agent). */
  role: 'skiff.dev/role',
  /** The cluster network a network or agent belongs to (its name). */
  network: 'skiff.dev/network',
  /** The slot of a cluster network (see common/network.ts). */
  networkSlot: 'skiff.dev/network-slot',
} as const;

/** The container name the sandbox carries, as in Kubernetes. */
export const SANDBOX_CONTAINER_NAME = 'POD';
