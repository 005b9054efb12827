/**
 * The usage charts' model, pure over JSON: the kubelet's `/stats/history` document (read through
 * the API server's nodes/proxy subresource), merging it with live metrics.k8s.io samples, the
 * restart and OOMKilled marks from container statuses, and one chart's data in display units
 * (MiB/GiB, millicores/cores) with its request and limit lines, gaps and a y-range that keeps
 * both lines on screen. The chart component only draws what this returns.
 */
import type { ContainerStatus, Pod } from './kube';
import type { NodeMetrics, PodMetrics } from './resources';
import { parseQuantity } from './format';

/** How far back the charts look: the kubelet keeps 1 h (360 points at 10 s). */
export const USAGE_WINDOW_MS = 60 * 60 * 1000;

/** One sample of one container: epoch ms, CPU in cores, working set in bytes. */
export interface UsagePoint {
  t: number;
  cpu: number;
  memory: number;
}

/** `/stats/history` of one pod: per container series (plus `pod`, their sum, when several). */
export interface UsageHistory {
  intervalMs: number;
  series: ReadonlyMap<string, readonly UsagePoint[]>;
}

/** The API path of a pod's history on its node's kubelet (nodes/proxy), optionally since a time. */
export function historyPath(node: string, namespace: string, pod: string, since?: number): string {
  const q = new URLSearchParams({ namespace, pod });
  if (since !== undefined) q.set('since', String(Math.floor(since)));
  return `/api/v1/nodes/${encodeURIComponent(node)}/proxy/stats/history?${q.toString()}`;
}

/** The API path of a node's own history (series `node`). */
export function nodeHistoryPath(node: string): string {
  return `/api/v1/nodes/${encodeURIComponent(node)}/proxy/stats/history`;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Reads the kubelet's answer (`{ intervalSeconds, series: [{ name, points: [{ t, cpu, memory }] }] }`,
 * cpu in nanocores) into cores and bytes. Throws a readable error on any other shape, so a
 * proxy or a foreign kubelet answering something else is reported rather than drawn as zeros.
 */
export function parseUsageHistory(doc: unknown): UsageHistory {
  const bad = (what: string) => new Error(`unexpected /stats/history answer: ${what}`);
  if (!doc || typeof doc !== 'object') throw bad('not a JSON object');
  const d = doc as { intervalSeconds?: unknown; series?: unknown };
  if (!isNum(d.intervalSeconds) || d.intervalSeconds <= 0) throw bad('no intervalSeconds');
  if (!Array.isArray(d.series)) throw bad('no series list');
  const series = new Map<string, UsagePoint[]>();
  for (const s of d.series as unknown[]) {
    const { name, points } = (s ?? {}) as { name?: unknown; points?: unknown };
    if (typeof name !== 'string' || !Array.isArray(points)) throw bad('a series without name or points');
    const list: UsagePoint[] = [];
    for (const p of points as unknown[]) {
      const { t, cpu, memory } = (p ?? {}) as Record<string, unknown>;
      if (!isNum(t) || !isNum(cpu) || !isNum(memory)) throw bad(`a point of ${name} is not {t, cpu, memory}`);
      list.push({ t, cpu: cpu / 1e9, memory });
    }
    list.sort((a, b) => a.t - b.t);
    // Two runtime instances of one name (a restart between two samples): merge them.
    series.set(name, mergePoints(series.get(name) ?? [], list));
  }
  return { intervalMs: d.intervalSeconds * 1000, series };
}

/**
 * The union of two oldest-first point lists: `a` is what is kept so far, `b` what arrives. A
 * point of `b` within `minGapMs` of one of `a` is the same sample seen twice (through the
 * history and through metrics.k8s.io, whose timestamps are rounded to the second): `a`'s is
 * kept. Only the `windowMs` before the newest point stay.
 */
export function mergePoints(
  a: readonly UsagePoint[],
  b: readonly UsagePoint[],
  opts: { minGapMs?: number; windowMs?: number } = {},
): UsagePoint[] {
  const minGap = opts.minGapMs ?? 0;
  const window = opts.windowMs ?? USAGE_WINDOW_MS;
  const all = [...a.map((p) => ({ p, rank: 0 })), ...b.map((p) => ({ p, rank: 1 }))].sort(
    (x, y) => x.p.t - y.p.t || x.rank - y.rank,
  );
  const out: { p: UsagePoint; rank: number }[] = [];
  for (const e of all) {
    const last = out[out.length - 1];
    if (last && e.p.t - last.p.t <= minGap) {
      if (last.rank === 1 && e.rank === 0) out[out.length - 1] = e;
      continue;
    }
    out.push(e);
  }
  const newest = out[out.length - 1]?.p.t ?? 0;
  const from = out.findIndex((e) => e.p.t >= newest - window);
  return (from > 0 ? out.slice(from) : out).map((e) => e.p);
}

