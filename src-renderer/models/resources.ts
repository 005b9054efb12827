/**
 * The Resources (limits) page's model: every container's requests, limits and usage with
 * k9s's %CPU/R, %CPU/L, %MEM/R, %MEM/L; the flags worth a highlight (no limits, OOMKilled,
 * running at its CPU limit); node allocation; quota bars; and the "does it still fit" check
 * for a requests/limits edit, computed as the scheduler's resource filter would.
 */
import type { Container, Node, Pod } from './kube';
import { parseQuantity } from './format';

/** metrics.k8s.io/v1beta1 PodMetrics, as far as read here. */
export interface PodMetrics {
  metadata: { name?: string; namespace?: string };
  timestamp?: string;
  containers: { name: string; usage: { cpu?: string; memory?: string } }[];
}

/** metrics.k8s.io/v1beta1 NodeMetrics. */
export interface NodeMetrics {
  metadata: { name?: string };
  timestamp?: string;
  usage: { cpu?: string; memory?: string };
}

/** CPU in cores and memory in bytes (NaN = not set). */
export interface CpuMem {
  cpu: number;
  memory: number;
}

/** One row of the containers table. */
export interface ContainerRow {
  key: string;
  namespace: string;
  pod: string;
  container: string;
  node: string;
  requests: CpuMem;
  limits: CpuMem;
  /** Usage from PodMetrics; NaN when there are none (yet). */
  used: CpuMem;
  cpuOfRequest: number;
  cpuOfLimit: number;
  memOfRequest: number;
  memOfLimit: number;
  noLimits: boolean;
  oomKilled: boolean;
  /** CPU use at ≥ 90% of the limit: the cgroup throttles it. */
  throttled: boolean;
  restarts: number;
  podObj: Pod;
}

const num = (q: unknown): number => (typeof q === 'string' || typeof q === 'number' ? parseQuantity(q) : NaN);

/** Requests and limits of a container; a limit without a request requests the limit (defaulting). */
export function containerRequestsLimits(c: Container): { requests: CpuMem; limits: CpuMem } {
  const r = c.resources ?? {};
  const limits = { cpu: num(r.limits?.cpu), memory: num(r.limits?.memory) };
  const requests = {
    cpu: num(r.requests?.cpu ?? r.limits?.cpu),
    memory: num(r.requests?.memory ?? r.limits?.memory),
  };
  return { requests, limits };
}

/** part / whole as a percentage, NaN when either is unknown or whole is 0. */
export function pct(part: number, whole: number): number {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0) return NaN;
  return (part / whole) * 100;
}

