import type {
  ContainerStatus as KubeContainerStatus,
  Lease,
  Node,
  KubeObject,
  Pod as ApiPod,
  PodStatus,
} from '../../common/types';
import type { PodCondition } from 'kubernetes-types/core/v1';
import { R } from '../../common/resources';
import type { KubeClient } from '../../common/client/client';
import { Informer } from '../../common/client/informer';
import { isAlreadyExists, isConflict, isNotFound } from '../../common/client/errors';
import { realClock, rfc3339, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/logger';
import { EventRecorder } from '../client/event-recorder';
import {
  EnvError,
  containerResources,
  envReferences,
  podPorts,
  pullPolicy,
  qosClass,
  resolveEnv,
  type EnvSources,
} from './pod-spec';
import type {
  ContainerRuntime,
  ContainerStatus,
  ImageInfo,
  RuntimeInfo,
  SandboxStatus,
} from './runtime/runtime';
import { LABELS } from './runtime/runtime';
import {
  KubeletServer,
  type LogTargetResolver,
  type ResolveFailure,
  type StatsProvider,
  type StreamTargetResolver,
} from './server';
import { StatsCollector, type Summary } from './stats';
import { ProbeManager, type ProbeKind, type ProbeResult } from './prober';
import { VolumeError, VolumeManager } from './volumes';
import { PULL_PROGRESS_ANNOTATION, PullProgressTracker } from './pull-progress';
import { afterFailedPull, localImageMessage, pullStep, readablePullError } from './image-pull';
import {
  DEFAULT_IMAGE_PULL_MODE,
  IMAGE_PULL_ANNOTATION,
  LOCAL_IMAGE_EVENT_REASON,
  type ImagePullMode,
} from '../../common/image-pull';
import { mkdir, readdir, writeFile, readFile as readHostFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Container, Probe, Service } from 'kubernetes-types/core/v1';
import { DEFAULT_CLUSTER_DOMAIN, type ClusterNetwork } from '../../common/network';
import {
  parseResolvConf,
  podDns,
  podDomainname,
  podHostname,
  serviceEnv,
  type DnsConfig,
} from './pod-network';
import type { Mount, RegistryAuth, SecurityConfig } from './runtime/runtime';

/** Options of the kubelet. */
export interface KubeletOptions {
  nodeName: string;
  clock?: Clock;
  logger?: Logger;
  /** Address of the kubelet's HTTP server (logs); default 127.0.0.1. */
  serverHost?: string;
  /** Port of the kubelet's HTTP server; 0 (default) picks a free one. */
  serverPort?: number;
  /** Bearer token every request to the kubelet server must carry. */
  serverToken: string;
  /** Runtime relist period; default 3 s. */
  relistIntervalMs?: number;
  /** Lease renewal and runtime health check period; default 10 s. */
  heartbeatIntervalMs?: number;
  /** Unconditional node status post period; default 60 s. */
  nodeStatusIntervalMs?: number;
  /** First CrashLoopBackOff / ImagePullBackOff delay; default 10 s (doubling up to maxBackoffMs). */
  initialBackoffMs?: number;
  /** Largest back-off; default 300 s. */
  maxBackoffMs?: number;
  /** Container/node stats sampling period; default 10 s (history keeps 360 points). */
  statsIntervalMs?: number;
  /** Where pod volume files and termination logs live; default <tmpdir>/skiff-kubelet-<node>. */
  rootDir?: string;
  /** Period of refreshing configMap/secret/downwardAPI volume files; default 5 s. */
  volumeRefreshMs?: number;
  /** A failed pull of an image the engine has: run it (`fallback`, default) or fail (`strict`). */
  imagePull?: ImagePullMode;
  /**
   * The cluster network (from the runtime's ensureClusterNetwork): pods join it, get their IP
   * from it and cluster DNS at its dnsIP; the kubelet runs its network agent. Without it pods
   * use the engine's default network and ClusterFirst falls back to the node's DNS.
   */
  network?: ClusterNetwork;
  /** The node's resolv.conf (searches for ClusterFirst, base of Default + dnsConfig); default /etc/resolv.conf. */
  resolvConfPath?: string;
}

/** The Kubernetes version this kubelet reports. */
export const KUBELET_VERSION = 'v1.32.4-skiff';
/** Pod annotation with the host addresses of a pod's published ports, e.g. `{"80/TCP":"127.0.0.1:32768"}`. */
export const PUBLISHED_PORTS_ANNOTATION = 'skiff.dev/published-ports';
/** Node annotation with the host address of the cluster network's agent, `127.0.0.1:<port>`. */
export const NETWORK_AGENT_ANNOTATION = 'skiff.dev/network-agent';

const HOST_IP = '127.0.0.1';

/** A pod as read from the API: metadata is always there. */
type Pod = ApiPod & KubeObject;
type NodeObject = Node & KubeObject;

interface Waiting {
  reason: string;
  message: string;
}

interface Backoff {
  durationMs: number;
  untilMs: number;
}

interface Worker {
  running: Promise<void>;
  again: boolean;
}

/** What one pod sync hands down to its container syncs. */
interface SyncContext {
  sb: SandboxStatus;
  mounts: Map<string, Mount[]>;
  /** Image inspects started early (with a new sandbox), by image reference. */
  images?: Map<string, Promise<ImageInfo | undefined>>;
}

/**
 * The node agent: registers the Node, renews its Lease and makes the runtime match the pods
 * bound to this node, reporting what happened through pods/status and Events. Modelled on the
 * kubelet's pod workers + PLEG + kuberuntime SyncPod: per-pod workers serialized by pod UID,
 * woken by the pod informer, a periodic runtime relist and (as hints) runtime events.
 */
export class Kubelet implements LogTargetResolver, StreamTargetResolver, StatsProvider {
  readonly nodeName: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly recorder: EventRecorder;
  private readonly informer: Informer<Pod>;
  /** Services of every namespace, for the Service environment variables of containers. */
  private readonly services: Informer<Service & KubeObject>;
  /** The node's resolver configuration, read at start. */
  private hostDns: DnsConfig = { servers: [], searches: [], options: [] };
  /** The network agent's control address last annotated on the Node. */
  private agentAddress?: string;
  private readonly server: KubeletServer;
  /** CPU/memory samples and history (Summary API, metrics.k8s.io, dashboard charts). */
  readonly stats: StatsCollector;
  private readonly volumes: VolumeManager;
  private readonly prober: ProbeManager;
  private readonly rootDir: string;
  /** Container id → pod uid and container name, for probe results. */
  private readonly probed = new Map<string, { uid: string; name: string }>();
  /** Termination messages of exited containers (they never change). */
  private readonly termMessages = new Map<string, string>();
  /** Ready sandboxes by pod uid (probes reach ports through them). */
  private readonly sandboxes = new Map<string, SandboxStatus>();
  /** Containers this kubelet is killing for failed liveness/startup probes. */
  private readonly killed = new Set<string>();
  private readonly workers = new Map<string, Worker>();
  /** Waiting reasons set by failed steps (pull, create, back-off), per `uid/container`. */
  private readonly waiting = new Map<string, Waiting>();
  private readonly crashBackoff = new Map<string, Backoff>();
  private readonly pullBackoff = new Map<string, Backoff>();
  /** Last status this kubelet wrote (canonical JSON) per pod uid, to write only changes. */
  private readonly lastStatus = new Map<string, string>();
  private readonly lastPorts = new Map<string, string>();
  private readonly imageRefs = new Map<string, string>();
  private readonly pulls = new Map<string, Promise<ImageInfo>>();
  /** Per image being pulled: the pods waiting for it, which get its progress annotation. */
  private readonly pullWaiters = new Map<string, Map<string, Pod>>();
  /** Per pod: the chain of its pull-progress patches, so they land in order. */
  private readonly progressPatches = new Map<string, Promise<void>>();
  private readonly timers = new Set<unknown>();
  private relistFingerprint = new Map<string, string>();
  /** The first relist after start is done (adoption relies on it). */
  private relisted = false;
  private stopEvents?: () => void;
  private running = false;
  private serverPort = 0;
  private nodeUid?: string;
  private runtimeInfo?: RuntimeInfo;
  private runtimeError?: string;
  private lastNodeStatus = '';
  private lastNodePostMs = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly runtime: ContainerRuntime,
    private readonly opts: KubeletOptions,
  ) {
    this.nodeName = opts.nodeName;
    this.clock = opts.clock ?? realClock;
    this.log = opts.logger ?? silentLogger;
    this.recorder = new EventRecorder(client, 'kubelet', opts.nodeName, this.clock);
    this.informer = new Informer<Pod>(client, R.pods, {
      fieldSelector: `spec.nodeName=${opts.nodeName}`,
      clock: this.clock,
      onError: (err) => this.log.warn('pod watch failed; retrying', { err: String(err) }),
    });
    this.services = new Informer<Service & KubeObject>(client, R.services, {
      clock: this.clock,
      onError: (err) => this.log.warn('service watch failed; retrying', { err: String(err) }),
    });
    this.stats = new StatsCollector(runtime, this.log, {
      intervalMs: opts.statsIntervalMs,
      clock: this.clock,
    });
    this.rootDir = opts.rootDir ?? path.join(os.tmpdir(), `skiff-kubelet-${opts.nodeName}`);
    this.volumes = new VolumeManager(client, runtime, this.rootDir);
    this.prober = new ProbeManager(runtime, this.clock, (id, kind, r, reached) =>
      this.onProbe(id, kind, r, reached),
    );
    this.server = new KubeletServer(this, runtime, {
      host: opts.serverHost ?? '127.0.0.1',
      port: opts.serverPort ?? 0,
      token: opts.serverToken,
      logger: this.log,
    });
  }

  /** The bound port of the kubelet server (after start). */
  get port(): number {
    return this.serverPort;
  }

  /** Starts the server, registers the node, then syncs pods (adopting existing containers). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // The sandbox image check (or its import on a first run) happens now, not in the first pod's start.
    void this.runtime
      .warmUp?.()
      .catch((err: unknown) => this.log.warn('sandbox image not ready yet', { err: String(err) }));
    this.serverPort = await this.server.start();
    this.hostDns = await readHostFile(this.opts.resolvConfPath ?? '/etc/resolv.conf', 'utf8')
      .then(parseResolvConf)
      .catch(() => ({ servers: [], searches: [], options: [] }));
    this.services.start();
    await this.heartbeat(true);
    this.informer.addHandler({
      add: (p) => this.enqueue(p.metadata.uid!),
      // This kubelet writes the status itself: an update that only changed status needs no sync.
      update: (p, old) => {
        if (specChanged(p, old)) this.enqueue(p.metadata.uid!);
      },
      delete: (p) => this.enqueue(p.metadata.uid!),
    });
    this.informer.start();
    this.stopEvents = this.runtime.events((ev) => {
      if (ev.podUid && this.informer.hasSynced()) this.enqueue(ev.podUid);
    });
    this.every(this.opts.heartbeatIntervalMs ?? 10_000, () => this.heartbeat(false));
    // The first relist after sync finds orphans of pods deleted while Skiff was down. Pods of
    // the first list were announced before the informer counted as synced (their syncs
    // returned at once), so they are enqueued again here — or a pod bound while the kubelet
    // was down and without containers yet would never start.
    void this.informer.waitForSync().then(() => {
      for (const p of this.informer.list()) this.enqueue(p.metadata.uid!);
      return this.relist();
    });
    this.every(this.opts.relistIntervalMs ?? 3_000, () => this.relist());
    this.stats.start();
    // configMap/secret/downwardAPI files follow their sources; volumes of deleted PVs go away.
    this.every(this.opts.volumeRefreshMs ?? 5_000, async () => {
      for (const p of this.informer.list())
        if (VolumeManager.hasProjected(p) && !p.metadata.deletionTimestamp) this.enqueue(p.metadata.uid!);
    });
    this.every(30_000, () => this.volumes.gcVolumes());
  }

  /** Stops watching and serving; containers keep running for the next start to adopt. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    this.stopEvents?.();
    this.informer.stop();
    this.services.stop();
    await this.stats.stop();
    this.prober.stopAll();
    await this.server.stop();
    // Let in-flight pod syncs finish, so no half-written state is left behind.
    await Promise.allSettled([...this.workers.values()].map((w) => w.running));
  }

  // ---- scheduling of work --------------------------------------------------------------

  private every(ms: number, fn: () => Promise<void>): void {
    const tick = () => {
      if (!this.running) return;
      fn()
        .catch((err: unknown) => this.log.warn('periodic task failed', { err: String(err) }))
        .finally(() => {
          if (this.running) this.timers.add(this.clock.setTimeout(tick, ms));
        });
    };
    this.timers.add(this.clock.setTimeout(tick, ms));
  }

  /** Consecutive failed syncs per pod UID (for the retry backoff). */
  private readonly syncFailures = new Map<string, number>();

  private enqueueAfter(uid: string, ms: number): void {
    const t = this.clock.setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(uid);
    }, ms);
    this.timers.add(t);
  }

  /** Runs syncPod for `uid`, never twice at once for the same pod; a request during a run reruns it. */
  private enqueue(uid: string): void {
    if (!this.running) return;
    const w = this.workers.get(uid);
    if (w) {
      w.again = true;
      return;
    }
    const worker: Worker = { again: false, running: Promise.resolve() };
    worker.running = (async () => {
      do {
        worker.again = false;
        try {
          await this.syncPod(uid);
          this.syncFailures.delete(uid);
        } catch (err) {
          // Back off per pod (1 s doubling to 30 s) and drop pending wake-ups: with the engine
          // gone every relist would otherwise rerun the sync in a tight loop.
          const n = (this.syncFailures.get(uid) ?? 0) + 1;
          this.syncFailures.set(uid, n);
          const delay = Math.min(1000 * 2 ** (n - 1), 30_000);
          this.log.warn('pod sync failed; retrying', {
            uid,
            inMs: delay,
            err: String((err as Error)?.message ?? err),
          });
          worker.again = false;
          this.enqueueAfter(uid, delay);
        }
      } while (worker.again && this.running);
      this.workers.delete(uid);
    })();
    this.workers.set(uid, worker);
  }

  private podByUid(uid: string): Pod | undefined {
    return this.informer.list().find((p) => p.metadata.uid === uid);
  }

  /** PLEG-style relist: wake the workers of pods whose containers changed, and of orphans. */
  private async relist(): Promise<void> {
    if (!this.informer.hasSynced()) return;
    const [sandboxes, containers] = await Promise.all([
      this.runtime.listPodSandboxes(),
      this.runtime.listContainers(),
    ]);
    const prints = new Map<string, string>();
    for (const s of sandboxes) prints.set(s.podUid, (prints.get(s.podUid) ?? '') + `${s.id}:${s.state};`);
    for (const c of containers) prints.set(c.podUid, (prints.get(c.podUid) ?? '') + `${c.id}:${c.state};`);
    const known = new Set(this.informer.list().map((p) => p.metadata.uid!));
    for (const [uid, print] of prints) {
      if (this.relistFingerprint.get(uid) !== print || !known.has(uid)) this.enqueue(uid);
    }
    for (const uid of this.relistFingerprint.keys()) if (!prints.has(uid)) this.enqueue(uid);
    this.relistFingerprint = prints;
    this.relisted = true;
  }

  // ---- node and lease ------------------------------------------------------------------

  private async heartbeat(initial: boolean): Promise<void> {
    try {
      // info() every beat: free disk for DiskPressure; a failure means the engine is gone.
      this.runtimeInfo = await this.runtime.info();
      this.runtimeError = undefined;
      this.images = await this.runtime.listImages().catch(() => this.images);
    } catch (err) {
      this.runtimeError = `container runtime is down: ${String((err as Error)?.message ?? err)}`;
    }
    this.lastPressure = await this.pressure();
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
    const node = await this.client.get<NodeObject>(R.nodes, this.nodeName);
    if (node.metadata.annotations?.[NETWORK_AGENT_ANNOTATION] !== address) {
      await this.client.patch(R.nodes, this.nodeName, undefined, {
        metadata: { annotations: { [NETWORK_AGENT_ANNOTATION]: address } },
      });
    }
    this.agentAddress = address;
  }

  /** Images for node.status.images (largest first, at most 50 like nodeStatusMaxImages). */
  private images: ImageInfo[] = [];

  /** MemoryPressure, DiskPressure, PIDPressure from real figures (kubelet's default hard eviction thresholds). */
  private async pressure(): Promise<{ memory?: string; disk?: string; pid?: string }> {
    const out: { memory?: string; disk?: string; pid?: string } = {};
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
      const max = Number((await readHostFile('/proc/sys/kernel/pid_max', 'utf8')).trim());
      const used = (await readdir('/proc')).filter((e) => /^\d+$/.test(e)).length;
      if (max > 0 && used > max * 0.9) out.pid = `${used} of ${max} process ids in use`;
    } catch {
      // Not Linux, or /proc unreadable: no PID figures.
    }
    return out;
  }

  private lastPressure: { memory?: string; disk?: string; pid?: string } = {};

  private buildNode(previous?: NodeObject): Node {
    const info = this.runtimeInfo;
    const now = rfc3339(this.clock.now());
    const ready = !this.runtimeError && !!info;
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
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        ...(previous?.metadata ?? {}),
        name: this.nodeName,
        labels: {
          ...(previous?.metadata.labels ?? {}),
          'kubernetes.io/hostname': this.nodeName,
          'kubernetes.io/os': os,
          'kubernetes.io/arch': arch,
          'beta.kubernetes.io/os': os,
          'beta.kubernetes.io/arch': arch,
          'node-role.kubernetes.io/control-plane': '',
        },
        // The dashboard shows the pull mode from here (it cannot read the kubelet's flags).
        annotations: {
          ...(previous?.metadata.annotations ?? {}),
          [IMAGE_PULL_ANNOTATION]: this.opts.imagePull ?? DEFAULT_IMAGE_PULL_MODE,
        },
      },
      spec: previous?.spec ?? {},
      status: {
        capacity,
        allocatable,
        conditions: [
          this.lastPressure.memory
            ? cond('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', this.lastPressure.memory)
            : cond(
                'MemoryPressure',
                'False',
                'KubeletHasSufficientMemory',
                'kubelet has sufficient memory available',
              ),
          this.lastPressure.disk
            ? cond('DiskPressure', 'True', 'KubeletHasDiskPressure', this.lastPressure.disk)
            : cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
          this.lastPressure.pid
            ? cond('PIDPressure', 'True', 'KubeletHasInsufficientPID', this.lastPressure.pid)
            : cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
          ready
            ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
            : cond(
                'Ready',
                'False',
                'KubeletNotReady',
                this.runtimeError ?? 'container runtime status unknown',
              ),
        ],
        addresses: [
          { type: 'InternalIP', address: HOST_IP },
          { type: 'Hostname', address: this.nodeName },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: this.serverPort } },
        images: [...this.images]
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

  /** Registers (create or update) the node; afterwards posts status when it changed or every ~60 s. */
  private async postNodeStatus(register: boolean): Promise<void> {
    let existing: NodeObject | undefined;
    try {
      existing = await this.client.get<NodeObject>(R.nodes, this.nodeName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const node = this.buildNode(existing);
    // Compare without heartbeat times: those change every time.
    const fingerprint = JSON.stringify(node.status, (k, v: unknown) =>
      k === 'lastHeartbeatTime' ? undefined : v,
    );
    const due = this.clock.now() - this.lastNodePostMs >= (this.opts.nodeStatusIntervalMs ?? 60_000);
    if (!register && existing && fingerprint === this.lastNodeStatus && !due) return;
    if (!existing) {
      try {
        existing = await this.client.create<NodeObject>(R.nodes, node as NodeObject);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        existing = await this.client.get<NodeObject>(R.nodes, this.nodeName);
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
    const now = new Date(this.clock.now())
      .toISOString()
      .replace(/\.(\d+)Z$/, (_m, ms: string) => `.${ms.padEnd(6, '0')}Z`);
    const spec = { holderIdentity: this.nodeName, leaseDurationSeconds: 40, renewTime: now };
    try {
      const lease = await this.client.get<Lease & KubeObject>(R.leases, this.nodeName, 'kube-node-lease');
      await this.client.update(R.leases, { ...lease, spec: { ...lease.spec, ...spec } } as never);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.client.create(R.leases, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: this.nodeName,
          namespace: 'kube-node-lease',
          ownerReferences: this.nodeUid
            ? [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: this.nodeUid }]
            : undefined,
        },
        spec,
      } as never);
    }
  }

  // ---- pod sync ------------------------------------------------------------------------

  private async syncPod(uid: string): Promise<void> {
    if (!this.informer.hasSynced()) return;
    const pod = this.podByUid(uid);
    // A pod this kubelet has never seen containers for (not in the relist, never started, no
    // status written) has nothing to list: skip two engine round trips on the start-up path.
    // Names are deterministic, so a leftover of a crashed earlier attempt is still replaced.
    const unseen =
      !!pod &&
      this.relisted &&
      !this.relistFingerprint.has(uid) &&
      !this.lastStatus.has(uid) &&
      !pod.status?.startTime &&
      !pod.metadata.deletionTimestamp;
    const [sandboxes, containers]: [SandboxStatus[], ContainerStatus[]] = unseen
      ? [[], []]
      : await Promise.all([
          this.runtime.listPodSandboxes({ [LABELS.podUid]: uid }),
          this.runtime.listContainers({ [LABELS.podUid]: uid }),
        ]);
    if (!pod) {
      // Gone from the API (force-deleted, or deleted while Skiff was down): remove everything.
      await Promise.all([...containers, ...sandboxes].map((c) => this.runtime.removeContainer(c.id)));
      await this.volumes.cleanup(uid).catch(() => undefined);
      this.forget(uid);
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      await this.terminatePod(pod, sandboxes, containers);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      // A finished pod keeps its containers for logs, but its sandbox has nothing left to do.
      await Promise.all(
        sandboxes.filter((s) => s.state === 'ready').map((s) => this.runtime.stopPodSandbox(s.id, 0)),
      );
      // Late facts about finished containers (an OOM reported after the exit) still reach the
      // status, as long as every container is still there and the phase stays what it is.
      const names = new Set(containers.map((c) => c.name));
      if ((pod.spec?.containers ?? []).every((c) => names.has(c.name))) {
        const status = await this.computeStatus(pod, undefined, containers);
        if (status.phase === phase) await this.postStatus(pod, undefined, containers);
      }
      return;
    }

    let sandbox = latest(sandboxes.filter((s) => s.state === 'ready'));
    let images: SyncContext['images'];
    if (!sandbox) {
      const doneForGood = this.podDone(pod, containers);
      if (doneForGood) {
        await this.postStatus(pod, undefined, containers);
        return;
      }
      // The image inspects need nothing from the sandbox: run them while the engine creates it
      // (a new sandbox means the containers are created next), not after.
      images = new Map();
      for (const c of allSpecs(pod)) {
        if (!c.image || images.has(c.image)) continue;
        const p = this.runtime.imageStatus(c.image);
        p.catch(() => undefined); // handled (retried) in ensureImage, or unused if the sandbox fails
        images.set(c.image, p);
      }
      sandbox = await this.createSandbox(pod, sandboxes, containers);
    }
    await this.publishPorts(pod, sandbox);
    // Other (older) sandboxes: their containers belong to dead network namespaces.
    const stale = sandboxes.filter((s) => s.id !== sandbox.id);
    // A failed removal (e.g. "Removal In Progress" after the engine restarted) must not block
    // the pod: log it; the next sync tries again.
    if (stale.length) await this.removeQuietly(stale.map((s) => () => this.runtime.removePodSandbox(s.id)));

    this.sandboxes.set(uid, sandbox);

    let mounts: Map<string, Mount[]>;
    try {
      const prepared = await this.volumes.prepare(pod);
      mounts = new Map(allSpecs(pod).map((c) => [c.name, this.volumes.mountsFor(c, prepared)] as const));
    } catch (err) {
      if (!(err instanceof VolumeError)) throw err;
      for (const c of allSpecs(pod))
        if (!containers.some((x) => x.name === c.name))
          this.waiting.set(`${uid}/${c.name}`, { reason: 'ContainerCreating', message: err.message });
      this.event(pod, 'Warning', err.reason, err.message);
      await this.postStatus(pod, sandbox, containers);
      this.enqueueAfter(uid, 2_000);
      return;
    }

    const byName = groupByName(containers);
    const ctx: SyncContext = { sb: sandbox, mounts, images };
    if (await this.syncInitContainers(pod, ctx, byName)) {
      await Promise.all(
        (pod.spec?.containers ?? []).map((c) =>
          this.syncContainer(
            pod,
            sandbox,
            c,
            byName.get(c.name) ?? [],
            ctx,
            pod.spec?.restartPolicy ?? 'Always',
          ),
        ),
      );
    }
    await this.syncEphemeral(pod, ctx, byName);

    const fresh = await this.runtime.listContainers({ [LABELS.podUid]: uid });
    this.updateProbes(pod, fresh);
    await this.gcContainers(fresh);
    await this.postStatus(pod, sandbox, fresh);
  }

  /**
   * Runs init containers one after another, each to completion (exit 0) before the next; a
   * sidecar (restartPolicy Always) only has to be started and keeps running. True when the app
   * containers may start.
   */
  private async syncInitContainers(
    pod: Pod,
    ctx: SyncContext,
    byName: Map<string, ContainerStatus[]>,
  ): Promise<boolean> {
    const podPolicy = pod.spec?.restartPolicy ?? 'Always';
    for (const c of pod.spec?.initContainers ?? []) {
      // A new sandbox runs the init containers again, as in Kubernetes.
      const inst = (byName.get(c.name) ?? []).filter((i) => i.sandboxId === ctx.sb.id);
      const cur = inst[0];
      if (c.restartPolicy === 'Always') {
        if (cur?.state === 'running' && this.prober.isStarted(cur.id)) continue;
        await this.syncContainer(pod, ctx.sb, c, inst, ctx, 'Always');
        return false;
      }
      if (cur?.state === 'exited' && cur.exitCode === 0) continue;
      if (cur?.state === 'running') return false;
      await this.syncContainer(pod, ctx.sb, c, inst, ctx, podPolicy === 'Never' ? 'Never' : 'OnFailure');
      return false;
    }
    return true;
  }

  /** Ephemeral containers (kubectl debug): started once, never restarted. */
  private async syncEphemeral(
    pod: Pod,
    ctx: SyncContext,
    byName: Map<string, ContainerStatus[]>,
  ): Promise<void> {
    for (const e of pod.spec?.ephemeralContainers ?? []) {
      if (byName.get(e.name)?.length) continue;
      const target = e.targetContainerName
        ? byName.get(e.targetContainerName)?.find((x) => x.state === 'running')
        : undefined;
      await this.syncContainer(pod, ctx.sb, e as Container, [], ctx, 'Never', target?.id);
    }
  }

  /** Keeps probe workers for the running containers of this pod. */
  private updateProbes(pod: Pod, containers: ContainerStatus[]): void {
    const uid = pod.metadata.uid!;
    const specs = new Map(allSpecs(pod).map((c) => [c.name, c] as const));
    const keep = new Set<string>();
    for (const c of containers) {
      if (c.state !== 'running' || this.killed.has(c.id)) continue;
      const spec = specs.get(c.name);
      if (!spec || !(spec.startupProbe || spec.livenessProbe || spec.readinessProbe)) continue;
      keep.add(c.id);
      this.probed.set(c.id, { uid, name: c.name });
      this.prober.ensure(c.id, spec, () => this.sandboxes.get(uid));
    }
    for (const [id, t] of this.probed) if (t.uid === uid && !keep.has(id)) this.probed.delete(id);
    for (const c of containers) if (c.state !== 'running') this.killed.delete(c.id);
    this.prober.retain(new Set(this.probed.keys()));
  }

  /** A probe result: events, kills on liveness failure, status updates on readiness changes. */
  private onProbe(containerId: string, kind: ProbeKind, r: ProbeResult, reached: boolean): void {
    const target = this.probed.get(containerId);
    if (!target) return;
    const pod = this.podByUid(target.uid);
    if (!pod) return;
    const label = kind === 'startup' ? 'Startup' : kind === 'liveness' ? 'Liveness' : 'Readiness';
    if (!r.ok) this.event(pod, 'Warning', 'Unhealthy', `${label} probe failed: ${r.message}`);
    if (!reached) return;
    if (!r.ok && (kind === 'liveness' || kind === 'startup')) {
      const spec = allSpecs(pod).find((c) => c.name === target.name);
      const probe = (kind === 'liveness' ? spec?.livenessProbe : spec?.startupProbe) as
        (Probe & { terminationGracePeriodSeconds?: number }) | undefined;
      const grace = probe?.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      this.event(
        pod,
        'Normal',
        'Killing',
        `Container ${target.name} failed ${kind} probe, will be restarted`,
      );
      this.killed.add(containerId);
      this.probed.delete(containerId);
      this.prober.retain(new Set(this.probed.keys()));
      void this.runtime
        .stopContainer(containerId, grace)
        .catch((err: unknown) =>
          this.log.warn('stopping an unhealthy container failed', { err: String(err) }),
        )
        .finally(() => this.enqueue(target.uid));
      return;
    }
    this.enqueue(target.uid);
  }

  /** True when restartPolicy says none of the exited containers comes back and none runs. */
  private podDone(pod: Pod, containers: ContainerStatus[]): boolean {
    const byName = groupByName(containers);
    const specs = pod.spec?.containers ?? [];
    if (!specs.length) return false;
    if ((pod.spec?.restartPolicy ?? 'Always') === 'Never')
      for (const c of pod.spec?.initContainers ?? []) {
        const cur = byName.get(c.name)?.[0];
        if (c.restartPolicy !== 'Always' && cur?.state === 'exited' && cur.exitCode !== 0) return true;
      }
    return specs.every((c) => {
      const cur = byName.get(c.name)?.[0];
      return !!cur && cur.state === 'exited' && !this.shouldRestart(pod, cur);
    });
  }

  private shouldRestart(pod: Pod, c: ContainerStatus, policy: string = this.policyOf(pod, c.name)): boolean {
    if (policy === 'Never') return false;
    if (policy === 'OnFailure') return c.exitCode !== 0;
    return true;
  }

  /** The restart policy of a container: init containers OnFailure at most, sidecars Always. */
  private policyOf(pod: Pod, name: string): string {
    const podPolicy = pod.spec?.restartPolicy ?? 'Always';
    const init = pod.spec?.initContainers?.find((c) => c.name === name);
    if (init)
      return init.restartPolicy === 'Always' ? 'Always' : podPolicy === 'Never' ? 'Never' : 'OnFailure';
    if (pod.spec?.ephemeralContainers?.some((c) => c.name === name)) return 'Never';
    return podPolicy;
  }

  private async createSandbox(
    pod: Pod,
    sandboxes: SandboxStatus[],
    containers: ContainerStatus[],
  ): Promise<SandboxStatus> {
    // The old sandbox died: its app containers lost their network, so stop them (kuberuntime
    // kills the whole pod when the sandbox changes).
    await Promise.all(
      containers.filter((c) => c.state === 'running').map((c) => this.runtime.stopContainer(c.id, 0)),
    );
    const attempt = sandboxes.length ? Math.max(...sandboxes.map((s) => s.attempt)) + 1 : 0;
    const network = this.opts.network;
    const dns = podDns(pod, this.hostDns, network);
    for (const [reason, message] of dns.warnings) this.event(pod, 'Warning', reason, message);
    try {
      const sb = await this.runtime.runPodSandbox({
        podUid: pod.metadata.uid!,
        podName: pod.metadata.name!,
        namespace: pod.metadata.namespace!,
        hostname: podHostname(pod),
        domainname: podDomainname(pod, network?.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN),
        network: network?.name,
        resolvConf: dns.resolvConf,
        attempt,
        ports: podPorts(pod),
        hostNetwork: !!pod.spec?.hostNetwork,
        extraHosts: (pod.spec?.hostAliases ?? []).flatMap((a) =>
          (a.hostnames ?? []).map((h) => `${h}:${a.ip}`),
        ),
      });
      if (attempt > 0)
        this.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      return sb;
    } catch (err) {
      const msg = String((err as Error)?.message ?? err);
      this.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${msg}`);
      for (const c of pod.spec?.containers ?? [])
        this.waiting.set(`${pod.metadata.uid}/${c.name}`, { reason: 'ContainerCreating', message: msg });
      await this.postStatus(pod, undefined, containers).catch(() => undefined);
      throw err;
    }
  }

  private async publishPorts(pod: Pod, sb: SandboxStatus): Promise<void> {
    if (!sb.ports.length) return;
    const map: Record<string, string> = {};
    for (const p of [...sb.ports].sort((a, b) => a.containerPort - b.containerPort)) {
      map[`${p.containerPort}/${p.protocol}`] = `${p.hostIp}:${p.hostPort}`;
    }
    const value = JSON.stringify(map);
    const uid = pod.metadata.uid!;
    if (
      this.lastPorts.get(uid) === value ||
      pod.metadata.annotations?.[PUBLISHED_PORTS_ANNOTATION] === value
    ) {
      this.lastPorts.set(uid, value);
      return;
    }
    await this.client.patch(R.pods, pod.metadata.name!, pod.metadata.namespace, {
      metadata: { annotations: { [PUBLISHED_PORTS_ANNOTATION]: value } },
    });
    this.lastPorts.set(uid, value);
  }

  private async syncContainer(
    pod: Pod,
    sb: SandboxStatus,
    c: Container,
    instances: ContainerStatus[],
    ctx: Omit<SyncContext, 'sb'>,
    policy: string,
    pidOfContainer?: string,
  ): Promise<void> {
    const uid = pod.metadata.uid!;
    const key = `${uid}/${c.name}`;
    const cur = instances[0];
    if (cur && cur.sandboxId === sb.id && cur.state === 'running') {
      this.waiting.delete(key);
      return;
    }
    if (cur && cur.sandboxId === sb.id && cur.state === 'created') {
      // Created by an earlier sync that stopped before starting it.
      await this.startCreated(pod, c.name, cur.id, key);
      return;
    }
    if (cur && cur.state !== 'created') {
      if (!this.shouldRestart(pod, cur, policy)) return;
      if (cur.sandboxId === sb.id) {
        // Behaves like the kubelet's container back-off: first restart at once, then 10 s doubling to 300 s.
        const now = this.clock.now();
        let b = this.crashBackoff.get(key);
        const max = this.opts.maxBackoffMs ?? 300_000;
        const ran = (cur.finishedAt ?? now) - (cur.startedAt ?? now);
        if (b && ran > 2 * max) b = undefined;
        if (b) {
          const until = (cur.finishedAt ?? now) + b.durationMs;
          if (now < until) {
            const message = `back-off ${fmtDuration(b.durationMs)} restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})`;
            this.waiting.set(key, { reason: 'CrashLoopBackOff', message });
            this.event(
              pod,
              'Warning',
              'BackOff',
              `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${uid})`,
            );
            this.enqueueAfter(uid, until - now + 50);
            return;
          }
          this.crashBackoff.set(key, { durationMs: Math.min(b.durationMs * 2, max), untilMs: 0 });
        } else {
          this.crashBackoff.set(key, { durationMs: this.opts.initialBackoffMs ?? 10_000, untilMs: 0 });
        }
      }
    }
    if (!this.services.hasSynced()) {
      // Like the kubelet: no container is created before the Services were read once, or its
      // environment would miss their variables.
      this.waiting.set(key, {
        reason: 'ContainerCreating',
        message: 'services have not yet been read at least once',
      });
      this.enqueueAfter(uid, 500);
      return;
    }
    let env: { name: string; value: string }[];
    try {
      env = resolveEnv(
        pod,
        c,
        { podIP: sb.ip, hostIP: HOST_IP, nodeName: this.nodeName },
        await this.envSources(pod, c),
        serviceEnv(pod, this.services.list()),
      );
    } catch (err) {
      if (!(err instanceof EnvError)) throw err;
      this.waiting.set(key, { reason: 'CreateContainerConfigError', message: err.message });
      this.event(pod, 'Warning', 'Failed', `Error: ${err.message}`);
      this.enqueueAfter(uid, 5000);
      return;
    }
    const vars = new Map(env.map((e) => [e.name, e.value] as const));
    const expand = (s: string) =>
      s.replace(/\$\$|\$\(([^)]*)\)/g, (m, name?: string) =>
        m === '$$' ? '$' : name !== undefined && vars.has(name) ? vars.get(name)! : m,
      );
    const image = await this.ensureImage(pod, c, ctx.images?.get(c.image!));
    if (!image) return;
    const attempt = cur ? cur.attempt + 1 : 0;
    let id: string;
    try {
      id = await this.runtime.createContainer(sb.id, {
        podUid: uid,
        podName: pod.metadata.name!,
        namespace: pod.metadata.namespace!,
        name: c.name,
        attempt,
        image: c.image!,
        command: c.command ? c.command.map(expand) : undefined,
        args: c.args ? c.args.map(expand) : undefined,
        env,
        workingDir: c.workingDir,
        tty: c.tty,
        stdin: c.stdin,
        stdinOnce: c.stdinOnce,
        resources: containerResources(c),
        mounts: [...(ctx.mounts.get(c.name) ?? []), await this.terminationLogMount(uid, c, attempt)],
        security: securityOf(pod, c),
        sharePid: !!pod.spec?.shareProcessNamespace,
        pidOfContainer,
      });
    } catch (err) {
      const msg = String((err as Error)?.message ?? err);
      this.waiting.set(key, { reason: 'CreateContainerError', message: msg });
      this.event(pod, 'Warning', 'Failed', `Error: ${msg}`);
      this.enqueueAfter(uid, 5000);
      return;
    }
    this.event(pod, 'Normal', 'Created', `Created container ${c.name}`);
    await this.startCreated(pod, c.name, id, key);
    if (c.lifecycle?.postStart) await this.postStartHook(pod, c, id);
  }

  /** The host file mounted at terminationMessagePath (like the kubelet's per-instance file). */
  private terminationLogPath(uid: string, name: string, attempt: number): string {
    return path.join(this.rootDir, 'pods', uid, 'containers', name, `${attempt}-termination-log`);
  }

  private async terminationLogMount(uid: string, c: Container, attempt: number): Promise<Mount> {
    const file = this.terminationLogPath(uid, c.name, attempt);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '', { mode: 0o666 });
    return { type: 'bind', source: file, target: c.terminationMessagePath || '/dev/termination-log' };
  }

  /**
   * The termination message of an exited container: its terminationMessagePath file (at most
   * 4 KiB), or with FallbackToLogsOnError and a failure, the last 80 lines / 2 KiB of its log.
   */
  private async terminationMessage(pod: Pod, c: ContainerStatus): Promise<string> {
    const cached = this.termMessages.get(c.id);
    if (cached !== undefined) return cached;
    const spec = allSpecs(pod).find((x) => x.name === c.name);
    let msg =
      (
        await readHostFile(this.terminationLogPath(pod.metadata.uid!, c.name, c.attempt)).catch(
          () => undefined,
        )
      )
        ?.subarray(0, 4096)
        .toString('utf8') ?? '';
    if (!msg && spec?.terminationMessagePolicy === 'FallbackToLogsOnError' && c.exitCode !== 0) {
      const logs = await this.runtime.containerLogs(c.id, { tailLines: 80 }).catch(() => undefined);
      if (logs) {
        const chunks: Buffer[] = [];
        for await (const chunk of logs as AsyncIterable<Buffer>) chunks.push(chunk);
        const all = Buffer.concat(chunks);
        msg = all.subarray(Math.max(0, all.length - 2048)).toString('utf8');
      }
    }
    if (this.termMessages.size > 1000) this.termMessages.clear();
    this.termMessages.set(c.id, msg);
    return msg;
  }

  /** Runs a lifecycle handler (exec or httpGet); resolves with an error text, or undefined on success. */
  private async runHook(
    pod: Pod,
    c: Container,
    id: string,
    handler: NonNullable<NonNullable<Container['lifecycle']>['postStart']>,
    timeoutSeconds: number,
  ): Promise<string | undefined> {
    const probe = { ...handler, timeoutSeconds } as Probe;
    const r = await this.prober
      .probe(id, c, probe, this.sandboxes.get(pod.metadata.uid!))
      .catch((err: unknown): ProbeResult => ({ ok: false, message: String((err as Error)?.message ?? err) }));
    return r.ok ? undefined : r.message;
  }

  /** postStart: a failure kills the container, which then restarts per its policy. */
  private async postStartHook(pod: Pod, c: Container, id: string): Promise<void> {
    const err = await this.runHook(pod, c, id, c.lifecycle!.postStart!, 30);
    if (err === undefined) return;
    this.event(pod, 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${err}`);
    await this.runtime.stopContainer(id, 0);
  }

  private async startCreated(pod: Pod, name: string, id: string, key: string): Promise<void> {
    try {
      await this.runtime.startContainer(id);
      this.stats.nudge();
      this.waiting.delete(key);
      this.event(pod, 'Normal', 'Started', `Started container ${name}`);
    } catch (err) {
      // The engine marks the container exited with the error; the next sync backs off from it.
      const msg = String((err as Error)?.message ?? err);
      this.waiting.delete(key);
      this.event(pod, 'Warning', 'Failed', `Error: failed to start container "${name}": ${msg}`);
      this.enqueueAfter(pod.metadata.uid!, 200);
    }
  }

  /** The ConfigMaps and Secrets a container's env refers to, read from the API. */
  private async envSources(pod: Pod, c: Container): Promise<EnvSources> {
    const refs = envReferences(c);
    const ns = pod.metadata.namespace;
    const read = async (t: typeof R.configmaps, name: string, decode: boolean) => {
      try {
        const o = await this.client.get<KubeObject & { data?: Record<string, string> }>(t, name, ns);
        const data: Record<string, string> = {};
        for (const [k, v] of Object.entries(o.data ?? {}))
          data[k] = decode ? Buffer.from(v, 'base64').toString('utf8') : v;
        return [name, data] as const;
      } catch (err) {
        if (isNotFound(err)) return [name, undefined] as const;
        throw err;
      }
    };
    const cms = new Map(await Promise.all(refs.configMaps.map((n) => read(R.configmaps, n, false))));
    const secrets = new Map(await Promise.all(refs.secrets.map((n) => read(R.secrets, n, true))));
    return { configMap: (n) => cms.get(n), secret: (n) => secrets.get(n) };
  }

  /** Makes the image present per imagePullPolicy; undefined (with a waiting reason set) when it cannot be. */
  private async ensureImage(
    pod: Pod,
    c: NonNullable<Pod['spec']>['containers'][number],
    inspected?: Promise<ImageInfo | undefined>,
  ): Promise<ImageInfo | undefined> {
    const uid = pod.metadata.uid!;
    const key = `${uid}/${c.name}`;
    const image = c.image!;
    const policy = pullPolicy(c);
    const present = inspected
      ? await inspected.catch(() => this.runtime.imageStatus(image))
      : await this.runtime.imageStatus(image);
    const step = pullStep(policy, !!present);
    if (step === 'never-pull-missing') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      this.waiting.set(key, { reason: 'ErrImageNeverPull', message });
      this.event(pod, 'Warning', 'ErrImageNeverPull', message);
      return undefined;
    }
    if (step === 'use-present' && present) return present;
    const bkey = `${key}/${image}`;
    const now = this.clock.now();
    const b = this.pullBackoff.get(bkey);
    if (b && now < b.untilMs) {
      this.waiting.set(key, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` });
      this.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
      this.event(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff');
      this.enqueueAfter(uid, b.untilMs - now + 50);
      return undefined;
    }
    this.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const t0 = this.clock.now();
    try {
      // One pull per image at a time, shared by every pod that needs it.
      let p = this.pulls.get(image);
      if (!p) {
        const auth = await this.pullAuth(pod, image);
        const waiters = new Map<string, Pod>();
        // The dashboard shows the progress from the pod annotation, at most one update a second.
        const tracker = new PullProgressTracker(image, this.clock, (progress) => {
          for (const w of waiters.values()) this.patchPullProgress(w, JSON.stringify(progress));
        });
        this.pullWaiters.set(image, waiters);
        p = this.runtime.pullImage(image, { auth, onProgress: (m) => tracker.update(m) }).finally(() => {
          tracker.close();
          this.pulls.delete(image);
          this.pullWaiters.delete(image);
        });
        this.pulls.set(image, p);
      }
      this.pullWaiters.get(image)?.set(uid, pod);
      const info = await p.finally(() => {
        if (this.progressPatches.has(uid)) this.patchPullProgress(pod, null);
      });
      this.pullBackoff.delete(bkey);
      this.event(
        pod,
        'Normal',
        'Pulled',
        `Successfully pulled image "${image}" in ${this.clock.now() - t0}ms`,
      );
      return info;
    } catch (err) {
      const msg = readablePullError(err);
      const mode = this.opts.imagePull ?? DEFAULT_IMAGE_PULL_MODE;
      if (present && afterFailedPull(mode, true) === 'use-present') {
        // A `docker build` image tagged latest (policy Always) runs with no registry.
        this.pullBackoff.delete(bkey);
        this.event(pod, 'Normal', LOCAL_IMAGE_EVENT_REASON, localImageMessage(image, present.id, msg));
        return present;
      }
      const duration = b
        ? Math.min(b.durationMs * 2, this.opts.maxBackoffMs ?? 300_000)
        : (this.opts.initialBackoffMs ?? 10_000);
      this.pullBackoff.set(bkey, { durationMs: duration, untilMs: this.clock.now() + duration });
      this.waiting.set(key, { reason: 'ErrImagePull', message: msg });
      this.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`);
      this.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      this.enqueueAfter(uid, duration + 50);
      return undefined;
    }
  }

  /** Sets (or with null removes) a pod's pull-progress annotation; patches of one pod stay in order. */
  private patchPullProgress(pod: Pod, value: string | null): void {
    const uid = pod.metadata.uid!;
    const next = (this.progressPatches.get(uid) ?? Promise.resolve())
      .then(() =>
        this.client.patch(R.pods, pod.metadata.name!, pod.metadata.namespace, {
          metadata: { annotations: { [PULL_PROGRESS_ANNOTATION]: value } },
        }),
      )
      .then(
        () => undefined,
        (err: unknown) => {
          if (!isNotFound(err)) this.log.debug('pull progress not published', { err: String(err) });
        },
      );
    this.progressPatches.set(uid, next);
    if (value === null)
      void next.then(() => {
        if (this.progressPatches.get(uid) === next) this.progressPatches.delete(uid);
      });
  }

  /**
   * Registry credentials for an image from the pod's imagePullSecrets
   * (kubernetes.io/dockerconfigjson or dockercfg), matched on the registry host like the
   * kubelet's credential keyring; undefined when none applies.
   */
  private async pullAuth(pod: Pod, image: string): Promise<RegistryAuth | undefined> {
    const refs = pod.spec?.imagePullSecrets ?? [];
    if (!refs.length) return undefined;
    const host = registryHost(image);
    for (const ref of refs) {
      if (!ref.name) continue;
      const secret = await this.client
        .get<KubeObject & { type?: string; data?: Record<string, string> }>(
          R.secrets,
          ref.name,
          pod.metadata.namespace,
        )
        .catch(() => undefined);
      const raw = secret?.data?.['.dockerconfigjson'] ?? secret?.data?.['.dockercfg'];
      if (!raw) continue;
      const auth = dockerConfigAuth(Buffer.from(raw, 'base64').toString('utf8'), host);
      if (auth) return auth;
    }
    return undefined;
  }

  /** Keeps the current and the previous instance of each container (for `logs --previous`). */
  private async gcContainers(containers: ContainerStatus[]): Promise<void> {
    const old: ContainerStatus[] = [];
    for (const list of groupByName(containers).values())
      old.push(...list.slice(2).filter((c) => c.state !== 'running'));
    await this.removeQuietly(old.map((c) => () => this.runtime.removeContainer(c.id)));
  }

  /** Runs removals; failures are logged, never thrown (garbage collection retries later). */
  private async removeQuietly(removals: (() => Promise<unknown>)[]): Promise<void> {
    const results = await Promise.allSettled(removals.map((r) => r()));
    for (const r of results)
      if (r.status === 'rejected')
        this.log.warn('container removal failed; will retry', { err: String(r.reason) });
  }

  private async terminatePod(
    pod: Pod,
    sandboxes: SandboxStatus[],
    containers: ContainerStatus[],
  ): Promise<void> {
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    const running = containers.filter((c) => c.state === 'running');
    const specs = new Map(allSpecs(pod).map((c) => [c.name, c] as const));
    const started = this.clock.now();
    await Promise.all(
      running.map(async (c) => {
        this.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
        const spec = specs.get(c.name);
        // preStop runs within the grace period; the stop signal gets what is left of it.
        if (spec?.lifecycle?.preStop) {
          const err = await this.runHook(pod, spec, c.id, spec.lifecycle.preStop, Math.max(1, grace));
          if (err !== undefined)
            this.event(pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${err}`);
        }
        const left = Math.max(0, grace - Math.floor((this.clock.now() - started) / 1000));
        await this.runtime.stopContainer(c.id, left);
      }),
    );
    // The sandbox's pause process exits on SIGTERM at once; a foreign sandbox image gets 2 s.
    await Promise.all(sandboxes.map((s) => this.runtime.stopPodSandbox(s.id, 2)));
    await Promise.all([...containers, ...sandboxes].map((c) => this.runtime.removeContainer(c.id)));
    await this.volumes.cleanup(pod.metadata.uid!).catch(() => undefined);
    try {
      await this.client.delete(R.pods, pod.metadata.name!, pod.metadata.namespace, {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid },
      });
    } catch (err) {
      // Gone already, or a new pod of the same name (uid precondition failed): nothing to do.
      if (!isNotFound(err) && !isConflict(err) && (err as { code?: number }).code !== 409) throw err;
    }
    this.forget(pod.metadata.uid!);
  }

  private forget(uid: string): void {
    this.lastStatus.delete(uid);
    this.sandboxes.delete(uid);
    for (const [id, t] of this.probed) if (t.uid === uid) this.probed.delete(id);
    this.prober.retain(new Set(this.probed.keys()));
    this.lastPorts.delete(uid);
    for (const m of [this.waiting, this.crashBackoff, this.pullBackoff] as Map<string, unknown>[]) {
      for (const k of m.keys()) if (k.startsWith(`${uid}/`)) m.delete(k);
    }
  }

  // ---- status ------------------------------------------------------------------------------

  private async imageRef(c: ContainerStatus): Promise<string> {
    const cached = this.imageRefs.get(c.imageId);
    if (cached) return cached;
    const info = await this.runtime.imageStatus(c.imageId).catch(() => undefined);
    const ref = info?.repoDigests[0] ? `docker-pullable://${info.repoDigests[0]}` : `docker://${c.imageId}`;
    this.imageRefs.set(c.imageId, ref);
    return ref;
  }

  /** The status of one container spec from its instances (newest first). */
  private async containerStatusOf(
    pod: Pod,
    spec: Container,
    instances: ContainerStatus[],
    policy: string,
    idleReason: string,
  ): Promise<{ cs: KubeContainerStatus; state: 'waiting' | 'running' | 'stopped'; succeeded: boolean }> {
    const uid = pod.metadata.uid!;
    const [cur, prev] = instances;
    const override = this.waiting.get(`${uid}/${spec.name}`);
    const cs: KubeContainerStatus = {
      name: spec.name,
      image: spec.image ?? '',
      imageID: '',
      ready: false,
      started: false,
      restartCount: cur?.attempt ?? 0,
      state: {},
      lastState: {},
    };
    const term = async (c: ContainerStatus) => {
      const t = terminated(c);
      const message = await this.terminationMessage(pod, c);
      return message ? { ...t, message } : t;
    };
    if (prev) cs.lastState = { terminated: await term(prev) };
    if (!cur) {
      cs.state = { waiting: override ?? { reason: idleReason } };
      return { cs, state: 'waiting', succeeded: false };
    }
    cs.containerID = `docker://${cur.id}`;
    cs.imageID = await this.imageRef(cur);
    if (cur.state === 'running') {
      cs.state = { running: { startedAt: rfc3339(cur.startedAt ?? cur.createdAt) } };
      cs.started = this.prober.isStarted(cur.id);
      cs.ready = !this.killed.has(cur.id) && this.prober.isReady(cur.id);
      return { cs, state: 'running', succeeded: false };
    }
    if (cur.state === 'exited') {
      const t = await term(cur);
      if (this.shouldRestart(pod, cur, policy) && override) {
        cs.state = { waiting: override };
        cs.lastState = { terminated: t };
      } else cs.state = { terminated: t };
      return { cs, state: 'stopped', succeeded: cur.exitCode === 0 };
    }
    cs.state = { waiting: override ?? { reason: idleReason } };
    return { cs, state: 'waiting', succeeded: false };
  }

  private async computeStatus(
    pod: Pod,
    sb: SandboxStatus | undefined,
    containers: ContainerStatus[],
  ): Promise<PodStatus> {
    const old = pod.status ?? {};
    const now = rfc3339(this.clock.now());
    const byName = groupByName(containers);
    const policy = pod.spec?.restartPolicy ?? 'Always';

    // Init containers: done when every regular one exited 0 (in order) and sidecars run.
    const initStatuses: KubeContainerStatus[] = [];
    let initDone = true;
    let initFailed = false;
    const incomplete: string[] = [];
    for (const spec of pod.spec?.initContainers ?? []) {
      const inst = byName.get(spec.name) ?? [];
      const sidecar = spec.restartPolicy === 'Always';
      const r = await this.containerStatusOf(
        pod,
        spec,
        inst,
        this.policyOf(pod, spec.name),
        'PodInitializing',
      );
      if (!sidecar && r.state === 'stopped' && r.succeeded) {
        r.cs.ready = true;
      } else if (sidecar && r.state === 'running' && r.cs.started) {
        // Running sidecar: its readiness counts like an app container's.
      } else {
        if (initDone) incomplete.push(spec.name);
        initDone = false;
        if (!sidecar && r.state === 'stopped' && !r.succeeded && policy === 'Never') initFailed = true;
      }
      initStatuses.push(r.cs);
    }

    const statuses: KubeContainerStatus[] = [];
    let waiting = 0;
    let running = 0;
    let stopped = 0;
    let succeeded = 0;
    for (const spec of pod.spec?.containers ?? []) {
      const r = await this.containerStatusOf(
        pod,
        spec,
        byName.get(spec.name) ?? [],
        policy,
        initDone ? 'ContainerCreating' : 'PodInitializing',
      );
      if (r.state === 'waiting') waiting++;
      else if (r.state === 'running') running++;
      else {
        stopped++;
        if (r.succeeded) succeeded++;
      }
      statuses.push(r.cs);
    }
    const ephemeral: KubeContainerStatus[] = [];
    for (const spec of (pod.spec?.ephemeralContainers ?? []) as Container[]) {
      const r = await this.containerStatusOf(
        pod,
        spec,
        byName.get(spec.name) ?? [],
        'Never',
        'ContainerCreating',
      );
      delete (r.cs as { started?: boolean }).started;
      ephemeral.push(r.cs);
    }

    // Behaves like the kubelet's getPhase.
    let phase: string;
    if (initFailed) phase = 'Failed';
    else if (!initDone) phase = 'Pending';
    else if (waiting > 0) phase = 'Pending';
    else if (running > 0) phase = 'Running';
    else if (stopped > 0) {
      if (policy === 'Always') phase = 'Running';
      else if (stopped === succeeded) phase = 'Succeeded';
      else if (policy === 'Never') phase = 'Failed';
      else phase = 'Running';
    } else phase = 'Pending';

    const terminal = phase === 'Succeeded' || phase === 'Failed';
    const sidecars = initStatuses.filter(
      (_s, i) => pod.spec?.initContainers?.[i]?.restartPolicy === 'Always',
    );
    const notReady = [...sidecars, ...statuses].filter((s) => !s.ready).map((s) => s.name);
    const allReady = initDone && notReady.length === 0 && statuses.length > 0;
    const cond = (type: string, ok: boolean, reason?: string, message?: string): PodCondition => {
      const prevC = old.conditions?.find((c) => c.type === type);
      const status = ok ? 'True' : 'False';
      return {
        type,
        status,
        lastProbeTime: null as never,
        lastTransitionTime: prevC && prevC.status === status ? prevC.lastTransitionTime : now,
        ...(ok ? {} : { reason, message }),
      };
    };
    const readyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
    const readyMessage = terminal ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
    const conditions: PodCondition[] = [
      cond('PodReadyToStartContainers', !!sb && sb.state === 'ready'),
      cond(
        'Initialized',
        initDone || terminal,
        'ContainersNotInitialized',
        `containers with incomplete status: [${incomplete.join(' ')}]`,
      ),
      cond('Ready', allReady, readyReason, readyMessage),
      cond('ContainersReady', allReady, readyReason, readyMessage),
      old.conditions?.find((c) => c.type === 'PodScheduled') ?? cond('PodScheduled', true),
    ];
    const podIP = pod.spec?.hostNetwork ? HOST_IP : (sb?.ip ?? old.podIP);
    return {
      phase,
      conditions,
      hostIP: HOST_IP,
      hostIPs: [{ ip: HOST_IP }],
      ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
      startTime: old.startTime ?? now,
      ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
      containerStatuses: statuses,
      ...(ephemeral.length ? { ephemeralContainerStatuses: ephemeral } : {}),
      qosClass: qosClass(pod),
    };
  }

  private async postStatus(
    pod: Pod,
    sb: SandboxStatus | undefined,
    containers: ContainerStatus[],
  ): Promise<void> {
    const uid = pod.metadata.uid!;
    const status = await this.computeStatus(pod, sb, containers);
    const json = canonical(status);
    const last = this.lastStatus.get(uid) ?? canonical(pod.status ?? {});
    if (json === last) {
      this.lastStatus.set(uid, json);
      return;
    }
    let target = pod;
    for (let i = 0; ; i++) {
      try {
        await this.client.updateStatus(R.pods, { ...target, apiVersion: 'v1', kind: 'Pod', status } as never);
        this.lastStatus.set(uid, json);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || i >= 2) throw err;
        target = await this.client.get<Pod>(R.pods, pod.metadata.name!, pod.metadata.namespace);
        if (target.metadata.uid !== uid) return;
      }
    }
  }

  private event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const ref = { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata };
    // Fire and forget: an event never delays a container start.
    this.recorder
      .record(ref, type, reason, message)
      .catch((err: unknown) => this.log.debug('event not recorded', { reason, err: String(err) }));
  }

  // ---- log targets (server) ---------------------------------------------------------------

  async resolveLogTarget(
    namespace: string,
    podName: string,
    container: string | undefined,
    previous: boolean,
  ): Promise<{ id: string } | { code: number; reason: string; message: string }> {
    const pod = this.informer.get(`${namespace}/${podName}`);
    if (!pod) return { code: 404, reason: 'NotFound', message: `pods "${podName}" not found` };
    const specs = pod.spec?.containers ?? [];
    const all = allSpecs(pod);
    const name = container ?? (specs.length === 1 ? specs[0]!.name : undefined);
    if (!name) {
      return {
        code: 400,
        reason: 'BadRequest',
        message: `a container name must be specified for pod ${podName}, choose one of: [${specs.map((c) => c.name).join(' ')}]`,
      };
    }
    if (!all.some((c) => c.name === name)) {
      return { code: 404, reason: 'NotFound', message: `container ${name} is not valid for pod ${podName}` };
    }
    const instances = (
      await this.runtime.listContainers({ [LABELS.podUid]: pod.metadata.uid!, [LABELS.containerName]: name })
    ).sort((a, b) => b.attempt - a.attempt);
    const target = previous ? instances[1] : instances[0];
    if (!target) {
      if (previous)
        return {
          code: 400,
          reason: 'BadRequest',
          message: `previous terminated container "${name}" in pod "${podName}" not found`,
        };
      const w = this.waiting.get(`${pod.metadata.uid}/${name}`);
      return {
        code: 400,
        reason: 'BadRequest',
        message: `container "${name}" in pod "${podName}" is waiting to start: ${w?.reason ?? 'ContainerCreating'}`,
      };
    }
    return { id: target.id };
  }

  async resolveStreamTarget(
    namespace: string,
    podName: string,
    container: string | undefined,
  ): Promise<{ id: string } | ResolveFailure> {
    const pod = this.informer.get(`${namespace}/${podName}`);
    if (!pod) return { code: 404, reason: 'NotFound', message: `pods "${podName}" not found` };
    const all = [
      ...(pod.spec?.containers ?? []),
      ...(pod.spec?.initContainers ?? []),
      ...(pod.spec?.ephemeralContainers ?? []),
    ].map((c) => c.name);
    const specs = pod.spec?.containers ?? [];
    const name = container ?? (specs.length === 1 ? specs[0]!.name : undefined);
    if (!name)
      return {
        code: 400,
        reason: 'BadRequest',
        message: `a container name must be specified for pod ${podName}, choose one of: [${specs.map((c) => c.name).join(' ')}]`,
      };
    if (!all.includes(name))
      return { code: 404, reason: 'NotFound', message: `container ${name} is not valid for pod ${podName}` };
    const instances = (
      await this.runtime.listContainers({ [LABELS.podUid]: pod.metadata.uid!, [LABELS.containerName]: name })
    ).sort((a, b) => b.attempt - a.attempt);
    const cur = instances[0];
    if (!cur || cur.state !== 'running')
      return {
        code: 400,
        reason: 'BadRequest',
        message: `container ${name} is not running in pod ${podName}`,
      };
    return { id: cur.id };
  }

  statsSummary(): Summary {
    return this.stats.summary(
      this.nodeName,
      this.informer.list().map((p) => ({
        name: p.metadata.name!,
        namespace: p.metadata.namespace!,
        uid: p.metadata.uid!,
        startTime: p.status?.startTime ?? undefined,
      })),
    );
  }

  statsHistory(q: { namespace?: string; pod?: string; container?: string; since?: number }): unknown {
    if (!q.pod) return this.stats.history({ since: q.since });
    const pod = this.informer.get(`${q.namespace ?? 'default'}/${q.pod}`);
    if (!pod)
      return { code: 404, reason: 'NotFound', message: `pods "${q.pod}" not found` } satisfies ResolveFailure;
    return this.stats.history({ podUid: pod.metadata.uid!, container: q.container, since: q.since });
  }

  async resolvePortForwardTarget(
    namespace: string,
    podName: string,
  ): Promise<{ sandboxId: string; desc: string } | ResolveFailure> {
    const pod = this.informer.get(`${namespace}/${podName}`);
    if (!pod) return { code: 404, reason: 'NotFound', message: `pods "${podName}" not found` };
    const sb = latest(
      (await this.runtime.listPodSandboxes({ [LABELS.podUid]: pod.metadata.uid! })).filter(
        (s) => s.state === 'ready',
      ),
    );
    if (!sb) return { code: 400, reason: 'BadRequest', message: `pod ${podName} has no running sandbox` };
    return { sandboxId: sb.id, desc: `${podName}_${namespace}, uid ${pod.metadata.uid}` };
  }
}

/** The registry host of an image reference (Docker Hub for bare names). */
export function registryHost(image: string): string {
  const first = image.split('/')[0]!;
  if (image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost'))
    return first;
  return 'docker.io';
}

/** The credentials a docker config (JSON of .dockerconfigjson or legacy .dockercfg) holds for a host. */
export function dockerConfigAuth(json: string, host: string): RegistryAuth | undefined {
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const auths = ((cfg.auths as Record<string, unknown> | undefined) ?? cfg) as Record<
    string,
    { auth?: string; username?: string; password?: string; identitytoken?: string }
  >;
  const norm = (k: string) =>
    k
      .replace(/^https?:\/\//, '')
      .replace(/\/.*$/, '')
      .replace(/^(index\.)?docker\.io$|^registry-1\.docker\.io$/, 'docker.io');
  for (const [key, entry] of Object.entries(auths)) {
    if (norm(key) !== host || !entry || typeof entry !== 'object') continue;
    let { username, password } = entry;
    if (entry.auth && !username) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      username = decoded.slice(0, i);
      password = decoded.slice(i + 1);
    }
    return {
      username,
      password,
      identitytoken: entry.identitytoken,
      serveraddress: host === 'docker.io' ? 'https://index.docker.io/v1/' : host,
    };
  }
  return undefined;
}

/** Every container spec of a pod: init, app and ephemeral (the latter as Container). */
function allSpecs(pod: Pod): Container[] {
  return [
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.containers ?? []),
    ...((pod.spec?.ephemeralContainers ?? []) as Container[]),
  ];
}

/** The engine's security settings: the container's securityContext over the pod's. */
function securityOf(pod: Pod, c: Container): SecurityConfig | undefined {
  const p = pod.spec?.securityContext ?? {};
  const s = c.securityContext ?? {};
  const cfg: SecurityConfig = {
    runAsUser: s.runAsUser ?? p.runAsUser,
    runAsGroup: s.runAsGroup ?? p.runAsGroup,
    supplementalGroups: p.supplementalGroups,
    privileged: s.privileged,
    capAdd: s.capabilities?.add,
    capDrop: s.capabilities?.drop,
    readOnlyRootFilesystem: s.readOnlyRootFilesystem,
    noNewPrivileges: s.allowPrivilegeEscalation === false,
  };
  return Object.values(cfg).some((v) => v !== undefined) ? cfg : undefined;
}

function specChanged(a: Pod, b: Pod): boolean {
  const strip = (p: Pod) =>
    JSON.stringify([
      p.spec,
      p.metadata.deletionTimestamp,
      p.metadata.deletionGracePeriodSeconds,
      p.metadata.uid,
    ]);
  return strip(a) !== strip(b);
}

function latest<T extends { attempt: number; createdAt: number }>(list: T[]): T | undefined {
  return [...list].sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt)[0];
}

/** Containers by Kubernetes name, newest attempt first. */
function groupByName(containers: ContainerStatus[]): Map<string, ContainerStatus[]> {
  const m = new Map<string, ContainerStatus[]>();
  for (const c of containers) (m.get(c.name) ?? m.set(c.name, []).get(c.name)!).push(c);
  for (const list of m.values()) list.sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
  return m;
}

function terminated(
  c: ContainerStatus,
): NonNullable<NonNullable<KubeContainerStatus['state']>['terminated']> {
  return {
    exitCode: c.exitCode ?? 0,
    reason: c.oomKilled ? 'OOMKilled' : c.error ? 'StartError' : c.exitCode === 0 ? 'Completed' : 'Error',
    ...(c.error ? { message: c.error } : {}),
    startedAt: c.startedAt ? rfc3339(c.startedAt) : undefined,
    finishedAt: c.finishedAt ? rfc3339(c.finishedAt) : undefined,
    containerID: `docker://${c.id}`,
  };
}

function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

/** JSON with sorted keys and without undefined, so equal statuses compare equal. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val && typeof val === 'object' && !Array.isArray(val)) {
      return Object.fromEntries(
        Object.entries(val as Record<string, unknown>)
          .filter(([, x]) => x !== undefined)
          .sort(([a], [b]) => a.localeCompare(b)),
      );
    }
    return val;
  });
}
