/**
 * The strategy registry: one Strategy per served resource type, looked up by ResourceType.
 * Built-in kinds are listed here; CustomResourceDefinitions add and remove theirs at run time.
 */
import type { ResourceType } from '../../../common/resources';
import { APPS_STRATEGIES } from './apps';
import { BATCH_STRATEGIES } from './batch';
import { eventStrategy, leaseStrategy, namespaceStrategy, nodeStrategy } from './cluster';
import { CORE_STRATEGIES } from './core';
import { MISC_STRATEGIES } from './misc';
import { podStrategy } from './pods';
import type { Strategy } from './strategy';
import { checkTypes } from './type-check';
import { deploymentStrategy, replicaSetStrategy } from './workloads';

/** Runs the JSON type check before a strategy's defaulting (which assumes well-typed input). */
function typeChecked(s: Strategy): Strategy {
  const applyDefaults = s.applyDefaults;
  return {
    ...s,
    applyDefaults(obj) {
      checkTypes(s.type, obj);
      applyDefaults?.(obj);
    },
  };
}

const STRATEGIES = new Map<ResourceType, Strategy>(
  [
    namespaceStrategy,
    nodeStrategy,
    podStrategy,
    eventStrategy,
    deploymentStrategy,
    replicaSetStrategy,
    leaseStrategy,
    ...CORE_STRATEGIES,
    ...APPS_STRATEGIES,
    ...BATCH_STRATEGIES,
    ...MISC_STRATEGIES,
  ].map((s) => [s.type, typeChecked(s)]),
);

/** The strategy of a type (a generic one for kinds without specific behaviour). */
export function strategyFor(t: ResourceType): Strategy {
  return STRATEGIES.get(t) ?? { type: t, hasStatus: (t.subresources ?? []).includes('status') };
}

/** Registers the strategy of a type served at run time (a custom resource). */
export function registerStrategy(s: Strategy): void {
  STRATEGIES.set(s.type, typeChecked(s));
}

/** Forgets a run-time type's strategy. */
export function unregisterStrategy(t: ResourceType): void {
  STRATEGIES.delete(t);
}

export type { Strategy } from './strategy';
