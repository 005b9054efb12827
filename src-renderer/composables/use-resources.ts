/**
 * Read model of the Resources page: container rows with usage, node allocation, quotas and
 * limit ranges of the selected namespace, all from the live stores (pods, nodes, quotas,
 * limit ranges watched; metrics re-read while the page is shown).
 */
import { computed } from 'vue';
import type { Node, Pod } from '../models/kube';
import { containerRows, nodeAllocations, quotaLines } from '../models/resources';
import { usePodsStore } from '../stores/pods';
import { useNodesStore } from '../stores/nodes';
import { useMetricsStore } from '../stores/metrics';
import { useLimitRangesStore, useResourceQuotasStore } from '../stores/quotas';
import { ALL_NAMESPACES, usePreferencesStore } from '../stores/preferences';
import { useLive } from './use-live';

export function useResources() {
  const pods = usePodsStore();
  const nodes = useNodesStore();
  const quotas = useResourceQuotasStore();
  const limitRanges = useLimitRangesStore();
  const metrics = useMetricsStore();
  useLive(pods, nodes, quotas, limitRanges, metrics);
  const prefs = usePreferencesStore();
  const inNs = (o: { metadata: { namespace?: string } }) =>
    prefs.namespace === ALL_NAMESPACES || o.metadata.namespace === prefs.namespace;

  const rows = computed(() => containerRows((pods.items as readonly Pod[]).filter(inNs), metrics.pods));
  const nodeList = computed(() =>
    [...(nodes.items as readonly Node[])].sort((a, b) =>
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    ),
  );
  const allocations = computed(() =>
    nodeAllocations(nodeList.value, pods.items as readonly Pod[], metrics.nodes),
  );
  const quotaCards = computed(() =>
    quotas.items
      .filter(inNs)
      .map((q) => ({ key: `${q.metadata.namespace}/${q.metadata.name}`, quota: q, lines: quotaLines(q) }))
      .sort((a, b) => a.key.localeCompare(b.key)),
  );
  const limitRangeCards = computed(() =>
    limitRanges.items
      .filter(inNs)
      .map((l) => ({ key: `${l.metadata.namespace}/${l.metadata.name}`, range: l }))
      .sort((a, b) => a.key.localeCompare(b.key)),
  );
  return {
    pods,
    nodes,
    metrics,
    quotas,
    limitRanges,
    prefs,
    rows,
    nodeList,
    allocations,
    quotaCards,
    limitRangeCards,
  };
}
