/**
 * The "why isn't it running" explanation for the Pod and workload pages: the pure model
 * (models/why.ts) fed with the live pod, its events, the workload owning its template (the
 * Deployment above its ReplicaSet) and, for a crash loop, the last lines of the crashed
 * container's previous instance.
 */
import { computed, type Ref } from 'vue';
import type { Deployment, Event, Pod, ReplicaSet } from '../models/kube';
import { crashedContainer, explainPod, explainRollout, templateOwner, type Why } from '../models/why';
import { useReplicaSetsStore } from '../stores/deployments';
import { useEventsStore } from '../stores/events';
import { useLive } from './use-live';
import { useNow } from './use-now';
import { usePodLogs } from './use-pod-logs';

/** Log lines shown under a crash explanation. */
const LOG_LINES = 8;

/** Resolves the Deployment above a pod's ReplicaSet (the pod-template-hash naming as a fallback). */
function useOwnerOf() {
  const rs = useReplicaSetsStore();
  useLive(rs);
  return (pod: Pod) =>
    templateOwner(pod, (rsName) => {
      const r = rs.get(rsName, pod.metadata.namespace) as ReplicaSet | undefined;
      const up = r?.metadata.ownerReferences?.find((o) => o.controller);
      if (up) return { kind: up.kind, name: up.name };
      if (r) return undefined;
      // Not in the cache (yet): a Deployment's ReplicaSet is named <deployment>-<pod-template-hash>.
      const hash = pod.metadata.labels?.['pod-template-hash'];
      return hash && rsName.endsWith(`-${hash}`)
        ? { kind: 'Deployment', name: rsName.slice(0, -hash.length - 1) }
        : undefined;
    });
}

/** Why one pod is not running (undefined when it is fine), live. */
export function usePodWhy(pod: Ref<Pod | undefined>, events: Ref<readonly Event[]>): Ref<Why | undefined> {
  const ownerOf = useOwnerOf();
  const now = useNow();
  const crashed = computed(() => (pod.value ? crashedContainer(pod.value) : undefined));
  const logs = usePodLogs({
    namespace: computed(() => pod.value?.metadata.namespace ?? ''),
    name: computed(() => (crashed.value ? (pod.value?.metadata.name ?? '') : '')),
    container: computed(() => crashed.value?.name),
    follow: computed(() => false),
    previous: computed(() => true),
    instance: computed(() => crashed.value?.instance),
  });
  return computed(() => {
    const p = pod.value;
    if (!p) return undefined;
    const lines = crashed.value ? logs.lines.value.filter((l) => l.trim() !== '').slice(-LOG_LINES) : [];
    return explainPod(p, { events: events.value, owner: ownerOf(p), logs: lines, now: now.value });
  });
}

/** Why a Deployment's rollout is stuck (undefined when it is not), from its pods' explanations. */
export function useRolloutWhy(
  deployment: Ref<Deployment | undefined>,
  pods: Ref<readonly Pod[]>,
): Ref<Why | undefined> {
  const events = useEventsStore();
  useLive(events);
  const ownerOf = useOwnerOf();
  const now = useNow();
  return computed(() => {
    const d = deployment.value;
    if (!d) return undefined;
    const ns = d.metadata.namespace;
    const evs = (events.items as readonly Event[]).filter(
      (e) => e.involvedObject.kind === 'Pod' && (e.involvedObject.namespace ?? e.metadata.namespace) === ns,
    );
    const rows = pods.value.map((p) => ({
      pod: p,
      why: explainPod(p, { events: evs, owner: ownerOf(p), now: now.value }),
    }));
    return explainRollout(d, rows);
  });
}
