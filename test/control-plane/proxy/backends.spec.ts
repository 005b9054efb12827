/** Backend selection: ready endpoints only, named ports per slice, round-robin, ClientIP affinity. */
import { describe, expect, it } from 'vitest';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Service } from 'kubernetes-types/core/v1';
import {
  BackendPicker,
  affinityTimeoutMs,
  readyBackends,
} from '../../../src-main/control-plane/proxy/backends';
import { hostListenersOf, publishedAddress } from '../../../src-main/control-plane/proxy/kube-proxy';

function slice(
  ports: { name: string; port: number }[],
  eps: [string, boolean | undefined, string][],
): EndpointSlice {
  return {
    addressType: 'IPv4',
    metadata: { name: 's', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'web' } },
    ports: ports.map((p) => ({ ...p, protocol: 'TCP' })),
    endpoints: eps.map(([ip, ready, pod]) => ({
      addresses: [ip],
      conditions: ready === undefined ? {} : { ready },
      targetRef: { kind: 'Pod', name: pod, namespace: 'ns' },
    })),
  };
}

const clock = (t = { now: 0 }) => ({
  t,
  now: () => t.now,
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (h: ReturnType<typeof setTimeout>) => clearTimeout(h),
});

describe('readyBackends', () => {
  it('takes ready (and nil-ready) endpoints only, at the slice port of the named service port', () => {
    const slices = [
      slice(
        [{ name: 'http', port: 8080 }],
        [
          ['10.96.8.2', true, 'a'],
          ['10.96.8.3', false, 'b'],
          ['10.96.8.4', undefined, 'c'],
        ],
      ),
      // Another pod group resolved the named targetPort to 9090.
      slice([{ name: 'http', port: 9090 }], [['10.96.8.5', true, 'd']]),
      slice([{ name: 'metrics', port: 7000 }], [['10.96.8.6', true, 'e']]),
    ];
    expect(readyBackends({ name: 'http', port: 80 }, slices)).toEqual([
      { ip: '10.96.8.2', port: 8080, pod: 'ns/a' },
      { ip: '10.96.8.4', port: 8080, pod: 'ns/c' },
      { ip: '10.96.8.5', port: 9090, pod: 'ns/d' },
    ]);
    expect(readyBackends({ name: 'other', port: 81 }, slices)).toEqual([]);
  });
});

describe('BackendPicker', () => {
  const bs = [
    { ip: '10.0.0.1', port: 80 },
    { ip: '10.0.0.2', port: 80 },
    { ip: '10.0.0.3', port: 80 },
  ];
  it('goes round-robin and follows updates; nothing when none is ready', () => {
    const p = new BackendPicker(clock());
    p.update(bs, 0);
    expect([1, 2, 3, 4, 5, 6].map(() => p.pick('c')!.ip)).toEqual([
      '10.0.0.1',
      '10.0.0.2',
      '10.0.0.3',
      '10.0.0.1',
      '10.0.0.2',
      '10.0.0.3',
    ]);
    p.update([bs[1]!], 0);
    expect(p.pick('c')!.ip).toBe('10.0.0.2');
    p.update([], 0);
    expect(p.pick('c')).toBeUndefined();
  });

  it('avoids a backend that just failed', () => {
    const p = new BackendPicker(clock());
    p.update(bs.slice(0, 2), 0);
    const first = p.pick('c')!;
    expect(p.pick('c', first)!.ip).not.toBe(first.ip);
  });

  it('keeps a client on one backend with ClientIP affinity until the timeout passes', () => {
    const c = clock();
    const p = new BackendPicker(c);
    p.update(bs, 10_000);
    const a = p.pick('1.1.1.1')!;
    const b = p.pick('2.2.2.2')!;
    expect(b.ip).not.toBe(a.ip);
    for (let i = 0; i < 5; i++) expect(p.pick('1.1.1.1')!.ip).toBe(a.ip);
    c.t.now += 9_000;
    expect(p.pick('1.1.1.1')!.ip).toBe(a.ip); // refreshed
    c.t.now += 10_001;
    p.pick('1.1.1.1');
    // After expiry the client is spread again; its backend going away also moves it.
    p.update(
      bs.filter((x) => x.ip !== a.ip),
      10_000,
    );
    expect(p.pick('1.1.1.1')!.ip).not.toBe(a.ip);
  });

  it('reads the affinity timeout from the Service', () => {
    expect(affinityTimeoutMs({ spec: {} } as Service)).toBe(0);
    expect(affinityTimeoutMs({ spec: { sessionAffinity: 'ClientIP' } } as Service)).toBe(10800_000);
    expect(
      affinityTimeoutMs({
        spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } },
      } as Service),
    ).toBe(5000);
  });
});

describe('host listeners and published ports', () => {
  it('listens on node ports, and for LoadBalancer also on the service ports', () => {
    const svc: Service = {
      spec: {
        type: 'LoadBalancer',
        ports: [
          { name: 'http', port: 80, nodePort: 31000 },
          { name: 'dns', port: 53, protocol: 'UDP', nodePort: 31001 },
          { name: 'admin', port: 9000, nodePort: 31002 },
        ],
      },
    };
    expect(hostListenersOf(svc).map((l) => `${l.kind}:${l.hostPort}`)).toEqual([
      'NodePort:31000',
      'LoadBalancer:80',
      'NodePort:31002',
      'LoadBalancer:9000',
    ]);
    expect(hostListenersOf({ spec: { type: 'ClusterIP', ports: [{ port: 80 }] } })).toEqual([]);
  });

  it('reads the kubelet published-ports annotation', () => {
    const pod = {
      metadata: { annotations: { 'skiff.dev/published-ports': '{"8080/TCP":"127.0.0.1:32768"}' } },
    };
    expect(publishedAddress(pod, 8080)).toEqual({ host: '127.0.0.1', port: 32768 });
    expect(publishedAddress(pod, 9090)).toBeUndefined();
    expect(
      publishedAddress({ metadata: { annotations: { 'skiff.dev/published-ports': 'nope' } } }, 8080),
    ).toBeUndefined();
  });
});
