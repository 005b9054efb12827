/** apiregistration.k8s.io/v1 APIServices (kube-aggregator's registry): validation, the Name, Service, Available, Age table; stored only — touches nothing else. */
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../../common/resources';
import type { KubeObject } from '../../../../common/types';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from '../strategy';
import { dns1123Subdomain, dns1123Label } from '../validation';

interface ApiServiceSpec {
  service?: { namespace?: string; name?: string; port?: number } | null;
  group?: string;
  version?: string;
  insecureSkipTLSVerify?: boolean;
  caBundle?: string;
  groupPriorityMinimum?: number;
  versionPriority?: number;
}
type ApiService = KubeObject & {
  spec?: ApiServiceSpec;
  status?: { conditions?: { type: string; status: string; reason?: string }[] };
};

/** ValidateAPIService: the name is `<version>.<group>`, priorities in range, a service reference that names something. */
function validate(obj: KubeObject): StatusCause[] {
  const errs = validateObjectMeta(R.apiservices, obj);
  const a = obj as ApiService;
  const spec = a.spec;
  if (!isObject(spec)) {
    errs.required('spec');
    return errs.causes;
  }
  const name = obj.metadata.name ?? '';
  const expected = spec.group ? `${spec.version ?? ''}.${spec.group}` : (spec.version ?? '');
  if (name && name !== expected) errs.invalid('metadata.name', name, `must be ${expected}`);
  if (!spec.version) errs.required('spec.version');
  else for (const m of dns1123Label(spec.version)) errs.invalid('spec.version', spec.version, m);
  if (spec.group) for (const m of dns1123Subdomain(spec.group)) errs.invalid('spec.group', spec.group, m);
  const gpm = spec.groupPriorityMinimum;
  if (typeof gpm !== 'number' || gpm <= 0 || gpm > 20000)
    errs.invalid('spec.groupPriorityMinimum', gpm ?? 0, 'must be positive and less than 20000');
  const vp = spec.versionPriority;
  if (typeof vp !== 'number' || vp <= 0 || vp > 1000)
    errs.invalid('spec.versionPriority', vp ?? 0, 'must be positive and less than 1000');
  if (isObject(spec.service)) {
    if (!spec.service.namespace) errs.required('spec.service.namespace');
    if (!spec.service.name) errs.required('spec.service.name');
    const port = spec.service.port;
    if (port !== undefined && (typeof port !== 'number' || port < 1 || port > 65535))
      errs.invalid('spec.service.port', port, 'must be a valid port number between 1 and 65535, inclusive');
    if (spec.insecureSkipTLSVerify && spec.caBundle)
      errs.invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present');
  }
  return errs.causes;
}

/**
 * APIService strategy. Stored and served so clients (metrics-server's manifests, `kubectl get
 * apiservices`) can register and read them, but Skiff does not aggregate: no request is ever
 * proxied to the referenced Service, and nothing sets the Available condition.
 */
export const apiServiceStrategy: Strategy = {
  type: R.apiservices,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = {};
  },
  applyDefaults(obj) {
    const svc = (obj as ApiService).spec?.service;
    if (isObject(svc)) svc.port ??= 443;
  },
  validate,
  table: {
    columns: [
      NAME_COLUMN,
      col('Service', 'string', 'The reference to the service that hosts this API endpoint.'),
      col('Available', 'string', 'Whether this service is available.'),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const a = obj as ApiService;
      const svc = a.spec?.service;
      const cond = a.status?.conditions?.find((c) => c.type === 'Available');
      let available = 'Unknown';
      if (cond) available = cond.status === 'True' ? 'True' : `${cond.status} (${cond.reason ?? ''})`;
      return [
        obj.metadata.name,
        isObject(svc) ? `${svc.namespace ?? ''}/${svc.name ?? ''}` : 'Local',
        available,
        age(obj.metadata.creationTimestamp, now),
      ];
    },
  },
};
