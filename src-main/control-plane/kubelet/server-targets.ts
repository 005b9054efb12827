// What the kubelet server asks the kubelet (upstream server.go's host interface): the runtime
// container behind a pod's logs, exec and attach, the sandbox behind port-forward, and stats per
// pod. Reads the pod informer, the runtime's lists and the kubelet's waiting reasons.
import type { ContainerRuntime } from './runtime/runtime';
import { LABELS } from './runtime/runtime';
import type { LogTargetResolver, ResolveFailure, StatsProvider, StreamTargetResolver } from './server';
import type { StatsCollector, Summary } from './stats';
import { allSpecs, latest, type Pod } from './pod-util';
import type { PodState } from './pod-state';

/** The pods bound to this node, by `namespace/name`. */
export interface PodLister {
  get(key: string): Pod | undefined;
  list(): Pod[];
}

export class ServerTargets implements LogTargetResolver, StreamTargetResolver, StatsProvider {
  constructor(
    private readonly nodeName: string,
    private readonly pods: PodLister,
    private readonly runtime: ContainerRuntime,
    private readonly state: PodState,
    private readonly stats: StatsCollector,
  ) {}

  async resolveLogTarget(
    namespace: string,
    podName: string,
    container: string | undefined,
    previous: boolean,
  ): Promise<{ id: string } | ResolveFailure> {
    const pod = this.pods.get(`${namespace}/${podName}`);
    if (!pod) return notFound(podName);
    const named = this.containerName(pod, podName, container);
    if (typeof named !== 'string') return named;
    const instances = await this.instances(pod, named);
    const target = previous ? instances[1] : instances[0];
    if (target) return { id: target.id };
    if (previous)
      return {
        code: 400,
        reason: 'BadRequest',
        message: `previous terminated container "${named}" in pod "${podName}" not found`,
      };
    const w = this.state.waitingOf(pod.metadata.uid!, named);
    return {
      code: 400,
      reason: 'BadRequest',
      message: `container "${named}" in pod "${podName}" is waiting to start: ${w?.reason ?? 'ContainerCreating'}`,
    };
  }

  async resolveStreamTarget(
    namespace: string,
    podName: string,
    container: string | undefined,
  ): Promise<{ id: string } | ResolveFailure> {
    const pod = this.pods.get(`${namespace}/${podName}`);
    if (!pod) return notFound(podName);
    const named = this.containerName(pod, podName, container);
    if (typeof named !== 'string') return named;
    const cur = (await this.instances(pod, named))[0];
    if (!cur || cur.state !== 'running')
      return {
        code: 400,
        reason: 'BadRequest',
        message: `container ${named} is not running in pod ${podName}`,
      };
    return { id: cur.id };
  }

  async resolvePortForwardTarget(
    namespace: string,
    podName: string,
  ): Promise<{ sandboxId: string; desc: string } | ResolveFailure> {
    const pod = this.pods.get(`${namespace}/${podName}`);
    if (!pod) return notFound(podName);
    const sb = latest(
      (await this.runtime.listPodSandboxes({ [LABELS.podUid]: pod.metadata.uid! })).filter(
        (s) => s.state === 'ready',
      ),
    );
    if (!sb) return { code: 400, reason: 'BadRequest', message: `pod ${podName} has no running sandbox` };
    return { sandboxId: sb.id, desc: `${podName}_${namespace}, uid ${pod.metadata.uid}` };
  }

  statsSummary(): Summary {
    return this.stats.summary(
      this.nodeName,
      this.pods.list().map((p) => ({
        name: p.metadata.name!,
        namespace: p.metadata.namespace!,
        uid: p.metadata.uid!,
        startTime: p.status?.startTime ?? undefined,
      })),
    );
  }

  statsHistory(q: { namespace?: string; pod?: string; container?: string; since?: number }): unknown {
    if (!q.pod) return this.stats.history({ since: q.since });
    const pod = this.pods.get(`${q.namespace ?? 'default'}/${q.pod}`);
    if (!pod) return notFound(q.pod);
    return this.stats.history({ podUid: pod.metadata.uid!, container: q.container, since: q.since });
  }

  /** The container a request means: the one named, or the only app container. */
  private containerName(pod: Pod, podName: string, container: string | undefined): string | ResolveFailure {
    const specs = pod.spec?.containers ?? [];
    const name = container ?? (specs.length === 1 ? specs[0]!.name : undefined);
    if (!name)
      return {
        code: 400,
        reason: 'BadRequest',
        message: `a container name must be specified for pod ${podName}, choose one of: [${specs.map((c) => c.name).join(' ')}]`,
      };
    if (!allSpecs(pod).some((c) => c.name === name))
      return { code: 404, reason: 'NotFound', message: `container ${name} is not valid for pod ${podName}` };
    return name;
  }

  /** The runtime instances of one container of the pod, newest attempt first. */
  private async instances(pod: Pod, name: string) {
    return (
      await this.runtime.listContainers({ [LABELS.podUid]: pod.metadata.uid!, [LABELS.containerName]: name })
    ).sort((a, b) => b.attempt - a.attempt);
  }
}

function notFound(podName: string): ResolveFailure {
  return { code: 404, reason: 'NotFound', message: `pods "${podName}" not found` };
}
