/**
 * Pure helpers over Node JSON: Ready condition with its reason, roles, capacity/allocatable.
 */
import type { Node, Pod } from './kube';
import { parseQuantity } from './format';
import type { StatusTone } from './pod';
import { IMAGE_PULL_ANNOTATION, type ImagePullMode } from '@common/image-pull';

/** The node's Ready condition summarised: "Ready", or "NotReady" with why. */
export interface NodeReadiness {
  ready: boolean;
  label: 'Ready' | 'NotReady' | 'Unknown';
  reason?: string;
  message?: string;
  tone: StatusTone;
  since?: string;
}

export function nodeReadiness(node: Node): NodeReadiness {
  const c = node.status?.conditions?.find((x) => x.type === 'Ready');
  if (!c) return { ready: false, label: 'Unknown', reason: 'NoReadyCondition', tone: 'warning' };
  const since = c.lastTransitionTime;
  if (c.status === 'True')
    return { ready: true, label: 'Ready', reason: c.reason, message: c.message, tone: 'success', since };
  if (c.status === 'Unknown')
    return { ready: false, label: 'Unknown', reason: c.reason, message: c.message, tone: 'warning', since };
  return { ready: false, label: 'NotReady', reason: c.reason, message: c.message, tone: 'error', since };
}

/** "Ready", "NotReady" plus ",SchedulingDisabled" like kubectl's STATUS column. */
export function nodeStatusText(node: Node): string {
  const r = nodeReadiness(node);
  return node.spec?.unschedulable ? `${r.label},SchedulingDisabled` : r.label;
}

/** Roles from `node-role.kubernetes.io/<role>` labels, or "<none>". */
export function nodeRoles(node: Node): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length));
  return roles.length ? roles.join(',') : '<none>';
}

/** Internal IP of the node, if reported. */
export function nodeInternalIp(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

/** What the pods bound to a node ask for: summed container requests (limits when no request). */
export interface NodeRequests {
  cpu: number;
  memory: number;
  pods: number;
}

/**
 * Requests of the non-terminated pods on a node, as the scheduler counts them: a container
 * with a limit and no request requests its limit (Kubernetes defaulting).
 */
export function nodeRequests(node: Node, pods: readonly Pod[]): NodeRequests {
  const out: NodeRequests = { cpu: 0, memory: 0, pods: 0 };
  for (const p of pods) {
    if (p.spec?.nodeName !== node.metadata.name) continue;
    const phase = p.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    out.pods++;
    for (const c of p.spec?.containers ?? []) {
      const r = c.resources ?? {};
      const cpu = parseQuantity((r.requests?.cpu ?? r.limits?.cpu) as string | undefined);
      const mem = parseQuantity((r.requests?.memory ?? r.limits?.memory) as string | undefined);
      if (!Number.isNaN(cpu)) out.cpu += cpu;
      if (!Number.isNaN(mem)) out.memory += mem;
    }
  }
  return out;
}

/** `part` as a whole percentage of `whole` ("12%"), or '' when unknown. */
export function percentOf(part: number, whole: string | number | undefined): string {
  const w = parseQuantity(whole);
  if (!w || Number.isNaN(w)) return '';
  return `${Math.round((part / w) * 100)}%`;
}

/** The image pull mode a node's kubelet runs with (its `skiff.dev/image-pull` annotation). */
export interface NodeImagePull {
  mode: ImagePullMode | 'unknown';
  /** One sentence for the dashboard: what happens when a pull fails. */
  summary: string;
  /** How to change it, in the desktop app and in serve mode. */
  howToChange: string;
}

export function nodeImagePull(node: Node | undefined): NodeImagePull {
  const raw = node?.metadata.annotations?.[IMAGE_PULL_ANNOTATION];
  const howToChange =
    'Desktop app: Settings → Image pulls. skiff serve: restart with --image-pull strict (or fallback).';
  if (raw === 'fallback')
    return {
      mode: 'fallback',
      summary:
        'Local fallback: when a pull fails and Docker already has the image (e.g. a docker build tagged latest), the pod runs that image and its events say so.',
      howToChange,
    };
  if (raw === 'strict')
    return {
      mode: 'strict',
      summary:
        'Strict (upstream): a failed pull is ErrImagePull, then ImagePullBackOff, even if Docker has the image.',
      howToChange,
    };
  return { mode: 'unknown', summary: 'The node does not report its image pull mode.', howToChange };
}
