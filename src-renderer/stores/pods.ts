/** Live cache of every Pod in the cluster (all namespaces; pages filter). */
import { R } from '@common/resources';
import type { Pod } from '../models/kube';
import { defineResourceStore } from './resource-store';

export const usePodsStore = defineResourceStore<Pod>('pods', R.pods);
