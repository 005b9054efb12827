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
