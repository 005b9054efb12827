import type { LabelSelector } from 'kubernetes-types/meta/v1';
import type { Pod } from '../../common/types';

/** Whether `labels` satisfy a metav1.LabelSelector (matchLabels AND matchExpressions). */
export function selectorMatches(
  sel: LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  // An absent selector selects nothing, as in apps/v1 controllers; an empty one selects all.
  if (!sel) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const vals = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !vals.includes(l[e.key])) return false;
        break;
      case 'NotIn':
        if (has && vals.includes(l[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether the selector has no terms at all (selects everything — refused by workload controllers). */
export function selectorIsEmpty(sel: LabelSelector | undefined): boolean {
  return !sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length);
}

/** Pods that still count for a controller: not terminal and not being deleted (FilterActivePods). */
export function isPodActive(p: Pod): boolean {
  return p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata?.deletionTimestamp;
}

/** The pod's Ready condition is True. */
export function isPodReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** When the pod last became Ready (ms), if it is Ready. */
export function podReadySince(p: Pod): number | undefined {
  const c = p.status?.conditions?.find((x) => x.type === 'Ready' && x.status === 'True');
  if (!c) return undefined;
  return c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
}

/**
 * Ready for at least minReadySeconds (podutil.IsPodAvailable). A Ready condition without a
 * transition time counts as available, like upstream.
 */
export function isPodAvailable(p: Pod, minReadySeconds: number, now: number): boolean {
  const since = podReadySince(p);
  if (since === undefined) return false;
  if (!minReadySeconds) return true;
  return since === 0 || since + minReadySeconds * 1000 <= now;
}

/** Milliseconds until a Ready pod becomes available, or undefined when not applicable. */
export function msUntilAvailable(p: Pod, minReadySeconds: number, now: number): number | undefined {
  const since = podReadySince(p);
  if (since === undefined || !minReadySeconds || since === 0) return undefined;
  const left = since + minReadySeconds * 1000 - now;
  return left > 0 ? left : undefined;
}

/** Parses an RFC 3339 timestamp; 0 when absent. */
export function ts(s: string | undefined): number {
  return s ? Date.parse(s) || 0 : 0;
}

/** Drops the top-level `readonly` of kubernetes-types (status, metadata fields) on our own clones. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A deep copy whose status and metadata we may assign (never mutate informer caches). */
export function clone<T>(obj: T): Writable<T> {
  return structuredClone(obj) as Writable<T>;
}