function isTerminated(p: Pod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

export function containerRows(
  pods: readonly Pod[],
  metrics: ReadonlyMap<string, PodMetrics>,
): ContainerRow[] {
  const rows: ContainerRow[] = [];
  for (const p of pods) {
    if (isTerminated(p)) continue;
    const ns = p.metadata.namespace ?? '';
    const name = p.metadata.name ?? '';
    const m = metrics.get(`${ns}/${name}`);
    for (const c of p.spec?.containers ?? []) {
      const { requests, limits } = containerRequestsLimits(c);
      const u = m?.containers.find((x) => x.name === c.name)?.usage;
      const used = { cpu: num(u?.cpu), memory: num(u?.memory) };
      const st = p.status?.containerStatuses?.find((s) => s.name === c.name);
      const oom =
        st?.lastState?.terminated?.reason === 'OOMKilled' || st?.state?.terminated?.reason === 'OOMKilled';
      const cpuOfLimit = pct(used.cpu, limits.cpu);
      rows.push({
        key: `${ns}/${name}/${c.name}`,
        namespace: ns,
        pod: name,
        container: c.name,
        node: p.spec?.nodeName ?? '',
        requests,
        limits,
        used,
        cpuOfRequest: pct(used.cpu, requests.cpu),
        cpuOfLimit,
        memOfRequest: pct(used.memory, requests.memory),
        memOfLimit: pct(used.memory, limits.memory),
        noLimits: Number.isNaN(limits.cpu) || Number.isNaN(limits.memory),
        oomKilled: oom,
        throttled: cpuOfLimit >= 90,
        restarts: st?.restartCount ?? 0,
        podObj: p,
      });
    }
  }
  return rows;
}

/** Allocation of one node: allocatable, summed requests and limits of its pods, and usage. */
export interface NodeAllocation {
  name: string;
  allocatable: CpuMem;
  requests: CpuMem;
  limits: CpuMem;
  used: CpuMem;
  pods: number;
  maxPods: number;
}

export function nodeAllocations(
  nodes: readonly Node[],
  pods: readonly Pod[],
  nodeMetrics: ReadonlyMap<string, NodeMetrics>,
): NodeAllocation[] {
  return nodes.map((n) => {
    const name = n.metadata.name ?? '';
    const a: NodeAllocation = {
      name,
      allocatable: { cpu: num(n.status?.allocatable?.cpu), memory: num(n.status?.allocatable?.memory) },
      requests: { cpu: 0, memory: 0 },
      limits: { cpu: 0, memory: 0 },
      used: { cpu: num(nodeMetrics.get(name)?.usage.cpu), memory: num(nodeMetrics.get(name)?.usage.memory) },
      pods: 0,
      maxPods: num(n.status?.allocatable?.pods),
    };
    for (const p of pods) {
      if (p.spec?.nodeName !== name || isTerminated(p)) continue;
      a.pods++;
      for (const c of p.spec?.containers ?? []) {
        const { requests, limits } = containerRequestsLimits(c);
        if (!Number.isNaN(requests.cpu)) a.requests.cpu += requests.cpu;
        if (!Number.isNaN(requests.memory)) a.requests.memory += requests.memory;
        if (!Number.isNaN(limits.cpu)) a.limits.cpu += limits.cpu;
        if (!Number.isNaN(limits.memory)) a.limits.memory += limits.memory;
      }
    }
    return a;
  });
}

/** Requests a pod would make (sum over containers; limits default requests). */
export function podRequests(containers: readonly Container[]): CpuMem {
  const out = { cpu: 0, memory: 0 };
  for (const c of containers) {
    const { requests } = containerRequestsLimits(c);
    if (!Number.isNaN(requests.cpu)) out.cpu += requests.cpu;
    if (!Number.isNaN(requests.memory)) out.memory += requests.memory;
  }
  return out;
}

/** Where a pod of the given requests fits, node by node. */
export interface FitResult {
  /** True when every replica finds room (greedily, node by node). */
  fits: boolean;
  /** How many of the replicas fit in total. */
  placeable: number;
  nodes: { name: string; free: CpuMem; count: number; reason?: string }[];
}

/**
 * Would `replicas` pods requesting `request` fit on the nodes, once the pods in `replacing`
 * (the ones the change replaces: a Deployment's current pods) are gone? Like the scheduler's
 * NodeResourcesFit filter: allocatable minus the requests of the other pods bound to the node.
 * Unschedulable (cordoned) nodes take nothing.
 */
export function fitsOnNodes(
  nodes: readonly Node[],
  pods: readonly Pod[],
  request: CpuMem,
  replicas: number,
  replacing: ReadonlySet<string> = new Set(),
): FitResult {
  let left = Math.max(0, replicas);
  let placeable = 0;
  const out: FitResult['nodes'] = [];
  for (const n of nodes) {
    const name = n.metadata.name ?? '';
    const others = pods.filter((p) => !replacing.has(`${p.metadata.namespace}/${p.metadata.name}`));
    const a = nodeAllocations([n], others, new Map())[0];
    const free = {
      cpu: (Number.isNaN(a.allocatable.cpu) ? 0 : a.allocatable.cpu) - a.requests.cpu,
      memory: (Number.isNaN(a.allocatable.memory) ? 0 : a.allocatable.memory) - a.requests.memory,
    };
    const podRoom = Number.isNaN(a.maxPods) ? Infinity : a.maxPods - a.pods;
    let count: number;
    let reason: string | undefined;
    if (n.spec?.unschedulable) {
      count = 0;
      reason = 'cordoned';
    } else {
      const byCpu = request.cpu > 0 ? Math.floor((free.cpu + 1e-9) / request.cpu) : Infinity;
      const byMem = request.memory > 0 ? Math.floor((free.memory + 0.5) / request.memory) : Infinity;
      count = Math.max(0, Math.min(byCpu, byMem, podRoom));
      if (count === 0)
        reason = byCpu < 1 ? 'Insufficient cpu' : byMem < 1 ? 'Insufficient memory' : 'Too many pods';
    }
    const take = Math.min(left, count);
    left -= take;
    placeable += take;
    out.push({ name, free, count, reason });
  }
  return { fits: left === 0, placeable, nodes: out };
}

/** One quota line: a resource's used vs hard. */
export interface QuotaLine {
  resource: string;
  used: number;
  hard: number;
  usedText: string;
  hardText: string;
  pct: number;
}

/** ResourceQuota status as bars (spec.hard when status is not there yet). */
export function quotaLines(q: {
  spec?: { hard?: Record<string, unknown> };
  status?: { hard?: Record<string, unknown>; used?: Record<string, unknown> };
}): QuotaLine[] {
  const hard = (q.status?.hard ?? q.spec?.hard ?? {}) as Record<string, string>;
  const used = (q.status?.used ?? {}) as Record<string, string>;
  return Object.keys(hard)
    .sort()
    .map((r) => {
      const h = num(hard[r]);
      const u = num(used[r] ?? '0');
      return {
        resource: r,
        used: u,
        hard: h,
        usedText: String(used[r] ?? '0'),
        hardText: String(hard[r]),
        pct: pct(u, h),
      };
    });
}

/** What a requests/limits edit sets: '' removes the value. */
export interface ResourceEdit {
  cpuRequest: string;
  cpuLimit: string;
  memoryRequest: string;
  memoryLimit: string;
}

/** The current values of a container as an edit. */
export function editOf(c: Container): ResourceEdit {
  const r = c.resources ?? {};
  const s = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  return {
    cpuRequest: s(r.requests?.cpu),
    cpuLimit: s(r.limits?.cpu),
    memoryRequest: s(r.requests?.memory),
    memoryLimit: s(r.limits?.memory),
  };
}

/** Problems with an edit, by field (quantities, request ≤ limit). */
export function validateEdit(e: ResourceEdit): Partial<Record<keyof ResourceEdit, string>> {
  const out: Partial<Record<keyof ResourceEdit, string>> = {};
  for (const k of Object.keys(e) as (keyof ResourceEdit)[]) {
    const v = e[k].trim();
    if (v && (Number.isNaN(parseQuantity(v)) || parseQuantity(v) < 0))
      out[k] = k.startsWith('cpu') ? 'A CPU quantity like 250m or 1.' : 'A memory quantity like 128Mi.';
  }
  if (!out.cpuRequest && !out.cpuLimit && e.cpuRequest.trim() && e.cpuLimit.trim())
    if (parseQuantity(e.cpuRequest) > parseQuantity(e.cpuLimit))
      out.cpuRequest = 'Must not exceed the limit.';
  if (!out.memoryRequest && !out.memoryLimit && e.memoryRequest.trim() && e.memoryLimit.trim())
    if (parseQuantity(e.memoryRequest) > parseQuantity(e.memoryLimit))
      out.memoryRequest = 'Must not exceed the limit.';
  if (e.memoryLimit.trim() && !out.memoryLimit && parseQuantity(e.memoryLimit) < 6 * 2 ** 20)
    out.memoryLimit = 'Docker needs at least 6Mi.';
  return out;
}

/** The container with the edit applied (for the fit check). */
export function applyEdit(c: Container, e: ResourceEdit): Container {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (e.cpuRequest.trim()) requests.cpu = e.cpuRequest.trim();
  if (e.memoryRequest.trim()) requests.memory = e.memoryRequest.trim();
  if (e.cpuLimit.trim()) limits.cpu = e.cpuLimit.trim();
  if (e.memoryLimit.trim()) limits.memory = e.memoryLimit.trim();
  return { ...c, resources: { requests, limits } };
}

/**
 * The strategic-merge patch of one container's resources: containers merge by name; a cleared
 * field is deleted with null. `template` patches a workload's pod template, else a pod.
 */
export function resourcesPatch(
  container: string,
  e: ResourceEdit,
  template: boolean,
): Record<string, unknown> {
  const v = (s: string) => (s.trim() ? s.trim() : null);
  const resources = {
    requests: { cpu: v(e.cpuRequest), memory: v(e.memoryRequest) },
    limits: { cpu: v(e.cpuLimit), memory: v(e.memoryLimit) },
  };
  const spec = { containers: [{ name: container, resources }] };
  return template ? { spec: { template: { spec } } } : { spec };
}
