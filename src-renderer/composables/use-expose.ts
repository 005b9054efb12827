/**
 * What the "Expose on localhost" dialog and the pages that list exposures read: the target
 * object, its ports and selector, the host ports other Services claim, and the exposures of a
 * workload with their live addresses — all derived from the watched stores.
 */
import { computed, type Ref } from 'vue';
import type { KubeObject, Pod, Service } from '../models/kube';
import {
  claimedHostPorts,
  containerPortsOf,
  exposeSelector,
  exposuresOf,
  type ExposableKind,
} from '../models/expose';
import { storeFor } from '../stores/registry';
import type { ExposeTarget } from '../stores/expose';
import { useLive, useLiveWhile } from './use-live';

const STORE_OF: Record<ExposableKind, string> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  Pod: 'pods',
};

/** The dialog's data, watched only while the dialog is open. */
export function useExposeTarget(target: Ref<ExposeTarget | null>) {
  const open = computed(() => !!target.value);
  const services = storeFor('services');
  const pods = storeFor('pods');
  const deployments = storeFor('deployments');
  const statefulsets = storeFor('statefulsets');
  useLiveWhile(open, services, pods, deployments, statefulsets);

  const obj = computed<KubeObject | undefined>(() => {
    const t = target.value;
    return t ? storeFor(STORE_OF[t.kind]).get(t.name, t.namespace) : undefined;
  });
  const ports = computed(() =>
    obj.value && target.value ? containerPortsOf(target.value.kind, obj.value) : [],
  );
  const selector = computed(() => {
    const t = target.value;
    if (!t || !obj.value) return undefined;
    const inNs = (pods.items as Pod[]).filter((p) => p.metadata.namespace === t.namespace);
    return exposeSelector(t.kind, obj.value, inNs);
  });
  const claimed = computed(() => claimedHostPorts(services.items as Service[]));
  const serviceNames = computed(
    () =>
      new Set(
        services.items
          .filter((s) => s.metadata.namespace === target.value?.namespace)
          .map((s) => s.metadata.name ?? ''),
      ),
  );
  const existing = computed(() =>
    target.value
      ? exposuresOf(target.value.kind, target.value.namespace, target.value.name, services.items as Service[])
      : [],
  );
  /** A Service of the namespace by name (the created exposure, followed live). */
  const service = (namespace: string, name: string) => services.get(name, namespace) as Service | undefined;
  return {
    obj,
    ports,
    selector,
    claimed,
    serviceNames,
    existing,
    service,
    synced: computed(() => services.synced),
  };
}

/** The dashboard exposures of one workload or pod, for its page. */
export function useExposures(kind: ExposableKind, namespace: Ref<string>, name: Ref<string>) {
  const services = storeFor('services');
  useLive(services);
  return computed(() => exposuresOf(kind, namespace.value, name.value, services.items as Service[]));
}
