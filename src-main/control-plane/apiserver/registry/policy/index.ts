/** The policy API group's registry: PodDisruptionBudgets. */
import type { Strategy } from '../strategy';
import { pdbStrategy } from './poddisruptionbudgets';

/** The strategies of policy/v1. */
export const POLICY_STRATEGIES: Strategy[] = [pdbStrategy];
