/** Live cache of the cluster's Nodes. */
import { R } from '@common/resources';
import type { Node } from '../models/kube';
import { defineResourceStore } from './resource-store';

export const useNodesStore = defineResourceStore<Node>('nodes', R.nodes);
