/** The "Expose on localhost" model (models/expose.ts): ports, names, selectors, the Service. */
import { describe, expect, it } from 'vitest';
import {
  EXPOSED_BY_LABEL,
  buildExposureService,
  checkLocalPort,
  claimedHostPorts,
  containerPortsOf,
  exposeSelector,
  exposureServiceName,
  exposuresOf,
  isDashboardExposure,
  suggestLocalPort,
  validateExposeRequest,
} from '../../../src-renderer/models/expose';
import type { KubeObject, Pod, Service } from '../../../src-renderer/models/kube';

const deployment = {
  metadata: { name: 'web', namespace: 'd' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web', tier: 'front' } },
      spec: {
        containers: [
          {
            name: 'a',
            ports: [
              { containerPort: 8080, name: 'http' },
              { containerPort: 53, protocol: 'UDP' },
            ],
          },
          { name: 'b', ports: [{ containerPort: 80 }, { containerPort: 8080 }] },
        ],
      },
    },
  },
} as unknown as KubeObject;

const pod = (name: string, labels?: Record<string, string>) =>
  ({
    metadata: { name, namespace: 'd', labels },
    spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] },
  }) as unknown as Pod;

const lbService = (ns: string, name: string, port: number, nodePort?: number, type = 'LoadBalancer') =>
  ({ metadata: { name, namespace: ns }, spec: { type, ports: [{ port, nodePort }] } }) as unknown as Service;

describe('expose ports', () => {
  it('offers the TCP container ports once each', () => {
    expect(containerPortsOf('Deployment', deployment)).toEqual([
      { container: 'a', port: 8080, name: 'http', protocol: 'TCP' },
      { container: 'b', port: 80, protocol: 'TCP' },
    ]);
    expect(containerPortsOf('Pod', pod('p'))).toEqual([{ container: 'c', port: 80, protocol: 'TCP' }]);
  });
  it('suggests the container port from 1024 up, else 8000 upwards, skipping claimed ports', () => {
    const claimed = claimedHostPorts([
      lbService('a', 'x', 8000, 30001),
      lbService('a', 'y', 9090),
      lbService('a', 'np', 80, 8001, 'NodePort'),
      lbService('a', 'cip', 8002, undefined, 'ClusterIP'),
    ]);
    expect([...claimed.keys()].sort()).toEqual([30001, 8000, 8001, 9090].sort());
    expect(suggestLocalPort(8080, claimed)).toBe(8080);
    expect(suggestLocalPort(80, claimed)).toBe(8002);
    expect(suggestLocalPort(9090, claimed)).toBe(9091);
    expect(suggestLocalPort(null, new Map())).toBe(8000);
  });
  it('validates the local port: 1–65535, not claimed; warns below 1024', () => {
    const claimed = new Map([[9090, 'a/y']]);
    expect(checkLocalPort(0, claimed).error).toMatch(/1 to 65535/);
    expect(checkLocalPort(65536, claimed).error).toMatch(/1 to 65535/);
    expect(checkLocalPort(1.5, claimed).error).toMatch(/whole number/);
    expect(checkLocalPort(null, claimed).error).toMatch(/Give the local port/);
    expect(checkLocalPort(9090, claimed).error).toMatch(/already used by Service a\/y/);
    expect(checkLocalPort(80, claimed)).toEqual({
      error: '',
      warning: expect.stringMatching(/administrator/),
    });
    expect(checkLocalPort(8080, claimed)).toEqual({ error: '', warning: '' });
  });
});

describe('expose names and selectors', () => {
  it('names the Service <workload>-local, unique and at most 63 characters', () => {
    expect(exposureServiceName('web', new Set())).toBe('web-local');
    expect(exposureServiceName('web', new Set(['web-local', 'web-local-2']))).toBe('web-local-3');
    const long = 'a'.repeat(70);
    expect(exposureServiceName(long, new Set()).length).toBeLessThanOrEqual(63);
    expect(exposureServiceName('1web', new Set())).toMatch(/^[a-z]/);
  });
  it('a workload: its matchLabels, or its template labels for matchExpressions', () => {
    expect(exposeSelector('Deployment', deployment, []).selector).toEqual({ app: 'web' });
    const withExpr = {
      ...deployment,
      spec: {
        ...(deployment as unknown as { spec: object }).spec,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'x', operator: 'Exists' }] },
      },
    } as unknown as KubeObject;
    expect(exposeSelector('StatefulSet', withExpr, []).selector).toEqual({ app: 'web', tier: 'front' });
  });
  it('a pod: its labels when they select it alone, else a label patched onto it', () => {
    const a = pod('a', { app: 'x', id: '1' });
    expect(exposeSelector('Pod', a, [a, pod('b', { app: 'x' })])).toMatchObject({
      selector: { app: 'x', id: '1' },
    });
    const shared = pod('c', { app: 'x' });
    const s = exposeSelector('Pod', shared, [shared, pod('d', { app: 'x', more: '1' })]);
    expect(s.selector).toEqual({ 'skiff.dev/expose': 'c' });
    expect(s.podLabelPatch).toEqual({ metadata: { labels: { 'skiff.dev/expose': 'c' } } });
    expect(s.note).toMatch(/also select 1 other pod/);
    expect(exposeSelector('Pod', pod('e'), []).podLabelPatch).toBeDefined();
  });
});

describe('the exposure Service', () => {
  const req = {
    kind: 'Deployment' as const,
    namespace: 'd',
    workload: 'web',
    name: 'web-local',
    containerPort: 8080,
    localPort: 8081,
    selector: { app: 'web' },
  };
  it('is a labelled LoadBalancer with port = local port and targetPort = container port', () => {
    const s = buildExposureService(req);
    expect(s).toMatchObject({
      kind: 'Service',
      metadata: { name: 'web-local', namespace: 'd', labels: { [EXPOSED_BY_LABEL]: 'dashboard' } },
      spec: {
        type: 'LoadBalancer',
        selector: { app: 'web' },
        ports: [{ port: 8081, targetPort: 8080, protocol: 'TCP' }],
      },
    });
    expect(isDashboardExposure(s)).toBe(true);
    expect(
      exposuresOf('Deployment', 'd', 'web', [
        s,
        { ...s, metadata: { ...s.metadata, namespace: 'o' } } as Service,
      ]),
    ).toHaveLength(1);
    expect(exposuresOf('Pod', 'd', 'web', [s])).toHaveLength(0);
  });
  it('validates the whole request', () => {
    expect(validateExposeRequest(req, new Map())).toBe('');
    expect(validateExposeRequest({ ...req, name: 'Web' }, new Map())).toMatch(/Service name/);
    expect(validateExposeRequest({ ...req, containerPort: 0 }, new Map())).toMatch(/container port/);
    expect(validateExposeRequest({ ...req, localPort: 8081 }, new Map([[8081, 'x/y']]))).toMatch(
      /already used/,
    );
    expect(validateExposeRequest({ ...req, selector: {} }, new Map())).toMatch(/selector/);
  });
});
