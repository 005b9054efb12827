/** The events.k8s.io API group's registry: Events, stored as core/v1 Events and converted. */
import type { Strategy } from '../strategy';
import { eventV1Strategy } from './events';

/** The strategies of events.k8s.io/v1. */
export const EVENTS_STRATEGIES: Strategy[] = [eventV1Strategy];

export { coreEventToV1, v1EventToCore } from './events';
