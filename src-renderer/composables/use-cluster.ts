/**
 * Read models for the Overview, Nodes, Deployments and Events pages, derived from the live
 * stores (never fetched here).
 */
import { computed, type Ref } from 'vue';
import type { Event, Pod } from '../models/kube';
import { useNodesStore } from '../stores/nodes';
import { usePodsStore } from '../stores/pods';
import { useEventsStore } from '../stores/events';
import { useLeasesStore } from '../stores/leases';
import { useDeploymentsStore, useReplicaSetsStore } from '../stores/deployments';
import { useNamespacesStore } from '../stores/namespaces';
import { useConnectionStore } from '../stores/connection';
import { ALL_NAMESPACES, usePreferencesStore } from '../stores/preferences';
import { sortEventsNewestFirst } from '../models/event';
import { podStatus, statusTone } from '../models/pod';
import { deploymentSummary, podsOfDeployment } from '../models/deployment';
import {
  apiServerHealth,
  controllerManagerHealth,
  dockerHealth,
  kubeletHealth,
  schedulerHealth,
  storeHealth,
  type ComponentHealth,
} from '../models/health';
import { useNow } from './use-now';
import { useLive, useLiveWhile } from './use-live';

function inNamespace(ns: string, obj: { metadata: { namespace?: string } }): boolean {
  return ns === ALL_NAMESPACES || obj.metadata.namespace === ns;
}

/** Health of the six components on the Overview, recomputed as leases, nodes and readyz change. */
export function useComponentHealth() {
  const conn = useConnectionStore();
  const leases = useLeasesStore();
  const nodes = useNodesStore();
  useLive(leases, nodes);
  const now = useNow();
  const components = computed<ComponentHealth[]>(() => {
    const t = now.value;
    const node = [...nodes.items].sort((a, b) =>
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    )[0];
    const nodeLease = node ? leases.get(node.metadata.name!, 'kube-node-lease') : undefined;
    return [
      storeHealth(conn.readyz),
      apiServerHealth(conn.readyz),
      schedulerHealth(leases.get('kube-scheduler', 'kube-system'), t, leases.synced),
      controllerManagerHealth(leases.get('kube-controller-manager', 'kube-system'), t, leases.synced),
      kubeletHealth(node, nodeLease, t, nodes.synced && leases.synced),
      dockerHealth(node, nodes.synced),
    ];
  });
  return { components };
}

/**
 * Pod counts of the selected namespace by what kubectl's STATUS says, grouped by colour: a
 * crash-looping pod is "Running" by phase but belongs with the failing ones.
 */
export function usePodCounts() {
  const pods = usePodsStore();
  useLive(pods);
  const prefs = usePreferencesStore();
  return computed(() => {
    const byTone = { running: 0, starting: 0, failing: 0, completed: 0 };
    let total = 0;
    for (const p of pods.items as readonly Pod[]) {
      if (!inNamespace(prefs.namespace, p)) continue;
      total++;
      const tone = statusTone(podStatus(p));
      if (tone === 'success') byTone.running++;
      else if (tone === 'error') byTone.failing++;
      else if (tone === 'default') byTone.completed++;
      else byTone.starting++;
    }
    return { total, byTone };
  });
}

/** Newest events of the selected namespace, optionally Warnings only. */
export function useEventList(opts: { warningsOnly?: Ref<boolean>; limit?: number } = {}) {
  const store = useEventsStore();
  useLive(store);
  const prefs = usePreferencesStore();
  const events = computed(() => {
    const list = (store.items as readonly Event[]).filter(
      (e) => inNamespace(prefs.namespace, e) && (!opts.warningsOnly?.value || e.type === 'Warning'),
    );
    const sorted = sortEventsNewestFirst(list);
    return opts.limit ? sorted.slice(0, opts.limit) : sorted;
  });
  const warningCount = computed(
    () =>
      (store.items as readonly Event[]).filter((e) => inNamespace(prefs.namespace, e) && e.type === 'Warning')
        .length,
  );
  return { store, events, warningCount };
}

/** One Deployment and its pods, live. */
export function useDeployment(namespace: Ref<string>, name: Ref<string>) {
  const store = useDeploymentsStore();
  const rs = useReplicaSetsStore();
  const pods = usePodsStore();
  // ReplicaSets are not watched here (connection budget): pods match by owner when the RS
  // cache is warm, else by the Deployment's selector.
  useLive(store, pods);
  const deployment = computed(() => store.get(name.value, namespace.value));
  const summary = computed(() => (deployment.value ? deploymentSummary(deployment.value) : undefined));
  const podList = computed(() =>
    deployment.value ? podsOfDeployment(deployment.value, pods.items as Pod[], rs.items as never[]) : [],
  );
  return { store, pods, deployment, summary, podList };
}

/** Nodes sorted by name. */
export function useNodeList() {
  const store = useNodesStore();
  useLive(store);
  const nodes = computed(() =>
    [...store.items].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')),
  );
  return { store, nodes };
}

/**
 * Namespace names for selectors, always including the selected one. Watches namespaces only
 * while `active` (the dropdown is open, or a page needs the list).
 */
export function useNamespaceOptions(active: Ref<boolean>) {
  const store = useNamespacesStore();
  useLiveWhile(active, store);
  const prefs = usePreferencesStore();
  const names = computed(() => {
    const set = new Set(store.items.map((n) => n.metadata.name ?? ''));
    if (prefs.namespace) set.add(prefs.namespace);
    return [...set].filter(Boolean).sort();
  });
  return { store, prefs, names };
}

/** Events about one object (e.g. a pod), newest first, live. */
export function useObjectEvents(kind: string, namespace: Ref<string>, name: Ref<string>) {
  const store = useEventsStore();
  useLive(store);
  const events = computed(() =>
    sortEventsNewestFirst(
      (store.items as readonly Event[]).filter(
        (e) =>
          e.involvedObject.kind === kind &&
          e.involvedObject.name === name.value &&
          (e.involvedObject.namespace ?? e.metadata.namespace) === namespace.value,
      ),
    ),
  );
  return { store, events };
}
