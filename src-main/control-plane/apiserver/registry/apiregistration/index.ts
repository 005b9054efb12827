/** The apiregistration.k8s.io API group's registry: APIServices (stored; Skiff does not aggregate). */
import type { Strategy } from '../strategy';
import { apiServiceStrategy } from './apiservices';

/** The strategies of apiregistration.k8s.io/v1. */
export const APIREGISTRATION_STRATEGIES: Strategy[] = [apiServiceStrategy];
