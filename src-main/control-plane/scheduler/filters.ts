import type { Taint, Container } from 'kubernetes-types/core/v1';
import type { Node, Pod } from '../../common/types';
import { matchesNodeSelectorAndAffinity, tolerates, untoleratedTaint } from '../../common/scheduling';
import { milliCpu, quantityValue } from './quantity';

/** CPU (millicores), memory (bytes) and pod count. */
export interface Resources {
  milliCpu: number;
  memory: number;
  pods: number;
}

/** What the scheduler knows about one node: the node and what its pods already request. */
export interface NodeInfo {
  node: Node;
  requested: Resources;
  /** Requests with kube-scheduler's non-zero defaults, used only for scoring. */
  nonZeroRequested: Resources;
}

/** Why a node was filtered out, and whether preemption could ever help there. */
export interface FilterFailure {
  reasons: string[];
  /** UnschedulableAndUnresolvable in kube-scheduler terms: evicting pods would not help. */
  unresolvable: boolean;
}

// Behaves like kube-scheduler's NodeResourcesFit "non-zero" defaults for pods without requests
// (100m CPU, 200Mi memory), so scoring still spreads best-effort pods.
const DEFAULT_MILLI_CPU = 100;
const DEFAULT_MEMORY = 200 * 1024 * 1024;

function containerRequest(c: Container, res: 'cpu' | 'memory'): number {
  // Requests default to limits when only limits are given, as the API server's defaulting does.
  const q = c.resources?.requests?.[res] ?? c.resources?.limits?.[res];
  if (q === undefined) return 0;
  return res === 'cpu' ? milliCpu(q) : quantityValue(q);
}

/**
 * The effective request of a pod (resourcehelper.PodRequests): the sum over app containers,
 * or the largest init container if that is larger, plus the pod overhead.
 * With `nonZero`, containers without a request count kube-scheduler's defaults.
 */
export function podRequests(pod: Pod, nonZero = false): Resources {
  const one = (c: Container, res: 'cpu' | 'memory'): number => {
    const v = containerRequest(c, res);
    if (v || !nonZero) return v;
    return res === 'cpu' ? DEFAULT_MILLI_CPU : DEFAULT_MEMORY;
  };
  let cpu = 0;
  let mem = 0;
  for (const c of pod.spec?.containers ?? []) {
    cpu += one(c, 'cpu');
    mem += one(c, 'memory');
  }
  // Init containers run one at a time before the app containers: the max rule.
  for (const c of pod.spec?.initContainers ?? []) {
    cpu = Math.max(cpu, one(c, 'cpu'));
    mem = Math.max(mem, one(c, 'memory'));
  }
  const overhead = pod.spec?.overhead ?? {};
  if (overhead.cpu !== undefined) cpu += milliCpu(overhead.cpu);
  if (overhead.memory !== undefined) mem += quantityValue(overhead.memory);
  return { milliCpu: cpu, memory: mem, pods: 1 };
}

/** Allocatable of a node (falls back to capacity). */
export function allocatable(node: Node): Resources {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  return {
    milliCpu: a.cpu !== undefined ? milliCpu(a.cpu) : 0,
    memory: a.memory !== undefined ? quantityValue(a.memory) : 0,
    pods: a.pods !== undefined ? quantityValue(a.pods) : 110,
  };
}

/** Terminal pods no longer hold their resources. */
export function podHoldsResources(pod: Pod): boolean {
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

/** Builds NodeInfos from nodes and the pods bound to them. */
export function buildNodeInfos(nodes: Node[], pods: Pod[]): Map<string, NodeInfo> {
  const infos = new Map<string, NodeInfo>();
  for (const node of nodes) {
    const zero = (): Resources => ({ milliCpu: 0, memory: 0, pods: 0 });
    infos.set(node.metadata!.name!, { node, requested: zero(), nonZeroRequested: zero() });
  }
  for (const pod of pods) addPod(infos, pod);
  return infos;
}

/** Accounts a bound pod on its node. */
export function addPod(infos: Map<string, NodeInfo>, pod: Pod, nodeName = pod.spec?.nodeName): void {
  if (!nodeName || !podHoldsResources(pod)) return;
  const info = infos.get(nodeName);
  if (!info) return;
  const r = podRequests(pod);
  const nz = podRequests(pod, true);
  info.requested.milliCpu += r.milliCpu;
  info.requested.memory += r.memory;
  info.requested.pods += 1;
  info.nonZeroRequested.milliCpu += nz.milliCpu;
  info.nonZeroRequested.memory += nz.memory;
  info.nonZeroRequested.pods += 1;
}

function nodeReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * Runs the filter plugins against one node, in kube-scheduler's order (NodeUnschedulable,
 * TaintToleration, NodeAffinity/nodeSelector, NodeResourcesFit). Returns undefined when the
 * pod fits, else the reasons worded as kube-scheduler words them.
 */
