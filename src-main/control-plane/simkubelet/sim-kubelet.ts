// The simulated kubelet (kwok's role): Node objects with no machine behind them, whose pods it
// reports Running without containers. An API client over informers like the real kubelet; it
// imports common/ and control-plane/client only, never another component.
import type { Container, ContainerStatus, PodCondition } from 'kubernetes-types/core/v1';
import type { KubeClient } from '../../common/client/client';
import { Informer } from '../../common/client/informer';
import { isAlreadyExists, isConflict, isNotFound } from '../../common/client/errors';
import { rfc3339 } from '../../common/clock';
import { R } from '../../common/resources';
import type { KubeObject, Lease, Node, Pod } from '../../common/types';
import { Controller, microTime, type ControllerOptions } from '../client/index';

type PodObject = Pod & KubeObject;
type NodeObject = Node & KubeObject;

/** Label every simulated node carries (select them with `nodeSelector`). */
export const SIMULATED_LABEL = 'skiff.dev/simulated';
/**
 * Taint every simulated node carries (`skiff.dev/simulated=true:NoSchedule`), so ordinary
 * workloads never land on a node that does not run containers; pods meant for them tolerate it.
 */
export const SIMULATED_TAINT = { key: SIMULATED_LABEL, value: 'true', effect: 'NoSchedule' } as const;
/** The kubelet version simulated nodes report. */
export const SIM_KUBELET_VERSION = 'v1.32.4-skiff-sim';

