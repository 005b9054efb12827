import type { KubeClient } from '../../common/client/client';
import { isAlreadyExists, isConflict, isNotFound } from '../../common/client/errors';
import { realClock, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/logger';
import { R } from '../../common/resources';
import type { KubeObject, Lease } from '../../common/types';

/** Options of a LeaseRenewer. */
export interface LeaseRenewerOptions {
  name: string;
  namespace?: string;
  holderIdentity: string;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** metav1.MicroTime: RFC 3339 with microseconds, as Kubernetes writes Lease times. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Keeps a coordination.k8s.io/v1 Lease renewed (`kube-system/kube-scheduler`,
 * `kube-system/kube-controller-manager`), the way the components' leader election does, so
 * the dashboard and `kubectl get leases -n kube-system` can read component health from
 * `renewTime`. Skiff runs one instance per component, so there is no contest for the lease.
 */
export class LeaseRenewer {
  private timer: unknown;
  private running = false;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly namespace: string;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: LeaseRenewerOptions,
  ) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.logger ?? silentLogger;
    this.namespace = opts.namespace ?? 'kube-system';
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Creates or renews the lease once. */
  async renew(): Promise<Lease> {
    const now = microTime(this.clock.now());
    const duration = this.opts.leaseDurationSeconds ?? 15;
    try {
      const cur = await this.client.get<Lease & KubeObject>(R.leases, this.opts.name, this.namespace);
      const spec = { ...(cur.spec ?? {}) };
      if (spec.holderIdentity !== this.opts.holderIdentity) {
        spec.acquireTime = now;
        spec.leaseTransitions = (spec.leaseTransitions ?? 0) + (spec.holderIdentity ? 1 : 0);
      }
      spec.holderIdentity = this.opts.holderIdentity;
      spec.leaseDurationSeconds = duration;
      spec.renewTime = now;
      return await this.client.update<Lease & KubeObject>(R.leases, { ...cur, spec });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const lease: Lease & KubeObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.opts.name, namespace: this.namespace },
      spec: {
        holderIdentity: this.opts.holderIdentity,
        leaseDurationSeconds: duration,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      },
    };
    return this.client.create(R.leases, lease);
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    let delay = this.opts.renewIntervalMs ?? 10_000;
    try {
      await this.renew();
    } catch (err) {
      // A conflict or a race on create just means: try again soon.
      if (!isConflict(err) && !isAlreadyExists(err))
        this.log.warn(`lease ${this.opts.name}: ${(err as Error).message}`);
      delay = Math.min(delay, 2_000);
    }
    if (this.running) this.timer = this.clock.setTimeout(() => void this.tick(), delay);
  }
}
