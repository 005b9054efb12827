/** networking.k8s.io/v1 Ingresses: pathType defaulting, rule and backend validation, the Ingress Table. */
import type { Ingress } from 'kubernetes-types/networking/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from '../strategy';
import { dns1123Subdomain } from '../validation';

function ingressHosts(i: Ingress): string {
  const hosts = (i.spec?.rules ?? []).map((r) => r.host).filter((h): h is string => !!h);
  if (!hosts.length) return '*';
  return hosts.length > 4 ? `${hosts.slice(0, 4).join(',')} + ${hosts.length - 4} more...` : hosts.join(',');
}

/** Ingress strategy. */
export const ingressStrategy: Strategy = {
  type: R.ingresses,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = { loadBalancer: {} };
  },
  applyDefaults(obj) {
    for (const r of (obj as unknown as Ingress).spec?.rules ?? [])
      for (const p of r.http?.paths ?? []) if (isObject(p)) p.pathType ??= 'ImplementationSpecific';
  },
  validate(obj) {
    const errs = validateObjectMeta(R.ingresses, obj);
    const spec = (obj as unknown as Ingress).spec;
    if (!isObject(spec)) {
      errs.required('spec');
      return errs.causes;
    }
    if (!spec.defaultBackend && !(spec.rules ?? []).length)
      errs.invalid('spec', spec, 'either `defaultBackend` or `rules` must be specified');
    (spec.rules ?? []).forEach((r, i) => {
      if (r.host) {
        const h = r.host.startsWith('*.') ? r.host.slice(2) : r.host;
        for (const m of dns1123Subdomain(h)) errs.invalid(`spec.rules[${i}].host`, r.host, m);
      }
      (r.http?.paths ?? []).forEach((p, j) => {
        const f = `spec.rules[${i}].http.paths[${j}]`;
        if (!['Exact', 'Prefix', 'ImplementationSpecific'].includes(p.pathType))
          errs.notSupported(`${f}.pathType`, p.pathType, ['Exact', 'ImplementationSpecific', 'Prefix']);
        if (p.pathType !== 'ImplementationSpecific' && !(p.path ?? '').startsWith('/'))
          errs.invalid(`${f}.path`, p.path ?? '', 'must be an absolute path');
        const b = p.backend;
        if (!b?.service && !b?.resource)
          errs.invalid(`${f}.backend`, b ?? {}, 'one backend must be specified');
        if (b?.service && !b.service.name) errs.required(`${f}.backend.service.name`);
        if (b?.service && !b.service.port?.name && !b.service.port?.number)
          errs.required(`${f}.backend.service.port`, 'port name or number is required');
      });
    });
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Class', 'string', 'The name of the IngressClass resource.'),
      col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
      col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
      col('Ports', 'string', 'Ports of TLS configurations that open'),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const i = obj as unknown as Ingress;
      const addr = (i.status?.loadBalancer?.ingress ?? [])
        .map((x) => x.ip || x.hostname || '')
        .filter(Boolean);
      return [
        obj.metadata.name,
        i.spec?.ingressClassName ?? '<none>',
        ingressHosts(i),
        addr.join(','),
        i.spec?.tls?.length ? '80, 443' : '80',
        age(obj.metadata.creationTimestamp, now),
      ];
    },
  },
};
