/** Service and Ingress addresses from what the proxy reports (models/service-access.ts). */
import { describe, expect, it } from 'vitest';
import {
  HOST_LISTENERS_ANNOTATION,
  accessText,
  ingressAccess,
  noHostAccessReason,
  parseHostListeners,
  safeHttpUrl,
  serviceAccess,
  serviceRowAccess,
} from '../../../src-renderer/models/service-access';
import type { Ingress, Service } from '../../../src-renderer/models/kube';

function svc(
  type: string,
  listeners?: unknown,
  ports = [{ port: 8080, nodePort: 31000, protocol: 'TCP' }],
): Service {
  return {
    metadata: {
      name: 'web',
      namespace: 'd',
      annotations:
        listeners === undefined
          ? {}
          : {
              [HOST_LISTENERS_ANNOTATION]:
                typeof listeners === 'string' ? listeners : JSON.stringify(listeners),
            },
    },
    spec: { type, clusterIP: '10.96.0.20', ports },
  } as Service;
}

describe('parseHostListeners', () => {
  it('is not reported while the annotation is absent', () => {
    expect(parseHostListeners(undefined)).toEqual({ reported: false, listeners: [] });
  });
  it('tolerates bad JSON, non-lists and bad entries', () => {
    expect(parseHostListeners('{oops').problem).toMatch(/not valid JSON/);
    expect(parseHostListeners('{"a":1}').problem).toMatch(/not a list/);
    const r = parseHostListeners(
      JSON.stringify([
        null,
        3,
        'x',
        { port: 'abc' },
        { port: 70000 },
        { port: 80, state: 'Weird', address: '127.0.0.1:80' },
      ]),
    );
    expect(r.problem).toBeUndefined();
    expect(r.listeners).toEqual([
      {
        port: 80,
        protocol: 'TCP',
        kind: 'LoadBalancer',
        address: '127.0.0.1:80',
        state: 'Error',
        message: 'Unknown state Weird.',
      },
    ]);
  });
  it('keeps URLs only for listening states and only http(s)', () => {
    const r = parseHostListeners(
      JSON.stringify([
        {
          port: 1,
          kind: 'NodePort',
          address: '127.0.0.1:30001',
          url: 'http://127.0.0.1:30001/',
          state: 'Listening',
        },
        { port: 2, address: '127.0.0.1:2', url: 'javascript:alert(1)', state: 'Listening' },
        { port: 3, address: '127.0.0.1:3', url: 'http://127.0.0.1:3/', state: 'PortInUse' },
      ]),
    );
    expect(r.listeners.map((l) => l.url)).toEqual(['http://127.0.0.1:30001/', undefined, undefined]);
    expect(safeHttpUrl('file:///etc/passwd')).toBeUndefined();
    expect(safeHttpUrl('https://x.localhost/a')).toBe('https://x.localhost/a');
  });
});

