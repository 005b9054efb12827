// The kubelet: wires its units (pod workers, relister, node status, image manager, pod and
// container syncers, probes, status writer, server targets) to the pod informer and the runtime.
// An API client like every component; holds no cluster logic of its own.
import type { KubeObject } from '../../common/types';
import type { Service } from 'kubernetes-types/core/v1';
import { R } from '../../common/resources';
import type { KubeClient } from '../../common/client/client';
import { Informer } from '../../common/client/informer';
import { realClock, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/logger';
import { DEFAULT_IMAGE_PULL_MODE, type ImagePullMode } from '../../common/image-pull';
import type { ClusterNetwork } from '../../common/network';
import { EventRecorder } from '../client/event-recorder';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ContainerRuntime } from './runtime/runtime';
import { KubeletServer } from './server';
import { StatsCollector } from './stats';
import { VolumeManager } from './volumes';
import { parseResolvConf, type DnsConfig } from './pod-network';
import { specChanged, type Pod } from './pod-util';
import { PodState } from './pod-state';
import { PodWorkers } from './pod-workers';
import { Relister } from './pleg';
import { NodeStatusReporter } from './node-status';
import { ImageManager, type PodEventSink } from './image-manager';
import { ContainerProbes } from './container-probes';
import { PodStatusWriter } from './status-writer';
import { ContainerSyncer } from './container-syncer';
import { PodSyncer } from './pod-syncer';
import { ServerTargets } from './server-targets';

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

/**
 * The node agent: registers the Node, renews its Lease and makes the runtime match the pods
 * bound to this node, reporting what happened through pods/status and Events. Modelled on the
 * kubelet's pod workers + PLEG + kuberuntime SyncPod: per-pod workers serialized by pod UID,
 * woken by the pod informer, a periodic runtime relist and (as hints) runtime events.
 */
export class Kubelet {
  readonly nodeName: string;
  /** CPU/memory samples and history (Summary API, metrics.k8s.io, dashboard charts). */
  readonly stats: StatsCollector;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly recorder: EventRecorder;
  private readonly informer: Informer<Pod>;
  /** Services of every namespace, for the Service environment variables of containers. */
  private readonly services: Informer<Service & KubeObject>;
  /** The node's resolver configuration, read at start. */
  private hostDns: DnsConfig = { servers: [], searches: [], options: [] };
  private readonly server: KubeletServer;
  private readonly volumes: VolumeManager;
  private readonly state = new PodState();
  private readonly workers: PodWorkers;
  private readonly relister: Relister;
  private readonly nodeStatus: NodeStatusReporter;
  private readonly probes: ContainerProbes;
  private readonly status: PodStatusWriter;
  private readonly syncer: PodSyncer;
  private stopEvents?: () => void;
  private running = false;
  private serverPort = 0;