/** What a pod needs to run on simulated nodes: the node selector and the toleration. */
export const simulatedPlacement = {
  nodeSelector: { [SIMULATED_LABEL]: 'true' },
  tolerations: [{ key: SIMULATED_LABEL, operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
};

/** Options of a SimKubelet. */
export interface SimKubeletOptions extends ControllerOptions {
  /** How many nodes to simulate, named `<prefix>-0` … `<prefix>-(n-1)`. */
  nodes: number;
  /** Node name prefix (default `skiff-sim`). */
  prefix?: string;
  /** Capacity of each node (default 32 CPUs, 128Gi, 10000 pods). */
  capacity?: { cpu?: string; memory?: string; pods?: string };
  /** Node lease renewal (default 10 s) and node status report (default 60 s) intervals. */
  leaseIntervalMs?: number;
  statusIntervalMs?: number;
}

/** Simulated node names for `count` nodes with `prefix`. */
export function simulatedNodeNames(count: number, prefix = 'skiff-sim'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

/**
 * Pod addresses come from 198.18.0.0/15 (RFC 2544's benchmarking range), which no real network
 * uses, so a simulated pod IP can never be mistaken for (or route to) a real one.
 */
const POD_NET_BASE = (198 << 24) | (18 << 16);
const POD_NET_SIZE = 1 << 17;
function ipOf(n: number): string {
  const v = POD_NET_BASE + n;
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

/**
 * Registers N Ready nodes, keeps their Leases and status fresh, and reports every pod bound to
 * them Running and Ready (podIP, container statuses, startTime, conditions) — a pod deleted
 * gracefully is removed at once, since there is nothing to stop. Status writes go through the
 * controller's work queue: deduplicated per pod and bounded by `workers` in flight, so 50,000
 * pods arriving at once become a steady stream of writes instead of 50,000 concurrent requests.
 */
export class SimKubelet extends Controller {
  readonly nodeNames: string[];
  private readonly nodeSet: Set<string>;
  private readonly pods: Informer<PodObject>;
  private readonly usedIPs = new Set<string>();
  private nextIP = 1;
  private readonly nodeUids = new Map<string, string>();
  private timers: unknown[] = [];
  private stopped = false;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: SimKubeletOptions,
  ) {
    super('sim-kubelet', { workers: 32, ...opts });
    this.nodeNames = simulatedNodeNames(opts.nodes, opts.prefix);
    this.nodeSet = new Set(this.nodeNames);
    this.pods = new Informer<PodObject>(client, R.pods, {
      clock: this.clock,
      onError: (err) => this.log.warn(`pod informer: ${(err as Error).message ?? String(err)}`),
    });
    const mine = (p: PodObject) => !!p.spec?.nodeName && this.nodeSet.has(p.spec.nodeName);
    this.pods.addHandler({
      add: (p) => {
        if (!mine(p)) return;
        if (p.status?.podIP) this.usedIPs.add(p.status.podIP);
        this.enqueue(p);
      },
      update: (p) => {
        if (mine(p)) this.enqueue(p);
      },
      delete: (p) => {
        if (p.status?.podIP && mine(p)) this.usedIPs.delete(p.status.podIP);
      },
    });
  }

  /** Registers the nodes, then starts the pod informer, the workers and the heartbeats. */
  async run(): Promise<void> {
    this.stopped = false;
    await Promise.all(this.nodeNames.map((n) => this.postNode(n)));
    await Promise.all(this.nodeNames.map((n) => this.renewLease(n)));
    this.pods.start();
    await this.pods.waitForSync();
    this.start();
    this.every(this.opts.leaseIntervalMs ?? 10_000, () =>
      Promise.all(this.nodeNames.map((n) => this.renewLease(n))),
    );
    this.every(this.opts.statusIntervalMs ?? 60_000, () =>
      Promise.all(this.nodeNames.map((n) => this.postNode(n))),
    );
  }

  override async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers = [];
    this.pods.stop();
    await super.stop();
  }

  private every(ms: number, fn: () => Promise<unknown>): void {
    const tick = () => {
      if (this.stopped) return;
      fn()
        .then(
          () => undefined,
          (err: Error) => this.log.warn(`heartbeat: ${err.message}`),
        )
        .finally(() => {
          if (!this.stopped) this.timers.push(this.clock.setTimeout(tick, ms));
        });
    };
    this.timers.push(this.clock.setTimeout(tick, ms));
  }

  /** The Node object of one simulated node, keeping what others set on `previous`. */
  buildNode(name: string, previous?: NodeObject): NodeObject {
    const now = rfc3339(this.clock.now());
    const cap = this.opts.capacity ?? {};
    const capacity = { cpu: cap.cpu ?? '32', memory: cap.memory ?? '128Gi', pods: cap.pods ?? '10000' };
    const prev = previous?.status?.conditions ?? [];
    const cond = (type: string, status: string, reason: string, message: string) => {
      const old = prev.find((c) => c.type === type);
      return {
        type,
        status,
        reason,
        message,
        lastHeartbeatTime: now,
        lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
      };
    };
    const index = this.nodeNames.indexOf(name);
    const taints = (previous?.spec?.taints ?? []).filter((t) => t.key !== SIMULATED_TAINT.key);
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        ...(previous?.metadata ?? {}),
        name,
        labels: {
          ...(previous?.metadata.labels ?? {}),
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node.kubernetes.io/instance-type': 'simulated',
          [SIMULATED_LABEL]: 'true',
        },
      },
      spec: { ...(previous?.spec ?? {}), taints: [...taints, { ...SIMULATED_TAINT }] },
      status: {
        capacity,
        allocatable: capacity,
        conditions: [
          cond(
            'MemoryPressure',
            'False',
            'KubeletHasSufficientMemory',
            'kubelet has sufficient memory available',
          ),
          cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
          cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
          cond('Ready', 'True', 'KubeletReady', 'simulated kubelet is posting ready status'),
        ],
        addresses: [
          // 198.19.255.x: the top of the benchmarking range, apart from the pod addresses.
          { type: 'InternalIP', address: `198.19.255.${(index % 254) + 1}` },
          { type: 'Hostname', address: name },
        ],
        nodeInfo: {
          machineID: `simulated-${name}`,
          systemUUID: `simulated-${name}`,
          bootID: `simulated-${name}`,
          kernelVersion: 'simulated',
          osImage: 'Skiff simulated node',
          containerRuntimeVersion: 'simulated://1',
          kubeletVersion: SIM_KUBELET_VERSION,
          kubeProxyVersion: SIM_KUBELET_VERSION,
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    };
  }

  /** Creates or refreshes one node (object and status), like the kubelet's registration + status loop. */
  private async postNode(name: string): Promise<void> {
    let existing: NodeObject | undefined;
    try {
      existing = await this.client.get<NodeObject>(R.nodes, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const node = this.buildNode(name, existing);
    if (!existing) {
      try {
        existing = await this.client.create<NodeObject>(R.nodes, node);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        existing = await this.client.get<NodeObject>(R.nodes, name);
      }
    } else {
      existing = await this.client.update<NodeObject>(R.nodes, { ...node, status: existing.status });
    }
    this.nodeUids.set(name, existing.metadata.uid!);
    await this.client.updateStatus(R.nodes, {
      ...node,
      metadata: { ...node.metadata, resourceVersion: existing.metadata.resourceVersion },
    });
  }

  /** Renews a node's Lease in kube-node-lease (the node heartbeat). */
  private async renewLease(name: string): Promise<void> {
    const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime(this.clock.now()) };
    try {
      const lease = await this.client.get<Lease & KubeObject>(R.leases, name, 'kube-node-lease');
      await this.client.update(R.leases, { ...lease, spec: { ...lease.spec, ...spec } });
    } catch (err) {
      if (isConflict(err)) return;
      if (!isNotFound(err)) throw err;
      const uid = this.nodeUids.get(name);
      const lease: Lease & KubeObject = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name,
          namespace: 'kube-node-lease',
          ownerReferences: uid ? [{ apiVersion: 'v1', kind: 'Node', name, uid }] : undefined,
        },
        spec,
      };
      await this.client.create(R.leases, lease).catch((e: unknown) => {
        if (!isAlreadyExists(e)) throw e;
      });
    }
  }

  private allocateIP(): string {
    for (let i = 0; i < POD_NET_SIZE; i++) {
      const n = this.nextIP;
      this.nextIP = (this.nextIP % (POD_NET_SIZE - 2)) + 1;
      const ip = ipOf(n);
      if (!this.usedIPs.has(ip)) {
        this.usedIPs.add(ip);
        return ip;
      }
    }
    throw new Error('simulated pod network exhausted');
  }

  /** One pod: remove it once deleted, else make sure its status says Running and Ready. */
  async reconcile(key: string): Promise<void> {
    const pod = this.pods.get(key);
    if (!pod || !pod.spec?.nodeName || !this.nodeSet.has(pod.spec.nodeName)) return;
    if (pod.metadata.deletionTimestamp) {
      // Nothing runs, so graceful termination ends at once (the kubelet's final delete).
      try {
        await this.client.delete(R.pods, pod.metadata.name!, pod.metadata.namespace, {
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.metadata.uid },
        });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      if (pod.status?.podIP) this.usedIPs.delete(pod.status.podIP);
      return;
    }
    if (isSimulatedRunning(pod)) return;
    const status = runningStatus(
      pod,
      this.nodeAddress(pod.spec.nodeName),
      pod.status?.podIP || this.allocateIP(),
      this.clock.now(),
    );
    try {
      await this.client.updateStatus<PodObject>(R.pods, { ...pod, status });
    } catch (err) {
      // Gone: nothing to report. Conflict: a newer pod is on its way through the informer.
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }

  private nodeAddress(name: string): string {
    return `198.19.255.${(this.nodeNames.indexOf(name) % 254) + 1}`;
  }
}

/** True when the pod already carries a Running, Ready status for every container of its spec. */
export function isSimulatedRunning(pod: Pod): boolean {
  const s = pod.status;
  if (s?.phase !== 'Running' || !s.podIP || !s.startTime) return false;
  const ready = s.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return false;
  const statuses = s.containerStatuses ?? [];
  return (pod.spec?.containers ?? []).every((c) =>
    statuses.some((cs) => cs.name === c.name && cs.ready && cs.state?.running && cs.image === c.image),
  );
}

/** The status of a pod whose containers all (pretend to) run: Running, Ready, one IP. */
export function runningStatus(pod: Pod, hostIP: string, podIP: string, nowMs: number): Pod['status'] {
  const now = rfc3339(nowMs);
  const prev = pod.status ?? {};
  const startTime = prev.startTime ?? now;
  const uid = pod.metadata?.uid ?? 'pod';
  const cond = (type: string): PodCondition => {
    const old = prev.conditions?.find((c) => c.type === type);
    return {
      type,
      status: 'True',
      lastTransitionTime: old?.status === 'True' ? old.lastTransitionTime : now,
    };
  };
  const running = (c: Container, i: number): ContainerStatus => {
    const old = prev.containerStatuses?.find((cs) => cs.name === c.name);
    return {
      name: c.name,
      image: c.image ?? '',
      imageID: `simulated://${c.image ?? ''}`,
      containerID: `simulated://${uid}-${i}`,
      ready: true,
      started: true,
      restartCount: old?.restartCount ?? 0,
      state: { running: { startedAt: old?.state?.running?.startedAt ?? startTime } },
    };
  };
  const initDone = (c: Container, i: number): ContainerStatus => ({
    name: c.name,
    image: c.image ?? '',
    imageID: `simulated://${c.image ?? ''}`,
    containerID: `simulated://${uid}-init-${i}`,
    ready: true,
    started: false,
    restartCount: 0,
    state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: startTime, finishedAt: startTime } },
  });
  const spec = pod.spec;
  const hasResources = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].some(
    (c) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length,
  );
  return {
    ...prev,
    phase: 'Running',
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(
      cond,
    ),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime,
    qosClass: prev.qosClass ?? (hasResources ? 'Burstable' : 'BestEffort'),
    containerStatuses: (spec?.containers ?? []).map(running),
    ...(spec?.initContainers?.length ? { initContainerStatuses: spec.initContainers.map(initDone) } : {}),
  };
}
