/**
 * A workload's usage chart, pure over the per-pod series: each pod's total (its containers'
 * sum), the workload's total over time (the sum over its pods, including pods that were
 * replaced during the hour: a rollout shows as the old pods' usage handing over to the new
 * ones), the sum of its current pods' requests and limits, and the pods' terminations as marks.
 */
import type { Pod } from './kube';
import type { PodMetrics } from './resources';
import { containerRequestsLimits } from './resources';
import { parseQuantity } from './format';
import { terminationMarks, type UsageMark, type UsagePoint } from './usage-chart';

/** One pod's points for `sumSeries`; `live` = the pod still exists (its samples keep coming). */
export interface SeriesInput {
  points: readonly UsagePoint[];
  live: boolean;
}

/**
 * Sums point lists sampled on a shared cadence but not in phase (pods on their kubelet's
 * sweep, live metrics.k8s.io samples with each pod's own timestamp): samples are put on a grid
 * of `slotMs` (nearest slot), and a list with no sample in a slot counts with its previous
 * sample when that is at most `carryMs` old, so a late or missed sample does not show as a dip.
 * A list counts nothing before its first sample, and after its last only while it is `live`
 * (an ended pod stops counting at its last sample). Oldest first, one point per slot.
 */
export function sumSeries(lists: readonly SeriesInput[], slotMs: number, carryMs = 2 * slotMs): UsagePoint[] {
  const step = slotMs > 0 ? slotMs : 1;
  const slotted = lists.map((l) => {
    const m = new Map<number, UsagePoint>();
    for (const p of l.points) m.set(Math.round(p.t / step), p);
    return { m, lastSlot: Math.max(...m.keys()), live: l.live };
  });
  const slots = [...new Set(slotted.flatMap((x) => [...x.m.keys()]))].sort((a, b) => a - b);
  const prev: ({ slot: number; p: UsagePoint } | undefined)[] = slotted.map(() => undefined);
  const out: UsagePoint[] = [];
  for (const s of slots) {
    let cpu = 0;
    let memory = 0;
    slotted.forEach((x, i) => {
      const here = x.m.get(s);
      if (here) prev[i] = { slot: s, p: here };
      const last = prev[i];
      const carried =
        !here && last && (s - last.slot) * step <= carryMs && (x.live || s <= x.lastSlot)
          ? last.p
          : undefined;
      const use = here ?? carried;
      if (use) {
        cpu += use.cpu;
        memory += use.memory;
      }
    });
    out.push({ t: s * step, cpu, memory });
  }
  return out;
}

/**
 * One pod's total from its `/stats/history` series: the kubelet's `pod` series when it sent
 * one (several containers), else the sum of its container series.
 */
export function podTotal(
  series: ReadonlyMap<string, readonly UsagePoint[]>,
  intervalMs: number,
): UsagePoint[] {
  const pod = series.get('pod');
  if (pod) return [...pod];
  const lists = [...series.values()];
  if (lists.length === 1) return [...lists[0]!];
  return sumSeries(
    lists.map((points) => ({ points, live: true })),
    intervalMs,
  );
}

/** One pod's point of a metrics.k8s.io sample (its containers summed), for appending live. */
export function podPointFromMetrics(m: PodMetrics | undefined): UsagePoint | undefined {
  const t = m?.timestamp ? Date.parse(m.timestamp) : NaN;
  if (!m || !Number.isFinite(t) || !m.containers?.length) return undefined;
  let cpu = 0;
  let memory = 0;
  for (const c of m.containers) {
    const ccpu = parseQuantity(c.usage.cpu);
    const cmem = parseQuantity(c.usage.memory);
    if (!Number.isFinite(ccpu) || !Number.isFinite(cmem)) return undefined;
    cpu += ccpu;
    memory += cmem;
  }
  return { t, cpu, memory };
}

/** Base units: cores and bytes; NaN = not set. */
export interface WorkloadResources {
  requests: { cpu: number; memory: number };
  limits: { cpu: number; memory: number };
}

/**
 * The sum of the pods' requests and limits (the lines the total is drawn against). A request
 * sums what is set (NaN when no container sets one); a limit is a limit of the whole only when
 * every container has one, so one unlimited container makes the total limit NaN.
 */
export function workloadResources(pods: readonly Pod[]): WorkloadResources {
  const sum = { rc: 0, rm: 0, lc: 0, lm: 0 };
  const seen = { rc: false, rm: false, lc: true, lm: true };
  let any = false;
  for (const p of pods) {
    for (const c of p.spec?.containers ?? []) {
      any = true;
      const { requests, limits } = containerRequestsLimits(c);
      if (Number.isFinite(requests.cpu)) {
        sum.rc += requests.cpu;
        seen.rc = true;
      }
      if (Number.isFinite(requests.memory)) {
        sum.rm += requests.memory;
        seen.rm = true;
      }
      if (Number.isFinite(limits.cpu)) sum.lc += limits.cpu;
      else seen.lc = false;
      if (Number.isFinite(limits.memory)) sum.lm += limits.memory;
      else seen.lm = false;
    }
  }
  return {
    requests: { cpu: seen.rc ? sum.rc : NaN, memory: seen.rm ? sum.rm : NaN },
    limits: { cpu: any && seen.lc ? sum.lc : NaN, memory: any && seen.lm ? sum.lm : NaN },
  };
}

/** The pods' terminations, each named `pod/container`, added to the `known` ones, oldest first. */
export function workloadMarks(pods: readonly Pod[], known: readonly UsageMark[] = []): UsageMark[] {
  const byKey = new Map(known.map((m) => [`${m.container}@${m.t}`, m]));
  for (const p of pods) {
    for (const m of terminationMarks(p)) {
      const container = `${p.metadata.name ?? ''}/${m.container}`;
      byKey.set(`${container}@${m.t}`, { ...m, container });
    }
  }
  return [...byKey.values()].sort((a, b) => a.t - b.t);
}

/** Which pods a workload chart reads the history of: running on a node, newest first, capped. */
export function chartedPods(pods: readonly Pod[], max: number): Pod[] {
  return pods
    .filter((p) => !!p.spec?.nodeName && !!p.metadata.uid)
    .sort(
      (a, b) =>
        (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') ||
        (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    )
    .slice(0, max);
}
