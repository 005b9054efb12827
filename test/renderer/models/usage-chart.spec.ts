import { describe, expect, it } from 'vitest';
import {
  formatTick,
  formatUsage,
  historyPath,
  mergePoints,
  niceCeil,
  nodeHistoryPath,
  parseUsageHistory,
  pointsFromMetrics,
  pointsFromNodeMetrics,
  terminationMarks,
  unitFor,
  buildUsageChart,
  type UsagePoint,
} from '../../../src-renderer/models/usage-chart';
import type { Pod } from '../../../src-renderer/models/kube';

const MI = 2 ** 20;
const pt = (t: number, cpu: number, memory: number): UsagePoint => ({ t, cpu, memory });

describe('usage chart model', () => {
  it('builds the nodes/proxy path of a pod history, encoded', () => {
    expect(historyPath('skiff', 'my ns', 'web-1')).toBe(
      '/api/v1/nodes/skiff/proxy/stats/history?namespace=my+ns&pod=web-1',
    );
    expect(historyPath('a/b', 'd', 'p', 1234.9)).toBe(
      '/api/v1/nodes/a%2Fb/proxy/stats/history?namespace=d&pod=p&since=1234',
    );
  });

  it('reads the kubelet history into cores and bytes, oldest first, and rejects other shapes', () => {
    const h = parseUsageHistory({
      intervalSeconds: 2,
      series: [
        {
          name: 'app',
          points: [
            { t: 3000, cpu: 500_000_000, memory: 10 * MI },
            { t: 1000, cpu: 250_000_000, memory: 8 * MI },
          ],
        },
      ],
    });
    expect(h.intervalMs).toBe(2000);
    expect(h.series.get('app')).toEqual([pt(1000, 0.25, 8 * MI), pt(3000, 0.5, 10 * MI)]);
    expect(() => parseUsageHistory(null)).toThrow(/not a JSON object/);
    expect(() => parseUsageHistory({ kind: 'Status', code: 404 })).toThrow(/intervalSeconds/);
    expect(() => parseUsageHistory({ intervalSeconds: 10, series: {} })).toThrow(/series/);
    expect(() =>
      parseUsageHistory({ intervalSeconds: 10, series: [{ name: 'a', points: [{ t: 1, cpu: 'x' }] }] }),
    ).toThrow(/a point of a/);
  });

  it('merges history with live points: one per sample, window kept', () => {
    const a = [pt(0, 0.1, 1), pt(10_000, 0.1, 2), pt(20_000, 0.1, 3)];
    // The metrics.k8s.io sample of t=20 s has its timestamp rounded down to 19.6 s → same point.
    const b = [pt(19_600, 0.1, 3), pt(30_000, 0.2, 4)];
    expect(mergePoints(a, b, { minGapMs: 5000 }).map((p) => p.t)).toEqual([0, 10_000, 20_000, 30_000]);
    // Same time: the kept list's point stays, whichever order the times come in.
    expect(mergePoints([pt(5, 1, 1)], [pt(5, 2, 2)])).toEqual([pt(5, 1, 1)]);
    expect(mergePoints([pt(5, 1, 1)], [pt(4, 2, 2)], { minGapMs: 2 })).toEqual([pt(5, 1, 1)]);
    expect(mergePoints([], [pt(1, 0, 0), pt(2, 0, 0)])).toHaveLength(2);
    // Only the window before the newest point stays.
    expect(mergePoints(a, b, { minGapMs: 5000, windowMs: 15_000 }).map((p) => p.t)).toEqual([20_000, 30_000]);
  });

  it('takes per-container points from PodMetrics at its timestamp', () => {
    const m = pointsFromMetrics({
      metadata: { name: 'p', namespace: 'd' },
      timestamp: '2026-12-05T10:00:00Z',
      containers: [
        { name: 'app', usage: { cpu: '250m', memory: '64Mi' } },
        { name: 'bad', usage: { cpu: 'lots' } },
      ],
    });
    expect([...m.keys()]).toEqual(['app']);
    expect(m.get('app')).toEqual(pt(Date.parse('2026-12-05T10:00:00Z'), 0.25, 64 * MI));
    expect(pointsFromMetrics(undefined).size).toBe(0);
    const n = pointsFromNodeMetrics({
      metadata: { name: 'n' },
      timestamp: '2026-12-05T10:00:00Z',
      usage: { cpu: '1500m', memory: '2Gi' },
    });
    expect(n.get('node')).toEqual(pt(Date.parse('2026-12-05T10:00:00Z'), 1.5, 2 ** 31));
    expect(pointsFromNodeMetrics({ metadata: {}, usage: {} }).size).toBe(0);
    expect(nodeHistoryPath('my node')).toBe('/api/v1/nodes/my%20node/proxy/stats/history');
    expect(pointsFromMetrics({ metadata: {}, containers: [] }).size).toBe(0);
  });

  it('marks terminations: OOMKilled distinct, collected across status updates', () => {
    const pod = (terminated: object, restartCount: number): Pod => ({
      metadata: { name: 'p', namespace: 'd' },
      spec: { containers: [{ name: 'app', image: 'x' }] },
      status: {
        containerStatuses: [
          {
            name: 'app',
            image: 'x',
            imageID: '',
            ready: true,
            restartCount,
            state: { running: { startedAt: '2026-12-05T10:05:00Z' } },
            lastState: { terminated: terminated as never },
          },
        ],
      },
    });
    const first = terminationMarks(
      pod({ exitCode: 137, reason: 'OOMKilled', finishedAt: '2026-12-05T10:01:00Z' }, 1),
    );
    expect(first).toEqual([
      {
        t: Date.parse('2026-12-05T10:01:00Z'),
        container: 'app',
        kind: 'oom',
        reason: 'OOMKilled',
        exitCode: 137,
      },
    ]);
    // The next restart replaces lastState; the open panel keeps both, oldest first.
    const both = terminationMarks(pod({ exitCode: 1, finishedAt: '2026-12-05T10:04:00Z' }, 2), first);
    expect(both.map((m) => [m.kind, m.reason])).toEqual([
      ['oom', 'OOMKilled'],
      ['restart', 'Error'],
    ]);
    // Seen again: no duplicate.
    expect(terminationMarks(pod({ exitCode: 1, finishedAt: '2026-12-05T10:04:00Z' }, 2), both)).toHaveLength(
      2,
    );
    expect(terminationMarks(undefined)).toEqual([]);
  });

  it('builds a memory chart in MiB with the limit on screen and a gap where samples stop', () => {
    const pts = [pt(0, 0, 10 * MI), pt(1000, 0, 20 * MI), pt(2000, 0, 30 * MI), pt(60_000, 0, 5 * MI)];
    const mark = { t: 30_000, container: 'app', kind: 'oom' as const, reason: 'OOMKilled', exitCode: 137 };
    const c = buildUsageChart('memory', pts, { request: 64 * MI, limit: 128 * MI }, [mark], {
      intervalMs: 1000,
    });
    expect(c.unit).toEqual({ label: 'MiB', factor: MI });
    expect(c.limit).toBe(128);
    expect(c.request).toBe(64);
    expect(c.yMax).toBeGreaterThanOrEqual(128);
    expect(c.yMax).toBe(150);
    // The 58 s pause (> 2.5 intervals) is a null between the samples.
    expect(c.xs).toEqual([0, 1, 2, 31, 60]);
    expect(c.ys).toEqual([10, 20, 30, null, 5]);
    expect(c.marks).toEqual([mark]);
    expect(c.latest).toBe(5 * MI);
    expect(c.peak).toBe(30 * MI);
    expect(c.xRange).toEqual([0, 60]);
    // Live samples every 15 s (slower than the kubelet's 1 s): 58 s is still a gap, 30 s is not.
    const live = buildUsageChart('memory', pts, { request: NaN, limit: NaN }, [], {
      intervalMs: 1000,
      liveIntervalMs: 15_000,
    });
    expect(live.ys).toEqual([10, 20, 30, null, 5]);
    const near = buildUsageChart(
      'memory',
      [pt(0, 0, MI), pt(30_000, 0, MI)],
      { request: NaN, limit: NaN },
      [],
      {
        intervalMs: 1000,
        liveIntervalMs: 15_000,
      },
    );
    expect(near.ys).toEqual([1, 1]);
    // …but a termination between them breaks the line.
    const cut = buildUsageChart(
      'memory',
      [pt(0, 0, MI), pt(30_000, 0, MI)],
      { request: NaN, limit: NaN },
      [mark],
      {
        intervalMs: 1000,
        liveIntervalMs: 15_000,
      },
    );
    expect(cut.ys).toEqual([1, null, 1]);
  });

  it('builds a CPU chart in millicores without limits, and in cores when large', () => {
    const c = buildUsageChart('cpu', [pt(0, 0.12, 0), pt(10_000, 0.2, 0)], { request: NaN, limit: NaN }, [], {
      intervalMs: 10_000,
    });
    expect(c.unit.label).toBe('m');
    expect(c.ys.map((v) => Math.round(v!))).toEqual([120, 200]);
    expect(c.request).toBeNull();
    expect(c.limit).toBeNull();
    expect(c.yMax).toBe(250);
    // Two samples only: the x range is widened to five intervals, ending at the newest.
    expect(c.xRange).toEqual([10 - 50, 10]);
    const big = buildUsageChart('cpu', [pt(0, 3, 0)], { request: 2, limit: 4 }, [], { intervalMs: 10_000 });
    expect(big.unit.label).toBe('cores');
    expect(big.limit).toBe(4);
    expect(big.yMax).toBe(5);
    expect(big.labels).toEqual({ request: 'request', limit: 'limit' });
    const node = buildUsageChart('cpu', [pt(0, 3, 0)], { request: 2, limit: 4 }, [], {
      intervalMs: 10_000,
      labels: { request: 'requested', limit: 'allocatable' },
    });
    expect(node.labels.limit).toBe('allocatable');
    const empty = buildUsageChart('memory', [], { request: NaN, limit: NaN }, [], { intervalMs: 1000 });
    expect(empty.latest).toBeNull();
    expect(empty.yMax).toBeGreaterThan(0);
  });

  it('formats values and ticks in MiB/GiB and millicores/cores', () => {
    expect(formatUsage('memory', 41.25 * MI)).toBe('41.3 MiB');
    expect(formatUsage('memory', 300 * MI)).toBe('300 MiB');
    expect(formatUsage('memory', 1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatUsage('memory', 2048)).toBe('2 KiB');
    expect(formatUsage('cpu', 0.25)).toBe('250m');
    expect(formatUsage('cpu', 0.0042)).toBe('4.2m');
    expect(formatUsage('cpu', 1)).toBe('1 core');
    expect(formatUsage('cpu', 1.5)).toBe('1.5 cores');
    expect(formatUsage('cpu', NaN)).toBe('—');
    expect(formatTick(unitFor('cpu', 0.5), 250)).toBe('250m');
    expect(formatTick(unitFor('memory', 3 * 2 ** 30), 2.5)).toBe('2.5 GiB');
    expect(formatTick(unitFor('memory', 10), 128)).toBe('128 MiB');
    expect(formatTick(unitFor('cpu', 4), 1)).toBe('1 core');
    expect(formatTick(unitFor('cpu', 4), 1.5)).toBe('1.5 cores');
  });

  it('rounds scale tops to round numbers', () => {
    expect([0.9, 1, 1.1, 2.2, 3, 7, 140.8, 0.55, 4.4].map(niceCeil)).toEqual([
      1, 1, 1.2, 2.5, 3, 8, 150, 0.6, 5,
    ]);
    expect(niceCeil(0)).toBe(1);
  });
});
