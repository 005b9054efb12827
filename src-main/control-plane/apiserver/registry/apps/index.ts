/** The apps API group's registry: Deployments, ReplicaSets, StatefulSets, DaemonSets, ControllerRevisions. */
import type { Strategy } from '../strategy';
import { controllerRevisionStrategy } from './controllerrevisions';
import { daemonSetStrategy } from './daemonsets';
import { deploymentStrategy } from './deployments';
import { replicaSetStrategy } from './replicasets';
import { statefulSetStrategy } from './statefulsets';

/** The strategies of apps/v1. */
export const APPS_STRATEGIES: Strategy[] = [
  deploymentStrategy,
  replicaSetStrategy,
  statefulSetStrategy,
  daemonSetStrategy,
  controllerRevisionStrategy,
];
