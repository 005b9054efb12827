/**
 * Every resource store by kind id (the plural, as in models/kinds.ts), so generic pages find
 * their cache and the connection store binds them all at once.
 */
import type { KubeClient } from '@common/client';
import type { KubeObject } from '../models/kube';
import type { LoadStatus, StoreHooks } from './resource-store';
import { usePodsStore } from './pods';
import { useNodesStore } from './nodes';
import { useDeploymentsStore, useReplicaSetsStore } from './deployments';
import { useEventsStore } from './events';
import { useLeasesStore } from './leases';
import { useNamespacesStore } from './namespaces';
import {
  useConfigMapsStore,
  useControllerRevisionsStore,
  useCronJobsStore,
  useDaemonSetsStore,
  useIngressesStore,
  useJobsStore,
  usePvcsStore,
  useSecretsStore,
  useServicesStore,
  useStatefulSetsStore,
} from './kinds';

const BY_ID = {
  pods: usePodsStore,
  nodes: useNodesStore,
  deployments: useDeploymentsStore,
  replicasets: useReplicaSetsStore,
  statefulsets: useStatefulSetsStore,
  daemonsets: useDaemonSetsStore,
  jobs: useJobsStore,
  cronjobs: useCronJobsStore,
  controllerrevisions: useControllerRevisionsStore,
  services: useServicesStore,
  ingresses: useIngressesStore,
  configmaps: useConfigMapsStore,
  secrets: useSecretsStore,
  persistentvolumeclaims: usePvcsStore,
  events: useEventsStore,
  leases: useLeasesStore,
  namespaces: useNamespacesStore,
} as const;

/** Kind ids that have a store. */
export type StoreId = keyof typeof BY_ID;

/** What generic pages use of any resource store. */
export interface GenericStore {
  readonly items: readonly KubeObject[];
  readonly status: LoadStatus;
  readonly error: string | null;
  readonly synced: boolean;
  get(name: string, namespace?: string): KubeObject | undefined;
  acquire(): void;
  release(): void;
  bind(c: KubeClient, h?: StoreHooks): void;
  unbind(): void;
}

/** True when a kind id has a store. */
export function hasStore(id: string): id is StoreId {
  return Object.prototype.hasOwnProperty.call(BY_ID, id);
}

/** The store of a kind, typed for generic pages. */
export function storeFor(id: string): GenericStore {
  if (!hasStore(id)) throw new Error(`no store for ${id}`);
  return BY_ID[id]() as unknown as GenericStore;
}

/** Every resource store, for binding to a client. */
export function allResourceStores(): GenericStore[] {
  return (Object.keys(BY_ID) as StoreId[]).map((id) => storeFor(id));
}
