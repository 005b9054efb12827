// The node status reporter (upstream kubelet_node_status.go + nodelease): registers the Node,
// posts its status (capacity, pressure, readiness, images) and renews its Lease. Talks to the
// API and reads the runtime and the stats collector; never touches pods.
import type { Lease, Node, KubeObject } from '../../common/types';
import { R } from '../../common/resources';
import type { KubeClient } from '../../common/client/client';
import { isAlreadyExists, isNotFound } from '../../common/client/errors';
import { rfc3339, type Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { IMAGE_PULL_ANNOTATION, type ImagePullMode } from '../../common/image-pull';
import type { ClusterNetwork } from '../../common/network';
import { readdir, readFile } from 'node:fs/promises';
import type { ContainerRuntime, ImageInfo, RuntimeInfo } from './runtime/runtime';
import type { StatsCollector } from './stats';
import { HOST_IP } from './pod-util';

/** The Kubernetes version this kubelet reports. */
export const KUBELET_VERSION = 'v1.32.4-skiff';
/** Node annotation with the host address of the cluster network's agent, `127.0.0.1:<port>`. */
export const NETWORK_AGENT_ANNOTATION = 'skiff.dev/network-agent';

type NodeObject = Node & KubeObject;

/** Why the node is under memory, disk or PID pressure (absent: it is not). */
export interface NodePressure {
  memory?: string;
  disk?: string;
  pid?: string;
}

/** Everything the Node object is built from. */
export interface NodeFacts {
  nodeName: string;
  /** The runtime's last info; undefined before the first successful one. */
  runtimeInfo?: RuntimeInfo;
  /** Set while the runtime does not answer. */
  runtimeError?: string;
  pressure: NodePressure;
  images: ImageInfo[];
  kubeletPort: number;
  imagePull: ImagePullMode;
  now: number;
}

/** The Node this kubelet reports, keeping what others set on `previous` (labels, spec, transitions). */
export function buildNode(f: NodeFacts, previous?: NodeObject): Node {
  const info = f.runtimeInfo;
  const now = rfc3339(f.now);
  const ready = !f.runtimeError && !!info;
  const capacity: Record<string, string> = { pods: '110' };
  const allocatable: Record<string, string> = { pods: '110' };
  if (info) {
    capacity.cpu = String(info.cpus);
    capacity.memory = `${Math.floor(info.memoryBytes / 1024)}Ki`;
    // Reserve a little for Skiff itself, like kube-reserved: 100m CPU and 256Mi.
    allocatable.cpu = `${Math.max(0, info.cpus * 1000 - 100)}m`;
    allocatable.memory = `${Math.max(0, Math.floor(info.memoryBytes / 1024) - 256 * 1024)}Ki`;
    if (info.storageBytes) {
      capacity['ephemeral-storage'] = `${Math.floor(info.storageBytes / 1024)}Ki`;
      allocatable['ephemeral-storage'] = `${Math.floor((info.storageBytes * 0.9) / 1024)}Ki`;
    }
  }
  const prevConds = previous?.status?.conditions ?? [];
  const cond = (type: string, status: string, reason: string, message: string) => {
    const old = prevConds.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
    };
  };
  const arch = info?.architecture ?? 'amd64';
  const os = info?.operatingSystem ?? 'linux';
  const p = f.pressure;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      ...(previous?.metadata ?? {}),
      name: f.nodeName,
      labels: {
        ...(previous?.metadata.labels ?? {}),
        'kubernetes.io/hostname': f.nodeName,
        'kubernetes.io/os': os,
        'kubernetes.io/arch': arch,
        'beta.kubernetes.io/os': os,
        'beta.kubernetes.io/arch': arch,
        'node-role.kubernetes.io/control-plane': '',
      },
      // The dashboard shows the pull mode from here (it cannot read the kubelet's flags).
      annotations: {
        ...(previous?.metadata.annotations ?? {}),
        [IMAGE_PULL_ANNOTATION]: f.imagePull,
      },
    },
    spec: previous?.spec ?? {},
    status: {
      capacity,
      allocatable,
      conditions: [
        p.memory
          ? cond('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', p.memory)
          : cond(
              'MemoryPressure',
              'False',
              'KubeletHasSufficientMemory',
              'kubelet has sufficient memory available',
            ),
        p.disk
          ? cond('DiskPressure', 'True', 'KubeletHasDiskPressure', p.disk)
          : cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        p.pid
          ? cond('PIDPressure', 'True', 'KubeletHasInsufficientPID', p.pid)
          : cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        ready
          ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
          : cond('Ready', 'False', 'KubeletNotReady', f.runtimeError ?? 'container runtime status unknown'),
      ],
      addresses: [
        { type: 'InternalIP', address: HOST_IP },
        { type: 'Hostname', address: f.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: f.kubeletPort } },
      // Largest first, at most 50 like nodeStatusMaxImages.
      images: [...f.images]
        .filter((i) => i.repoTags.length || i.repoDigests.length)
        .sort((a, b) => b.size - a.size)
        .slice(0, 50)
        .map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: i.size })),
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: info?.kernelVersion ?? '',
        osImage: info?.osImage ?? '',
        containerRuntimeVersion: info ? `${info.runtimeName}://${info.runtimeVersion}` : '',
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: os,
        architecture: arch,
      },
    },
  };
}

