import { describe, expect, it } from 'vitest';
import {
  chartedPods,
  podPointFromMetrics,
  podTotal,
  sumSeries,
  workloadMarks,
  workloadResources,
} from '../../../src-renderer/models/workload-usage';
import type { UsagePoint } from '../../../src-renderer/models/usage-chart';
import type { Pod } from '../../../src-renderer/models/kube';

const MI = 2 ** 20;
const pt = (t: number, cpu: number, memory: number): UsagePoint => ({ t, cpu, memory });

function pod(
  name: string,
  opts: Partial<{ node: string; created: string; containers: unknown[]; statuses: unknown[] }> = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z',
    },
    spec: { nodeName: opts.node, containers: (opts.containers ?? [{ name: 'app', image: 'x' }]) as never },
    status: { containerStatuses: (opts.statuses ?? []) as never },
  } as Pod;
}

describe('workload usage model', () => {
  it('sums pods sampled out of phase onto one grid, one point per slot', () => {
    const a = [pt(10_000, 0.1, 10 * MI), pt(20_000, 0.2, 20 * MI), pt(30_000, 0.3, 30 * MI)];
    // Sampled 3 s after a: same slots.
    const b = [pt(13_000, 0.05, 5 * MI), pt(23_000, 0.05, 6 * MI), pt(33_000, 0.05, 7 * MI)];
    const s = sumSeries(
      [a, b].map((points) => ({ points, live: true })),
      10_000,
    );
    expect(s.map((p) => p.t)).toEqual([10_000, 20_000, 30_000]);
    expect(s.map((p) => p.memory / MI)).toEqual([15, 26, 37]);
    expect(s[2]!.cpu).toBeCloseTo(0.35);
  });

  it('carries a missed sample forward within carryMs, never before a pod started, after an ended pod', () => {
    const a = [pt(0, 0, 10 * MI), pt(10_000, 0, 10 * MI), pt(20_000, 0, 10 * MI), pt(30_000, 0, 10 * MI)];
    const late = [pt(20_000, 0, 5 * MI), pt(30_000, 0, 5 * MI)];
    const ended = [pt(0, 0, 1 * MI)];
    // Nothing of `late` before it started; nothing of `ended` after its last sample.
    const s = sumSeries(
      [
        { points: a, live: true },
        { points: late, live: true },
        { points: ended, live: false },
      ],
      10_000,
    );
    expect(s.map((p) => p.memory / MI)).toEqual([11, 10, 15, 15]);
    // A live pod whose newest sample is older than the others' counts with it for carryMs.
    const lagging = [pt(0, 0, 2 * MI), pt(10_000, 0, 2 * MI)];
    const live = sumSeries(
      [
        { points: a, live: true },
        { points: lagging, live: true },
      ],
      10_000,
      20_000,
    );
    expect(live.map((p) => p.memory / MI)).toEqual([12, 12, 12, 12]);
    const short = sumSeries(
      [
        { points: a, live: true },
        { points: lagging, live: true },
      ],
      10_000,
      10_000,
    );
    expect(short.map((p) => p.memory / MI)).toEqual([12, 12, 12, 10]);
    // A missed slot in the middle of a pod's life is filled with its previous sample.
    const holey = [pt(0, 0, 4 * MI), pt(20_000, 0, 4 * MI)];
    const filled = sumSeries(
      [
        { points: a, live: true },
        { points: holey, live: false },
      ],
      10_000,
    );
    expect(filled.map((p) => p.memory / MI)).toEqual([14, 14, 14, 10]);
  });

  it('is empty for no points and keeps a lone list as it is (on the grid)', () => {
    expect(sumSeries([], 10_000)).toEqual([]);
    expect(sumSeries([{ points: [], live: true }], 10_000)).toEqual([]);
    expect(sumSeries([{ points: [pt(9_000, 1, 2)], live: true }], 10_000)).toEqual([pt(10_000, 1, 2)]);
  });

  it("takes a pod's total from the kubelet's pod series, else sums its containers", () => {
    const app = [pt(0, 0.1, MI)];
    const side = [pt(0, 0.2, 2 * MI)];
    expect(podTotal(new Map([['app', app]]), 10_000)).toEqual(app);
    expect(
      podTotal(
        new Map([
          ['app', app],
          ['side', side],
          ['pod', [pt(0, 0.3, 3 * MI)]],
        ]),
        10_000,
      ),
    ).toEqual([pt(0, 0.3, 3 * MI)]);
    const summed = podTotal(
      new Map([
        ['app', app],
        ['side', side],
      ]),
      10_000,
    );
    expect(summed[0]!.memory).toBe(3 * MI);
    expect(summed[0]!.cpu).toBeCloseTo(0.3);
  });

  it("sums a PodMetrics sample's containers, and rejects one with no time or a bad quantity", () => {
    const m = {
      metadata: { name: 'p', namespace: 'ns' },
      timestamp: '2026-01-01T00:00:10Z',
      containers: [
        { name: 'a', usage: { cpu: '250m', memory: '10Mi' } },
        { name: 'b', usage: { cpu: '50m', memory: '6Mi' } },
      ],
    };
    const p = podPointFromMetrics(m)!;
    expect(p.t).toBe(Date.parse('2026-01-01T00:00:10Z'));
    expect(p.cpu).toBeCloseTo(0.3);
    expect(p.memory).toBe(16 * MI);
    expect(podPointFromMetrics({ ...m, timestamp: undefined })).toBeUndefined();
    expect(podPointFromMetrics({ ...m, containers: [] })).toBeUndefined();
    expect(
      podPointFromMetrics({ ...m, containers: [{ name: 'a', usage: { cpu: 'lots' } }] }),
    ).toBeUndefined();
    expect(podPointFromMetrics(undefined)).toBeUndefined();
  });

  it('sums requests and limits over the pods; one unlimited container leaves the total without a limit', () => {
    const limited = {
      name: 'app',
      image: 'x',
      resources: { requests: { memory: '32Mi', cpu: '100m' }, limits: { memory: '64Mi', cpu: '1' } },
    };
    const r = workloadResources([pod('a', { containers: [limited] }), pod('b', { containers: [limited] })]);
    expect(r.requests.memory).toBe(64 * MI);
    expect(r.requests.cpu).toBeCloseTo(0.2);
    expect(r.limits.memory).toBe(128 * MI);
    expect(r.limits.cpu).toBe(2);
    const mixed = workloadResources([pod('a', { containers: [limited, { name: 'side', image: 'x' }] })]);
    expect(mixed.requests.memory).toBe(32 * MI);
    expect(mixed.limits.memory).toBeNaN();
    expect(mixed.limits.cpu).toBeNaN();
    const none = workloadResources([]);
    expect(none.requests.memory).toBeNaN();
    expect(none.limits.memory).toBeNaN();
  });

  it("names each pod's terminations pod/container and keeps the ones seen before", () => {
    const term = (at: string, reason: string, exitCode: number) => ({
      name: 'app',
      restartCount: 1,
      lastState: { terminated: { finishedAt: at, reason, exitCode } },
    });
    const first = workloadMarks([pod('a', { statuses: [term('2026-01-01T00:00:05Z', 'OOMKilled', 137)] })]);
    expect(first).toEqual([
      expect.objectContaining({ container: 'a/app', kind: 'oom', reason: 'OOMKilled', exitCode: 137 }),
    ]);
    // Later the status only holds the newest termination; the first one is kept.
    const next = workloadMarks(
      [
        pod('a', { statuses: [term('2026-01-01T00:00:20Z', 'Error', 1)] }),
        pod('b', { statuses: [term('2026-01-01T00:00:10Z', 'OOMKilled', 137)] }),
      ],
      first,
    );
    expect(next.map((m) => `${m.container}:${m.reason}`)).toEqual([
      'a/app:OOMKilled',
      'b/app:OOMKilled',
      'a/app:Error',
    ]);
  });

  it('charts the pods that are on a node, newest first, capped', () => {
    const pods = [
      pod('old', { node: 'n', created: '2026-01-01T00:00:00Z' }),
      pod('pending'),
      pod('new', { node: 'n', created: '2026-01-01T00:05:00Z' }),
      pod('mid', { node: 'n', created: '2026-01-01T00:02:00Z' }),
    ];
    expect(chartedPods(pods, 10).map((p) => p.metadata.name)).toEqual(['new', 'mid', 'old']);
    expect(chartedPods(pods, 2).map((p) => p.metadata.name)).toEqual(['new', 'mid']);
  });
});
