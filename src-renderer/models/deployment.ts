/**
 * Pure helpers over Deployment JSON: kubectl's READY / UP-TO-DATE / AVAILABLE columns and a
 * rollout summary.
 */
import { deploymentColumns } from '@common/deployment-columns';
import type { Deployment, Pod, ReplicaSet } from './kube';
import type { StatusTone } from './pod';

export interface DeploymentSummary {
  ready: string;
  upToDate: number;
  available: number;
  desired: number;
  tone: StatusTone;
  /** "Available", "Progressing", "Scaled to zero", or the failing condition's reason. */
  state: string;
}

export function deploymentSummary(d: Deployment): DeploymentSummary {
  const { ready, readyReplicas: readyN, desired, upToDate, available } = deploymentColumns(d);
  const s = d.status ?? {};
  const failing = s.conditions?.find(
    (c) => (c.type === 'Progressing' && c.status === 'False') || c.type === 'ReplicaFailure',
  );
  let state: string;
  let tone: StatusTone;
  if (failing && (failing.type === 'ReplicaFailure' ? failing.status === 'True' : true)) {
    state = failing.reason ?? 'Failing';
    tone = 'error';
  } else if (desired === 0) {
    state = 'Scaled to zero';
    tone = 'default';
  } else if (readyN >= desired && upToDate >= desired && available >= desired) {
    state = 'Available';
    tone = 'success';
  } else {
    state = 'Progressing';
    tone = 'warning';
  }
  return { ready, upToDate, available, desired, tone, state };
}

/** True when every matchLabels entry of the Deployment's selector is on the pod. */
function deploymentSelects(d: Deployment, pod: Pod): boolean {
  if (pod.metadata.namespace !== d.metadata.namespace) return false;
  const ml = d.spec?.selector?.matchLabels;
  if (!ml || Object.keys(ml).length === 0) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(ml).every(([k, v]) => labels[k] === v);
}

/**
 * Pods of a Deployment: owned by one of its ReplicaSets when ownership is known, else by
 * selector (so pods show up even before the ReplicaSet informer has caught up).
 */
export function podsOfDeployment(d: Deployment, pods: Pod[], replicaSets: ReplicaSet[]): Pod[] {
  const rsNames = new Set(
    replicaSets
      .filter((rs) => rs.metadata.namespace === d.metadata.namespace)
      .filter((rs) =>
        rs.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.uid === d.metadata.uid),
      )
      .map((rs) => rs.metadata.name),
  );
  return pods.filter((p) => {
    const owner = p.metadata.ownerReferences?.find((o) => o.kind === 'ReplicaSet');
    if (owner && p.metadata.namespace === d.metadata.namespace && rsNames.has(owner.name)) return true;
    return deploymentSelects(d, p);
  });
}
