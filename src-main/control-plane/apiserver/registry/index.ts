/**
 * The strategy registry (Kubernetes' pkg/registry): one Strategy per served resource type, looked
 * up by ResourceType. Built-in kinds live in one folder per API group (core/, apps/, batch/ …)
 * with a file per resource; CustomResourceDefinitions add and remove theirs at run time. Shared
 * pieces sit at the top: strategy.ts (the interface and Table helpers), validation.ts,
 * quantity.ts, type-check.ts, admission.ts (LimitRanger, ResourceQuota) and ephemeral.ts.
 * Imports only common/ and the API server's status/storage/openapi/patch modules.
 */
import type { ResourceType } from '../../../common/resources';
import { APIREGISTRATION_STRATEGIES } from './apiregistration';
import { APPS_STRATEGIES } from './apps';
import { AUTOSCALING_STRATEGIES } from './autoscaling';
import { BATCH_STRATEGIES } from './batch';
import { COORDINATION_STRATEGIES } from './coordination';
import { CORE_STRATEGIES } from './core';
import { DISCOVERY_STRATEGIES } from './discovery';
import { EVENTS_STRATEGIES } from './events';
import { NETWORKING_STRATEGIES } from './networking';
import { POLICY_STRATEGIES } from './policy';
import { RBAC_STRATEGIES } from './rbac';
import { SCHEDULING_STRATEGIES } from './scheduling';
import { STORAGE_STRATEGIES } from './storage';
import type { Strategy } from './strategy';
import { checkTypes } from './type-check';

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
    ...CORE_STRATEGIES,
    ...APPS_STRATEGIES,
    ...BATCH_STRATEGIES,
    ...COORDINATION_STRATEGIES,
    ...AUTOSCALING_STRATEGIES,
    ...POLICY_STRATEGIES,
    ...NETWORKING_STRATEGIES,
    ...STORAGE_STRATEGIES,
    ...SCHEDULING_STRATEGIES,
    ...DISCOVERY_STRATEGIES,
    ...EVENTS_STRATEGIES,
    ...RBAC_STRATEGIES,
    ...APIREGISTRATION_STRATEGIES,
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
export { SYSTEM_NAMESPACES, isGracefulPod } from './core';
export { hpaV1ToV2, hpaV2ToV1 } from './autoscaling';
export { coreEventToV1, v1EventToCore } from './events';
export { DEFAULT_CLASS_ANNOTATION } from './storage';
