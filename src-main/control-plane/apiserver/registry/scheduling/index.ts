/** The scheduling.k8s.io API group's registry: PriorityClasses. */
import type { Strategy } from '../strategy';
import { priorityClassStrategy } from './priorityclasses';

/** The strategies of scheduling.k8s.io/v1. */
export const SCHEDULING_STRATEGIES: Strategy[] = [priorityClassStrategy];
