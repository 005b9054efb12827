/**
 * Live caches of the kinds the sidebar lists beyond pods, nodes and deployments: one Pinia
 * store per kind, all built on the shared resource store (list+watch over WebSocket).
 */
import { R } from '@common/resources';
import type {
  ConfigMap,
  ControllerRevision,
  CronJob,
  DaemonSet,
  Ingress,
  Job,
  PersistentVolumeClaim,
  Secret,
  Service,
  StatefulSet,
} from '../models/kube';
import { defineResourceStore } from './resource-store';

export const useStatefulSetsStore = defineResourceStore<StatefulSet>('statefulsets', R.statefulsets);
export const useDaemonSetsStore = defineResourceStore<DaemonSet>('daemonsets', R.daemonsets);
export const useJobsStore = defineResourceStore<Job>('jobs', R.jobs);
export const useCronJobsStore = defineResourceStore<CronJob>('cronjobs', R.cronjobs);
export const useControllerRevisionsStore = defineResourceStore<ControllerRevision>(
  'controllerrevisions',
  R.controllerrevisions,
);
export const useServicesStore = defineResourceStore<Service>('services', R.services);
export const useIngressesStore = defineResourceStore<Ingress>('ingresses', R.ingresses);
export const useConfigMapsStore = defineResourceStore<ConfigMap>('configmaps', R.configmaps);
export const useSecretsStore = defineResourceStore<Secret>('secrets', R.secrets);
export const usePvcsStore = defineResourceStore<PersistentVolumeClaim>(
  'persistentvolumeclaims',
  R.persistentvolumeclaims,
);
