/** The discovery.k8s.io API group's registry: EndpointSlices. */
import type { Strategy } from '../strategy';
import { endpointSliceStrategy } from './endpointslices';

/** The strategies of discovery.k8s.io/v1. */
export const DISCOVERY_STRATEGIES: Strategy[] = [endpointSliceStrategy];