export interface NodeStatusOptions {
  nodeName: string;
  imagePull: ImagePullMode;
  /** Unconditional node status post period. */
  nodeStatusIntervalMs: number;
  network?: ClusterNetwork;
  /** The bound port of the kubelet server (known after it started). */
  kubeletPort: () => number;
}

export class NodeStatusReporter {
  /** Images for node.status.images. */
  private images: ImageInfo[] = [];
  private runtimeInfo?: RuntimeInfo;
  private runtimeError?: string;
  private pressure: NodePressure = {};
  private nodeUid?: string;
  /** The network agent's control address last annotated on the Node. */
  private agentAddress?: string;
  private lastNodeStatus = '';
  private lastNodePostMs = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly runtime: ContainerRuntime,
    private readonly stats: StatsCollector,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: NodeStatusOptions,
  ) {}

  /** One beat: runtime health, pressure, node status (always when `initial`), agent, lease. */
  async heartbeat(initial: boolean): Promise<void> {
    try {
      // info() every beat: free disk for DiskPressure; a failure means the engine is gone.
      this.runtimeInfo = await this.runtime.info();
      this.runtimeError = undefined;
      this.images = await this.runtime.listImages().catch(() => this.images);
    } catch (err) {
      this.runtimeError = `container runtime is down: ${String((err as Error)?.message ?? err)}`;
    }
    this.pressure = await this.readPressure();
    await this.postNodeStatus(initial);
    if (!this.runtimeError) {
      await this.syncNetworkAgent().catch((err: unknown) =>
        this.log.warn('network agent not ready', { err: String((err as Error)?.message ?? err) }),
      );
    }
    await this.renewLease().catch((err: unknown) =>
      this.log.warn('lease renewal failed', { err: String(err) }),
    );
  }

  /**
   * Keeps the cluster network's agent running (the runtime starts, adopts or recreates it) and
   * its control address on the Node, where the proxy finds it.
   */
  private async syncNetworkAgent(): Promise<void> {
    const network = this.opts.network;
    if (!network) return;
    const { address } = await this.runtime.ensureNetworkAgent(network);
    if (address === this.agentAddress) return;
    const node = await this.client.get<NodeObject>(R.nodes, this.opts.nodeName);
    if (node.metadata.annotations?.[NETWORK_AGENT_ANNOTATION] !== address) {
      await this.client.patch(R.nodes, this.opts.nodeName, undefined, {
        metadata: { annotations: { [NETWORK_AGENT_ANNOTATION]: address } },
      });
    }
    this.agentAddress = address;
  }

  /** MemoryPressure, DiskPressure, PIDPressure from real figures (kubelet's default hard eviction thresholds). */
  private async readPressure(): Promise<NodePressure> {
    const out: NodePressure = {};
    const mem = this.stats.nodeMemoryFigures();
    if (mem.available < 100 * 1024 * 1024)
      out.memory = `memory.available ${Math.round(mem.available / 1048576)}Mi is below the 100Mi threshold`;
    const info = this.runtimeInfo;
    if (
      info?.storageBytes &&
      info.storageAvailableBytes !== undefined &&
      info.storageAvailableBytes < info.storageBytes * 0.1
    )
      out.disk = `nodefs.available ${Math.round((info.storageAvailableBytes / info.storageBytes) * 100)}% is below the 10% threshold`;
    try {
      const max = Number((await readFile('/proc/sys/kernel/pid_max', 'utf8')).trim());
      const used = (await readdir('/proc')).filter((e) => /^\d+$/.test(e)).length;
      if (max > 0 && used > max * 0.9) out.pid = `${used} of ${max} process ids in use`;
    } catch {
      // Not Linux, or /proc unreadable: no PID figures.
    }
    return out;
  }

  /** Registers (create or update) the node; afterwards posts status when it changed or every ~60 s. */
  private async postNodeStatus(register: boolean): Promise<void> {
    const name = this.opts.nodeName;
    let existing: NodeObject | undefined;
    try {
      existing = await this.client.get<NodeObject>(R.nodes, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const node = buildNode(
      {
        nodeName: name,
        runtimeInfo: this.runtimeInfo,
        runtimeError: this.runtimeError,
        pressure: this.pressure,
        images: this.images,
        kubeletPort: this.opts.kubeletPort(),
        imagePull: this.opts.imagePull,
        now: this.clock.now(),
      },
      existing,
    );
    // Compare without heartbeat times: those change every time.
    const fingerprint = JSON.stringify(node.status, (k, v: unknown) =>
      k === 'lastHeartbeatTime' ? undefined : v,
    );
    const due = this.clock.now() - this.lastNodePostMs >= this.opts.nodeStatusIntervalMs;
    if (!register && existing && fingerprint === this.lastNodeStatus && !due) return;
    if (!existing) {
      try {
        existing = await this.client.create<NodeObject>(R.nodes, node as NodeObject);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        existing = await this.client.get<NodeObject>(R.nodes, name);
      }
    } else if (register) {
      // Labels live in the main resource; status goes through nodes/status below.
      existing = await this.client.update<NodeObject>(R.nodes, {
        ...node,
        status: existing.status,
      } as NodeObject);
    }
    this.nodeUid = existing!.metadata!.uid;
    await this.client.updateStatus(R.nodes, {
      ...node,
      metadata: { ...node.metadata, resourceVersion: existing!.metadata!.resourceVersion },
    } as never);
    this.lastNodeStatus = fingerprint;
    this.lastNodePostMs = this.clock.now();
  }

  private async renewLease(): Promise<void> {
    const name = this.opts.nodeName;
    const now = new Date(this.clock.now())
      .toISOString()
      .replace(/\.(\d+)Z$/, (_m, ms: string) => `.${ms.padEnd(6, '0')}Z`);
    const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: now };
    try {
      const lease = await this.client.get<Lease & KubeObject>(R.leases, name, 'kube-node-lease');
      await this.client.update(R.leases, { ...lease, spec: { ...lease.spec, ...spec } } as never);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.client.create(R.leases, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name,
          namespace: 'kube-node-lease',
          ownerReferences: this.nodeUid
            ? [{ apiVersion: 'v1', kind: 'Node', name, uid: this.nodeUid }]
            : undefined,
        },
        spec,
      } as never);
    }
  }
}
