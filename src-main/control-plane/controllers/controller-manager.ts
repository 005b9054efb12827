import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { KubeClient } from '../../common/client/client';
import { realClock, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/logger';
import { SharedInformers, type Controller } from './controller';
import { DeploymentController } from './deployment-controller';
import { GarbageCollector } from './garbage-collector';
import { LeaseRenewer } from './lease';
import { ReplicaSetController } from './replicaset-controller';

/** Options of the ControllerManager. */
export interface ControllerManagerOptions {
  clock?: Clock;
  logger?: Logger;
  /** Identity written to the kube-controller-manager Lease. */
  holderIdentity?: string;
  /** Lease renewal period (ms); 10 s like kube-controller-manager's leader election. */
  leaseRenewIntervalMs?: number;
  /** Share informers with other components of the process. */
  informers?: SharedInformers;
}

/**
 * Skiff's kube-controller-manager: the Deployment, ReplicaSet and garbage-collector
 * controllers over one set of shared informers, plus the `kube-system/kube-controller-manager`
 * Lease that the dashboard reads component health from. Controllers start once every
 * informer has listed, like WaitForCacheSync.
 */
export class ControllerManager {
  readonly informers: SharedInformers;
  readonly replicaSets: ReplicaSetController;
  readonly deployments: DeploymentController;
  readonly garbageCollector: GarbageCollector;
  private readonly lease: LeaseRenewer;
  private readonly ownInformers: boolean;
  private readonly log: Logger;
  private running = false;

  constructor(client: KubeClient, opts: ControllerManagerOptions = {}) {
    const clock = opts.clock ?? realClock;
    this.log = opts.logger ?? silentLogger;
    this.ownInformers = !opts.informers;
    this.informers = opts.informers ?? new SharedInformers(client, { clock, logger: this.log });
    const copts = { clock, logger: this.log };
    this.replicaSets = new ReplicaSetController(client, this.informers, copts);
    this.deployments = new DeploymentController(client, this.informers, copts);
    this.garbageCollector = new GarbageCollector(client, this.informers, copts);
    this.lease = new LeaseRenewer(client, {
      name: 'kube-controller-manager',
      holderIdentity: opts.holderIdentity ?? `${hostname()}_${randomUUID()}`,
      leaseDurationSeconds: 15,
      renewIntervalMs: opts.leaseRenewIntervalMs ?? 10_000,
      clock,
      logger: this.log,
    });
  }

  private get controllers(): Controller[] {
    return [this.replicaSets, this.deployments, this.garbageCollector];
  }

  /** Starts informers and the lease; controllers begin once the caches have synced. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.lease.start();
    if (this.ownInformers) this.informers.start();
    void this.informers.waitForSync().then(() => {
      if (!this.running) return;
      this.log.info('caches synced, starting controllers');
      for (const c of this.controllers) c.start();
    });
  }

  /** Resolves once `start` has been called and every cache has listed (tests, readiness). */
  waitForSync(): Promise<void> {
    return this.informers.waitForSync();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.lease.stop();
    if (this.ownInformers) this.informers.stop();
    await Promise.all(this.controllers.map((c) => c.stop()));
  }
}
