import type { Taint, Container } from 'kubernetes-types/core/v1';
import type { Node, Pod } from '../../common/types';
import { matchesNodeSelectorAndAffinity, tolerates, untoleratedTaint } from '../../common/scheduling';
import type { SchedulingPlugin, SchedulingReason } from '../../common/scheduling-decision';
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
  /** Host ports of the pods bound to the node (NodePorts' UsedPorts). */
  usedPorts: UsedPort[];
}

/** One host port a bound pod holds. */
export interface UsedPort {
  hostIP: string;
  protocol: string;
  port: number;
  /** namespace/name of the pod holding it. */
  pod: string;
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
    infos.set(node.metadata!.name!, { node, requested: zero(), nonZeroRequested: zero(), usedPorts: [] });
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
  const who = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
  for (const p of hostPortsOf(pod)) info.usedPorts.push({ ...p, pod: who });
}

/** The host ports a pod asks for (containers' ports with a hostPort). */
export function hostPortsOf(pod: Pod): Omit<UsedPort, 'pod'>[] {
  const out: Omit<UsedPort, 'pod'>[] = [];
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])])
    for (const p of c.ports ?? [])
      if (p.hostPort)
        out.push({ hostIP: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
  return out;
}

/** Whether two host port claims collide (HostPortInfo.CheckConflict: 0.0.0.0 overlaps every IP). */
function portsConflict(a: Omit<UsedPort, 'pod'>, b: Omit<UsedPort, 'pod'>): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.hostIP === b.hostIP || a.hostIP === '0.0.0.0' || b.hostIP === '0.0.0.0';
}

function nodeReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Plugins whose refusal preemption cannot fix (UnschedulableAndUnresolvable). */
const UNRESOLVABLE: ReadonlySet<SchedulingPlugin> = new Set([
  'NodeReady',
  'NodeUnschedulable',
  'TaintToleration',
  'NodeAffinity',
  'NodeName',
]);

/**
 * Runs every filter plugin against one node, in kube-scheduler's order (NodeUnschedulable,
 * TaintToleration, NodeAffinity/nodeSelector, NodeName, NodePorts, NodeResourcesFit), and
 * returns each refusal with its numbers; empty when the pod fits. Unlike kube-scheduler, which
 * stops at the first failing plugin, all are run: the dashboard shows every field to change.
 */
export function explainNode(pod: Pod, info: NodeInfo): SchedulingReason[] {
  const node = info.node;
  const tolerations = pod.spec?.tolerations ?? [];
  const out: SchedulingReason[] = [];
  if (!nodeReady(node)) out.push({ plugin: 'NodeReady', message: 'node(s) not ready' });
  if (node.spec?.unschedulable) {
    // Behaves like the NodeUnschedulable plugin: a toleration of the unschedulable taint lets it in.
    const taint: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
    if (!tolerations.some((t) => tolerates(t, taint)))
      out.push({
        plugin: 'NodeUnschedulable',
        message: 'node(s) were unschedulable',
        taint: { key: taint.key, effect: taint.effect },
      });
  }
  const taint = untoleratedTaint(tolerations, node);
  if (taint)
    out.push({
      plugin: 'TaintToleration',
      message: `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`,
      taint: {
        key: taint.key,
        effect: taint.effect,
        ...(taint.value !== undefined ? { value: taint.value } : {}),
      },
    });
  if (!matchesNodeSelectorAndAffinity(pod.spec, node)) {
    const labels = node.metadata?.labels ?? {};
    const named = Object.keys(pod.spec?.nodeSelector ?? {});
    out.push({
      plugin: 'NodeAffinity',
      message: "node(s) didn't match Pod's node affinity/selector",
      nodeLabels: Object.fromEntries(named.map((k) => [k, labels[k] ?? null])),
    });
  }
  if (pod.spec?.nodeName && pod.spec.nodeName !== node.metadata?.name)
    out.push({ plugin: 'NodeName', message: "node(s) didn't match the requested node name" });
  for (const want of hostPortsOf(pod)) {
    const taken = info.usedPorts.find((u) => portsConflict(u, want));
    if (taken) {
      out.push({
        plugin: 'NodePorts',
        message: "node(s) didn't have free ports for the requested pod ports",
        hostPort: { port: want.port, protocol: want.protocol, hostIP: want.hostIP, usedBy: taken.pod },
      });
      break;
    }
  }
  const alloc = allocatable(node);
  const req = podRequests(pod);
  const fit = (resource: 'cpu' | 'memory' | 'pods', requested: number, allocatable: number, used: number) =>
    out.push({
      plugin: 'NodeResourcesFit',
      message: resource === 'pods' ? 'Too many pods' : `Insufficient ${resource}`,
      resource,
      requested,
      allocatable,
      used,
    });
  if (info.requested.pods + 1 > alloc.pods) fit('pods', 1, alloc.pods, info.requested.pods);
  if (req.milliCpu > 0 && req.milliCpu > alloc.milliCpu - info.requested.milliCpu)
    fit('cpu', req.milliCpu, alloc.milliCpu, info.requested.milliCpu);
  if (req.memory > 0 && req.memory > alloc.memory - info.requested.memory)
    fit('memory', req.memory, alloc.memory, info.requested.memory);
  return out;
}

/**
 * The filter verdict worded as kube-scheduler words it: undefined when the pod fits, else the
 * reasons of the first failing plugin (the FitError histogram counts those only).
 */
export function filterNode(pod: Pod, info: NodeInfo): FilterFailure | undefined {
  return failureOf(explainNode(pod, info));
}

/** The FilterFailure of explainNode's reasons (the first failing plugin's). */
export function failureOf(reasons: readonly SchedulingReason[]): FilterFailure | undefined {
  if (!reasons.length) return undefined;
  const plugin = reasons[0].plugin;
  return {
    reasons: reasons.filter((r) => r.plugin === plugin).map((r) => r.message),
    unresolvable: UNRESOLVABLE.has(plugin),
  };
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
