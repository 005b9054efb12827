// The status writer (upstream status_manager): gathers the facts a pod's status needs (probe
// results, image refs, termination messages), generates the status and writes pods/status only
// when it changed, retrying on conflicts. Talks to the API and reads the runtime.
import type { PodStatus } from '../../common/types';
import { R } from '../../common/resources';
import type { KubeClient } from '../../common/client/client';
import { isConflict, isNotFound } from '../../common/client/errors';
import type { Clock } from '../../common/clock';
import { canonicalJson } from '../../common/json';
import { readFile } from 'node:fs/promises';
import type { ContainerRuntime, ContainerStatus, SandboxStatus } from './runtime/runtime';
import { generatePodStatus, type PodStatusFacts } from './pod-status';
import { allSpecs, groupByName, terminationLogPath, type Pod, type Waiting } from './pod-util';
import type { PodState } from './pod-state';

/** Probe results the status reports. */
export interface ProbeStatus {
  isStarted(containerId: string): boolean;
  /** Ready per readiness probe and not being killed for a failed probe. */
  isReady(containerId: string): boolean;
}

export class PodStatusWriter {
  /** Last status this kubelet wrote (canonical JSON) per pod uid, to write only changes. */
  private readonly lastWrittenStatus = new Map<string, string>();
  /**
   * The same statuses as objects: the base the next status is generated from (upstream's status
   * manager cache). The pod in the informer can lag behind this kubelet's own last write, and a
   * condition compared against that stale copy would get a new lastTransitionTime although it
   * never changed (a StatefulSet's next ordinal then looks created before its predecessor was
   * Ready).
   */
  private readonly lastStatus = new Map<string, PodStatus>();
  /** imageID (`docker-pullable://…`) per runtime image id. */
  private readonly imageRefs = new Map<string, string>();
  /** Termination messages of exited containers by runtime id (they never change). */
  private readonly terminationMessages = new Map<string, string>();

  constructor(
    private readonly client: KubeClient,
    private readonly runtime: ContainerRuntime,
    private readonly state: PodState,
    private readonly probes: ProbeStatus,
    private readonly clock: Clock,
    private readonly rootDir: string,
  ) {}

  /** Whether this kubelet wrote a status for the pod since it last forgot it. */
  hasWritten(uid: string): boolean {
    return this.lastWrittenStatus.has(uid);
  }

  forget(uid: string): void {
    this.lastWrittenStatus.delete(uid);
    this.lastStatus.delete(uid);
  }

  /** The status the pod has now, from the runtime's containers and sandbox. */
  async compute(pod: Pod, sb: SandboxStatus | undefined, containers: ContainerStatus[]): Promise<PodStatus> {
    const last = this.lastStatus.get(pod.metadata.uid!);
    const base = last ? { ...pod, status: last } : pod;
    return generatePodStatus(base, { sandbox: sb, containers }, await this.facts(pod, containers));
  }

  /** Computes the status and writes it when it differs from the last one written (or the API's). */
  async post(pod: Pod, sb: SandboxStatus | undefined, containers: ContainerStatus[]): Promise<void> {
    const uid = pod.metadata.uid!;
    const status = await this.compute(pod, sb, containers);
    const json = canonicalJson(status);
    const last = this.lastWrittenStatus.get(uid) ?? canonicalJson(pod.status ?? {});
    if (json === last) {
      this.lastWrittenStatus.set(uid, json);
      this.lastStatus.set(uid, status);
      return;
    }
    let target = pod;
    for (let i = 0; ; i++) {
      try {
        await this.client.updateStatus(R.pods, { ...target, apiVersion: 'v1', kind: 'Pod', status } as never);
        this.lastWrittenStatus.set(uid, json);
        this.lastStatus.set(uid, status);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || i >= 2) throw err;
        target = await this.client.get<Pod>(R.pods, pod.metadata.name!, pod.metadata.namespace);
        if (target.metadata.uid !== uid) return;
      }
    }
  }

  private async facts(pod: Pod, containers: ContainerStatus[]): Promise<PodStatusFacts> {
    const uid = pod.metadata.uid!;
    const waitingReasons = new Map<string, Waiting>();
    const startedContainers = new Set<string>();
    const readyContainers = new Set<string>();
    const imageRefs = new Map<string, string>();
    const terminationMessages = new Map<string, string>();
    const byName = groupByName(containers);
    for (const spec of allSpecs(pod)) {
      const w = this.state.waitingOf(uid, spec.name);
      if (w) waitingReasons.set(spec.name, w);
      const [cur, prev] = byName.get(spec.name) ?? [];
      const exited = [prev, cur?.state === 'exited' ? cur : undefined].filter((c) => !!c);
      for (const c of exited) terminationMessages.set(c.id, await this.terminationMessage(pod, c));
      if (!cur) continue;
      imageRefs.set(cur.imageId, await this.imageRef(cur));
      if (cur.state !== 'running') continue;
      if (this.probes.isStarted(cur.id)) startedContainers.add(cur.id);
      if (this.probes.isReady(cur.id)) readyContainers.add(cur.id);
    }
    return {
      now: this.clock.now(),
      waitingReasons,
      startedContainers,
      readyContainers,
      imageRefs,
      terminationMessages,
    };
  }

  private async imageRef(c: ContainerStatus): Promise<string> {
    const cached = this.imageRefs.get(c.imageId);
    if (cached) return cached;
    const info = await this.runtime.imageStatus(c.imageId).catch(() => undefined);
    const ref = info?.repoDigests[0] ? `docker-pullable://${info.repoDigests[0]}` : `docker://${c.imageId}`;
    this.imageRefs.set(c.imageId, ref);
    return ref;
  }

  /**
   * The termination message of an exited container: its terminationMessagePath file (at most
   * 4 KiB), or with FallbackToLogsOnError and a failure, the last 80 lines / 2 KiB of its log.
   */
  private async terminationMessage(pod: Pod, c: ContainerStatus): Promise<string> {
    const cached = this.terminationMessages.get(c.id);
    if (cached !== undefined) return cached;
    const spec = allSpecs(pod).find((x) => x.name === c.name);
    const file = terminationLogPath(this.rootDir, pod.metadata.uid!, c.name, c.attempt);
    let msg = (await readFile(file).catch(() => undefined))?.subarray(0, 4096).toString('utf8') ?? '';
    if (!msg && spec?.terminationMessagePolicy === 'FallbackToLogsOnError' && c.exitCode !== 0) {
      const logs = await this.runtime.containerLogs(c.id, { tailLines: 80 }).catch(() => undefined);
      if (logs) {
        const chunks: Buffer[] = [];
        for await (const chunk of logs as AsyncIterable<Buffer>) chunks.push(chunk);
        const all = Buffer.concat(chunks);
        msg = all.subarray(Math.max(0, all.length - 2048)).toString('utf8');
      }
    }
    if (this.terminationMessages.size > 1000) this.terminationMessages.clear();
    this.terminationMessages.set(c.id, msg);
    return msg;
  }
}
