/**
 * Pure helpers over Node JSON: Ready condition with its reason, roles, capacity/allocatable.
 */
import type { Node } from './kube';
import type { StatusTone } from './pod';

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
