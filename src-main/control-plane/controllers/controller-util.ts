/**
 * Small helpers shared by the issue-3 controllers: NotFound-tolerant reads, events that never
 * fail a reconcile, owner references, condition bookkeeping and IntOrString arithmetic.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { KubeClient } from '../../common/client/client';
import { isConflict, isNotFound } from '../../common/client/errors';
import { rfc3339 } from '../../common/clock';
import type { Logger } from '../../common/logger';
import type { ResourceType } from '../../common/resources';
import { apiVersionOf } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import type { EventRecorder } from '../client';

/** GET that answers undefined for NotFound. */
export async function getOrUndefined<T extends KubeObject>(
  client: KubeClient,
  t: ResourceType,
  name: string,
  namespace?: string,
): Promise<T | undefined> {
  try {
    return await client.get<T>(t, name, namespace);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Deletes exactly this object: a uid precondition, so a newer object that took the name is never
 * hit. Returns false when the object is gone already — NotFound, or Conflict (the uid no longer
 * matches: the one we meant was deleted and replaced) — and throws any other error.
 */
export async function deleteExact(
  client: KubeClient,
  t: ResourceType,
  obj: KubeObject,
  opts: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' } = {},
): Promise<boolean> {
  try {
    await client.delete(t, obj.metadata.name!, obj.metadata.namespace, {
      ...opts,
      preconditions: { uid: obj.metadata.uid },
    });
    return true;
  } catch (err) {
    if (isNotFound(err) || isConflict(err)) return false;
    throw err;
  }
}

/** Records an event about an object of type `t`; a failure is logged, never thrown. */
export async function emitEvent(
  recorder: EventRecorder,
  log: Logger,
  t: ResourceType,
  obj: KubeObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
): Promise<void> {
  try {
    await recorder.record({ ...obj, apiVersion: apiVersionOf(t), kind: t.kind }, type, reason, message);
  } catch (err) {
    log.warn(`event ${reason}: ${(err as Error).message}`);
  }
}

/** The controller owner reference an object of type `t` puts on what it creates. */
export function ownerRefTo(t: ResourceType, owner: KubeObject): OwnerReference {
  return {
    apiVersion: apiVersionOf(t),
    kind: t.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether `obj`'s controller reference points at `owner` (by uid). */
export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  return !!obj.metadata.ownerReferences?.some((r) => r.controller && r.uid === owner.metadata.uid);
}

/** A status condition in the shape every kind shares. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string;
  lastUpdateTime?: string;
}

/**
 * Sets a condition, keeping lastTransitionTime when the status does not change (like
 * meta.SetStatusCondition). Returns the new list; the input is not modified.
 */
export function setCondition<C extends Condition>(
  conds: readonly C[] | undefined,
  next: Omit<C, 'lastTransitionTime'>,
  now: number,
  extra: Partial<C> = {},
): C[] {
  const list = [...(conds ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const cur = i >= 0 ? list[i] : undefined;
  const lastTransitionTime =
    cur && cur.status === next.status && cur.lastTransitionTime ? cur.lastTransitionTime : rfc3339(now);
  const c = { ...next, ...extra, lastTransitionTime } as C;
  if (i >= 0) list[i] = c;
  else list.push(c);
  return list;
}

/** The condition of `type` with status True, if any. */
export function trueCondition<C extends Condition>(
  conds: readonly C[] | undefined,
  type: string,
): C | undefined {
  return conds?.find((c) => c.type === type && c.status === 'True');
}

/**
 * An IntOrString against a total (intstr.GetScaledValueFromIntOrPercent): ints as is, "N%"
 * scaled and rounded up or down.
 */
export function scaledValue(
  v: number | string | undefined,
  total: number,
  roundUp: boolean,
  dflt = 0,
): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v.trim());
  if (!m) {
    const n = Number(v);
    return Number.isFinite(n) ? n : dflt;
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}
