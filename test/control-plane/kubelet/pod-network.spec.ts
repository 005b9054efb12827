import { describe, expect, it } from 'vitest';
import type { Pod, Service } from 'kubernetes-types/core/v1';
import {
  formatResolvConf,
  parseResolvConf,
  podDns,
  podDomainname,
  podHostname,
  serviceEnv,
} from '../../../src-main/control-plane/kubelet/pod-network';
import { resolveEnv } from '../../../src-main/control-plane/kubelet/pod-spec';

const cluster = { dnsIP: '10.96.0.10', clusterDomain: 'cluster.local' };
const host = parseResolvConf(
  '# node\nnameserver 127.0.0.53\nnameserver 192.168.1.1\nsearch corp.example lan\noptions edns0\n',
);

function pod(spec: Pod['spec'] = { containers: [] }, ns = 'shop'): Pod {
  return { metadata: { name: 'web-0', namespace: ns, uid: 'u' }, spec };
}

describe('podDns (dns.go behaviour)', () => {
  it('parses the node resolv.conf, dropping loopback nameservers', () => {
    expect(host).toEqual({ servers: ['192.168.1.1'], searches: ['corp.example', 'lan'], options: ['edns0'] });
  });

  it('ClusterFirst (the default): cluster DNS, the namespace search path then the node searches, ndots:5', () => {
    const r = podDns(pod(), host, cluster);
    expect(r.resolvConf).toBe(
      'nameserver 10.96.0.10\nsearch shop.svc.cluster.local svc.cluster.local cluster.local corp.example lan\noptions ndots:5\n',
    );
    expect(r.warnings).toEqual([]);
  });

  it('ClusterFirst on hostNetwork falls back to Default; ClusterFirstWithHostNet keeps cluster DNS', () => {
    expect(podDns(pod({ containers: [], hostNetwork: true }), host, cluster).resolvConf).toBeUndefined();
    const r = podDns(
      pod({ containers: [], hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }),
      host,
      cluster,
    );
    expect(r.resolvConf).toMatch(/^nameserver 10\.96\.0\.10\n/);
  });

  it('Default keeps the engine file unless dnsConfig must be merged into the node resolution', () => {
    expect(podDns(pod({ containers: [], dnsPolicy: 'Default' }), host, cluster).resolvConf).toBeUndefined();
    const r = podDns(
      pod({
        containers: [],
        dnsPolicy: 'Default',
        dnsConfig: { searches: ['extra.test'], options: [{ name: 'edns0' }, { name: 'ndots', value: '2' }] },
      }),
      host,
      cluster,
    );
    expect(r.resolvConf).toBe(
      'nameserver 192.168.1.1\nsearch corp.example lan extra.test\noptions edns0 ndots:2\n',
    );
  });

  it('None: only dnsConfig', () => {
    const r = podDns(
      pod({
        containers: [],
        dnsPolicy: 'None',
        dnsConfig: {
          nameservers: ['1.1.1.1'],
          searches: ['a.test'],
          options: [{ name: 'ndots', value: '1' }, { name: 'rotate' }],
        },
      }),
      host,
      cluster,
    );
    expect(r.resolvConf).toBe('nameserver 1.1.1.1\nsearch a.test\noptions ndots:1 rotate\n');
  });

  it('merges dnsConfig into ClusterFirst: no duplicate servers or searches, pod options win by name', () => {
    const r = podDns(
      pod({
        containers: [],
        dnsConfig: {
          nameservers: ['10.96.0.10', '8.8.8.8'],
          searches: ['svc.cluster.local', 'x.test'],
          options: [{ name: 'ndots', value: '2' }, { name: 'single-request' }],
        },
      }),
      { servers: [], searches: [], options: [] },
      cluster,
    );
    expect(r.resolvConf).toBe(
      'nameserver 10.96.0.10\nnameserver 8.8.8.8\nsearch shop.svc.cluster.local svc.cluster.local cluster.local x.test\noptions ndots:2 single-request\n',
    );
  });

  it('cuts to 3 nameservers and 32 search paths with a DNSConfigForming warning', () => {
    const r = podDns(
      pod({
        containers: [],
        dnsPolicy: 'None',
        dnsConfig: {
          nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4'],
          searches: Array.from({ length: 40 }, (_, i) => `s${i}.test`),
        },
      }),
      host,
      cluster,
    );
    expect(r.resolvConf!.match(/^nameserver/gm)).toHaveLength(3);
    expect(r.resolvConf!.split('\n')[3]!.split(' ')).toHaveLength(33);
    expect(r.warnings.map((w) => w[0])).toEqual(['DNSConfigForming', 'DNSConfigForming']);
  });

  it('without cluster DNS, ClusterFirst falls back to Default with a MissingClusterDNS warning', () => {
    const r = podDns(pod(), host, undefined);
    expect(r.resolvConf).toBeUndefined();
    expect(r.warnings[0]![0]).toBe('MissingClusterDNS');
  });

  it('formats nothing for an empty config', () => {
    expect(formatResolvConf({ servers: [], searches: [], options: [] })).toBe('');
  });
});

