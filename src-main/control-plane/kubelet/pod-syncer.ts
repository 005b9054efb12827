// One pod's sync (upstream kuberuntime_manager.go SyncPod + killPod): sandbox, volumes, init
// containers in order, app and ephemeral containers, probes, container GC, status, and graceful
// termination. Runs inside a pod worker; talks to the runtime, the API and the volume manager.
import type { Container } from 'kubernetes-types/core/v1';
import { R } from '../../common/resources';
import type { KubeClient } from '../../common/client/client';
import { isConflict, isNotFound } from '../../common/client/errors';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { DEFAULT_CLUSTER_DOMAIN, type ClusterNetwork } from '../../common/network';
import type { ContainerRuntime, ContainerStatus, Mount, SandboxStatus } from './runtime/runtime';
import { LABELS } from './runtime/runtime';
import { podPorts } from './pod-spec';
import { podDns, podDomainname, podHostname, type DnsConfig } from './pod-network';
import { VolumeError, type VolumeManager } from './volumes';
import { allSpecs, groupByName, latest, podFinishedForGood, type Pod } from './pod-util';
import type { PodState } from './pod-state';
import type { PodEventSink } from './image-manager';
import type { ContainerProbes } from './container-probes';
import type { ContainerSyncer, SyncContext } from './container-syncer';
import type { PodStatusWriter } from './status-writer';

/** Pod annotation with the host addresses of a pod's published ports, e.g. `{"80/TCP":"127.0.0.1:32768"}`. */
export const PUBLISHED_PORTS_ANNOTATION = 'skiff.dev/published-ports';

export interface PodSyncerDeps {
  client: KubeClient;
  runtime: ContainerRuntime;
  state: PodState;
  status: PodStatusWriter;
  containers: ContainerSyncer;
  probes: ContainerProbes;
  volumes: VolumeManager;
  /** The pod with this uid as the informer has it (undefined: gone from the API). */
  podByUid: (uid: string) => Pod | undefined;
  /** Whether the runtime relist has run, and saw containers of this pod. */
  relist: { readonly relisted: boolean; hasSeen(uid: string): boolean };
  hostDns: () => DnsConfig;
  network?: ClusterNetwork;
  clock: Clock;
  log: Logger;
  event: PodEventSink;
  retryAfter: (uid: string, ms: number) => void;
  /** Drops everything the kubelet keeps for a pod that is gone. */
  forget: (uid: string) => void;
}

export class PodSyncer {
  /** The published-ports annotation value last written per pod uid. */
  private readonly lastPublishedPorts = new Map<string, string>();

  constructor(private readonly d: PodSyncerDeps) {}

  forget(uid: string): void {
    this.lastPublishedPorts.delete(uid);
  }