export function filterNode(pod: Pod, info: NodeInfo): FilterFailure | undefined {
  const node = info.node;
  const tolerations = pod.spec?.tolerations ?? [];
  if (!nodeReady(node)) return { reasons: ['node(s) not ready'], unresolvable: true };
  if (node.spec?.unschedulable) {
    // Behaves like the NodeUnschedulable plugin: a toleration of the unschedulable taint lets it in.
    const taint: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
    if (!tolerations.some((t) => tolerates(t, taint)))
      return { reasons: ['node(s) were unschedulable'], unresolvable: true };
  }
  const taint = untoleratedTaint(tolerations, node);
  if (taint)
    return {
      reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`],
      unresolvable: true,
    };
  if (!matchesNodeSelectorAndAffinity(pod.spec, node))
    return { reasons: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true };
  if (pod.spec?.nodeName && pod.spec.nodeName !== node.metadata?.name) {
    return { reasons: ["node(s) didn't match the requested node name"], unresolvable: true };
  }
  const alloc = allocatable(node);
  const req = podRequests(pod);
  const reasons: string[] = [];
  if (info.requested.pods + 1 > alloc.pods) reasons.push('Too many pods');
  if (req.milliCpu > 0 && req.milliCpu > alloc.milliCpu - info.requested.milliCpu)
    reasons.push('Insufficient cpu');
  if (req.memory > 0 && req.memory > alloc.memory - info.requested.memory)
    reasons.push('Insufficient memory');
  return reasons.length ? { reasons, unresolvable: false } : undefined;
}

/**
 * NodeResourcesFit's LeastAllocated score (0–100): the average over CPU and memory of the
 * fraction left free after placing the pod, using non-zero requests.
 */
export function scoreNode(pod: Pod, info: NodeInfo): number {
  const alloc = allocatable(info.node);
  const req = podRequests(pod, true);
  const part = (cap: number, used: number): number => {
    if (cap <= 0) return 0;
    const left = cap - used;
    return left <= 0 ? 0 : (left * 100) / cap;
  };
  const cpu = part(alloc.milliCpu, info.nonZeroRequested.milliCpu + req.milliCpu);
  const mem = part(alloc.memory, info.nonZeroRequested.memory + req.memory);
  return Math.floor((cpu + mem) / 2);
}

/**
 * The FitError message of kube-scheduler, followed by the default preemption plugin's
 * verdict, e.g. `0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are
 * available: 1 No preemption victims found for incoming pod.`
 */
export function fitErrorMessage(numNodes: number, failures: FilterFailure[]): string {
  if (numNodes === 0) return 'no nodes available to schedule pods';
  const hist = new Map<string, number>();
  for (const f of failures) for (const r of f.reasons) hist.set(r, (hist.get(r) ?? 0) + 1);
  const msg = `0/${numNodes} nodes are available: ${histogram(hist)}.`;
  const pre = new Map<string, number>();
  for (const f of failures) {
    const r = f.unresolvable
      ? 'Preemption is not helpful for scheduling'
      : 'No preemption victims found for incoming pod';
    pre.set(r, (pre.get(r) ?? 0) + 1);
  }
  return `${msg} preemption: 0/${numNodes} nodes are available: ${histogram(pre)}.`;
}

function histogram(h: Map<string, number>): string {
  // Sorted as strings, exactly like FitError.Error's sortReasonsHistogram.
  return [...h]
    .map(([r, n]) => `${n} ${r}`)
    .sort()
    .join(', ');
}
