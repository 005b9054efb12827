/** Live caches of Deployments and the ReplicaSets they own. */
import { R } from '@common/resources';
import type { Deployment, ReplicaSet } from '../models/kube';
import { defineResourceStore } from './resource-store';

export const useDeploymentsStore = defineResourceStore<Deployment>('deployments', R.deployments);
export const useReplicaSetsStore = defineResourceStore<ReplicaSet>('replicasets', R.replicasets);
