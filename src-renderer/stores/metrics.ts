/**
 * CPU and memory usage from metrics.k8s.io/v1beta1 (PodMetrics, NodeMetrics), which the API
 * server serves from the kubelets' Docker stats. There is no watch for metrics, so while a
 * page that shows usage is on screen (acquire/release) they are re-read every 15 s — the
 * kubelet samples every 10 s, so a faster timer would only re-read the same numbers. The
 * last samples are kept here, per pod, for the small charts; the pod page's usage charts read
 * the kubelet's 1 h history through nodes/proxy and append these samples
 * (composables/use-usage-history.ts).
 */
import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import { ApiError } from '@common/client';
import { errorMessage } from '../models/format';
import type { NodeMetrics, PodMetrics } from '../models/resources';
import { useConnectionStore } from './connection';
import type { LoadStatus } from './resource-store';

export const METRICS_INTERVAL_MS = 15_000;
/** Samples kept per pod (15 s apart: the last 10 minutes). */
export const HISTORY_SAMPLES = 40;

/** One sample of a pod's containers, summed. */
export interface UsageSample {
  t: number;
  cpu: number;
  memory: number;
}

export const useMetricsStore = defineStore('metrics', () => {
  const pods = shallowRef<ReadonlyMap<string, PodMetrics>>(new Map());
  const nodes = shallowRef<ReadonlyMap<string, NodeMetrics>>(new Map());
  const history = shallowRef<ReadonlyMap<string, readonly UsageSample[]>>(new Map());
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  /** When the last successful read happened. */
  const updatedAt = ref<number | null>(null);
  let users = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight = false;

  async function refresh(): Promise<void> {
    const client = useConnectionStore().client;
    if (!client || inflight) return;
    inflight = true;
    if (status.value === 'idle') status.value = 'loading';
    try {
      const [pm, nm] = await Promise.all([
        client.raw<{ items: PodMetrics[] }>({ method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/pods' }),
        client.raw<{ items: NodeMetrics[] }>({ method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }),
      ]);
      const now = Date.now();
      const pmap = new Map<string, PodMetrics>();
      const hist = new Map(history.value);
      for (const m of pm.items ?? []) {
        const key = `${m.metadata.namespace}/${m.metadata.name}`;
        pmap.set(key, m);
        let cpu = 0;
        let memory = 0;
        for (const c of m.containers) {
          cpu += parseCpu(c.usage.cpu);
          memory += parseMem(c.usage.memory);
        }
        const prev = hist.get(key) ?? [];
        hist.set(key, [...prev, { t: now, cpu, memory }].slice(-HISTORY_SAMPLES));
      }
      for (const key of hist.keys()) if (!pmap.has(key)) hist.delete(key);
      pods.value = pmap;
      history.value = hist;
      nodes.value = new Map((nm.items ?? []).map((n) => [n.metadata.name ?? '', n]));
      status.value = 'ready';
      error.value = null;
      updatedAt.value = now;
    } catch (err) {
      status.value = 'error';
      error.value =
        err instanceof ApiError && err.code === 404
          ? 'This API server does not serve metrics.k8s.io.'
          : `Usage unavailable: ${errorMessage(err)}`;
    } finally {
      inflight = false;
      schedule();
    }
  }

  function schedule(): void {
    clearTimeout(timer);
    if (users > 0) timer = setTimeout(() => void refresh(), METRICS_INTERVAL_MS);
  }

  function acquire(): void {
    users++;
    if (users === 1) void refresh();
  }
  function release(): void {
    users = Math.max(0, users - 1);
    if (users === 0) clearTimeout(timer);
  }

  // A new client (reconnect, other token): read again right away if someone is looking.
  watch(
    () => useConnectionStore().client,
    () => {
      if (users > 0) void refresh();
    },
  );

  return { pods, nodes, history, status, error, updatedAt, refresh, acquire, release };
});

function parseCpu(q: string | undefined): number {
  if (!q) return 0;
  const m = /^(\d+(?:\.\d+)?)(n|u|m)?$/.exec(q);
  if (!m) return 0;
  const f = m[2] === 'n' ? 1e-9 : m[2] === 'u' ? 1e-6 : m[2] === 'm' ? 1e-3 : 1;
  return Number(m[1]) * f;
}

function parseMem(q: string | undefined): number {
  if (!q) return 0;
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) return 0;
  const f = m[2] === 'Ki' ? 1024 : m[2] === 'Mi' ? 2 ** 20 : m[2] === 'Gi' ? 2 ** 30 : 1;
  return Number(m[1]) * f;
}
