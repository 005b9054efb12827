/**
 * core/v1 Services (pkg/registry/core/service): defaulting, validation (ports, types, IPs),
 * update rules (clusterIP kept, node ports kept or dropped with the type), admission through
 * service-allocation.ts, and kubectl's Service Table.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../../common/resources';
import { isIPv4 } from '../../../../common/network';
import type { KubeObject } from '../../../../common/types';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from '../strategy';
import { Errors, dns1123Label, immutable, validateLabels } from '../validation';
import { admitService } from './service-allocation';

const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

/** A valid port number (1-65535)? */
export function validPort(p: unknown): boolean {
  return typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;
}

function validateServicePorts(errs: Errors, svc: Service): void {
  const ports = svc.spec?.ports;
  const type = svc.spec?.type;
  if (type !== 'ExternalName' && svc.spec?.clusterIP !== 'None' && !(ports ?? []).length) {
    errs.required('spec.ports');
    return;
  }
  if (ports !== undefined && !Array.isArray(ports)) {
    errs.invalid('spec.ports', ports, 'must be a list');
    return;
  }
  const names = new Set<string>();
  const keys = new Set<string>();
  (ports ?? []).forEach((p: ServicePort, i) => {
    const f = `spec.ports[${i}]`;
    if (!isObject(p)) {
      errs.invalid(f, p, 'must be an object');
      return;
    }
    if ((ports ?? []).length > 1 && !p.name) errs.required(`${f}.name`);
    if (p.name) {
      for (const m of dns1123Label(p.name)) errs.invalid(`${f}.name`, p.name, m);
      if (names.has(p.name)) errs.duplicate(`${f}.name`, p.name);
      names.add(p.name);
    }
    if (!validPort(p.port)) errs.invalid(`${f}.port`, p.port, 'must be between 1 and 65535, inclusive');
    if (p.protocol && !PROTOCOLS.includes(p.protocol))
      errs.notSupported(`${f}.protocol`, p.protocol, PROTOCOLS);
    const tp = p.targetPort;
    if (typeof tp === 'number') {
      if (!validPort(tp)) errs.invalid(`${f}.targetPort`, tp, 'must be between 1 and 65535, inclusive');
    } else if (typeof tp === 'string') {
      if (!IANA_SVC_NAME.test(tp) || !/[a-z]/.test(tp))
        errs.invalid(
          `${f}.targetPort`,
          tp,
          "must contain at least one letter (a-z), only lowercase alphanumerics or '-', and no more than 15 characters",
        );
    } else if (tp !== undefined) errs.invalid(`${f}.targetPort`, tp, 'must be an integer or a string');
    // nodePort with a ClusterIP type is checked at admission: an update that changes the type
    // drops the allocated ones first (dropTypeDependentFields).
    if (p.nodePort !== undefined && p.nodePort !== 0 && !validPort(p.nodePort))
      errs.invalid(`${f}.nodePort`, p.nodePort, 'must be between 1 and 65535, inclusive');
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (keys.has(key)) errs.duplicate(`${f}`, { port: p.port, protocol: p.protocol ?? 'TCP' });
    keys.add(key);
  });
}

function validateService(obj: KubeObject): StatusCause[] {
  const errs = validateObjectMeta(R.services, obj, dns1123Label);
  const svc = obj as unknown as Service;
  const spec = svc.spec;
  if (!isObject(spec)) {
    errs.required('spec');
    return errs.causes;
  }
  if (spec.type && !SERVICE_TYPES.includes(spec.type))
    errs.notSupported('spec.type', spec.type, SERVICE_TYPES);
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) errs.required('spec.externalName');
    if (spec.clusterIP) errs.forbidden('spec.clusterIP', 'may not be set for ExternalName services');
  }
  if (spec.clusterIP && spec.clusterIP !== 'None' && spec.clusterIP !== '' && !isIPv4(spec.clusterIP))
    errs.invalid(
      'spec.clusterIPs[0]',
      spec.clusterIP,
      'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    );
  if (spec.clusterIP === 'None' && (spec.type === 'NodePort' || spec.type === 'LoadBalancer'))
    errs.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`);
  validateServicePorts(errs, svc);
  validateLabels(errs, spec.selector, 'spec.selector');
  if (spec.sessionAffinity && !['None', 'ClientIP'].includes(spec.sessionAffinity))
    errs.notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']);
  for (const [i, ip] of (spec.externalIPs ?? []).entries())
    if (!isIPv4(ip))
      errs.invalid(
        `spec.externalIPs[${i}]`,
        ip,
        'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      );
  for (const f of ['externalTrafficPolicy', 'internalTrafficPolicy'] as const)
    if (spec[f] && !['Cluster', 'Local'].includes(spec[f]!))
      errs.notSupported(`spec.${f}`, spec[f], ['Cluster', 'Local']);
  return errs.causes;
}

function defaultService(obj: KubeObject): void {
  const spec = (obj as unknown as Service).spec;
  if (!isObject(spec)) return;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  for (const p of spec.ports ?? []) {
    if (!isObject(p)) continue;
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.type === 'ExternalName') return;
  spec.internalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  if (spec.clusterIP || spec.clusterIP === undefined) {
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }
}

function formatLabels(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${m![k]}`).join(',') : '<none>';
}

