/**
 * core/v1 Events (pkg/registry/core/event): the storage version of every Event, with the
 * involvedObject.* field selectors `kubectl describe` uses and kubectl's event Table.
 */
import type { Event } from 'kubernetes-types/core/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../../common/resources';
import { age, col, isObject, validateObjectMeta, type Strategy } from '../strategy';

/** Event strategy: core/v1 Events with the involvedObject.* field selectors describe uses. */
export const eventStrategy: Strategy = {
  type: R.events,
  hasStatus: false,
  topLevelFields: [
    'involvedObject',
    'reason',
    'message',
    'source',
    'firstTimestamp',
    'lastTimestamp',
    'count',
    'type',
    'eventTime',
    'series',
    'action',
    'related',
    'reportingComponent',
    'reportingInstance',
  ],
  fields: (obj) => {
    const e = obj as unknown as Event;
    const io = e.involvedObject ?? {};
    return {
      'involvedObject.kind': io.kind ?? '',
      'involvedObject.namespace': io.namespace ?? '',
      'involvedObject.name': io.name ?? '',
      'involvedObject.uid': io.uid ?? '',
      'involvedObject.apiVersion': io.apiVersion ?? '',
      'involvedObject.resourceVersion': io.resourceVersion ?? '',
      'involvedObject.fieldPath': io.fieldPath ?? '',
      reason: e.reason ?? '',
      reportingComponent: e.reportingComponent ?? '',
      source: e.source?.component ?? '',
      type: e.type ?? '',
    };
  },
  validate(obj): StatusCause[] {
    const errs = validateObjectMeta(R.events, obj);
    const e = obj as unknown as Event;
    if (!isObject(e.involvedObject)) errs.required('involvedObject');
    if (e.type && !['Normal', 'Warning'].includes(e.type))
      errs.notSupported('type', e.type, ['Normal', 'Warning']);
    if (
      e.involvedObject?.namespace &&
      obj.metadata.namespace &&
      e.involvedObject.namespace !== obj.metadata.namespace
    )
      errs.invalid('involvedObject.namespace', e.involvedObject.namespace, 'does not match event.namespace');
    return errs.causes;
  },
  table: {
    columns: [
      col('Last Seen', 'string', 'Time since the last occurrence of the event'),
      col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      col(
        'Reason',
        'string',
        'This should be a short, machine understandable string that gives the reason for this event being generated.',
      ),
      col('Object', 'string', 'The object this Event is about.'),
      col('Subobject', 'string', 'The field path of the object', { wide: true }),
      col('Source', 'string', 'The component reporting this event.', { wide: true }),
      col('Message', 'string', 'A human-readable description of the status of this operation.'),
      col('First Seen', 'string', 'Time since the first occurrence of the event', { wide: true }),
      col('Count', 'string', 'The number of times this event has occurred.', { wide: true }),
      col('Name', 'string', 'The name of the event', { wide: true, format: 'name' }),
    ],
    cells(obj, now) {
      const e = obj as unknown as Event;
      const last = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
      const first = e.firstTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
      const count = e.count ?? e.series?.count ?? 1;
      const lastSeen = count > 1 ? `${age(last, now)} (x${count} over ${age(first, now)})` : age(last, now);
      const io = e.involvedObject ?? {};
      return [
        lastSeen,
        e.type ?? '',
        e.reason ?? '',
        `${(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`,
        io.fieldPath ?? '',
        [e.source?.component ?? e.reportingComponent, e.source?.host].filter(Boolean).join(', '),
        e.message ?? '',
        age(first, now),
        count,
        e.metadata?.name,
      ];
    },
  },
};
