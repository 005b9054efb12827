/** Live cache of Namespaces (feeds the namespace selector). */
import { R } from '@common/resources';
import type { Namespace } from '../models/kube';
import { defineResourceStore } from './resource-store';

export const useNamespacesStore = defineResourceStore<Namespace>('namespaces', R.namespaces);