function servicePorts(svc: Service): string {
  const ports = svc.spec?.ports ?? [];
  if (!ports.length) return '<none>';
  return ports
    .map((p) =>
      p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`,
    )
    .join(',');
}

function externalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const lb = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean);
  const ext = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const all = [...lb, ...ext];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** Service strategy. */
export const serviceStrategy: Strategy = {
  type: R.services,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = { loadBalancer: {} };
  },
  applyDefaults: defaultService,
  validate: validateService,
  validateUpdate(obj, old) {
    const errs = new Errors();
    const a = (obj as unknown as Service).spec;
    const b = (old as unknown as Service).spec;
    // clusterIP is immutable, unless the type changes to or from ExternalName.
    if (a?.type !== 'ExternalName' && b?.type !== 'ExternalName') {
      // An update that leaves clusterIP out keeps the allocated one (like kubectl apply does).
      if (a && !a.clusterIP && b?.clusterIP) {
        a.clusterIP = b.clusterIP;
        a.clusterIPs = b.clusterIPs;
      }
      if (a && (!a.clusterIPs?.length || (a.clusterIPs[0] === '' && b?.clusterIPs)))
        a.clusterIPs = b?.clusterIPs;
      immutable(errs, 'spec.clusterIPs[0]', a?.clusterIP, b?.clusterIP);
      // Node ports the update leaves out are kept.
      for (const p of a?.ports ?? []) {
        if (p.nodePort) continue;
        const prev = (b?.ports ?? []).find(
          (q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'),
        );
        if (prev?.nodePort && (a?.type === 'NodePort' || a?.type === 'LoadBalancer'))
          p.nodePort = prev.nodePort;
      }
    }
    // dropTypeDependentFields: a type without node ports drops the ones it had allocated.
    if (
      a?.type !== 'NodePort' &&
      a?.type !== 'LoadBalancer' &&
      (b?.type === 'NodePort' || b?.type === 'LoadBalancer')
    )
      for (const p of a?.ports ?? []) {
        if (p.nodePort && (b?.ports ?? []).some((q) => q.nodePort === p.nodePort))
          delete (p as { nodePort?: number }).nodePort;
      }
    if (a?.type === 'ExternalName' && b?.type !== 'ExternalName' && a.clusterIP === b?.clusterIP) {
      delete a.clusterIP;
      delete a.clusterIPs;
      delete a.ipFamilies;
      delete a.ipFamilyPolicy;
      delete a.internalTrafficPolicy;
    }
    return errs.causes;
  },
  admit: admitService,
  admitUpdate: (obj, old, ctx) => admitService(obj, ctx, old),
  table: {
    columns: [
      NAME_COLUMN,
      col('Type', 'string', 'type determines how the Service is exposed.'),
      col(
        'Cluster-IP',
        'string',
        'clusterIP is the IP address of the service and is usually assigned randomly.',
      ),
      col(
        'External-IP',
        'string',
        'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
      ),
      col('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
      AGE_COLUMN,
      col(
        'Selector',
        'string',
        'Route service traffic to pods with label keys and values matching this selector.',
        {
          wide: true,
        },
      ),
    ],
    cells(obj, now) {
      const svc = obj as unknown as Service;
      return [
        obj.metadata.name,
        svc.spec?.type ?? '',
        svc.spec?.type === 'ExternalName' ? '<none>' : svc.spec?.clusterIP || '<none>',
        externalIP(svc),
        servicePorts(svc),
        age(obj.metadata.creationTimestamp, now),
        formatLabels(svc.spec?.selector),
      ];
    },
  },
};
