// Pod status generation (upstream kubelet_pods.go generateAPIPodStatus + getPhase): a pure
// function from the pod, a runtime snapshot and the kubelet's facts to a PodStatus. No I/O.
import type { ContainerStatus as KubeContainerStatus, PodStatus } from '../../common/types';
import type { Container, PodCondition } from 'kubernetes-types/core/v1';
import { rfc3339 } from '../../common/clock';
import type { ContainerStatus, SandboxStatus } from './runtime/runtime';
import { qosClass } from './pod-spec';
import { HOST_IP, groupByName, restartPolicyOf, shouldRestart, type Pod, type Waiting } from './pod-util';

/** What the runtime has for a pod right now. */
export interface RuntimePodSnapshot {
  /** The pod's ready sandbox, if any. */
  sandbox?: SandboxStatus;
  /** Every runtime container of the pod (any instance, any state). */
  containers: ContainerStatus[];
}

/** What the kubelet knows besides the runtime: its own reasons, probe results, resolved facts. */
export interface PodStatusFacts {
  /** Wall clock (ms) for transition times and startTime. */
  now: number;
  /** Waiting reasons set by failed steps, by container name. */
  waitingReasons: ReadonlyMap<string, Waiting>;
  /** Runtime ids of running containers whose startup probe passed (or that have none). */
  startedContainers: ReadonlySet<string>;
  /** Runtime ids of running containers that are ready (readiness passed, not being killed). */
  readyContainers: ReadonlySet<string>;
  /** imageID per runtime image id (`docker-pullable://…`); missing ones show as `docker://<id>`. */
  imageRefs: ReadonlyMap<string, string>;
  /** Termination messages of exited containers, by runtime container id. */
  terminationMessages: ReadonlyMap<string, string>;
}

type Observed = 'waiting' | 'running' | 'stopped';

/** The API's terminated state of an exited runtime container. */
export function terminatedState(
  c: ContainerStatus,
  message?: string,
): NonNullable<NonNullable<KubeContainerStatus['state']>['terminated']> {
  return {
    exitCode: c.exitCode ?? 0,
    reason: c.oomKilled ? 'OOMKilled' : c.error ? 'StartError' : c.exitCode === 0 ? 'Completed' : 'Error',
    ...(c.error ? { message: c.error } : {}),
    startedAt: c.startedAt ? rfc3339(c.startedAt) : undefined,
    finishedAt: c.finishedAt ? rfc3339(c.finishedAt) : undefined,
    containerID: `docker://${c.id}`,
    ...(message ? { message } : {}),
  };
}

/** The status of one container spec from its instances (newest first). */
function containerStatusOf(
  pod: Pod,
  spec: Container,
  instances: ContainerStatus[],
  policy: string,
  idleReason: string,
  f: PodStatusFacts,
): { cs: KubeContainerStatus; state: Observed; succeeded: boolean } {
  const [cur, prev] = instances;
  const override = f.waitingReasons.get(spec.name);
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
  const term = (c: ContainerStatus) => terminatedState(c, f.terminationMessages.get(c.id));
  if (prev) cs.lastState = { terminated: term(prev) };
  if (!cur) {
    cs.state = { waiting: override ?? { reason: idleReason } };
    return { cs, state: 'waiting', succeeded: false };
  }
  cs.containerID = `docker://${cur.id}`;
  cs.imageID = f.imageRefs.get(cur.imageId) ?? `docker://${cur.imageId}`;
  if (cur.state === 'running') {
    cs.state = { running: { startedAt: rfc3339(cur.startedAt ?? cur.createdAt) } };
    cs.started = f.startedContainers.has(cur.id);
    cs.ready = f.readyContainers.has(cur.id);
    return { cs, state: 'running', succeeded: false };
  }
  if (cur.state === 'exited') {
    const t = term(cur);
    if (shouldRestart(pod, cur, policy) && override) {
      cs.state = { waiting: override };
      cs.lastState = { terminated: t };
    } else cs.state = { terminated: t };
    return { cs, state: 'stopped', succeeded: cur.exitCode === 0 };
  }
  cs.state = { waiting: override ?? { reason: idleReason } };
  return { cs, state: 'waiting', succeeded: false };
}

/** The kubelet's getPhase: from the counts of waiting, running and stopped app containers. */
function podPhase(
  policy: string,
  init: { done: boolean; failed: boolean },
  n: { waiting: number; running: number; stopped: number; succeeded: number },
): string {
  if (init.failed) return 'Failed';
  if (!init.done) return 'Pending';
  if (n.waiting > 0) return 'Pending';
  if (n.running > 0) return 'Running';
  if (n.stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (n.stopped === n.succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** The PodStatus the kubelet reports for `pod` given what the runtime has and what it knows. */
export function generatePodStatus(pod: Pod, snapshot: RuntimePodSnapshot, f: PodStatusFacts): PodStatus {
  const sb = snapshot.sandbox;
  const old = pod.status ?? {};
  const now = rfc3339(f.now);
  const byName = groupByName(snapshot.containers);
  const policy = pod.spec?.restartPolicy ?? 'Always';

  // Init containers: done when every regular one exited 0 (in order) and sidecars run.
  const initStatuses: KubeContainerStatus[] = [];
  let initDone = true;
  let initFailed = false;
  const incomplete: string[] = [];
  for (const spec of pod.spec?.initContainers ?? []) {
    const inst = byName.get(spec.name) ?? [];
    const sidecar = spec.restartPolicy === 'Always';
    const r = containerStatusOf(pod, spec, inst, restartPolicyOf(pod, spec.name), 'PodInitializing', f);
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
  const counts = { waiting: 0, running: 0, stopped: 0, succeeded: 0 };
  for (const spec of pod.spec?.containers ?? []) {
    const idle = initDone ? 'ContainerCreating' : 'PodInitializing';
    const r = containerStatusOf(pod, spec, byName.get(spec.name) ?? [], policy, idle, f);
    if (r.state === 'waiting') counts.waiting++;
    else if (r.state === 'running') counts.running++;
    else {
      counts.stopped++;
      if (r.succeeded) counts.succeeded++;
    }
    statuses.push(r.cs);
  }
  const ephemeral: KubeContainerStatus[] = [];
  for (const spec of (pod.spec?.ephemeralContainers ?? []) as Container[]) {
    const r = containerStatusOf(pod, spec, byName.get(spec.name) ?? [], 'Never', 'ContainerCreating', f);
    delete (r.cs as { started?: boolean }).started;
    ephemeral.push(r.cs);
  }

  const phase = podPhase(policy, { done: initDone, failed: initFailed }, counts);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const sidecars = initStatuses.filter((_s, i) => pod.spec?.initContainers?.[i]?.restartPolicy === 'Always');
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
