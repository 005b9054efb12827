// Unit tests of what the Endpoints and EndpointSlice controllers share (endpoints-util.ts): pod handlers and backends; no API server.
import { describe, expect, it } from 'vitest';
import type { Informer } from '../../../src-main/common/client/informer';
import type { KubeObject, Pod } from '../../../src-main/common/types';
import {
  backendHostname,
  serviceBackends,
  servicePodHandlers,
  type Svc,
} from '../../../src-main/control-plane/controllers/endpoints-util';

type P = Pod & KubeObject;

const svc = (
  name: string,
  selector?: Record<string, string>,
  extra: Partial<NonNullable<Svc['spec']>> = {},
): Svc => ({
  metadata: { name, namespace: 'default' },
  spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 'web' }], ...extra },
});

function pod(
  name: string,
  labels: Record<string, string>,
  o: Partial<{ ip: string; ready: boolean; phase: string; deleting: boolean; node: string }> = {},
): P {
  return {
    metadata: {
      name,
      namespace: 'default',
      labels,
      resourceVersion: '1',
      deletionTimestamp: o.deleting ? '2026-01-01T12:00:00Z' : undefined,
    },
    spec: {
      nodeName: o.node,
      hostname: name,
      subdomain: 'web',
      containers: [{ name: 'c', ports: [{ name: 'web', containerPort: 8080 }] }],
    },
    status: {
      phase: o.phase ?? 'Running',
      podIP: o.ip ?? '10.0.0.1',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

function handlers(...services: Svc[]) {
  const enqueued: string[] = [];
  const inf = { list: () => services } as unknown as Informer<Svc>;
  return { h: servicePodHandlers(inf, (s) => enqueued.push(s.metadata.name!)), enqueued };
}

describe('servicePodHandlers', () => {
  const web = svc('web', { app: 'web' });
  const api = svc('api', { app: 'api' });
  const other = { ...svc('web', { app: 'web' }), metadata: { name: 'elsewhere', namespace: 'other' } };
  const headless = svc('manual');

  it('an added or deleted pod enqueues the Services of its namespace that select it', () => {
    const { h, enqueued } = handlers(web, api, other, headless);
    h.add!(pod('p', { app: 'web' }));
    h.delete!(pod('q', { app: 'api' }));
    expect(enqueued).toEqual(['web', 'api']);
  });

  it('a relabelled pod enqueues the Services that selected it before and after', () => {
    const { h, enqueued } = handlers(web, api);
    h.update!(pod('p', { app: 'api' }), pod('p', { app: 'web' }));
    expect(enqueued).toEqual(['web', 'api']);
  });

  it.each<[string, Partial<{ ip: string; ready: boolean; phase: string; deleting: boolean; node: string }>]>([
    ['its IP', { ip: '10.0.0.2' }],
    ['its readiness', { ready: false }],
    ['its phase', { phase: 'Succeeded' }],
    ['its deletion', { deleting: true }],
    ['its node', { node: 'n2' }],
  ])('an update of %s enqueues', (_what, change) => {
    const { h, enqueued } = handlers(web);
    h.update!(pod('p', { app: 'web' }, change), pod('p', { app: 'web' }));
    expect(enqueued).toEqual(['web']);
  });

  it('an update endpoints cannot see (a status heartbeat, label order) enqueues nothing', () => {
    const { h, enqueued } = handlers(web);
    const before = pod('p', { app: 'web', tier: 'a' });
    const fresh = pod('p', { tier: 'a', app: 'web' });
    const after: P = {
      ...fresh,
      metadata: { ...fresh.metadata, resourceVersion: '2' },
      status: { ...fresh.status, startTime: '2026-01-01T12:00:00Z' },
    };
    h.update!(after, before);
    expect(enqueued).toEqual([]);
  });
});

describe('serviceBackends', () => {
  it('selected pods with an IP that are not terminal, with named ports resolved per pod', () => {
    const s = svc('web', { app: 'web' });
    const pods = [
      pod('a', { app: 'web' }, { ip: '10.0.0.1' }),
      pod('b', { app: 'web' }, { ip: '10.0.0.2', ready: false }),
      pod('gone', { app: 'web' }, { ip: '10.0.0.3', deleting: true }),
      pod('done', { app: 'web' }, { phase: 'Succeeded' }),
      pod('noip', { app: 'web' }, { ip: '' }),
      pod('stranger', { app: 'db' }),
    ];
    const got = serviceBackends(s, pods).map((b) => [
      b.pod.metadata.name,
      b.ip,
      b.ready,
      b.serving,
      b.terminating,
      b.ports,
    ]);
    const port = [{ name: 'http', port: 8080, protocol: 'TCP' }];
    expect(got).toEqual([
      ['a', '10.0.0.1', true, true, false, port],
      ['b', '10.0.0.2', false, false, false, port],
      ['gone', '10.0.0.3', false, true, true, port],
    ]);
  });

  it('publishNotReadyAddresses marks every backend ready', () => {
    const s = svc('web', { app: 'web' }, { publishNotReadyAddresses: true });
    expect(serviceBackends(s, [pod('b', { app: 'web' }, { ready: false })])[0].ready).toBe(true);
  });

  it('backendHostname: the pod hostname only under the Service named by its subdomain', () => {
    const [b] = serviceBackends(svc('web', { app: 'web' }), [pod('a', { app: 'web' })]);
    expect(backendHostname(b, svc('web', { app: 'web' }))).toBe('a');
    expect(backendHostname(b, svc('other', { app: 'web' }))).toBeUndefined();
  });
});
