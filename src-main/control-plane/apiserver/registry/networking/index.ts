/** The networking.k8s.io API group's registry: Ingresses, IngressClasses, NetworkPolicies. */
import type { Strategy } from '../strategy';
import { ingressClassStrategy } from './ingressclasses';
import { ingressStrategy } from './ingresses';
import { networkPolicyStrategy } from './networkpolicies';

/** The strategies of networking.k8s.io/v1. */
export const NETWORKING_STRATEGIES: Strategy[] = [
  ingressStrategy,
  ingressClassStrategy,
  networkPolicyStrategy,
];
