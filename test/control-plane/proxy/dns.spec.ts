/** Cluster DNS answers over the wire format: Services, headless, pods by hostname, ExternalName, SRV, NXDOMAIN, host names. */
import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Pod } from '../../../src-main/common/types';
import { respond, type DnsView, type HostResolver } from '../../../src-main/control-plane/proxy/dns';

const services: Service[] = [
  {
    metadata: { name: 'web', namespace: 'shop' },
    spec: { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  },
  {
    metadata: { name: 'db', namespace: 'shop' },
    spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] },
  },
  {
    metadata: { name: 'ext', namespace: 'shop' },
    spec: { type: 'ExternalName', externalName: 'example.org' },
  },
];
const slices: EndpointSlice[] = [
  {
    addressType: 'IPv4',
    metadata: { name: 'db-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'db' } },
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    endpoints: [
      { addresses: ['10.96.8.7'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['10.96.8.8'], hostname: 'db-1', conditions: { ready: true } },
      { addresses: ['10.96.8.9'], hostname: 'db-2', conditions: { ready: false } },
    ],
  },
];
const pods: Pod[] = [{ metadata: { name: 'client', namespace: 'shop' }, status: { podIP: '10.96.8.20' } }];
const view: DnsView = {
  service: (ns, n) => services.find((s) => s.metadata!.namespace === ns && s.metadata!.name === n),
  slicesOf: (ns, n) =>
    slices.filter(
      (s) => s.metadata!.namespace === ns && s.metadata!.labels!['kubernetes.io/service-name'] === n,
    ),
  namespaceOfPodIP: (ip) => pods.find((p) => p.status?.podIP === ip)?.metadata?.namespace,
  podByIP: (ns, ip) => pods.find((p) => p.metadata?.namespace === ns && p.status?.podIP === ip),
};
const hostCalls: string[] = [];
const host: HostResolver = async (name, type) => {
  hostCalls.push(`${name}/${type}`);
  if (name === 'example.org' && type === 'A') return [{ type: 'A', name, ttl: 30, data: '93.184.216.34' }];
  throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
};

async function ask(name: string, type: 'A' | 'SRV' | 'AAAA' = 'A', from = '10.96.8.20') {
  const q = dnsPacket.encode({
    type: 'query',
    id: 7,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name }],
  });
  const out = await respond(q, from, view, 'cluster.local', host);
  const r = dnsPacket.decode(out!) as ReturnType<typeof dnsPacket.decode> & { rcode?: string };
  expect(r.id).toBe(7);
  return {
    rcode: r.rcode,
    answers: (r.answers ?? []).map((a: any) => (typeof a.data === 'object' ? a.data : `${a.type} ${a.data}`)),
  };
}

describe('cluster DNS', () => {
  it('answers every form of a Service name with its ClusterIP', async () => {
    for (const n of ['web.shop.svc.cluster.local', 'web.shop.svc', 'web.shop', 'web'])
      expect(await ask(n)).toEqual({ rcode: 'NOERROR', answers: ['A 10.96.0.50'] });
    // The bare name is looked up in the asking pod's namespace.
    expect((await ask('web', 'A', '10.96.8.99')).answers).toEqual([]);
  });

  it('answers a headless Service with its ready pod IPs, and pods by hostname', async () => {
    expect(await ask('db.shop.svc.cluster.local')).toEqual({
      rcode: 'NOERROR',
      answers: ['A 10.96.8.7', 'A 10.96.8.8'],
    });
    expect(await ask('db-1.db.shop.svc.cluster.local')).toEqual({
      rcode: 'NOERROR',
      answers: ['A 10.96.8.8'],
    });
    expect((await ask('db-2.db.shop.svc.cluster.local')).rcode).toBe('NXDOMAIN');
  });

  it('answers SRV for named ports', async () => {
    expect((await ask('_http._tcp.web.shop.svc.cluster.local', 'SRV')).answers).toEqual([
      { priority: 0, weight: 100, port: 80, target: 'web.shop.svc.cluster.local' },
    ]);
    expect((await ask('_pg._tcp.db.shop.svc.cluster.local', 'SRV')).answers).toEqual([
      { priority: 0, weight: 100, port: 5432, target: 'db-0.db.shop.svc.cluster.local' },
      { priority: 0, weight: 100, port: 5432, target: 'db-1.db.shop.svc.cluster.local' },
    ]);
  });

  it('answers ExternalName with a CNAME and the target addresses', async () => {
    expect(await ask('ext.shop.svc.cluster.local')).toEqual({
      rcode: 'NOERROR',
      answers: ['CNAME example.org', 'A 93.184.216.34'],
    });
  });

  it('NXDOMAIN for unknown cluster names; pods by dashed IP; AAAA empty for Services', async () => {
    expect((await ask('nope.shop.svc.cluster.local')).rcode).toBe('NXDOMAIN');
    expect((await ask('nope.shop.svc')).rcode).toBe('NXDOMAIN');
    expect(await ask('10-96-8-20.shop.pod.cluster.local')).toEqual({
      rcode: 'NOERROR',
      answers: ['A 10.96.8.20'],
    });
    expect(await ask('web.shop.svc.cluster.local', 'AAAA')).toEqual({ rcode: 'NOERROR', answers: [] });
  });

  it('resolves other names as the host does', async () => {
    hostCalls.length = 0;
    expect(await ask('example.org')).toEqual({ rcode: 'NOERROR', answers: ['A 93.184.216.34'] });
    expect((await ask('unknown.example')).rcode).toBe('NXDOMAIN');
    expect(hostCalls).toEqual(['example.org/A', 'unknown.example/A']);
  });
});