/** Per-container points of one PodMetrics sample (its `timestamp`), for appending live. */
export function pointsFromMetrics(m: PodMetrics | undefined): Map<string, UsagePoint> {
  const out = new Map<string, UsagePoint>();
  const t = m?.timestamp ? Date.parse(m.timestamp) : NaN;
  if (!m || !Number.isFinite(t)) return out;
  for (const c of m.containers ?? []) {
    const cpu = parseQuantity(c.usage.cpu);
    const memory = parseQuantity(c.usage.memory);
    if (Number.isFinite(cpu) && Number.isFinite(memory)) out.set(c.name, { t, cpu, memory });
  }
  return out;
}

/** The node's point of one NodeMetrics sample (series `node`), for appending live. */
export function pointsFromNodeMetrics(m: NodeMetrics | undefined): Map<string, UsagePoint> {
  const t = m?.timestamp ? Date.parse(m.timestamp) : NaN;
  if (!m || !Number.isFinite(t)) return new Map();
  const cpu = parseQuantity(m.usage.cpu);
  const memory = parseQuantity(m.usage.memory);
  return Number.isFinite(cpu) && Number.isFinite(memory)
    ? new Map([['node', { t, cpu, memory }]])
    : new Map();
}

/** A container's end drawn on its charts: OOMKilled (distinct), or any other termination. */
export interface UsageMark {
  t: number;
  container: string;
  kind: 'oom' | 'restart';
  /** Kubernetes' reason: OOMKilled, Error, Completed… */
  reason: string;
  exitCode?: number;
}

/**
 * Terminations known from the pod's container statuses (lastState.terminated, and
 * state.terminated for a container that stopped for good), added to the `known` ones: the
 * status only keeps the latest termination, so a panel that stays open collects each one it
 * sees. One mark per container and finish time, oldest first.
 */
export function terminationMarks(pod: Pod | undefined, known: readonly UsageMark[] = []): UsageMark[] {
  const byKey = new Map(known.map((m) => [`${m.container}@${m.t}`, m]));
  const statuses: ContainerStatus[] = pod?.status?.containerStatuses ?? [];
  for (const s of statuses) {
    for (const term of [s.lastState?.terminated, s.state?.terminated]) {
      const t = term?.finishedAt ? Date.parse(term.finishedAt) : NaN;
      if (!term || !Number.isFinite(t)) continue;
      const reason = term.reason || (term.exitCode === 0 ? 'Completed' : 'Error');
      byKey.set(`${s.name}@${t}`, {
        t,
        container: s.name,
        kind: reason === 'OOMKilled' ? 'oom' : 'restart',
        reason,
        exitCode: term.exitCode,
      });
    }
  }
  return [...byKey.values()].sort((a, b) => a.t - b.t);
}

/** What a chart shows. */
export type UsageMetric = 'cpu' | 'memory';

/** A display unit: values are divided by `factor` (base units: cores, bytes). */
export interface UsageUnit {
  label: string;
  factor: number;
}

const MI = 2 ** 20;
const GI = 2 ** 30;

/** The unit a chart whose largest value is `max` (base units) is drawn in. */
export function unitFor(metric: UsageMetric, max: number): UsageUnit {
  if (metric === 'memory') return max >= 2 * GI ? { label: 'GiB', factor: GI } : { label: 'MiB', factor: MI };
  return max >= 2 ? { label: 'cores', factor: 1 } : { label: 'm', factor: 1e-3 };
}

/** A value in base units as text: "41.3 MiB", "1.25 GiB", "250m", "1.5 cores". */
export function formatUsage(metric: UsageMetric, v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (metric === 'memory') {
    if (v >= GI) return `${trim(v / GI, 2)} GiB`;
    if (v >= MI) return `${trim(v / MI, v >= 100 * MI ? 0 : 1)} MiB`;
    if (v >= 1024) return `${Math.round(v / 1024)} KiB`;
    return `${Math.round(v)} B`;
  }
  if (v >= 1) return `${trim(v, 2)} ${v === 1 ? 'core' : 'cores'}`;
  const m = v * 1000;
  return `${m >= 10 || m === 0 ? Math.round(m) : trim(m, 1)}m`;
}

/** An axis tick (display units) as text, with the unit. */
export function formatTick(unit: UsageUnit, v: number): string {
  const n = Math.abs(v) >= 100 || Number.isInteger(v) ? Math.round(v) : trim(v, 2);
  if (unit.label === 'm') return `${n}m`;
  return unit.label === 'cores' && v === 1 ? '1 core' : `${n} ${unit.label}`;
}

function trim(v: number, digits: number): string {
  return String(Number(v.toFixed(digits)));
}

const NICE = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k) that is ≥ v (v > 0). */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const k = 10 ** Math.floor(Math.log10(v));
  for (const m of NICE) if (m * k >= v * (1 - 1e-9)) return Number((m * k).toPrecision(6));
  return 10 * k;
}

/** One chart's data, in display units; x in epoch seconds (uPlot's time scale). */
export interface UsageChartData {
  metric: UsageMetric;
  unit: UsageUnit;
  /** Sample times; a `null` value right after a gap breaks the line. */
  xs: number[];
  ys: (number | null)[];
  request: number | null;
  limit: number | null;
  labels: { request: string; limit: string };
  /** The x range drawn: the samples, widened to the marks inside the window. */
  xRange: [number, number];
  /** 0 … a round number above the data, the request and the limit. */
  yMax: number;
  marks: UsageMark[];
  /** The newest value, in base units (for the legend). */
  latest: number | null;
  /** The highest value, in base units. */
  peak: number | null;
}