  /** Makes the runtime match the pod with this uid (or removes what is left of it). */
  async syncPod(uid: string): Promise<void> {
    const { runtime, status } = this.d;
    const pod = this.d.podByUid(uid);
    // A pod this kubelet has never seen containers for (not in the relist, never started, no
    // status written) has nothing to list: skip two engine round trips on the start-up path.
    // Names are deterministic, so a leftover of a crashed earlier attempt is still replaced.
    const unseen =
      !!pod &&
      this.d.relist.relisted &&
      !this.d.relist.hasSeen(uid) &&
      !status.hasWritten(uid) &&
      !pod.status?.startTime &&
      !pod.metadata.deletionTimestamp;
    const [sandboxes, containers]: [SandboxStatus[], ContainerStatus[]] = unseen
      ? [[], []]
      : await Promise.all([
          runtime.listPodSandboxes({ [LABELS.podUid]: uid }),
          runtime.listContainers({ [LABELS.podUid]: uid }),
        ]);
    if (!pod) {
      // Gone from the API (force-deleted, or deleted while Skiff was down): remove everything.
      await Promise.all([...containers, ...sandboxes].map((c) => runtime.removeContainer(c.id)));
      await this.d.volumes.cleanup(uid).catch(() => undefined);
      this.d.forget(uid);
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      await this.terminatePod(pod, sandboxes, containers);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      await this.syncFinished(pod, phase, sandboxes, containers);
      return;
    }

    let sandbox = latest(sandboxes.filter((s) => s.state === 'ready'));
    let images: SyncContext['images'];
    if (!sandbox) {
      if (podFinishedForGood(pod, containers)) {
        await status.post(pod, undefined, containers);
        return;
      }
      // The image inspects need nothing from the sandbox: run them while the engine creates it
      // (a new sandbox means the containers are created next), not after.
      images = new Map();
      for (const c of allSpecs(pod)) {
        if (!c.image || images.has(c.image)) continue;
        const p = runtime.imageStatus(c.image);
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
    if (stale.length) await this.removeQuietly(stale.map((s) => () => runtime.removePodSandbox(s.id)));

    this.d.state.readySandboxes.set(uid, sandbox);

    let mounts: Map<string, Mount[]>;
    try {
      const prepared = await this.d.volumes.prepare(pod);
      mounts = new Map(allSpecs(pod).map((c) => [c.name, this.d.volumes.mountsFor(c, prepared)] as const));
    } catch (err) {
      if (!(err instanceof VolumeError)) throw err;
      for (const c of allSpecs(pod))
        if (!containers.some((x) => x.name === c.name))
          this.d.state.setWaiting(uid, c.name, 'ContainerCreating', err.message);
      this.d.event(pod, 'Warning', err.reason, err.message);
      await status.post(pod, sandbox, containers);
      this.d.retryAfter(uid, 2_000);
      return;
    }

    const byName = groupByName(containers);
    const ctx: SyncContext = { sb: sandbox, mounts, images };
    if (await this.syncInitContainers(pod, ctx, byName)) {
      const policy = pod.spec?.restartPolicy ?? 'Always';
      await Promise.all(
        (pod.spec?.containers ?? []).map((c) =>
          this.d.containers.sync(pod, sandbox, c, byName.get(c.name) ?? [], ctx, policy),
        ),
      );
    }
    await this.syncEphemeral(pod, ctx, byName);

    const fresh = await runtime.listContainers({ [LABELS.podUid]: uid });
    this.d.probes.sync(pod, fresh);
    await this.gcContainers(fresh);
    await status.post(pod, sandbox, fresh);
  }

  /**
   * A finished pod keeps its containers for logs, but its sandbox has nothing left to do. Late
   * facts about finished containers (an OOM reported after the exit) still reach the status, as
   * long as every container is still there and the phase stays what it is.
   */
  private async syncFinished(
    pod: Pod,
    phase: string,
    sandboxes: SandboxStatus[],
    containers: ContainerStatus[],
  ): Promise<void> {
    await Promise.all(
      sandboxes.filter((s) => s.state === 'ready').map((s) => this.d.runtime.stopPodSandbox(s.id, 0)),
    );
    const names = new Set(containers.map((c) => c.name));
    if ((pod.spec?.containers ?? []).every((c) => names.has(c.name))) {
      const status = await this.d.status.compute(pod, undefined, containers);
      if (status.phase === phase) await this.d.status.post(pod, undefined, containers);
    }
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
        if (cur?.state === 'running' && this.d.probes.isStarted(cur.id)) continue;
        await this.d.containers.sync(pod, ctx.sb, c, inst, ctx, 'Always');
        return false;
      }
      if (cur?.state === 'exited' && cur.exitCode === 0) continue;
      if (cur?.state === 'running') return false;
      const policy = podPolicy === 'Never' ? 'Never' : 'OnFailure';
      await this.d.containers.sync(pod, ctx.sb, c, inst, ctx, policy);
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
      await this.d.containers.sync(pod, ctx.sb, e as Container, [], ctx, 'Never', target?.id);
    }
  }

