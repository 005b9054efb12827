/**
 * Pure helpers over core/v1 Events: the time an event last happened and its object reference.
 */
import type { Event } from './kube';

/** When the event last occurred (lastTimestamp, eventTime, or creation time). */
export function eventTime(e: Event): string | undefined {
  return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
}

/** Milliseconds of `eventTime`, 0 when unknown, for sorting. */
export function eventTimeMs(e: Event): number {
  const t = eventTime(e);
  return t ? Date.parse(t) || 0 : 0;
}

/** "Pod/web-7c9-abc" */
export function eventObject(e: Event): string {
  return `${e.involvedObject.kind ?? '?'}/${e.involvedObject.name ?? '?'}`;
}

/** Events newest first. */
export function sortEventsNewestFirst(events: Event[]): Event[] {
  return [...events].sort((a, b) => eventTimeMs(b) - eventTimeMs(a));
}

/** What the Events page filters by; empty strings match everything. */
export interface EventFilter {
  type: '' | 'Warning' | 'Normal';
  reason: string;
  kind: string;
  namespace: string;
  /** Case-insensitive text in reason, message, object name or source. */
  text: string;
}

export function matchesEventFilter(e: Event, f: EventFilter): boolean {
  if (f.type && (e.type ?? 'Normal') !== f.type) return false;
  if (f.reason && e.reason !== f.reason) return false;
  if (f.kind && e.involvedObject.kind !== f.kind) return false;
  if (f.namespace && (e.involvedObject.namespace ?? e.metadata.namespace) !== f.namespace) return false;
  const q = f.text.trim().toLowerCase();
  if (!q) return true;
  const source = e.source?.component ?? e.reportingComponent ?? '';
  return [e.reason, e.message, e.involvedObject.name, e.involvedObject.kind, source]
    .filter(Boolean)
    .some((s) => String(s).toLowerCase().includes(q));
}

/** The events of one object, newest first, with their summed counts. */
export interface EventGroup {
  key: string;
  kind: string;
  namespace?: string;
  name: string;
  events: Event[];
  /** Occurrences (sum of `count`). */
  total: number;
  warnings: number;
  last: Event;
  lastMs: number;
}

/** Events grouped by their object (kind, namespace, name), the most recently active first. */
export function groupEventsByObject(events: readonly Event[]): EventGroup[] {
  const groups = new Map<string, EventGroup>();
  for (const e of sortEventsNewestFirst([...events])) {
    const o = e.involvedObject;
    const key = `${o.kind ?? '?'}/${o.namespace ?? ''}/${o.name ?? '?'}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        key,
        kind: o.kind ?? '?',
        namespace: o.namespace,
        name: o.name ?? '?',
        events: [],
        total: 0,
        warnings: 0,
        last: e,
        lastMs: eventTimeMs(e),
      };
      groups.set(key, g);
    }
    g.events.push(e);
    g.total += e.count ?? 1;
    if (e.type === 'Warning') g.warnings += e.count ?? 1;
  }
  return [...groups.values()].sort((a, b) => b.lastMs - a.lastMs || a.key.localeCompare(b.key));
}
