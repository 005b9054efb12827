/** The coordination.k8s.io API group's registry: Leases. */
import type { Strategy } from '../strategy';
import { leaseStrategy } from './leases';

/** The strategies of coordination.k8s.io/v1. */
export const COORDINATION_STRATEGIES: Strategy[] = [leaseStrategy];
