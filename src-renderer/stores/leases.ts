/** Live cache of Leases: leader election (kube-system) and node heartbeats (kube-node-lease). */
import { R } from '@common/resources';
import type { Lease } from '../models/kube';
import { defineResourceStore } from './resource-store';

export const useLeasesStore = defineResourceStore<Lease>('leases', R.leases);
