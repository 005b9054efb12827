/**
 * Pod-to-node matching shared by the scheduler and the DaemonSet controller (upstream
 * k8s.io/component-helpers/scheduling/corev1): tolerations against taints, nodeSelector and
 * required node affinity. Pure functions over API objects; imports only kubernetes-types.
 */
import type { Node, NodeSelectorRequirement, PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1';

/** Whether a toleration tolerates a taint (v1helper.TolerationsTolerateTaint semantics). */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/** The first NoSchedule/NoExecute taint of the node that none of the tolerations tolerates. */
export function untoleratedTaint(tolerations: Toleration[], node: Node): Taint | undefined {
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerations.some((t) => tolerates(t, taint))) return taint;
  }
  return undefined;
}

/** One node selector requirement against a label (or field) value; undefined: absent. */
export function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && vals.includes(value);
    case 'NotIn':
      return value === undefined || !vals.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(vals[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(vals[0]);
    default:
      return false;
  }
}

/**
 * Whether the node satisfies the pod's nodeSelector and its required node affinity (any term
 * whose matchExpressions and matchFields — only metadata.name exists — all hold).
 */
export function matchesNodeSelectorAndAffinity(spec: PodSpec | undefined, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms =
    spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms?.length) return true;
  return terms.some(
    (t) =>
      (t.matchExpressions ?? []).every((r) => requirementMatches(r, labels[r.key])) &&
      (t.matchFields ?? []).every((r) =>
        requirementMatches(r, r.key === 'metadata.name' ? node.metadata?.name : undefined),
      ),
  );
}
