/** Ingress rule matching: hosts (exact, wildcard, none), Exact/Prefix/ImplementationSpecific paths, precedence, default backend. */
import { describe, expect, it } from 'vitest';
import type { Ingress } from 'kubernetes-types/networking/v1';
import type { KubeObject } from '../../../src-main/common/types';
import { errorPage, isSkiffIngress, matchIngress } from '../../../src-main/control-plane/proxy/ingress';

const be = (name: string) => ({ service: { name, port: { number: 80 } } });
function ing(name: string, spec: Ingress['spec'], created = '2026-01-01T00:00:00Z'): Ingress & KubeObject {
  return { metadata: { name, namespace: 'default', creationTimestamp: created }, spec } as Ingress &
    KubeObject;
}
const all = [
  ing('app', {
    rules: [
      {
        host: 'app.localhost',
        http: {
          paths: [
            { path: '/a', pathType: 'Prefix', backend: be('a') },
            { path: '/b', pathType: 'Prefix', backend: be('b') },
            { path: '/a/deep', pathType: 'Prefix', backend: be('deep') },
            { path: '/exact', pathType: 'Exact', backend: be('exact') },
            { path: '/impl', pathType: 'ImplementationSpecific', backend: be('impl') },
          ],
        },
      },
      { host: '*.wild.localhost', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('wild') }] } },
      { http: { paths: [{ path: '/any', pathType: 'Prefix', backend: be('nohost') }] } },
    ],
  }),
  ing('fallback', { defaultBackend: be('default') }, '2026-01-02T00:00:00Z'),
];
const svcOf = (host: string, path: string) => matchIngress(all, host, path)?.backend.service?.name;

describe('matchIngress', () => {
  it('routes by host and path prefix (element-wise), longest prefix first', () => {
    expect(svcOf('app.localhost', '/a')).toBe('a');
    expect(svcOf('app.localhost:8080', '/a/x?q=1')).toBe('a');
    expect(svcOf('APP.localhost', '/b/')).toBe('b');
    expect(svcOf('app.localhost', '/a/deep/er')).toBe('deep');
    expect(svcOf('app.localhost', '/ab')).toBe('default');
  });
  it('Exact matches only the exact path; ImplementationSpecific acts as Prefix', () => {
    expect(svcOf('app.localhost', '/exact')).toBe('exact');
    expect(svcOf('app.localhost', '/exact/x')).toBe('default');
    expect(svcOf('app.localhost', '/impl/x')).toBe('impl');
  });
  it('wildcards cover one label; rules without host match any host', () => {
    expect(svcOf('x.wild.localhost', '/')).toBe('wild');
    expect(svcOf('y.x.wild.localhost', '/')).toBe('default');
    expect(svcOf('other.localhost', '/any/thing')).toBe('nohost');
  });
  it('falls back to the default backend, or nothing', () => {
    expect(svcOf('other.localhost', '/')).toBe('default');
    expect(matchIngress([all[0]!], 'other.localhost', '/')).toBeUndefined();
  });
  it('serves class skiff and class-less Ingresses only', () => {
    expect(isSkiffIngress(ing('x', { ingressClassName: 'skiff' }))).toBe(true);
    expect(isSkiffIngress(ing('x', {}))).toBe(true);
    expect(isSkiffIngress(ing('x', { ingressClassName: 'nginx' }))).toBe(false);
  });
  it('escapes the error page', () => {
    expect(errorPage(503, 'Service Unavailable', 'Service <x> has no ready endpoints.')).toContain(
      '&#60;x&#62;',
    );
  });
});
