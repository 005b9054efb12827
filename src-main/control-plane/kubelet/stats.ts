/**
 * The kubelet's resource statistics: samples the CPU and memory of every running container from
 * the runtime (one cheap one-shot reading each, every ~10 s) and of the node from the OS, keeps
 * a bounded history (1 h at 10 s by default) and answers the Summary API (`/stats/summary`,
 * the shape metrics-server reads) and `/stats/history` (the dashboard's charts).
 * Like cAdvisor + the kubelet's summary provider, reduced to what `kubectl top` and the
 * dashboard use: usageNanoCores, usageCoreNanoSeconds, workingSetBytes, usageBytes.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { realClock, rfc3339, type Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import type { ContainerRuntime, ContainerStatus } from './runtime/runtime';

/** One point of a history: sample time (epoch ms), CPU in nanocores, working set in bytes. */
export interface StatsPoint {
  t: number;
  cpu: number;
  memory: number;
}

/** Options of the collector. */
export interface StatsOptions {
  /** Sampling period; default 10 s. */
  intervalMs?: number;
  /** Points kept per series; default 360 (1 h at 10 s). */
  historyPoints?: number;
  /** Parallel runtime stats calls per sweep; default 4. */
  concurrency?: number;
  clock?: Clock;
}

interface Series {
  podUid: string;
  podName: string;
  namespace: string;
  name: string;
  startedAt: number;
  last?: { t: number; cpuNs: number };
  /** Latest values; cpu needs two samples. */
  cpuNanoCores?: number;
  cpuNs: number;
  workingSet: number;
  usage: number;
  time: number;
  history: StatsPoint[];
  /**
   * The container is no longer running (it exited, was OOM-killed or removed): it leaves the
   * summary, but its history is kept for the charts until it ages out of the window, so the
   * growth before an OOM kill stays visible next to the restarted instance.
   */
  ended?: boolean;
}

/** Ended instances kept per pod and container name (a crash-looping container restarts often). */
const ENDED_KEPT = 3;

/** The pod identity the summary needs (from the kubelet's pod cache). */
export interface PodRef {
  name: string;
  namespace: string;
  uid: string;
  startTime?: string;
}

interface CpuSummary {
  time: string;
  usageNanoCores: number;
  usageCoreNanoSeconds: number;
}
interface MemorySummary {
  time: string;
  usageBytes: number;
  workingSetBytes: number;
  availableBytes?: number;
}

/** Kubernetes Summary API (stats/v1alpha1), the parts Skiff fills. */
export interface Summary {
  node: {
    nodeName: string;
    startTime: string;
    cpu?: CpuSummary;
    memory?: MemorySummary;
  };
  pods: {
    podRef: { name: string; namespace: string; uid: string };
    startTime?: string;
    containers: { name: string; startTime: string; cpu?: CpuSummary; memory?: MemorySummary }[];
    cpu?: CpuSummary;
    memory?: MemorySummary;
  }[];
}

