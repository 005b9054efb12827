import { afterEach, describe, expect, it } from 'vitest';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { EndpointsController } from '../../../src-main/control-plane/controllers/endpoints-controller';
import { EndpointSliceController } from '../../../src-main/control-plane/controllers/endpointslice-controller';
import type { FakeApi } from '../helpers/fake-api';
import { setPodState, settle, setupController } from './helpers';

function svc(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', labels: { team: 'x' } },
    spec: {
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' },
        { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
      ],
      ...extra,
    },
  };
}

function seedPods(api: FakeApi) {
  const pod = (name: string, port: number, labels = { app: 'web' }) =>
    api.seed(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', labels },
      spec: {
        nodeName: 'n1',
        containers: [{ name: 'c', image: 'x', ports: [{ name: 'web', containerPort: port }] }],
      },
    });
  pod('a', 8080);
  pod('b', 8080);
  pod('c', 8081);
  pod('other', 8080, { app: 'db' } as { app: string });
  setPodState(api, 'default', 'a', 'Running', { ready: true, ip: '10.0.0.2' });
  setPodState(api, 'default', 'b', 'Running', { ready: false, ip: '10.0.0.1' });
  setPodState(api, 'default', 'c', 'Running', { ready: true, ip: '10.0.0.3' });
  setPodState(api, 'default', 'other', 'Running', { ready: true, ip: '10.0.0.9' });
}

describe('EndpointsController', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('lists ready and not-ready pod addresses per resolved port set, follows readiness, and goes with the service', async () => {
    const s = await setupController((c, i, o) => new EndpointsController(c, i, o), seedPods);
    stop = s.stop;
    const { api, ctrl } = s;
    api.seed(R.services, svc('web'));
    await settle();
    await ctrl.drain();
    const ep = api.getObject(R.endpoints, 'default', 'web')!;
    expect(ep.metadata.labels).toEqual({ team: 'x' });
    const target = (name: string) => ({ kind: 'Pod', namespace: 'default', name, uid: expect.any(String) });
    expect(ep.subsets).toEqual([
      {
        addresses: [{ ip: '10.0.0.2', nodeName: 'n1', targetRef: target('a') }],
        notReadyAddresses: [{ ip: '10.0.0.1', nodeName: 'n1', targetRef: target('b') }],
        ports: [
          { name: 'http', port: 8080, protocol: 'TCP' },
          { name: 'metrics', port: 9090, protocol: 'TCP' },
        ],
      },
      {
        addresses: [{ ip: '10.0.0.3', nodeName: 'n1', targetRef: target('c') }],
        ports: [
          { name: 'http', port: 8081, protocol: 'TCP' },
          { name: 'metrics', port: 9090, protocol: 'TCP' },
        ],
      },
    ]);
    // b becomes ready: one update, b moves to addresses.
    setPodState(api, 'default', 'b', 'Running', { ready: true, ip: '10.0.0.1' });
    await settle();
    api.clearWrites();
    await ctrl.drain();
    expect(api.writesOf('update', 'endpoints')).toHaveLength(1);
    expect(api.getObject(R.endpoints, 'default', 'web')!.subsets).toMatchObject([
      { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] },
      { addresses: [{ ip: '10.0.0.3' }] },
    ]);
    // Nothing changed: no write.
    await settle();
    api.clearWrites();
    ctrl.queue.add('default/web');
    await ctrl.drain();
    expect(api.writes).toHaveLength(0);
    await api.client.delete(R.services, 'web', 'default');
    await settle();
    await ctrl.drain();
    expect(api.getObject(R.endpoints, 'default', 'web')).toBeUndefined();
  });
});

describe('EndpointSliceController', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('writes IPv4 slices labelled with the service name, with ready/serving/terminating conditions', async () => {
    const s = await setupController((c, i, o) => new EndpointSliceController(c, i, o), seedPods);
    stop = s.stop;
    const { api, ctrl } = s;
    const service = api.seed(R.services, svc('web'));
    await settle();
    await ctrl.drain();
    await settle();
    const slices = () => api.listObjects<EndpointSlice & KubeObject>(R.endpointslices, 'default');
    expect(slices()).toHaveLength(2);
    const first = slices().find((x) => x.ports?.some((p) => p.port === 8080))!;
    expect(first.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(first.metadata.labels).toEqual({
      team: 'x',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    expect(first.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Service',
      name: 'web',
      uid: service.metadata.uid,
    });
    expect(first.addressType).toBe('IPv4');
    expect(first.endpoints).toEqual([
      {
        addresses: ['10.0.0.1'],
        conditions: { ready: false, serving: false, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: expect.any(String) },
        nodeName: 'n1',
      },
      {
        addresses: ['10.0.0.2'],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: expect.any(String) },
        nodeName: 'n1',
      },
    ]);
    // c's port changes to 8080: the two slices collapse into one, the other is deleted.
    api.mutate(R.pods, 'default', 'c', (p) => {
      (
        p.spec as { containers: { ports: { containerPort: number }[] }[] }
      ).containers[0].ports[0].containerPort = 8080;
      p.metadata.labels = { app: 'web', v: '2' };
    });
    await settle();
    await ctrl.drain();
    await settle();
    expect(slices()).toHaveLength(1);
    expect(slices()[0].endpoints.map((e) => e.addresses[0])).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  });
});
