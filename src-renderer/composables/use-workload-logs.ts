/**
 * Follows the logs of every pod matching a label selector at once (stern-like) and merges
 * them by the kubelet's timestamps. A stream per pod (its chosen or first container) opens as
 * the pod appears in the live pods store and closes when it goes. A browser allows six
 * HTTP/1.1 connections per host and the watches hold some, so at most MAX_STREAMS pods are
 * followed at once; the view says which are left out.
 */
import { computed, onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue';
import { useConnectionStore } from '../stores/connection';
import { usePodsStore } from '../stores/pods';
import { useLive } from './use-live';
import type { Pod } from '../models/kube';
import { errorMessage } from '../models/format';
import {
  matchesSelector,
  mergeLines,
  parseSelector,
  toMergedLine,
  type MergedLine,
} from '../models/log-merge';

/** Pods followed at once (the rest are listed as not followed). */
export const MAX_STREAMS = 3;
const TAIL_LINES = 200;

interface Stream {
  key: string;
  abort: AbortController;
}

export function useWorkloadLogs(opts: {
  namespace: Ref<string>;
  selector: Ref<string>;
  /** Only this container name (when a pod has it); else each pod's first container. */
  container?: Ref<string | undefined>;
  /** Paused: no new lines are added (the streams stay open and lines are buffered). */
  paused?: Ref<boolean>;
}) {
  const conn = useConnectionStore();
  const pods = usePodsStore();
  useLive(pods);
  const lines = shallowRef<MergedLine[]>([]);
  const errors = ref<Record<string, string>>({});
  let seq = 0;
  let pending: MergedLine[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | undefined;

  const selectorError = computed(() => {
    try {
      parseSelector(opts.selector.value);
      return null;
    } catch (err) {
      return errorMessage(err);
    }
  });

  /** Matching pods, oldest first (stable colours). */
  const matching = computed<Pod[]>(() => {
    if (selectorError.value) return [];
    const terms = parseSelector(opts.selector.value);
    return (pods.items as readonly Pod[])
      .filter(
        (p) => p.metadata.namespace === opts.namespace.value && matchesSelector(p.metadata.labels, terms),
      )
      .sort(
        (a, b) =>
          (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
          (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
      );
  });
  /** Pod name → colour index, stable while the view is open. */
  const colorIndex = new Map<string, number>();
  const podColors = computed(() => {
    for (const p of matching.value) {
      const n = p.metadata.name ?? '';
      if (!colorIndex.has(n)) colorIndex.set(n, colorIndex.size);
    }
    return new Map(colorIndex);
  });

  function containerOf(p: Pod): string | undefined {
    const names = (p.spec?.containers ?? []).map((c) => c.name);
    const want = opts.container?.value;
    return want && names.includes(want) ? want : names[0];
  }
  /** Pods whose container runs (has a containerID), newest first, capped. */
  const followed = computed(() =>
    matching.value
      .filter((p) => {
        const c = containerOf(p);
        return (p.status?.containerStatuses ?? []).some((s) => s.name === c && s.containerID);
      })
      .slice(-MAX_STREAMS),
  );
  const notFollowed = computed(() => {
    const f = new Set(followed.value.map((p) => p.metadata.name));
    return matching.value.filter((p) => !f.has(p.metadata.name)).map((p) => p.metadata.name ?? '');
  });

  function flush(): void {
    flushTimer = undefined;
    if (opts.paused?.value || !pending.length) return;
    lines.value = mergeLines(lines.value, pending);
    pending = [];
  }
  function queue(l: MergedLine): void {
    pending.push(l);
    // One render per 50 ms burst, well inside the "a new line within 1 s" promise.
    if (!flushTimer) flushTimer = setTimeout(flush, 50);
  }

  const streams = new Map<string, Stream>();

  async function run(pod: Pod, container: string, key: string, ac: AbortController): Promise<void> {
    const client = conn.client;
    if (!client) return;
    const name = pod.metadata.name ?? '';
    let partial = '';
    try {
      const it = client.podLogs(pod.metadata.namespace ?? '', name, {
        container,
        follow: true,
        timestamps: true,
        tailLines: TAIL_LINES,
        signal: ac.signal,
      });
      for await (const chunk of it) {
        if (ac.signal.aborted) return;
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const p of parts) queue(toMergedLine(p.replace(/\r$/, ''), name, container, seq++));
      }
      if (partial) queue(toMergedLine(partial, name, container, seq++));
      const rest = { ...errors.value };
      delete rest[name];
      errors.value = rest;
    } catch (err) {
      if (ac.signal.aborted) return;
      errors.value = { ...errors.value, [name]: errorMessage(err) };
    } finally {
      if (streams.get(key)?.abort === ac) streams.delete(key);
    }
  }

  function sync(): void {
    const want = new Map<string, Pod>();
    for (const p of followed.value) {
      const c = containerOf(p) ?? '';
      const id = (p.status?.containerStatuses ?? []).find((s) => s.name === c)?.containerID ?? '';
      want.set(`${p.metadata.uid}/${c}/${id}`, p);
    }
    for (const [key, s] of streams) {
      if (!want.has(key)) {
        s.abort.abort();
        streams.delete(key);
      }
    }
    for (const [key, p] of want) {
      if (streams.has(key)) continue;
      const ac = new AbortController();
      streams.set(key, { key, abort: ac });
      void run(p, key.split('/')[1], key, ac);
    }
  }

  function stopAll(): void {
    for (const s of streams.values()) s.abort.abort();
    streams.clear();
  }

  watch(
    () =>
      followed.value
        .map(
          (p) =>
            `${p.metadata.uid}/${containerOf(p)}/${JSON.stringify(p.status?.containerStatuses?.map((s) => s.containerID))}`,
        )
        .join('|'),
    sync,
    { immediate: true },
  );
  watch([opts.namespace, opts.selector, () => opts.container?.value, () => conn.client], () => {
    stopAll();
    lines.value = [];
    pending = [];
    sync();
  });
  if (opts.paused) watch(opts.paused, (p) => !p && flush());

  function clear(): void {
    lines.value = [];
  }

  onScopeDispose(() => {
    stopAll();
    clearTimeout(flushTimer);
  });

  return { lines, matching, followed, notFollowed, podColors, errors, selectorError, pods, clear };
}
