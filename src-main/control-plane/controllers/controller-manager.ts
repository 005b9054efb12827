import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { KubeClient } from '../../common/client/client';
import { realClock, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/logger';
import { R } from '../../common/resources';
import { SharedInformers, type Controller, LeaseRenewer } from '../client';
import { CronJobController } from './cronjob-controller';
import { DaemonSetController } from './daemonset-controller';
import { DeploymentController } from './deployment-controller';
import { DisruptionController } from './disruption-controller';
import { EndpointsController } from './endpoints-controller';
import { EndpointSliceController } from './endpointslice-controller';
import { GarbageCollector } from './garbage-collector';
import { HorizontalPodAutoscalerController, type MetricsSource } from './hpa-controller';
import { JobController } from './job-controller';
import { NamespaceController } from './namespace-controller';
import { PersistentVolumeController } from './persistentvolume-controller';
import { ReplicaSetController } from './replicaset-controller';
import { ReplicationControllerController } from './replication-controller';
import { ResourceQuotaController } from './resourcequota-controller';
import { RootCaCertPublisher } from './root-ca-cert-publisher';
import { ClusterRoleAggregationController } from './clusterrole-aggregation-controller';
import { ServiceAccountController } from './serviceaccount-controller';
import { ServiceAccountTokensController } from './serviceaccount-tokens-controller';
import type { TokenSigner } from '../client/serviceaccount-token';
import { StatefulSetController } from './statefulset-controller';
import { TtlAfterFinishedController } from './ttl-after-finished-controller';

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
  /** Pod metrics for the HPA (default: the metrics.k8s.io API). */
  metrics?: MetricsSource;
  /**
   * The cluster CA (PEM), like --root-ca-file: published as `kube-root-ca.crt` in every
   * namespace and put into legacy token Secrets. Without it neither controller runs.
   */
  rootCaPem?: string;
  /** Signs legacy token Secrets (--service-account-private-key-file); without it that controller does not run. */
  serviceAccountSigner?: TokenSigner;
}

/**
 * Skiff's kube-controller-manager: the workload controllers (Deployment, ReplicaSet, ReplicationController,
 * StatefulSet, DaemonSet, Job, CronJob, TTL-after-finished), the namespace, service-account,
 * endpoints/endpointslice, resource-quota, HPA, disruption (PDB) and persistent-volume
 * controllers, the root-CA publisher and legacy service-account tokens controller (given the CA
 * and signing key) and the garbage collector, over one set of shared informers, plus the
 * `kube-system/kube-controller-manager` Lease that the dashboard reads component health from.
 * Controllers start once every informer has listed, like WaitForCacheSync. Everything is
 * event-driven; only the HPA (15 s) and quota (5 min) resync on a timer, and Jobs, CronJobs
 * and TTLs requeue exactly when their next deadline falls.
 */
export class ControllerManager {
  readonly informers: SharedInformers;
  readonly replicaSets: ReplicaSetController;
  readonly replicationControllers: ReplicationControllerController;
  readonly deployments: DeploymentController;
  readonly garbageCollector: GarbageCollector;
  readonly namespaces: NamespaceController;
  readonly serviceAccounts: ServiceAccountController;
  readonly jobs: JobController;
  readonly cronJobs: CronJobController;
  readonly ttlAfterFinished: TtlAfterFinishedController;
  readonly statefulSets: StatefulSetController;
  readonly daemonSets: DaemonSetController;
  readonly endpoints: EndpointsController;
  readonly endpointSlices: EndpointSliceController;
  readonly resourceQuotas: ResourceQuotaController;
  readonly autoscalers: HorizontalPodAutoscalerController;
  readonly disruption: DisruptionController;
  readonly volumes: PersistentVolumeController;
  readonly rootCaPublisher?: RootCaCertPublisher;
  readonly clusterRoleAggregation: ClusterRoleAggregationController;
  readonly serviceAccountTokens?: ServiceAccountTokensController;
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
    this.replicationControllers = new ReplicationControllerController(client, this.informers, copts);
    this.deployments = new DeploymentController(client, this.informers, copts);
    this.garbageCollector = new GarbageCollector(client, this.informers, {
      ...copts,
      types: [
        R.pods,
        R.replicasets,
        R.replicationcontrollers,
        R.deployments,
        R.jobs,
        R.cronjobs,
        R.statefulsets,
        R.daemonsets,
        R.controllerrevisions,
        R.services,
        R.endpointslices,
        R.persistentvolumeclaims,
      ],
    });
    this.namespaces = new NamespaceController(client, this.informers, copts);
    this.serviceAccounts = new ServiceAccountController(client, this.informers, copts);
    this.jobs = new JobController(client, this.informers, copts);
    this.cronJobs = new CronJobController(client, this.informers, copts);
    this.ttlAfterFinished = new TtlAfterFinishedController(client, this.informers, copts);
    this.statefulSets = new StatefulSetController(client, this.informers, copts);
    this.daemonSets = new DaemonSetController(client, this.informers, copts);
    this.endpoints = new EndpointsController(client, this.informers, copts);
    this.endpointSlices = new EndpointSliceController(client, this.informers, copts);
    this.resourceQuotas = new ResourceQuotaController(client, this.informers, copts);
    this.autoscalers = new HorizontalPodAutoscalerController(client, this.informers, {
      ...copts,
      metrics: opts.metrics,
    });
    this.disruption = new DisruptionController(client, this.informers, copts);
    this.volumes = new PersistentVolumeController(client, this.informers, copts);
    this.clusterRoleAggregation = new ClusterRoleAggregationController(client, this.informers, copts);
    if (opts.rootCaPem) {
      this.rootCaPublisher = new RootCaCertPublisher(client, this.informers, opts.rootCaPem, copts);
      if (opts.serviceAccountSigner)
        this.serviceAccountTokens = new ServiceAccountTokensController(
          client,
          this.informers,
          opts.serviceAccountSigner,
          opts.rootCaPem,
          copts,
        );
    }
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
    return [
      this.replicaSets,
      this.replicationControllers,
      this.deployments,
      this.garbageCollector,
      this.namespaces,
      this.serviceAccounts,
      this.jobs,
      this.cronJobs,
      this.ttlAfterFinished,
      this.statefulSets,
      this.daemonSets,
      this.endpoints,
      this.endpointSlices,
      this.resourceQuotas,
      this.autoscalers,
      this.disruption,
      this.volumes,
      this.clusterRoleAggregation,
      ...(this.rootCaPublisher ? [this.rootCaPublisher] : []),
      ...(this.serviceAccountTokens ? [this.serviceAccountTokens] : []),
    ];
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