describe('serviceAccess', () => {
  it('a ClusterIP Service has no host address, with the reason', () => {
    expect(serviceAccess(svc('ClusterIP'))).toEqual([]);
    expect(noHostAccessReason(svc('ClusterIP'))).toMatch(/inside the cluster only/);
    expect(noHostAccessReason({ ...svc('ClusterIP'), spec: { clusterIP: 'None' } } as Service)).toMatch(
      /headless/,
    );
  });
  it('is a link only while listening, never from the spec alone', () => {
    const waiting = serviceAccess(svc('NodePort'));
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ label: '127.0.0.1:31000', short: 'waiting' });
    expect(waiting[0].url).toBeUndefined();
    expect(waiting[0].reason).toMatch(/Waiting for Skiff's proxy to open 127.0.0.1:31000/);
    const up = serviceAccess(
      svc('NodePort', [
        {
          port: 8080,
          protocol: 'TCP',
          kind: 'NodePort',
          address: '127.0.0.1:31000',
          url: 'http://127.0.0.1:31000/',
          state: 'Listening',
        },
      ]),
    );
    expect(up).toEqual([
      expect.objectContaining({
        label: 'http://127.0.0.1:31000/',
        url: 'http://127.0.0.1:31000/',
        tone: 'success',
      }),
    ]);
    expect(accessText(up)).toBe('http://127.0.0.1:31000/');
  });
  it('says why not in plain words', () => {
    const entries = serviceAccess(
      svc(
        'LoadBalancer',
        [
          {
            port: 8080,
            kind: 'LoadBalancer',
            address: '127.0.0.1:8080',
            state: 'PortInUse',
            message: 'listen EADDRINUSE',
          },
          { port: 80, kind: 'LoadBalancer', address: '127.0.0.1:80', state: 'PermissionDenied' },
          {
            port: 81,
            kind: 'LoadBalancer',
            address: '127.0.0.1:81',
            url: 'http://127.0.0.1:81/',
            state: 'NoReadyEndpoints',
          },
          {
            port: 8080,
            kind: 'NodePort',
            address: '127.0.0.1:31000',
            url: 'http://127.0.0.1:31000/',
            state: 'Listening',
          },
        ],
        [
          { port: 8080, nodePort: 31000, protocol: 'TCP' },
          { port: 80, nodePort: 31001, protocol: 'TCP' },
          { port: 81, nodePort: 31002, protocol: 'TCP' },
        ],
      ),
    );
    const lb = entries.filter((e) => e.kind === 'LoadBalancer');
    expect(lb.map((e) => e.short)).toEqual(['permission denied', 'no ready pods', 'port in use']);
    expect(lb[2].reason).toMatch(/Port 8080 is already taken by another program/);
    expect(lb[2].detail).toBe('listen EADDRINUSE');
    expect(lb[2].url).toBeUndefined();
    expect(lb[0].reason).toMatch(/administrator rights/);
    expect(lb[1]).toMatchObject({ url: 'http://127.0.0.1:81/', tone: 'warning' });
    expect(lb[1].reason).toMatch(/No ready pod/);
    // LoadBalancer ones come first; the row shows only those.
    expect(entries[entries.length - 1].kind).toBe('NodePort');
    expect(
      serviceRowAccess(
        svc('LoadBalancer', [
          {
            port: 8080,
            kind: 'NodePort',
            address: '127.0.0.1:31000',
            state: 'Listening',
            url: 'http://127.0.0.1:31000/',
          },
        ]),
      ).map((e) => e.short),
    ).toEqual(['waiting']);
  });
  it('UDP ports are said to answer inside the cluster only (the proxy opens TCP)', () => {
    const [e] = serviceAccess(svc('NodePort', [], [{ port: 53, nodePort: 31053, protocol: 'UDP' }]));
    expect(e).toMatchObject({ short: 'inside only' });
    expect(e.url).toBeUndefined();
  });
  it('an unreadable report is shown as such', () => {
    const [e] = serviceAccess(svc('LoadBalancer', 'not json'));
    expect(e).toMatchObject({ tone: 'error', short: 'unreadable' });
  });
});

describe('ingressAccess', () => {
  const ing = (status: unknown, rules: unknown, cls?: string) =>
    ({
      metadata: { name: 'i', namespace: 'd' },
      spec: { ingressClassName: cls, rules },
      status: { loadBalancer: status },
    }) as unknown as Ingress;
  it('http://<host>[:port]/path from rules and status', () => {
    const rules = [
      { host: 'app.localhost', http: { paths: [{ path: '/a' }, { path: '/b' }] } },
      { host: 'example.com', http: { paths: [{ path: '/' }] } },
      { host: '*.shop.localhost' },
    ];
    const on80 = ingressAccess(
      ing({ ingress: [{ hostname: 'localhost', ports: [{ port: 80, protocol: 'TCP' }] }] }, rules),
    );
    expect(on80.map((e) => e.label)).toEqual([
      'http://app.localhost/a',
      'http://app.localhost/b',
      'http://example.com/',
      'http://*.shop.localhost/',
    ]);
    expect(on80.map((e) => !!e.url)).toEqual([true, true, false, false]);
    expect(on80[2].reason).toMatch(/curl -H 'Host: example.com' http:\/\/localhost\//);
    const on8081 = ingressAccess(
      ing({ ingress: [{ hostname: 'localhost', ports: [{ port: 8081 }] }] }, [
        { http: { paths: [{ path: '/x' }] } },
      ]),
    );
    expect(on8081.map((e) => e.url)).toEqual(['http://localhost:8081/x']);
  });
  it('waits for the controller, and says when the class is not Skiff', () => {
    expect(ingressAccess(ing({}, []))[0].reason).toMatch(/Waiting for Skiff's ingress controller/);
    expect(ingressAccess(ing({}, [], 'nginx'))[0].reason).toMatch(/asks for nginx/);
    const err = ingressAccess(
      ing({ ingress: [{ hostname: 'localhost', ports: [{ port: 80, error: 'EACCES' }] }] }, []),
    );
    expect(err[0]).toMatchObject({ tone: 'error' });
  });
});
