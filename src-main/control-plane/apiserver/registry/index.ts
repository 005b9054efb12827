/**
 * The strategy registry: one Strategy per served resource type, looked up by ResourceType.
 */
import type { ResourceType } from '../../../common/resources';
import { eventStrategy, leaseStrategy, namespaceStrategy, nodeStrategy } from './cluster';
import { podStrategy } from './pods';
import type { Strategy } from './strategy';
import { deploymentStrategy, replicaSetStrategy } from './workloads';

const STRATEGIES: Strategy[] = [
  namespaceStrategy,
  nodeStrategy,
  podStrategy,
  eventStrategy,
  deploymentStrategy,
  replicaSetStrategy,
  leaseStrategy,
];

/** The strategy of a type (a generic one for kinds without specific behaviour). */
export function strategyFor(t: ResourceType): Strategy {
  return (
    STRATEGIES.find((s) => s.type === t) ?? { type: t, hasStatus: (t.subresources ?? []).includes('status') }
  );
}

export type { Strategy } from './strategy';