/**
 * Builds one chart: the points of one container (or the pod), the request and limit of that
 * metric (base units, NaN = not set) and its marks. Samples further apart than 2.5 intervals
 * (the kubelet's, or the live samples' when slower) get a null between them so the line
 * breaks there: the container was not running, or nobody was looking. The line also breaks
 * at each mark (two instances of the container are not one line).
 */
export function buildUsageChart(
  metric: UsageMetric,
  points: readonly UsagePoint[],
  resources: { request: number; limit: number },
  marks: readonly UsageMark[],
  opts: {
    intervalMs: number;
    liveIntervalMs?: number;
    windowMs?: number;
    /** What the two lines are called (a node's: requested, allocatable). */
    labels?: { request: string; limit: string };
  },
): UsageChartData {
  const window = opts.windowMs ?? USAGE_WINDOW_MS;
  const values = points.map((p) => (metric === 'cpu' ? p.cpu : p.memory));
  const request = Number.isFinite(resources.request) && resources.request > 0 ? resources.request : null;
  const limit = Number.isFinite(resources.limit) && resources.limit > 0 ? resources.limit : null;
  const peak = values.length ? Math.max(...values) : null;
  const top = Math.max(peak ?? 0, request ?? 0, limit ?? 0);
  const unit = unitFor(metric, top);
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  // Live points arrive at the metrics cadence, which may be slower than the kubelet's sampling.
  const gap = Math.max(opts.intervalMs, opts.liveIntervalMs ?? 0) * 2.5;
  const ends = marks.map((m) => m.t);
  points.forEach((p, i) => {
    const prev = points[i - 1];
    // A termination between two samples: one instance ended, the next started; no line joins them.
    if (prev && (p.t - prev.t > gap || ends.some((t) => t > prev.t && t <= p.t))) {
      xs.push((prev.t + p.t) / 2000);
      ys.push(null);
    }
    xs.push(p.t / 1000);
    ys.push(values[i]! / unit.factor);
  });
  const newest = points.length ? points[points.length - 1]!.t : 0;
  const shown = marks.filter((m) => !points.length || (m.t >= newest - window && m.t <= newest + window));
  const times = [...points.map((p) => p.t), ...shown.map((m) => m.t)];
  let xRange: [number, number] = times.length
    ? [Math.min(...times) / 1000, Math.max(...times) / 1000]
    : [0, 1];
  // At least a few intervals wide, so two first samples do not fill the whole chart.
  const minSpan = Math.max(10, (opts.intervalMs / 1000) * 5);
  if (xRange[1] - xRange[0] < minSpan) xRange = [xRange[1] - minSpan, xRange[1]];
  const floor = metric === 'memory' ? MI : 0.01;
  // Rounded in the display unit, so the top tick reads "50 MiB", not "47.7 MiB".
  const yMax = niceCeil((Math.max(top, floor) * 1.1) / unit.factor);
  return {
    metric,
    unit,
    xs,
    ys,
    request: request === null ? null : request / unit.factor,
    limit: limit === null ? null : limit / unit.factor,
    labels: opts.labels ?? { request: 'request', limit: 'limit' },
    xRange,
    yMax,
    marks: shown,
    latest: values.length ? values[values.length - 1]! : null,
    peak,
  };
}

/** A chart's colours, per page theme (kept with the usage bars' hues: used green, limit violet). */
export interface UsageChartPalette {
  usage: string;
  usageFill: string;
  request: string;
  limit: string;
  oom: string;
  restart: string;
  axis: string;
  grid: string;
  tooltipBg: string;
  tooltipText: string;
  tooltipBorder: string;
}

export function usageChartPalette(dark: boolean): UsageChartPalette {
  return dark
    ? {
        usage: '#3fb97a',
        usageFill: 'rgba(63, 185, 122, 0.16)',
        request: '#5b9dff',
        limit: '#a78bfa',
        oom: '#f06a6a',
        restart: '#e0a030',
        axis: 'rgba(255, 255, 255, 0.55)',
        grid: 'rgba(255, 255, 255, 0.07)',
        tooltipBg: '#262a33',
        tooltipText: '#e6e8ec',
        tooltipBorder: 'rgba(255, 255, 255, 0.12)',
      }
    : {
        usage: '#16a34a',
        usageFill: 'rgba(22, 163, 74, 0.12)',
        request: '#2463eb',
        limit: '#7c3aed',
        oom: '#dc2626',
        restart: '#d97706',
        axis: 'rgba(0, 0, 0, 0.55)',
        grid: 'rgba(0, 0, 0, 0.06)',
        tooltipBg: '#ffffff',
        tooltipText: '#1f2329',
        tooltipBorder: 'rgba(0, 0, 0, 0.12)',
      };
}
