/** The core ("") API group's registry: one strategy file per core/v1 resource (pkg/registry/core/*). */
import type { Strategy } from '../strategy';
import { configMapStrategy } from './configmaps';
import { endpointsStrategy } from './endpoints';
import { eventStrategy } from './events';
import { limitRangeStrategy } from './limitranges';
import { namespaceStrategy } from './namespaces';
import { nodeStrategy } from './nodes';
import { pvcStrategy } from './persistentvolumeclaims';
import { pvStrategy } from './persistentvolumes';
import { podStrategy } from './pods';
import { replicationControllerStrategy } from './replicationcontrollers';
import { resourceQuotaStrategy } from './resourcequotas';
import { secretStrategy } from './secrets';
import { serviceAccountStrategy } from './serviceaccounts';
import { serviceStrategy } from './services';

/** The strategies of core/v1. */
export const CORE_STRATEGIES: Strategy[] = [
  namespaceStrategy,
  nodeStrategy,
  podStrategy,
  eventStrategy,
  serviceStrategy,
  endpointsStrategy,
  configMapStrategy,
  secretStrategy,
  serviceAccountStrategy,
  limitRangeStrategy,
  resourceQuotaStrategy,
  pvcStrategy,
  pvStrategy,
  replicationControllerStrategy,
];

export { isGracefulPod } from './pod-subresources';
export { SYSTEM_NAMESPACES } from './namespaces';
