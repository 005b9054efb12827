/**
 * The kubelet's stats history across a container restart, over a minimal runtime (only the two
 * calls the collector makes): the ended instance leaves the Summary API but keeps its history
 * for the charts until it ages out of the window; only a few ended instances are kept.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src-main/common/logger';
import { StatsCollector } from '../../../src-main/control-plane/kubelet/stats';
import type {
  ContainerRuntime,
  ContainerStats,
  ContainerStatus,
} from '../../../src-main/control-plane/kubelet/runtime/runtime';
import { FakeClock } from '../helpers/fake-api';

const MI = 2 ** 20;

/** Containers of one pod `p` (uid u1), each with a working set the test sets. */
class StatsRuntime {
  readonly running = new Map<string, { startedAt: number; memory: number; cpuNs: number }>();
  constructor(private readonly clock: FakeClock) {}
  async listContainers(): Promise<ContainerStatus[]> {
    return [...this.running].map(([id, c]) => ({
      id,
      sandboxId: 'sb',
      podUid: 'u1',
      podName: 'p',
      namespace: 'd',
      name: 'app',
      attempt: 0,
      state: 'running',
      createdAt: c.startedAt,
      startedAt: c.startedAt,
      image: 'x',
      imageId: 'sha256:x',
      labels: {},
    }));
  }
  async containerStats(id: string): Promise<ContainerStats | undefined> {
    const c = this.running.get(id);
    if (!c) return undefined;
    c.cpuNs += 1e8;
    return {
      timestamp: this.clock.now(),
      cpuUsageNanos: c.cpuNs,
      memoryUsageBytes: c.memory,
      memoryWorkingSetBytes: c.memory,
    };
  }
}

function setup() {
  const clock = new FakeClock();
  const rt = new StatsRuntime(clock);
  const stats = new StatsCollector(rt as unknown as ContainerRuntime, silentLogger, {
    intervalMs: 1000,
    historyPoints: 10,
    clock,
  });
  const sweep = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await stats.sweep();
      await clock.advance(1000);
    }
  };
  const pods = [{ name: 'p', namespace: 'd', uid: 'u1' }];
  return { clock, rt, stats, sweep, pods };
}

describe('kubelet stats history across restarts', () => {
  it('keeps the ended instance in the history, not in the summary; oldest instance first', async () => {
    const { clock, rt, stats, sweep, pods } = setup();
    rt.running.set('c1', { startedAt: clock.now(), memory: 30 * MI, cpuNs: 0 });
    await sweep(4);
    rt.running.delete('c1');
    rt.running.set('c2', { startedAt: clock.now(), memory: 5 * MI, cpuNs: 0 });
    await sweep(3);
    const h = stats.history({ podUid: 'u1' });
    expect(h.series.map((s) => s.name)).toEqual(['app', 'app']);
    expect(h.series[0]!.points.every((p) => p.memory === 30 * MI)).toBe(true);
    expect(h.series[0]!.points.length).toBe(3);
    expect(h.series[1]!.points.at(-1)!.memory).toBe(5 * MI);
    // One container name: no "pod" sum series.
    expect(h.series.some((s) => s.name === 'pod')).toBe(false);
    const summary = stats.summary('n', pods);
    expect(summary.pods[0]!.containers).toHaveLength(1);
    expect(summary.pods[0]!.memory!.workingSetBytes).toBe(5 * MI);
  });

  it('forgets ended instances after the window, and keeps only the newest three', async () => {
    const { clock, rt, stats, sweep } = setup();
    for (let i = 1; i <= 5; i++) {
      rt.running.clear();
      rt.running.set(`c${i}`, { startedAt: clock.now(), memory: i * MI, cpuNs: 0 });
      await sweep(3);
    }
    // c5 running + the three newest ended (c2, c3, c4); c1 dropped.
    let h = stats.history({ podUid: 'u1' });
    expect(h.series.map((s) => s.points.at(-1)!.memory / MI)).toEqual([2, 3, 4, 5]);
    rt.running.clear();
    rt.running.set('c6', { startedAt: clock.now(), memory: 6 * MI, cpuNs: 0 });
    // 10 points at 1 s: after 10 s more, every ended instance is outside the window.
    await sweep(12);
    h = stats.history({ podUid: 'u1' });
    expect(h.series.map((s) => s.points.at(-1)!.memory / MI)).toEqual([6]);
  });
});
