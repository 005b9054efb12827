/** The Events page's filter and grouping, and the health hints it shares a page with. */
import { describe, expect, it } from 'vitest';
import {
  groupEventsByObject,
  matchesEventFilter,
  type EventFilter,
} from '../../../src-renderer/models/event';
import { nodeFix } from '../../../src-renderer/models/health';
import type { Event } from '../../../src-renderer/models/kube';

function ev(
  name: string,
  obj: { kind: string; name: string; namespace?: string },
  extra: Partial<Event> = {},
): Event {
  return {
    metadata: { name, namespace: obj.namespace ?? 'default', uid: name },
    involvedObject: obj,
    type: 'Normal',
    reason: 'Started',
    message: 'Started container app',
    lastTimestamp: '2024-01-01T00:00:00Z',
    count: 1,
    ...extra,
  } as Event;
}

const none: EventFilter = { type: '', reason: '', kind: '', namespace: '', text: '' };
const podA = { kind: 'Pod', name: 'web-1', namespace: 'shop' };
const podB = { kind: 'Pod', name: 'broken', namespace: 'shop' };
const deploy = { kind: 'Deployment', name: 'web', namespace: 'shop' };
const events = [
  ev('e1', podA, { lastTimestamp: '2024-01-01T00:00:01Z' }),
  ev('e2', podB, {
    type: 'Warning',
    reason: 'ErrImageNeverPull',
    message: 'Container image "x:0" is not present with pull policy of Never',
    count: 4,
    lastTimestamp: '2024-01-01T00:00:09Z',
    source: { component: 'kubelet' },
  }),
  ev('e3', deploy, {
    reason: 'ScalingReplicaSet',
    message: 'Scaled up to 2',
    lastTimestamp: '2024-01-01T00:00:05Z',
  }),
  ev('e4', podB, { reason: 'Scheduled', message: 'Assigned to vm', lastTimestamp: '2024-01-01T00:00:02Z' }),
];

describe('event filter', () => {
  it('matches by type, reason, kind, namespace and text (case-insensitive, source too)', () => {
    const names = (f: Partial<EventFilter>) =>
      events.filter((e) => matchesEventFilter(e, { ...none, ...f })).map((e) => e.metadata.name);
    expect(names({})).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(names({ type: 'Warning' })).toEqual(['e2']);
    expect(names({ type: 'Normal' })).toEqual(['e1', 'e3', 'e4']);
    expect(names({ reason: 'Scheduled' })).toEqual(['e4']);
    expect(names({ kind: 'Deployment' })).toEqual(['e3']);
    expect(names({ namespace: 'other' })).toEqual([]);
    expect(names({ text: 'PULL POLICY' })).toEqual(['e2']);
    expect(names({ text: 'broken' })).toEqual(['e2', 'e4']);
    expect(names({ text: 'kubelet' })).toEqual(['e2']);
    expect(names({ kind: 'Pod', text: 'assigned' })).toEqual(['e4']);
  });
});

describe('events grouped by object', () => {
  it('groups per object, most recently active first, summing counts and warnings', () => {
    const g = groupEventsByObject(events);
    expect(g.map((x) => `${x.kind}/${x.name}`)).toEqual(['Pod/broken', 'Deployment/web', 'Pod/web-1']);
    expect(g[0]).toMatchObject({ namespace: 'shop', total: 5, warnings: 4 });
    expect(g[0].last.reason).toBe('ErrImageNeverPull');
    expect(g[0].events.map((e) => e.metadata.name)).toEqual(['e2', 'e4']);
    expect(g[2]).toMatchObject({ total: 1, warnings: 0 });
  });
});

describe('node fixes', () => {
  it('says what to do for the usual NotReady reasons', () => {
    expect(nodeFix('ContainerRuntimeNotReady docker socket unreachable')).toMatch(/Start Docker/);
    expect(nodeFix('KubeletHasDiskPressure')).toMatch(/disk space/);
    expect(nodeFix('KubeletHasInsufficientMemory')).toMatch(/memory/);
    expect(nodeFix('something else')).toMatch(/log/);
  });
});
