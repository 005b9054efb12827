/**
 * Pod lists and single pods for pages: namespace- and text-filtered rows with the kubectl
 * columns precomputed once per store change (not per render).
 */
import { computed, type Ref } from 'vue';
import type { Pod } from '../models/kube';
import { usePodsStore } from '../stores/pods';
import { useLive } from './use-live';
import { ALL_NAMESPACES, usePreferencesStore } from '../stores/preferences';
import { podReady, podRestarts, podStatus, statusTone, type StatusTone } from '../models/pod';

/** One row of a pod table. */
export interface PodRow {
  key: string;
  name: string;
  namespace: string;
  status: string;
  tone: StatusTone;
  ready: string;
  restarts: number;
  created?: string;
  node: string;
  ip: string;
  pod: Pod;
}

export function toPodRow(pod: Pod): PodRow {
  const status = podStatus(pod);
  return {
    key: `${pod.metadata.namespace}/${pod.metadata.name}`,
    name: pod.metadata.name ?? '',
    namespace: pod.metadata.namespace ?? '',
    status,
    tone: statusTone(status),
    ready: podReady(pod),
    restarts: podRestarts(pod),
    created: pod.metadata.creationTimestamp,
    node: pod.spec?.nodeName ?? '',
    ip: pod.status?.podIP ?? '',
    pod,
  };
}

/**
 * Filter text: whitespace-separated terms, all of which must match. `key=value` and `key!=value`
 * terms are label selector requirements; anything else is a
 * case-insensitive substring of name, namespace, status or node.
 */
export function matchesFilter(row: PodRow, filter: string): boolean {
  const terms = filter.split(/\s+/).filter(Boolean);
  if (terms.length === 0) return true;
  const labels = row.pod.metadata.labels ?? {};
  const hay = `${row.name} ${row.namespace} ${row.status} ${row.node}`.toLowerCase();
  return terms.every((t) => {
    const ne = /^([\w./-]+)!=(.*)$/.exec(t);
    if (ne) return labels[ne[1]] !== ne[2];
    const eq = /^([\w./-]+)==?(.*)$/.exec(t);
    if (eq) return labels[eq[1]] === eq[2];
    return hay.includes(t.toLowerCase());
  });
}

/** Pods of the selected namespace, filtered by text, sorted by namespace then name. */
export function usePodList(filter: Ref<string>) {
  const store = usePodsStore();
  useLive(store);
  const prefs = usePreferencesStore();
  const rows = computed(() => {
    const ns = prefs.namespace;
    const out: PodRow[] = [];
    for (const p of store.items) {
      if (ns !== ALL_NAMESPACES && p.metadata.namespace !== ns) continue;
      out.push(toPodRow(p));
    }
    out.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    return out;
  });
  const filtered = computed(() =>
    filter.value.trim() ? rows.value.filter((r) => matchesFilter(r, filter.value)) : rows.value,
  );
  return { store, rows, filtered };
}

/** One pod, live. `undefined` once deleted or while the cache is loading. */
export function usePod(namespace: Ref<string>, name: Ref<string>) {
  const store = usePodsStore();
  useLive(store);
  const pod = computed(() => store.get(name.value, namespace.value));
  return { store, pod };
}