  constructor(
    client: KubeClient,
    private readonly runtime: ContainerRuntime,
    private readonly opts: KubeletOptions,
  ) {
    this.nodeName = opts.nodeName;
    const clock = (this.clock = opts.clock ?? realClock);
    const log = (this.log = opts.logger ?? silentLogger);
    const backoff = {
      initialBackoffMs: opts.initialBackoffMs ?? 10_000,
      maxBackoffMs: opts.maxBackoffMs ?? 300_000,
    };
    const rootDir = opts.rootDir ?? path.join(os.tmpdir(), `skiff-kubelet-${opts.nodeName}`);
    this.recorder = new EventRecorder(client, 'kubelet', opts.nodeName, clock);
    this.informer = new Informer<Pod>(client, R.pods, {
      fieldSelector: `spec.nodeName=${opts.nodeName}`,
      clock,
      onError: (err) => log.warn('pod watch failed; retrying', { err: String(err) }),
    });
    this.services = new Informer<Service & KubeObject>(client, R.services, {
      clock,
      onError: (err) => log.warn('service watch failed; retrying', { err: String(err) }),
    });
    this.stats = new StatsCollector(runtime, log, { intervalMs: opts.statsIntervalMs, clock });
    this.volumes = new VolumeManager(client, runtime, rootDir, clock);

    const event: PodEventSink = (pod, type, reason, message) => this.event(pod, type, reason, message);
    const podByUid = (uid: string) => this.informer.list().find((p) => p.metadata.uid === uid);
    this.workers = new PodWorkers((uid) => this.syncPod(uid), clock, log);
    const wake = (uid: string) => this.workers.enqueue(uid);
    const retryAfter = (uid: string, ms: number) => this.workers.enqueueAfter(uid, ms);
    this.relister = new Relister(
      runtime,
      () => new Set(this.informer.list().map((p) => p.metadata.uid!)),
      wake,
    );
    this.nodeStatus = new NodeStatusReporter(client, runtime, this.stats, clock, log, {
      nodeName: opts.nodeName,
      imagePull: opts.imagePull ?? DEFAULT_IMAGE_PULL_MODE,
      nodeStatusIntervalMs: opts.nodeStatusIntervalMs ?? 60_000,
      network: opts.network,
      kubeletPort: () => this.serverPort,
    });
    const images = new ImageManager(client, runtime, this.state, clock, log, event, retryAfter, {
      imagePull: opts.imagePull ?? DEFAULT_IMAGE_PULL_MODE,
      ...backoff,
    });
    this.probes = new ContainerProbes(runtime, clock, log, this.state, podByUid, event, wake);
    this.status = new PodStatusWriter(client, runtime, this.state, this.probes, clock, rootDir);
    const containers = new ContainerSyncer({
      client,
      runtime,
      state: this.state,
      images,
      probes: this.probes,
      services: this.services,
      onStarted: () => this.stats.nudge(),
      clock,
      event,
      retryAfter,
      nodeName: opts.nodeName,
      rootDir,
      ...backoff,
    });
    this.syncer = new PodSyncer({
      client,
      runtime,
      state: this.state,
      status: this.status,
      containers,
      probes: this.probes,
      volumes: this.volumes,
      podByUid,
      relist: this.relister,
      hostDns: () => this.hostDns,
      network: opts.network,
      clock,
      log,
      event,
      retryAfter,
      forget: (uid) => this.forget(uid),
    });
    const targets = new ServerTargets(opts.nodeName, this.informer, runtime, this.state, this.stats);
    this.server = new KubeletServer(targets, runtime, {
      host: opts.serverHost ?? '127.0.0.1',
      port: opts.serverPort ?? 0,
      token: opts.serverToken,
      logger: log,
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
    this.workers.start();
    // The sandbox image check (or its import on a first run) happens now, not in the first pod's start.
    void this.runtime
      .warmUp?.()
      .catch((err: unknown) => this.log.warn('sandbox image not ready yet', { err: String(err) }));
    this.serverPort = await this.server.start();
    this.hostDns = await readFile(this.opts.resolvConfPath ?? '/etc/resolv.conf', 'utf8')
      .then(parseResolvConf)
      .catch(() => ({ servers: [], searches: [], options: [] }));
    this.services.start();
    await this.nodeStatus.heartbeat(true);
    const enqueue = (p: Pod) => this.workers.enqueue(p.metadata.uid!);
    this.informer.addHandler({
      add: enqueue,
      // This kubelet writes the status itself: an update that only changed status needs no sync.
      update: (p, old) => {
        if (specChanged(p, old)) enqueue(p);
      },
      delete: enqueue,
    });
    this.informer.start();
    this.stopEvents = this.runtime.events((ev) => {
      if (ev.podUid && this.informer.hasSynced()) this.workers.enqueue(ev.podUid);
    });
    this.workers.every(this.opts.heartbeatIntervalMs ?? 10_000, () => this.nodeStatus.heartbeat(false));
    // The first relist after sync finds orphans of pods deleted while Skiff was down. Pods of
    // the first list were announced before the informer counted as synced (their syncs
    // returned at once), so they are enqueued again here — or a pod bound while the kubelet
    // was down and without containers yet would never start.
    void this.informer.waitForSync().then(() => {
      for (const p of this.informer.list()) enqueue(p);
      return this.relist();
    });
    this.workers.every(this.opts.relistIntervalMs ?? 3_000, () => this.relist());
    this.stats.start();
    // configMap/secret/downwardAPI files follow their sources; volumes of deleted PVs go away.
    this.workers.every(this.opts.volumeRefreshMs ?? 5_000, async () => {
      for (const p of this.informer.list())
        if (VolumeManager.hasProjected(p) && !p.metadata.deletionTimestamp) enqueue(p);
    });
    this.workers.every(30_000, () => this.volumes.gcVolumes());
  }

  /** Stops watching and serving; containers keep running for the next start to adopt. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const workers = this.workers.stop();
    this.stopEvents?.();
    this.informer.stop();
    this.services.stop();
    await this.stats.stop();
    this.probes.stopAll();
    await this.server.stop();
    // Let in-flight pod syncs finish, so no half-written state is left behind.
    await workers;
  }

  private async relist(): Promise<void> {
    if (this.informer.hasSynced()) await this.relister.relist();
  }

  private async syncPod(uid: string): Promise<void> {
    if (this.informer.hasSynced()) await this.syncer.syncPod(uid);
  }

  private forget(uid: string): void {
    this.status.forget(uid);
    this.probes.forget(uid);
    this.syncer.forget(uid);
    this.state.forget(uid);
  }

  private event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const ref = { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata };
    // Fire and forget: an event never delays a container start.
    this.recorder
      .record(ref, type, reason, message)
      .catch((err: unknown) => this.log.debug('event not recorded', { reason, err: String(err) }));
  }
}
