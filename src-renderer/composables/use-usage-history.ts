/**
 * A pod's CPU and memory over the last hour, per container: the kubelet's `/stats/history`,
 * read once through the API server's nodes/proxy subresource with the session token when the
 * panel opens (again on another pod, node, client or cluster), then extended with each
 * metrics.k8s.io sample the metrics store reads anyway (every 15 s while a usage page is on
 * screen; there is no watch for metrics). So no timer of its own re-reads the history, and
 * the points survive a container restart (the kubelet starts a new series for the new
 * instance). Terminations seen in the pod's status (watched) are kept as chart marks.
 * A node's history (`/stats/history` without a pod) works the same way with NodeMetrics.
 * `/stats/history` is Skiff's kubelet only: on another cluster this stays idle.
 */
import { computed, ref, shallowRef, watch, type Ref } from 'vue';
import type { Pod } from '../models/kube';
import { errorMessage } from '../models/format';
import {
  historyPath,
  mergePoints,
  nodeHistoryPath,
  parseUsageHistory,
  pointsFromMetrics,
  pointsFromNodeMetrics,
  terminationMarks,
  type UsageMark,
  type UsagePoint,
} from '../models/usage-chart';
import { useConnectionStore } from '../stores/connection';
import { useMetricsStore } from '../stores/metrics';
import type { LoadStatus } from '../stores/resource-store';
import { useLive } from './use-live';

/** What a history is of: its identity (empty = nothing to read), path and live sample. */
interface HistorySource {
  identity: Ref<string>;
  path: () => string;
  live: (metrics: ReturnType<typeof useMetricsStore>) => Map<string, UsagePoint>;
}

function useHistory(src: HistorySource) {
  const conn = useConnectionStore();
  const metrics = useMetricsStore();
  useLive(metrics);
  /** Points per series name (container, or `node`), oldest first. */
  const series = shallowRef<ReadonlyMap<string, readonly UsagePoint[]>>(new Map());
  /** The kubelet's sampling period (from the history; 10 s until known). */
  const intervalMs = ref(10_000);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  let seq = 0;

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
    if (!client || !src.identity.value) {
      status.value = 'idle';
      return;
    }
    status.value = 'loading';
    error.value = null;
    try {
      const doc = await client.raw<unknown>({ method: 'GET', path: src.path() });
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
    [src.identity, () => conn.client],
    () => {
      series.value = new Map();
      void load();
    },
    { immediate: true },
  );

  // Live points: each metrics.k8s.io read appends its sample.
  watch(
    () => metrics.updatedAt,
    () => {
      if (status.value !== 'ready') return;
      const pts = src.live(metrics);
      if (pts.size) add(new Map([...pts].map(([n, p]) => [n, [p]])));
    },
  );

  return { series, intervalMs, status, error, reload: load };
}

/** A pod's per-container history, plus the terminations seen in its status. */
export function useUsageHistory(pod: Ref<Pod | undefined>) {
  const conn = useConnectionStore();
  const namespace = computed(() => pod.value?.metadata.namespace ?? '');
  const name = computed(() => pod.value?.metadata.name ?? '');
  const node = computed(() => pod.value?.spec?.nodeName ?? '');
  /** Same pod, same node, same cluster: the points collected so far still apply. */
  const identity = computed(() =>
    conn.skiff && node.value ? `${pod.value?.metadata.uid ?? ''}@${node.value}` : '',
  );
  const h = useHistory({
    identity,
    path: () => historyPath(node.value, namespace.value, name.value),
    live: (metrics) => pointsFromMetrics(metrics.pods.get(`${namespace.value}/${name.value}`)),
  });
  const marks = shallowRef<UsageMark[]>(terminationMarks(pod.value));
  watch(identity, () => (marks.value = terminationMarks(pod.value)));
  watch(
    () => pod.value?.status?.containerStatuses,
    () => (marks.value = terminationMarks(pod.value, marks.value)),
  );
  return { ...h, marks };
}

/** A node's history (series `node`): the whole machine's CPU and memory. */
export function useNodeUsageHistory(node: Ref<string>) {
  const conn = useConnectionStore();
  const identity = computed(() => (conn.skiff && node.value ? node.value : ''));
  return useHistory({
    identity,
    path: () => nodeHistoryPath(node.value),
    live: (metrics) => pointsFromNodeMetrics(metrics.nodes.get(node.value)),
  });
}
