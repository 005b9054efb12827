/**
 * events.k8s.io/v1 Events, stored as core/v1 Events (upstream's conversion: message -> note,
 * involvedObject -> regarding ...): validation, the regarding.* field selectors, the Table.
 */
import type { Event as EventV1 } from 'kubernetes-types/events/v1';
import { R } from '../../../../common/resources';
import type { KubeObject } from '../../../../common/types';
import { age, col, validateObjectMeta, type Strategy } from '../strategy';

const RENAMES: [core: string, v1: string][] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];

function renameFields(obj: KubeObject, apiVersion: string, from: 0 | 1): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = structuredClone(obj);
  const out: Record<string, unknown> = { apiVersion, kind: 'Event', ...rest };
  for (const pair of RENAMES) {
    const [src, dst] = from === 0 ? pair : [pair[1], pair[0]];
    if (src in out) {
      out[dst] = out[src];
      delete out[src];
    }
  }
  return out as KubeObject;
}

/** core/v1 Event → events.k8s.io/v1 (upstream's conversion: message → note, involvedObject → regarding …). */
export function coreEventToV1(obj: KubeObject): KubeObject {
  return renameFields(obj, 'events.k8s.io/v1', 0);
}

/** events.k8s.io/v1 Event → core/v1 (the storage version). */
export function v1EventToCore(obj: KubeObject): KubeObject {
  return renameFields(obj, 'v1', 1);
}

/** events.k8s.io/v1 Event strategy, with the field selectors kubectl events uses. */
export const eventV1Strategy: Strategy = {
  type: R.eventsV1,
  hasStatus: false,
  topLevelFields: [
    'eventTime',
    'series',
    'reportingController',
    'reportingInstance',
    'action',
    'reason',
    'regarding',
    'related',
    'note',
    'type',
    'deprecatedSource',
    'deprecatedFirstTimestamp',
    'deprecatedLastTimestamp',
    'deprecatedCount',
  ],
  // Registered on the storage type: the getter sees core/v1-shaped objects.
  fields: (obj) => {
    const e = (obj.apiVersion === 'v1' || 'involvedObject' in obj
      ? coreEventToV1(obj)
      : obj) as unknown as EventV1;
    const r = e.regarding ?? {};
    return {
      'regarding.kind': r.kind ?? '',
      'regarding.namespace': r.namespace ?? '',
      'regarding.name': r.name ?? '',
      'regarding.uid': r.uid ?? '',
      'regarding.apiVersion': r.apiVersion ?? '',
      'regarding.resourceVersion': r.resourceVersion ?? '',
      'regarding.fieldPath': r.fieldPath ?? '',
      reason: e.reason ?? '',
      reportingController: e.reportingController ?? '',
      type: e.type ?? '',
    };
  },
  validate(obj) {
    const errs = validateObjectMeta(R.eventsV1, obj);
    const e = obj as unknown as EventV1;
    if (!e.eventTime) errs.required('eventTime');
    if (e.type && !['Normal', 'Warning'].includes(e.type))
      errs.notSupported('type', e.type, ['Normal', 'Warning']);
    if (!e.reportingController) errs.required('reportingController');
    if (!e.reportingInstance) errs.required('reportingInstance');
    if (!e.action) errs.required('action');
    if (!e.reason) errs.required('reason');
    if ((e.note ?? '').length > 1024) errs.tooLong('note', 1024);
    return errs.causes;
  },
  table: {
    columns: [
      col('Last Seen', 'string', 'Time since the last occurrence of the event'),
      col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      col('Reason', 'string', 'Why the action was taken.'),
      col('Object', 'string', 'The object this Event is about.'),
      col('Message', 'string', 'A human-readable description of the status of this operation.'),
    ],
    cells(obj, now) {
      const e = obj as unknown as EventV1;
      const last =
        e.series?.lastObservedTime ??
        e.deprecatedLastTimestamp ??
        e.eventTime ??
        obj.metadata.creationTimestamp;
      return [
        age(last, now),
        e.type ?? '',
        e.reason ?? '',
        `${(e.regarding?.kind ?? '').toLowerCase()}/${e.regarding?.name ?? ''}`,
        e.note ?? '',
      ];
    },
  },
};
