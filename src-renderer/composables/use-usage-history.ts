/**
 * A pod's CPU and memory over the last hour, per container: the kubelet's `/stats/history`,
 * read once through the API server's nodes/proxy subresource with the session token when the
 * panel opens (again on another pod, node, client or cluster), then extended with each
 * metrics.k8s.io sample the metrics store reads anyway (every 15 s while a usage page is on
 * screen; there is no watch for metrics). So no timer of its own re-reads the history, and
 * the points survive a container restart (the kubelet starts a new series for the new
 * instance). Terminations seen in the pod's status (watched) are kept as chart marks.
 * `/stats/history` is Skiff's kubelet only: on another cluster this stays idle.
 */
import { computed, ref, shallowRef, watch, type Ref } from 'vue';
import type { Pod } from '../models/kube';
import { errorMessage } from '../models/format';
import {
  historyPath,
  mergePoints,
  parseUsageHistory,
  pointsFromMetrics,
  terminationMarks,
  type UsageMark,
  type UsagePoint,
} from '../models/usage-chart';
import { useConnectionStore } from '../stores/connection';
import { useMetricsStore } from '../stores/metrics';
import type { LoadStatus } from '../stores/resource-store';
import { useLive } from './use-live';

export function useUsageHistory(pod: Ref<Pod | undefined>) {
  const conn = useConnectionStore();
  const metrics = useMetricsStore();
  useLive(metrics);
  /** Points per container name, oldest first. */
  const series = shallowRef<ReadonlyMap<string, readonly UsagePoint[]>>(new Map());
  /** The kubelet's sampling period (from the history; 10 s until known). */
  const intervalMs = ref(10_000);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  const marks = shallowRef<UsageMark[]>([]);
  let seq = 0;

  const namespace = computed(() => pod.value?.metadata.namespace ?? '');
  const name = computed(() => pod.value?.metadata.name ?? '');
  const node = computed(() => pod.value?.spec?.nodeName ?? '');
  /** Same pod, same node, same cluster: the points collected so far still apply. */
  const identity = computed(() =>
    conn.skiff && node.value ? `${pod.value?.metadata.uid ?? ''}@${node.value}` : '',
  );

  function add(incoming: ReadonlyMap<string, readonly UsagePoint[]>): void {
    const next = new Map(series.value);
    // Half an interval: the history's point and metrics.k8s.io's (rounded to the second) for the
    // same sample are one point.
    const minGapMs = intervalMs.value / 2;
    for (const [n, pts] of incoming) next.set(n, mergePoints(next.get(n) ?? [], pts, { minGapMs }));
    series.value = next;
  }

  async function load(): Promise<void> {
    const my = ++seq;
    const client = conn.client;
    if (!client || !identity.value) {
      status.value = 'idle';
      return;
    }
    status.value = 'loading';
    error.value = null;
    try {
      const doc = await client.raw<unknown>({
        method: 'GET',
        path: historyPath(node.value, namespace.value, name.value),
      });
      if (my !== seq) return;
      const h = parseUsageHistory(doc);
      intervalMs.value = h.intervalMs;
      add(h.series);
      status.value = 'ready';
    } catch (err) {
      if (my !== seq) return;
      status.value = 'error';
      error.value = `Usage history unavailable: ${errorMessage(err)}`;
    }
  }

  watch(
    [identity, () => conn.client],
    () => {
      series.value = new Map();
      marks.value = terminationMarks(pod.value);
      void load();
    },
    { immediate: true },
  );

  // Live points: each metrics.k8s.io read appends this pod's containers' sample.
  watch(
    () => metrics.updatedAt,
    () => {
      if (status.value !== 'ready') return;
      const m = metrics.pods.get(`${namespace.value}/${name.value}`);
      const pts = pointsFromMetrics(m);
      if (pts.size) add(new Map([...pts].map(([n, p]) => [n, [p]])));
    },
  );

  watch(
    () => pod.value?.status?.containerStatuses,
    () => (marks.value = terminationMarks(pod.value, marks.value)),
  );

  return { series, intervalMs, status, error, marks, reload: load };
}