describe('hostname and subdomain', () => {
  it('uses spec.hostname, else the pod name; subdomain gives the FQDN domain', () => {
    expect(podHostname(pod())).toBe('web-0');
    expect(podHostname(pod({ containers: [], hostname: 'db' }))).toBe('db');
    expect(podDomainname(pod(), 'cluster.local')).toBeUndefined();
    expect(podDomainname(pod({ containers: [], subdomain: 'web' }), 'cluster.local')).toBe(
      'web.shop.svc.cluster.local',
    );
  });
});

function svc(
  ns: string,
  name: string,
  clusterIP: string,
  ports: { name?: string; port: number; protocol?: string }[],
): Service {
  return { metadata: { namespace: ns, name }, spec: { clusterIP, ports } };
}

describe('serviceEnv (kubelet envvars)', () => {
  const services = [
    svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443 }]),
    svc('shop', 'web-api', '10.96.0.20', [
      { name: 'http', port: 80 },
      { name: 'dns-udp', port: 53, protocol: 'UDP' },
    ]),
    svc('shop', 'headless', 'None', [{ port: 80 }]),
    svc('other', 'elsewhere', '10.96.0.30', [{ port: 80 }]),
  ];

  it('writes the Kubernetes variables for Services of the namespace and default/kubernetes', () => {
    const env = Object.fromEntries(serviceEnv(pod(), services));
    expect(env).toEqual({
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
      WEB_API_SERVICE_HOST: '10.96.0.20',
      WEB_API_SERVICE_PORT: '80',
      WEB_API_SERVICE_PORT_HTTP: '80',
      WEB_API_SERVICE_PORT_DNS_UDP: '53',
      WEB_API_PORT: 'tcp://10.96.0.20:80',
      WEB_API_PORT_80_TCP: 'tcp://10.96.0.20:80',
      WEB_API_PORT_80_TCP_PROTO: 'tcp',
      WEB_API_PORT_80_TCP_PORT: '80',
      WEB_API_PORT_80_TCP_ADDR: '10.96.0.20',
      WEB_API_PORT_53_UDP: 'udp://10.96.0.20:53',
      WEB_API_PORT_53_UDP_PROTO: 'udp',
      WEB_API_PORT_53_UDP_PORT: '53',
      WEB_API_PORT_53_UDP_ADDR: '10.96.0.20',
    });
  });

  it('enableServiceLinks: false keeps only the kubernetes Service', () => {
    const env = serviceEnv(pod({ containers: [], enableServiceLinks: false }), services);
    expect([...env.keys()].every((k) => k.startsWith('KUBERNETES_'))).toBe(true);
  });

  it('lets the container env win and expands $(VAR) over Service variables', () => {
    const p = pod({ containers: [] });
    const c = {
      name: 'app',
      env: [
        { name: 'WEB_API_SERVICE_PORT', value: '9999' },
        { name: 'URL', value: 'http://$(WEB_API_SERVICE_HOST)/' },
      ],
    };
    const env = Object.fromEntries(
      resolveEnv(p, c, { hostIP: '127.0.0.1', nodeName: 'n' }, undefined, serviceEnv(p, services)).map(
        (e) => [e.name, e.value],
      ),
    );
    expect(env.WEB_API_SERVICE_PORT).toBe('9999');
    expect(env.URL).toBe('http://10.96.0.20/');
    expect(env.KUBERNETES_SERVICE_HOST).toBe('10.96.0.1');
  });
});
