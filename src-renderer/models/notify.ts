/**
 * What deserves a toast, as pure functions over watched objects, and the rules that keep toasts
 * few (the `Notifier`):
 *
 * - Pods: a container waiting in CrashLoopBackOff or ImagePullBackOff / ErrImagePull; a
 *   container whose current or last termination was OOMKilled; the pod unschedulable (the
 *   PodScheduled=False/Unschedulable condition the scheduler sets with its FailedScheduling
 *   event). Nodes: Ready not True. Deployments: Progressing=False with ProgressDeadlineExceeded.
 * - One alert per object + reason (`Pod/ns/name/CrashLoopBackOff`). An alert already true in the
 *   first list after loading or switching cluster never toasts (it was failing before you
 *   looked; the pages show it); it toasts only after it clears and comes back.
 * - Dedupe window: an alert toasts at most once per `windowMs` (default 10 min), so a pod that
 *   flips between Running and CrashLoopBackOff does not toast at every restart.
 * - Muted namespaces never toast (their alerts are still tracked, so unmuting is quiet).
 *
 * Events are not watched for this: every condition above is on the objects themselves (the
 * pods, nodes and deployments stores most pages watch anyway), and an object's state is what is
 * still true, where an Event may describe something long over.
 */
import type { Deployment, Node, Pod } from './kube';

/** Why a toast is raised. */
export type AlertReason =
  | 'CrashLoopBackOff'
  | 'OOMKilled'
  | 'FailedScheduling'
  | 'ImagePullBackOff'
  | 'NodeNotReady'
  | 'ProgressDeadlineExceeded';

/** One condition worth telling the user about. */
export interface Alert {
  /** `Kind/namespace/name/reason` (nodes: `Node//name/reason`). */
  key: string;
  reason: AlertReason;
  kind: 'Pod' | 'Node' | 'Deployment';
  namespace: string;
  name: string;
  /** One plain sentence. */
  message: string;
}

function alert(
  kind: Alert['kind'],
  namespace: string,
  name: string,
  reason: AlertReason,
  message: string,
): Alert {
  return { key: `${kind}/${namespace}/${name}/${reason}`, kind, namespace, name, reason, message };
}

/** The alerts a pod raises right now. */
export function podAlerts(pod: Pod): Alert[] {
  const ns = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name ?? '';
  const out: Alert[] = [];
  const seen = new Set<AlertReason>();
  const add = (reason: AlertReason, message: string) => {
    if (seen.has(reason)) return;
    seen.add(reason);
    out.push(alert('Pod', ns, name, reason, message));
  };
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const cs of statuses) {
    const waiting = cs.state?.waiting?.reason;
    if (waiting === 'CrashLoopBackOff')
      add(
        'CrashLoopBackOff',
        `Container ${cs.name} keeps crashing (${cs.restartCount} restarts${
          cs.lastState?.terminated ? `, last exit code ${cs.lastState.terminated.exitCode}` : ''
        }).`,
      );
    if (waiting === 'ImagePullBackOff' || waiting === 'ErrImagePull')
      add('ImagePullBackOff', `Container ${cs.name} cannot pull image ${cs.image}.`);
    if (cs.state?.terminated?.reason === 'OOMKilled' || cs.lastState?.terminated?.reason === 'OOMKilled')
      add('OOMKilled', `Container ${cs.name} was killed for using more memory than its limit.`);
  }
  const sched = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (sched?.status === 'False' && sched.reason === 'Unschedulable')
    add('FailedScheduling', sched.message || 'No node can run this pod.');
  return out;
}

/** A node whose Ready condition is not True. */
export function nodeAlerts(node: Node): Alert[] {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'True') return [];
  return [
    alert(
      'Node',
      '',
      node.metadata.name ?? '',
      'NodeNotReady',
      ready.message || `Node ${node.metadata.name} is not ready (${ready.reason ?? ready.status}).`,
    ),
  ];
}

/** A Deployment whose rollout passed its progress deadline. */
export function deploymentAlerts(d: Deployment): Alert[] {
  const p = d.status?.conditions?.find((c) => c.type === 'Progressing');
  if (p?.status !== 'False' || p.reason !== 'ProgressDeadlineExceeded') return [];
  return [
    alert(
      'Deployment',
      d.metadata.namespace ?? 'default',
      d.metadata.name ?? '',
      'ProgressDeadlineExceeded',
      p.message || 'The rollout is stuck: it made no progress within its deadline.',
    ),
  ];
}

/** Tracks which alerts are on and decides which ones toast. */
export class Notifier {
  /** Alert keys currently true, per object (`Kind/ns/name`). */
  private readonly active = new Map<string, Set<string>>();
  /** When each alert key last toasted. */
  private readonly toasted = new Map<string, number>();

  constructor(
    private readonly opts: {
      windowMs?: number;
      now?: () => number;
      muted?: (namespace: string) => boolean;
    } = {},
  ) {}

  private get windowMs(): number {
    return this.opts.windowMs ?? 10 * 60_000;
  }

  /**
   * Feeds the current alerts of one object; answers those that should toast now. `initial` is
   * true for the first list (after load or a cluster switch): nothing toasts then.
   */
  observe(objectKey: string, alerts: Alert[], initial = false): Alert[] {
    const before = this.active.get(objectKey) ?? new Set<string>();
    const now = new Set(alerts.map((a) => a.key));
    if (now.size) this.active.set(objectKey, now);
    else this.active.delete(objectKey);
    if (initial) return [];
    const out: Alert[] = [];
    const t = (this.opts.now ?? Date.now)();
    for (const a of alerts) {
      if (before.has(a.key)) continue;
      if (this.opts.muted?.(a.namespace)) continue;
      const last = this.toasted.get(a.key);
      if (last !== undefined && t - last < this.windowMs) continue;
      this.toasted.set(a.key, t);
      out.push(a);
    }
    return out;
  }

  /** The object is gone (deleted, or its store was rebound to another cluster). */
  forget(objectKey: string): void {
    this.active.delete(objectKey);
  }

  /** A cluster switch: everything starts over (the next list is `initial` again). */
  reset(): void {
    this.active.clear();
    this.toasted.clear();
  }
}

/** The dashboard route of an alert's object (hash-router path). */
export function alertRoute(a: Alert): string {
  const seg = (s: string) => encodeURIComponent(s);
  if (a.kind === 'Node') return `/nodes/${seg(a.name)}`;
  if (a.kind === 'Deployment') return `/deployments/${seg(a.namespace)}/${seg(a.name)}`;
  return `/pods/${seg(a.namespace)}/${seg(a.name)}`;
}

/** A short title for an alert's toast. */
export function alertTitle(a: Alert): string {
  const what = a.kind === 'Node' ? `Node ${a.name}` : `${a.kind} ${a.namespace}/${a.name}`;
  const label: Record<AlertReason, string> = {
    CrashLoopBackOff: 'CrashLoopBackOff',
    OOMKilled: 'OOMKilled',
    FailedScheduling: 'cannot be scheduled',
    ImagePullBackOff: 'ImagePullBackOff',
    NodeNotReady: 'NotReady',
    ProgressDeadlineExceeded: 'rollout stuck',
  };
  return `${what}: ${label[a.reason]}`;
}
