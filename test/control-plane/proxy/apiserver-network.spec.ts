/**
 * What the API server does for the cluster network: ClusterIPs only inside the network's
 * serviceCidr (never its network, broadcast or agent address), the bootstrap `kubernetes` and
 * `kube-dns` Services at their fixed IPs, the default IngressClass `skiff`, the `kubernetes`
 * names in the serving certificate, and LoadBalancer status written through /status.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../src-main/common/client';
import { cidrContains, clusterNetworkForSlot } from '../../../src-main/common/network';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { ApiServer } from '../../../src-main/control-plane/apiserver/api-server';
import { ObjectStore } from '../../../src-main/control-plane/apiserver/object-storage';
import { HttpsTransport } from '../../../src-main/control-plane/client/https-transport';
import { openBackend, type Backend } from '../../../src-main/control-plane/store';
import os from 'node:os';

type Obj = KubeObject & Record<string, any>;
const net = clusterNetworkForSlot(3, 'skiff-test');
let api: ApiServer;
let backend: Backend;
let client: KubeClient;
let transport: HttpsTransport;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-api-net-'));
  backend = openBackend('memory://');
  await backend.start();
  api = new ApiServer({
    storage: new ObjectStore(backend),
    dataDir,
    port: 0,
    token: 'tok-0123456789',
    network: net,
  });
  const { url, caPem } = await api.start();
  transport = new HttpsTransport(url, { ca: caPem, token: 'tok-0123456789' });
  client = new KubeClient(transport);
});
afterAll(async () => {
  transport?.close();
  await api?.stop();
  await backend?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const svc = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { ports: [{ port: 80 }], selector: { app: name }, ...spec },
});

describe('API server on a cluster network', () => {
  it('puts kubernetes at kubernetesIP and kube-dns at dnsIP', async () => {
    const k = (await client.get(R.services, 'kubernetes', 'default')) as Obj;
    expect(k.spec.clusterIP).toBe(net.kubernetesIP);
    const dns = (await client.get(R.services, 'kube-dns', 'kube-system')) as Obj;
    expect(dns.spec.clusterIP).toBe(net.dnsIP);
    expect(dns.spec.selector).toBeUndefined();
    expect(dns.metadata.labels?.['k8s-app']).toBe('kube-dns');
    expect(dns.spec.ports.map((p: any) => `${p.name}/${p.port}/${p.protocol}`).sort()).toEqual([
      'dns-tcp/53/TCP',
      'dns/53/UDP',
    ]);
  });

  it('allocates ClusterIPs only inside serviceCidr, never the agent address', async () => {
    const ips = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const s = (await client.create(R.services, svc(`s${i}`))) as Obj;
      ips.add(s.spec.clusterIP);
      expect(cidrContains(net.serviceCidr, s.spec.clusterIP)).toBe(true);
      expect([net.agentIP, net.kubernetesIP, net.dnsIP, '10.96.48.0', '10.96.55.255']).not.toContain(
        s.spec.clusterIP,
      );
    }
    expect(ips.size).toBe(20);
  });

  it('rejects a requested ClusterIP outside the range or at the agent address', async () => {
    await expect(client.create(R.services, svc('out', { clusterIP: '10.96.0.50' }))).rejects.toThrow(
      /not in the valid range. The range of valid IPs is 10.96.48.0\/21/,
    );
    await expect(client.create(R.services, svc('agent', { clusterIP: net.agentIP }))).rejects.toThrow(
      /not in the valid range/,
    );
    const ok = (await client.create(R.services, svc('fixed', { clusterIP: '10.96.48.77' }))) as Obj;
    expect(ok.spec.clusterIP).toBe('10.96.48.77');
  });

  it('honours a requested nodePort and refuses a taken one', async () => {
    const a = (await client.create(
      R.services,
      svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 31234 }] }),
    )) as Obj;
    expect(a.spec.ports[0].nodePort).toBe(31234);
    await expect(
      client.create(R.services, svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 31234 }] })),
    ).rejects.toThrow(/provided port is already allocated/);
  });

  it('has the default IngressClass skiff', async () => {
    const ic = (await client.get(R.ingressclasses, 'skiff')) as Obj;
    expect(ic.spec.controller).toBe('skiff.dev/ingress');
    expect(ic.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class']).toBe('true');
  });

  it('names the kubernetes Service in the serving certificate', () => {
    const cert = new X509Certificate(fs.readFileSync(path.join(dataDir, 'pki', 'apiserver.crt')));
    for (const n of [
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ])
      expect(cert.subjectAltName).toContain(`DNS:${n}`);
    expect(cert.subjectAltName).toContain(`IP Address:${net.kubernetesIP}`);
  });

  it('accepts LoadBalancer status through /status', async () => {
    const s = (await client.create(R.services, svc('lb', { type: 'LoadBalancer' }))) as Obj;
    const ingress = [{ hostname: 'localhost', ports: [{ port: 80, protocol: 'TCP' }] }];
    await client.patch(R.services, 'lb', 'default', { status: { loadBalancer: { ingress } } }, 'merge', {
      subresource: 'status',
    });
    const got = (await client.get(R.services, 'lb', 'default')) as Obj;
    expect(got.status.loadBalancer.ingress).toEqual(ingress);
    expect(s.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
  });
});
