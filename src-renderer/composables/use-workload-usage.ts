/**
 * A workload's CPU and memory over the last hour: each of its pods' `/stats/history` (read once
 * per pod through the API server's nodes/proxy subresource when the pod first appears, like the
 * pod page's charts), extended with each metrics.k8s.io sample the metrics store reads anyway,
 * and summed over the pods. Pods that ended during the hour keep their points, so a rollout
 * shows the hand-over from the old pods to the new. At most MAX_CHARTED pods are read (the
 * newest); the panel says so when there are more. Skiff's kubelet only: idle elsewhere.
 */
import { computed, ref, shallowRef, watch, type Ref } from 'vue';
import type { Pod } from '../models/kube';
import { errorMessage } from '../models/format';
import { historyPath, mergePoints, parseUsageHistory, type UsagePoint } from '../models/usage-chart';
import { chartedPods, podPointFromMetrics, podTotal, sumSeries } from '../models/workload-usage';
import { useConnectionStore } from '../stores/connection';
import { METRICS_INTERVAL_MS, useMetricsStore } from '../stores/metrics';
import type { LoadStatus } from '../stores/resource-store';
import { useLive } from './use-live';

/** The most pods whose history one workload chart reads (one request each). */
export const MAX_CHARTED = 30;

export function useWorkloadUsage(pods: Ref<readonly Pod[]>) {
  const conn = useConnectionStore();
  const metrics = useMetricsStore();
  useLive(metrics);
  /** Points per pod uid (that pod's total), oldest first; kept after the pod is gone. */
  const perPod = shallowRef<ReadonlyMap<string, readonly UsagePoint[]>>(new Map());
  const intervalMs = ref(10_000);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  const charted = computed(() => (conn.skiff ? chartedPods(pods.value, MAX_CHARTED) : []));
  /** Pods whose history was asked for already (uid), for this client. */
  let asked = new Set<string>();
  let seq = 0;

  function add(uid: string, pts: readonly UsagePoint[]): void {
    const next = new Map(perPod.value);
    next.set(uid, mergePoints(next.get(uid) ?? [], pts, { minGapMs: intervalMs.value / 2 }));
    perPod.value = next;
  }

  async function loadPod(p: Pod, my: number): Promise<void> {
    const client = conn.client;
    if (!client) return;
    const path = historyPath(p.spec!.nodeName!, p.metadata.namespace ?? '', p.metadata.name ?? '');
    try {
      const h = parseUsageHistory(await client.raw<unknown>({ method: 'GET', path }));
      if (my !== seq) return;
      intervalMs.value = h.intervalMs;
      add(p.metadata.uid!, podTotal(h.series, h.intervalMs));
      if (status.value !== 'error') status.value = 'ready';
    } catch (err) {
      if (my !== seq) return;
      // A pod that just ended may have no history any more: only say so when nothing was read.
      if (!perPod.value.size) {
        status.value = 'error';
        error.value = `Usage history unavailable: ${errorMessage(err)}`;
      }
    }
  }

  function readNew(): void {
    const fresh = charted.value.filter((p) => !asked.has(p.metadata.uid!));
    if (!fresh.length) return;
    for (const p of fresh) asked.add(p.metadata.uid!);
    if (status.value === 'idle') status.value = 'loading';
    const my = seq;
    void Promise.all(fresh.map((p) => loadPod(p, my)));
  }

  // Another cluster or client: start over.
  watch(
    () => conn.client,
    () => {
      seq++;
      asked = new Set();
      perPod.value = new Map();
      status.value = 'idle';
      error.value = null;
      readNew();
    },
    { immediate: true },
  );
  watch(() => charted.value.map((p) => p.metadata.uid).join(','), readNew);

  // Live points: each metrics.k8s.io read appends each charted pod's sample.
  watch(
    () => metrics.updatedAt,
    () => {
      if (status.value !== 'ready') return;
      for (const p of charted.value) {
        const pt = podPointFromMetrics(metrics.pods.get(`${p.metadata.namespace}/${p.metadata.name}`));
        if (pt && perPod.value.has(p.metadata.uid!)) add(p.metadata.uid!, [pt]);
      }
    },
  );

  /** The workload's total over its pods. */
  const total = computed(() => {
    const live = new Set(pods.value.map((p) => p.metadata.uid));
    // A pod's samples may be as far apart as the live metrics cadence (the chart breaks its line
    // beyond 2.5 of those): within that, a pod without a sample in a slot counts with its last.
    const carryMs = 2.5 * Math.max(intervalMs.value, METRICS_INTERVAL_MS);
    return sumSeries(
      [...perPod.value].map(([uid, points]) => ({ points, live: live.has(uid) })),
      intervalMs.value,
      carryMs,
    );
  });
  const more = computed(() => Math.max(0, pods.value.filter((p) => !!p.spec?.nodeName).length - MAX_CHARTED));
  return { total, perPod, intervalMs, status, error, charted, more };
}
