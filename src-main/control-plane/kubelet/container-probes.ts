// Probe results turned into kubelet actions (upstream prober_manager + the liveness kill path):
// keeps probe workers for a pod's running containers, restarts containers that fail liveness or
// startup, wakes the pod's worker when readiness changes, and runs lifecycle hook handlers.
import type { Container, Probe } from 'kubernetes-types/core/v1';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import type { ContainerRuntime, ContainerStatus } from './runtime/runtime';
import { ProbeManager, type ProbeKind, type ProbeResult } from './prober';
import { allSpecs, type Pod } from './pod-util';
import type { PodState } from './pod-state';
import type { PodEventSink } from './image-manager';
import type { ProbeStatus } from './status-writer';

/** A lifecycle handler (postStart / preStop): exec or httpGet. */
export type LifecycleHandler = NonNullable<NonNullable<Container['lifecycle']>['postStart']>;

export class ContainerProbes implements ProbeStatus {
  private readonly manager: ProbeManager;
  /** Container id → pod uid and container name, for probe results. */
  private readonly probedContainers = new Map<string, { uid: string; name: string }>();
  /** Containers this kubelet is killing for failed liveness/startup probes. */
  private readonly killedByProbe = new Set<string>();

  constructor(
    private readonly runtime: ContainerRuntime,
    clock: Clock,
    private readonly log: Logger,
    private readonly state: PodState,
    private readonly podByUid: (uid: string) => Pod | undefined,
    private readonly event: PodEventSink,
    private readonly wake: (uid: string) => void,
  ) {
    this.manager = new ProbeManager(runtime, clock, (id, kind, r, reached) =>
      this.onResult(id, kind, r, reached),
    );
  }

  isStarted(containerId: string): boolean {
    return this.manager.isStarted(containerId);
  }

  isReady(containerId: string): boolean {
    return !this.killedByProbe.has(containerId) && this.manager.isReady(containerId);
  }

  /** Keeps probe workers for the running containers of this pod. */
  sync(pod: Pod, containers: ContainerStatus[]): void {
    const uid = pod.metadata.uid!;
    const specs = new Map(allSpecs(pod).map((c) => [c.name, c] as const));
    const keep = new Set<string>();
    for (const c of containers) {
      if (c.state !== 'running' || this.killedByProbe.has(c.id)) continue;
      const spec = specs.get(c.name);
      if (!spec || !(spec.startupProbe || spec.livenessProbe || spec.readinessProbe)) continue;
      keep.add(c.id);
      this.probedContainers.set(c.id, { uid, name: c.name });
      this.manager.ensure(c.id, spec, () => this.state.readySandboxes.get(uid));
    }
    for (const [id, t] of this.probedContainers)
      if (t.uid === uid && !keep.has(id)) this.probedContainers.delete(id);
    for (const c of containers) if (c.state !== 'running') this.killedByProbe.delete(c.id);
    this.manager.retain(new Set(this.probedContainers.keys()));
  }

  /** Runs a lifecycle handler (exec or httpGet); resolves with an error text, or undefined on success. */
  async runHandler(
    pod: Pod,
    c: Container,
    id: string,
    handler: LifecycleHandler,
    timeoutSeconds: number,
  ): Promise<string | undefined> {
    const probe = { ...handler, timeoutSeconds } as Probe;
    const r = await this.manager
      .probe(id, c, probe, this.state.readySandboxes.get(pod.metadata.uid!))
      .catch((err: unknown): ProbeResult => ({ ok: false, message: String((err as Error)?.message ?? err) }));
    return r.ok ? undefined : r.message;
  }

  forget(uid: string): void {
    for (const [id, t] of this.probedContainers) if (t.uid === uid) this.probedContainers.delete(id);
    this.manager.retain(new Set(this.probedContainers.keys()));
  }

  stopAll(): void {
    this.manager.stopAll();
  }

  /** A probe result: events, kills on liveness failure, status updates on readiness changes. */
  private onResult(containerId: string, kind: ProbeKind, r: ProbeResult, reached: boolean): void {
    const target = this.probedContainers.get(containerId);
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
      this.killedByProbe.add(containerId);
      this.probedContainers.delete(containerId);
      this.manager.retain(new Set(this.probedContainers.keys()));
      void this.runtime
        .stopContainer(containerId, grace)
        .catch((err: unknown) =>
          this.log.warn('stopping an unhealthy container failed', { err: String(err) }),
        )
        .finally(() => this.wake(target.uid));
      return;
    }
    this.wake(target.uid);
  }
}