/** Samples and remembers container and node usage. */
export class StatsCollector {
  private readonly series = new Map<string, Series>();
  private readonly nodeHistory: StatsPoint[] = [];
  private nodeLast?: { t: number; busyMs: number; totalMs: number; cores: number };
  private nodeNow?: {
    t: number;
    cpuNanoCores: number;
    cpuNs: number;
    workingSet: number;
    available: number;
    usage: number;
  };
  private nodeCpuNs = 0;
  private readonly intervalMs: number;
  private readonly maxPoints: number;
  private readonly concurrency: number;
  private readonly clock: Clock;
  private timer?: unknown;
  private sweeping?: Promise<void>;
  private readonly bootTime = Date.now() - os.uptime() * 1000;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly log: Logger,
    opts: StatsOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 10_000;
    this.maxPoints = opts.historyPoints ?? 360;
    this.concurrency = opts.concurrency ?? 4;
    this.clock = opts.clock ?? realClock;
  }

  /** Sampling period in ms (the `window` of metrics). */
  get interval(): number {
    return this.intervalMs;
  }

  start(): void {
    const tick = () => {
      this.timer = undefined;
      void this.sweep().finally(() => {
        if (this.running) this.timer = this.clock.setTimeout(tick, this.intervalMs);
      });
    };
    this.running = true;
    this.timer = this.clock.setTimeout(tick, 0);
  }

  private running = false;

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const t of this.followUps) this.clock.clearTimeout(t);
    this.followUps.clear();
    await this.sweeping;
  }

  /**
   * One sampling pass over the running containers and the node (never two at once). A partial
   * pass only samples containers that have no CPU rate yet (new ones), cheaply.
   */
  sweep(partial = false): Promise<void> {
    this.sweeping ??= this.doSweep(partial)
      .catch((err: unknown) => this.log.debug('stats sweep failed', { err: String(err) }))
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async doSweep(partial: boolean): Promise<void> {
    const now = this.clock.now();
    if (!partial) this.sampleNode(now);
    const running = (await this.runtime.listContainers()).filter((c) => c.state === 'running');
    const seen = new Set(running.map((c) => c.id));
    for (const [id, s] of this.series) if (!seen.has(id)) s.ended = true;
    if (!partial) this.forgetEnded(now);
    let fresh = false;
    const queue = partial
      ? running.filter((c) => this.series.get(c.id)?.cpuNanoCores === undefined)
      : [...running];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const st = await this.runtime.containerStats(c.id).catch(() => undefined);
        if (this.sampleContainer(c, now, st, !partial)) fresh = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
    // A container seen for the first time has no CPU rate yet: take its second reading soon,
    // so `kubectl top` shows a new pod within seconds instead of a whole period.
    if (fresh && this.running) {
      const t = this.clock.setTimeout(
        () => {
          this.followUps.delete(t);
          void this.sweep(true);
        },
        Math.min(1_500, this.intervalMs),
      );
      this.followUps.add(t);
    }
  }

  private readonly followUps = new Set<unknown>();

  /** Drops ended series older than the history window, and all but the newest few per container. */
  private forgetEnded(now: number): void {
    const windowMs = this.maxPoints * this.intervalMs;
    const ended = new Map<string, [string, Series][]>();
    for (const [id, s] of this.series) {
      if (!s.ended) continue;
      const last = s.history[s.history.length - 1]?.t ?? s.time;
      if (last < now - windowMs) {
        this.series.delete(id);
        continue;
      }
      const key = `${s.podUid}/${s.name}`;
      (ended.get(key) ?? ended.set(key, []).get(key)!).push([id, s]);
    }
    for (const list of ended.values()) {
      list.sort((a, b) => b[1].startedAt - a[1].startedAt);
      for (const [id] of list.slice(ENDED_KEPT)) this.series.delete(id);
    }
  }

  /** A container just started: sample soon (once per second at most) instead of at the next period. */
  nudge(): void {
    if (!this.running || this.followUps.size) return;
    const t = this.clock.setTimeout(() => {
      this.followUps.delete(t);
      void this.sweep(true);
    }, 1_000);
    this.followUps.add(t);
  }

  /** True when this was the container's first sample. */
  private sampleContainer(
    c: ContainerStatus,
    sweepT: number,
    st: Awaited<ReturnType<ContainerRuntime['containerStats']>>,
    recordHistory: boolean,
  ): boolean {
    if (!st) return false;
    let s = this.series.get(c.id);
    const first = !s;
    if (s) s.ended = false;
    else {
      s = {
        podUid: c.podUid,
        podName: c.podName,
        namespace: c.namespace,
        name: c.name,
        startedAt: c.startedAt ?? c.createdAt,
        cpuNs: 0,
        workingSet: 0,
        usage: 0,
        time: st.timestamp,
        history: [],
      };
      this.series.set(c.id, s);
    }
    if (s.last && st.timestamp > s.last.t) {
      const dtNs = (st.timestamp - s.last.t) * 1e6;
      s.cpuNanoCores = Math.max(0, Math.round(((st.cpuUsageNanos - s.last.cpuNs) / dtNs) * 1e9));
    }
    s.last = { t: st.timestamp, cpuNs: st.cpuUsageNanos };
    s.cpuNs = st.cpuUsageNanos;
    s.workingSet = st.memoryWorkingSetBytes;
    s.usage = st.memoryUsageBytes;
    s.time = st.timestamp;
    if (recordHistory && s.cpuNanoCores !== undefined)
      push(s.history, { t: sweepT, cpu: s.cpuNanoCores, memory: s.workingSet }, this.maxPoints);
    return first;
  }

  private sampleNode(now: number): void {
    const cpus = os.cpus();
    let busy = 0;
    let total = 0;
    for (const c of cpus) {
      const t = c.times;
      const all = t.user + t.nice + t.sys + t.idle + t.irq;
      total += all;
      busy += all - t.idle;
    }
    if (this.nodeLast && total > this.nodeLast.totalMs) {
      const cores = cpus.length;
      // Share of all cores busy × cores = cores in use.
      const usedCores = ((busy - this.nodeLast.busyMs) / (total - this.nodeLast.totalMs)) * cores;
      this.nodeCpuNs += (busy - this.nodeLast.busyMs) * 1e6;
      const { workingSet, available, usage } = this.nodeMemory;
      this.nodeNow = {
        t: now,
        cpuNanoCores: Math.round(usedCores * 1e9),
        cpuNs: this.nodeCpuNs,
        workingSet,
        available,
        usage,
      };
      push(this.nodeHistory, { t: now, cpu: this.nodeNow.cpuNanoCores, memory: workingSet }, this.maxPoints);
    } else if (!this.nodeLast) {
      this.nodeCpuNs = busy * 1e6;
    }
    this.nodeLast = { t: now, busyMs: busy, totalMs: total, cores: cpus.length };
    void this.readMeminfo();
  }

  private nodeMemory = {
    workingSet: os.totalmem() - os.freemem(),
    available: os.freemem(),
    usage: os.totalmem() - os.freemem(),
  };

  /** MemAvailable is the honest "free" on Linux (page cache can be reclaimed). */
  private async readMeminfo(): Promise<void> {
    try {
      const text = await readFile('/proc/meminfo', 'utf8');
      const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN) * 1024;
      const total = kb('MemTotal');
      const available = kb('MemAvailable');
      const free = kb('MemFree');
      if (Number.isFinite(total) && Number.isFinite(available))
        this.nodeMemory = { workingSet: total - available, available, usage: total - free };
    } catch {
      this.nodeMemory = {
        workingSet: os.totalmem() - os.freemem(),
        available: os.freemem(),
        usage: os.totalmem() - os.freemem(),
      };
    }
  }

  /** Node memory figures (also feeds MemoryPressure). */
  nodeMemoryFigures(): { workingSet: number; available: number; total: number } {
    return { ...this.nodeMemory, total: os.totalmem() };
  }

  /** The Summary API document for the given pods (only containers with a CPU rate are shown). */
  summary(nodeName: string, pods: PodRef[]): Summary {
    const byPod = new Map<string, Series[]>();
    for (const s of this.series.values()) {
      if (s.cpuNanoCores === undefined || s.ended) continue;
      (byPod.get(s.podUid) ?? byPod.set(s.podUid, []).get(s.podUid)!).push(s);
    }
    const cpu = (nano: number, ns: number, t: number): CpuSummary => ({
      time: rfc3339(t),
      usageNanoCores: nano,
      usageCoreNanoSeconds: ns,
    });
    const mem = (ws: number, usage: number, t: number): MemorySummary => ({
      time: rfc3339(t),
      usageBytes: usage,
      workingSetBytes: ws,
    });
    const n = this.nodeNow;
    return {
      node: {
        nodeName,
        startTime: rfc3339(this.bootTime),
        ...(n
          ? {
              cpu: cpu(n.cpuNanoCores, n.cpuNs, n.t),
              memory: { ...mem(n.workingSet, n.usage, n.t), availableBytes: n.available },
            }
          : {}),
      },
      pods: pods
        .filter((p) => byPod.has(p.uid))
        .map((p) => {
          const list = byPod.get(p.uid)!;
          // One container instance per name: the newest.
          const latest = new Map<string, Series>();
          for (const s of list)
            if (!latest.has(s.name) || latest.get(s.name)!.startedAt < s.startedAt) latest.set(s.name, s);
          const cs = [...latest.values()].sort((a, b) => a.name.localeCompare(b.name));
          const t = Math.max(...cs.map((s) => s.time));
          return {
            podRef: { name: p.name, namespace: p.namespace, uid: p.uid },
            startTime: p.startTime,
            containers: cs.map((s) => ({
              name: s.name,
              startTime: rfc3339(s.startedAt),
              cpu: cpu(s.cpuNanoCores!, s.cpuNs, s.time),
              memory: mem(s.workingSet, s.usage, s.time),
            })),
            cpu: cpu(
              sum(cs, (s) => s.cpuNanoCores!),
              sum(cs, (s) => s.cpuNs),
              t,
            ),
            memory: mem(
              sum(cs, (s) => s.workingSet),
              sum(cs, (s) => s.usage),
              t,
            ),
          };
        }),
    };
  }

  /**
   * History for the dashboard: the node's when no pod is given; a pod's containers and their
   * sum otherwise (optionally one container). Points are oldest first, `since` (epoch ms) filters.
   * A restarted container has one series per instance still in the window (same name, oldest
   * instance first).
   */
  history(q: { podUid?: string; container?: string; since?: number }): {
    intervalSeconds: number;
    series: { name: string; points: StatsPoint[] }[];
  } {
    const since = q.since ?? 0;
    const pick = (pts: StatsPoint[]) => pts.filter((p) => p.t >= since);
    const intervalSeconds = this.intervalMs / 1000;
    if (!q.podUid) return { intervalSeconds, series: [{ name: 'node', points: pick(this.nodeHistory) }] };
    const list = [...this.series.values()]
      .filter((s) => s.podUid === q.podUid && (!q.container || s.name === q.container))
      .sort((a, b) => a.startedAt - b.startedAt);
    const series = list.map((s) => ({ name: s.name, points: pick(s.history) }));
    const total = new Map<number, StatsPoint>();
    for (const s of series)
      for (const p of s.points) {
        const acc = total.get(p.t) ?? { t: p.t, cpu: 0, memory: 0 };
        acc.cpu += p.cpu;
        acc.memory += p.memory;
        total.set(p.t, acc);
      }
    if (new Set(series.map((s) => s.name)).size > 1)
      series.push({ name: 'pod', points: [...total.values()].sort((a, b) => a.t - b.t) });
    return { intervalSeconds, series };
  }
}

function push(list: StatsPoint[], p: StatsPoint, max: number): void {
  list.push(p);
  if (list.length > max) list.splice(0, list.length - max);
}

function sum<T>(list: T[], f: (x: T) => number): number {
  return list.reduce((a, x) => a + f(x), 0);
}