  private async createSandbox(
    pod: Pod,
    sandboxes: SandboxStatus[],
    containers: ContainerStatus[],
  ): Promise<SandboxStatus> {
    const { runtime } = this.d;
    // The old sandbox died: its app containers lost their network, so stop them (kuberuntime
    // kills the whole pod when the sandbox changes).
    await Promise.all(
      containers.filter((c) => c.state === 'running').map((c) => runtime.stopContainer(c.id, 0)),
    );
    const attempt = sandboxes.length ? Math.max(...sandboxes.map((s) => s.attempt)) + 1 : 0;
    const network = this.d.network;
    const dns = podDns(pod, this.d.hostDns(), network);
    for (const [reason, message] of dns.warnings) this.d.event(pod, 'Warning', reason, message);
    try {
      const sb = await runtime.runPodSandbox({
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
        this.d.event(
          pod,
          'Normal',
          'SandboxChanged',
          'Pod sandbox changed, it will be killed and re-created.',
        );
      return sb;
    } catch (err) {
      const msg = String((err as Error)?.message ?? err);
      this.d.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${msg}`);
      for (const c of pod.spec?.containers ?? [])
        this.d.state.setWaiting(pod.metadata.uid!, c.name, 'ContainerCreating', msg);
      await this.d.status.post(pod, undefined, containers).catch(() => undefined);
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
      this.lastPublishedPorts.get(uid) === value ||
      pod.metadata.annotations?.[PUBLISHED_PORTS_ANNOTATION] === value
    ) {
      this.lastPublishedPorts.set(uid, value);
      return;
    }
    await this.d.client.patch(R.pods, pod.metadata.name!, pod.metadata.namespace, {
      metadata: { annotations: { [PUBLISHED_PORTS_ANNOTATION]: value } },
    });
    this.lastPublishedPorts.set(uid, value);
  }

  /** Keeps the current and the previous instance of each container (for `logs --previous`). */
  private async gcContainers(containers: ContainerStatus[]): Promise<void> {
    const old: ContainerStatus[] = [];
    for (const list of groupByName(containers).values())
      old.push(...list.slice(2).filter((c) => c.state !== 'running'));
    await this.removeQuietly(old.map((c) => () => this.d.runtime.removeContainer(c.id)));
  }

  /** Runs removals; failures are logged, never thrown (garbage collection retries later). */
  private async removeQuietly(removals: (() => Promise<unknown>)[]): Promise<void> {
    const results = await Promise.allSettled(removals.map((r) => r()));
    for (const r of results)
      if (r.status === 'rejected')
        this.d.log.warn('container removal failed; will retry', { err: String(r.reason) });
  }

  /** Graceful deletion: preStop hooks and stops within the grace period, cleanup, final delete. */
  private async terminatePod(
    pod: Pod,
    sandboxes: SandboxStatus[],
    containers: ContainerStatus[],
  ): Promise<void> {
    const { runtime, clock } = this.d;
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    const running = containers.filter((c) => c.state === 'running');
    const specs = new Map(allSpecs(pod).map((c) => [c.name, c] as const));
    const started = clock.now();
    await Promise.all(
      running.map(async (c) => {
        this.d.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
        const spec = specs.get(c.name);
        // preStop runs within the grace period; the stop signal gets what is left of it.
        if (spec?.lifecycle?.preStop) {
          const preStop = spec.lifecycle.preStop;
          const err = await this.d.probes.runHandler(pod, spec, c.id, preStop, Math.max(1, grace));
          if (err !== undefined)
            this.d.event(pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${err}`);
        }
        const left = Math.max(0, grace - Math.floor((clock.now() - started) / 1000));
        await runtime.stopContainer(c.id, left);
      }),
    );
    // The sandbox's pause process exits on SIGTERM at once; a foreign sandbox image gets 2 s.
    await Promise.all(sandboxes.map((s) => runtime.stopPodSandbox(s.id, 2)));
    await Promise.all([...containers, ...sandboxes].map((c) => runtime.removeContainer(c.id)));
    await this.d.volumes.cleanup(pod.metadata.uid!).catch(() => undefined);
    try {
      await this.d.client.delete(R.pods, pod.metadata.name!, pod.metadata.namespace, {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid },
      });
    } catch (err) {
      // Gone already, or a new pod of the same name (uid precondition failed): nothing to do.
      if (!isNotFound(err) && !isConflict(err) && (err as { code?: number }).code !== 409) throw err;
    }
    this.d.forget(pod.metadata.uid!);
  }
}
