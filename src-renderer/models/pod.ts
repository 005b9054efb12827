/**
 * Pure helpers over Pod JSON: the STATUS column exactly as kubectl computes it, readiness
 * ("1/2"), restarts, container state summaries and the kubelet's published-ports annotation.
 */
import type { Container, ContainerStatus, Pod } from './kube';

/** Colour family of a status, shared by tags and badges across the dashboard. */
export type StatusTone = 'success' | 'warning' | 'error' | 'default' | 'info';

/**
 * The pod STATUS column, following kubectl's printPod (pkg/printers/internalversion): phase,
 * overridden by the pod's reason, init-container progress ("Init:0/1"), container waiting or
 * terminated reasons, "Terminating" when deleting.
 */
export function podStatus(pod: Pod): string {
  const status = pod.status ?? {};
  let reason = status.reason || status.phase || 'Pending';
  const initStatuses = status.initContainerStatuses ?? [];
  const initCount = pod.spec?.initContainers?.length ?? 0;
  let initializing = false;
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    initializing = true;
    if (term) {
      if (term.reason) reason = `Init:${term.reason}`;
      else if (term.signal) reason = `Init:Signal:${term.signal}`;
      else reason = `Init:ExitCode:${term.exitCode}`;
    } else if (wait?.reason && wait.reason !== 'PodInitializing') {
      reason = `Init:${wait.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    break;
  }
  if (!initializing) {
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      const wait = c.state?.waiting;
      const term = c.state?.terminated;
      if (wait?.reason) reason = wait.reason;
      else if (term?.reason) reason = term.reason;
      else if (term && !term.reason)
        reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

const ERROR_REASONS = new Set([
  'CrashLoopBackOff',
  'Error',
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerError',
  'CreateContainerConfigError',
  'RunContainerError',
  'OOMKilled',
  'ContainerCannotRun',
  'Failed',
  'Unknown',
  'NotReady',
  'Evicted',
  'DeadlineExceeded',
]);
const WARNING_REASONS = new Set(['Pending', 'ContainerCreating', 'PodInitializing', 'Terminating']);
const DONE_REASONS = new Set(['Completed', 'Succeeded']);

/** Colour of a STATUS value: Running green, starting amber, failing red, finished grey. */
export function statusTone(status: string): StatusTone {
  if (status === 'Running') return 'success';
  if (DONE_REASONS.has(status)) return 'default';
  if (ERROR_REASONS.has(status) || /^(Init:)?(ExitCode|Signal):/.test(status)) return 'error';
  if (status.startsWith('Init:')) {
    const inner = status.slice(5);
    return ERROR_REASONS.has(inner) ? 'error' : 'warning';
  }
  if (WARNING_REASONS.has(status)) return 'warning';
  return 'warning';
}

/** Ready containers over all containers, as kubectl's READY column ("1/2"). */
export function podReady(pod: Pod): string {
  const total = pod.spec?.containers?.length ?? 0;
  const ready = (pod.status?.containerStatuses ?? []).filter((c) => c.ready).length;
  return `${ready}/${total}`;
}

/** Total restarts of the pod's containers (init containers included, as kubectl does). */
export function podRestarts(pod: Pod): number {
  const all = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return all.reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** The state of one container in words: "Running", "Waiting: ContainerCreating", "Terminated: Error (exit 1)". */
export interface ContainerStateSummary {
  label: string;
  reason?: string;
  message?: string;
  tone: StatusTone;
  since?: string;
}

export function containerState(status: ContainerStatus | undefined): ContainerStateSummary {
  const s = status?.state;
  if (!s) return { label: 'Waiting', reason: 'ContainerCreating', tone: 'warning' };
  if (s.running)
    return { label: 'Running', tone: status!.ready ? 'success' : 'warning', since: s.running.startedAt };
  if (s.waiting) {
    const reason = s.waiting.reason ?? 'Waiting';
    return { label: 'Waiting', reason, message: s.waiting.message, tone: statusTone(reason) };
  }
  const t = s.terminated!;
  const reason = t.reason ?? (t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`);
  return {
    label: 'Terminated',
    reason: `${reason} (exit ${t.exitCode})`,
    message: t.message,
    tone: t.exitCode === 0 ? 'default' : 'error',
    since: t.finishedAt,
  };
}

/** The status of one named container, if the kubelet has reported it. */
export function containerStatusOf(pod: Pod, name: string): ContainerStatus | undefined {
  return pod.status?.containerStatuses?.find((c) => c.name === name);
}

/** Requests and limits of a container as "cpu 250m / 500m" style pairs. */
export function containerResources(c: Container): {
  cpuRequest?: string;
  cpuLimit?: string;
  memRequest?: string;
  memLimit?: string;
} {
  const r = c.resources ?? {};
  return {
    cpuRequest: r.requests?.cpu as string | undefined,
    cpuLimit: r.limits?.cpu as string | undefined,
    memRequest: r.requests?.memory as string | undefined,
    memLimit: r.limits?.memory as string | undefined,
  };
}

/** Annotation the kubelet writes with the host addresses of published container ports. */
export const PUBLISHED_PORTS_ANNOTATION = 'skiff.dev/published-ports';

/** One container port published on the host by the kubelet. */
export interface PublishedPort {
  /** "80/TCP" */
  port: string;
  /** "127.0.0.1:32768" */
  host: string;
  /** http URL to open it, only for loopback hosts with a numeric port. */
  url?: string;
}

/** Parses `skiff.dev/published-ports` (`{"80/TCP":"127.0.0.1:32768"}`); tolerates bad JSON. */
export function publishedPorts(pod: Pod): PublishedPort[] {
  const raw = pod.metadata.annotations?.[PUBLISHED_PORTS_ANNOTATION];
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!parsed || typeof parsed !== 'object') return [];
  const out: PublishedPort[] = [];
  for (const [port, host] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof host !== 'string') continue;
    const ok =
      /^(127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1\]):\d{1,5}$/.test(host) &&
      port.toUpperCase().endsWith('/TCP');
    const url = ok ? `http://${host.replace(/^0\.0\.0\.0/, '127.0.0.1')}/` : undefined;
    out.push({ port, host, url });
  }
  return out.sort((a, b) => a.port.localeCompare(b.port, undefined, { numeric: true }));
}

/** Published ports of one container: those whose port number is one of its containerPorts. */
export function publishedPortsOf(pod: Pod, container: Container): PublishedPort[] {
  const mine = new Set((container.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`));
  return publishedPorts(pod).filter((p) => mine.has(p.port));
}

/** Name of the Deployment that owns a pod through its ReplicaSet (`<deploy>-<hash>`), if any. */
export function ownerReplicaSet(pod: Pod): string | undefined {
  return pod.metadata.ownerReferences?.find((o) => o.kind === 'ReplicaSet')?.name;
}
