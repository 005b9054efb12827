/**
 * The core/v1 kinds beyond pods, nodes and namespaces: services (clusterIP / nodePort
 * allocation), endpoints, configmaps, secrets, serviceaccounts, limitranges, resourcequotas,
 * persistentvolumeclaims and persistentvolumes — defaulting, validation, Tables and fields.
 */
import type {
  ConfigMap,
  Endpoints,
  LimitRange,
  PersistentVolume,
  PersistentVolumeClaim,
  ResourceQuota,
  Secret,
  Service,
  ServiceAccount,
  ServicePort,
} from 'kubernetes-types/core/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../common/resources';
import {
  clusterNetworkForSlot,
  intToIp,
  ipToInt,
  isIPv4,
  parseCidr,
  type ClusterNetwork,
} from '../../../common/network';
import type { KubeObject } from '../../../common/types';
import { invalid } from '../status';
import { parseQuantity } from './quantity';
import {
  AGE_COLUMN,
  NAME_COLUMN,
  age,
  col,
  isObject,
  validateObjectMeta,
  type AdmissionContext,
  type Strategy,
} from './strategy';
import { Errors, dns1123Label, immutable, validateLabels } from './validation';

// -------------------------------------------------------------------------------------------------
// Service

/** kube-apiserver's default --service-node-port-range. */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };

/** The network a server without one uses (slot 0; see common/network.ts). */
const DEFAULT_NETWORK = clusterNetworkForSlot(0, 'none');
/** The `kubernetes` Service's address in the default network. */
export const KUBERNETES_SERVICE_IP = DEFAULT_NETWORK.kubernetesIP;

/**
 * The ClusterIP range of a network (its serviceCidr, kube-apiserver's
 * --service-cluster-ip-range): never the network or broadcast address, nor the network agent's.
 */
function serviceRange(net: ClusterNetwork): {
  base: number;
  size: number;
  cidr: string;
  reserved: Set<string>;
} {
  const { base, size } = parseCidr(net.serviceCidr);
  return { base, size, cidr: net.serviceCidr, reserved: new Set([net.agentIP]) };
}

function inServiceRange(ip: string, net: ClusterNetwork): boolean {
  if (!isIPv4(ip)) return false;
  const r = serviceRange(net);
  const n = ipToInt(ip);
  return n > r.base && n < r.base + r.size - 1 && !r.reserved.has(ip);
}

const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

function validPort(p: unknown): boolean {
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

async function usedServiceAddresses(
  ctx: AdmissionContext,
  self?: KubeObject,
): Promise<{ ips: Set<string>; nodePorts: Set<number> }> {
  const net = ctx.network ?? DEFAULT_NETWORK;
  const ips = new Set<string>([net.kubernetesIP, net.agentIP]);
  const nodePorts = new Set<number>();
  for (const s of (await ctx.storage.list(R.services)).items) {
    if (self && s.metadata.uid === self.metadata.uid) continue;
    const spec = (s as unknown as Service).spec;
    for (const ip of [spec?.clusterIP, ...(spec?.clusterIPs ?? [])]) if (ip) ips.add(ip);
    for (const p of spec?.ports ?? []) if (p.nodePort) nodePorts.add(p.nodePort);
  }
  return { ips, nodePorts };
}

/** Allocates clusterIP and nodePorts like kube-apiserver's service REST storage (random, unused). */
async function admitService(obj: KubeObject, ctx: AdmissionContext, old?: KubeObject): Promise<void> {
  const svc = obj as unknown as Service;
  const spec = svc.spec!;
  const prev = (old as unknown as Service | undefined)?.spec;
  const name = obj.metadata.name ?? '';
  const { ips, nodePorts } = await usedServiceAddresses(ctx, old);
  const net = ctx.network ?? DEFAULT_NETWORK;
  const range = serviceRange(net);
  const causes: StatusCause[] = [];
  if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer')
    (spec.ports ?? []).forEach((p, i) => {
      if (p.nodePort)
        causes.push({
          reason: 'FieldValueForbidden',
          field: `spec.ports[${i}].nodePort`,
          message: `Forbidden: may not be used when \`type\` is '${spec.type ?? 'ClusterIP'}'`,
        });
    });
  if (spec.type !== 'ExternalName') {
    if (spec.clusterIP && spec.clusterIP !== 'None' && spec.clusterIP === prev?.clusterIP) {
      // Kept from before: nothing to allocate.
    } else if (spec.clusterIP && spec.clusterIP !== 'None') {
      if (!inServiceRange(spec.clusterIP, net))
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'spec.clusterIPs',
          message: `Invalid value: ["${spec.clusterIP}"]: failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${range.cidr}`,
        });
      else if (ips.has(spec.clusterIP))
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'spec.clusterIPs',
          message: `Invalid value: ["${spec.clusterIP}"]: failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`,
        });
    } else if (!spec.clusterIP) {
      // Random and unused, like kube-apiserver's bitmap allocator; .1 and the broadcast
      // address are never handed out, nor the agent's address (reserved above).
      if (ips.size >= range.size - 2)
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'spec.clusterIPs',
          message: `failed to allocate a serviceIP: range is full (${range.cidr})`,
        });
      else {
        let n: number;
        do n = range.base + 1 + Math.floor(Math.random() * (range.size - 2));
        while (ips.has(intToIp(n)));
        spec.clusterIP = intToIp(n);
      }
    }
    if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
  }
  if (
    spec.type === 'NodePort' ||
    (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false)
  ) {
    (spec.ports ?? []).forEach((p, i) => {
      if (p.nodePort && (prev?.ports ?? []).some((q) => q.nodePort === p.nodePort)) {
        nodePorts.add(p.nodePort);
        return;
      }
      if (p.nodePort) {
        if (p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max)
          causes.push({
            reason: 'FieldValueInvalid',
            field: `spec.ports[${i}].nodePort`,
            message: `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
          });
        else if (nodePorts.has(p.nodePort))
          causes.push({
            reason: 'FieldValueInvalid',
            field: `spec.ports[${i}].nodePort`,
            message: `Invalid value: ${p.nodePort}: provided port is already allocated`,
          });
        nodePorts.add(p.nodePort);
        return;
      }
      let port: number;
      do
        port =
          NODE_PORT_RANGE.min + Math.floor(Math.random() * (NODE_PORT_RANGE.max - NODE_PORT_RANGE.min + 1));
      while (nodePorts.has(port));
      nodePorts.add(port);
      (p as { nodePort?: number }).nodePort = port;
    });
  }
  if (causes.length) throw invalid('Service', name, '', causes);
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

// -------------------------------------------------------------------------------------------------
// Endpoints

function endpointsCell(ep: Endpoints): string {
  const all: string[] = [];
  for (const s of ep.subsets ?? []) {
    const addrs = s.addresses ?? [];
    const ports = s.ports ?? [];
    if (!ports.length) for (const a of addrs) all.push(a.ip);
    for (const p of ports) for (const a of addrs) all.push(`${a.ip}:${p.port}`);
  }
  if (!all.length) return '<none>';
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

/** Endpoints strategy. */
export const endpointsStrategy: Strategy = {
  type: R.endpoints,
  hasStatus: false,
  topLevelFields: ['subsets'],
  validate(obj) {
    const errs = validateObjectMeta(R.endpoints, obj);
    const ep = obj as unknown as Endpoints;
    (ep.subsets ?? []).forEach((s, i) => {
      (s.addresses ?? []).forEach((a, j) => {
        if (!a?.ip) errs.required(`subsets[${i}].addresses[${j}].ip`);
        else if (!isIPv4(a.ip) && !a.ip.includes(':'))
          errs.invalid(`subsets[${i}].addresses[${j}].ip`, a.ip, 'must be a valid IP address');
      });
      (s.ports ?? []).forEach((p, j) => {
        if (!validPort(p?.port))
          errs.invalid(`subsets[${i}].ports[${j}].port`, p?.port, 'must be between 1 and 65535, inclusive');
      });
    });
    return errs.causes;
  },
  applyDefaults(obj) {
    for (const s of (obj as unknown as Endpoints).subsets ?? [])
      for (const p of s.ports ?? []) if (isObject(p)) p.protocol ??= 'TCP';
  },
  table: {
    columns: [NAME_COLUMN, col('Endpoints', 'string', 'Endpoints of the service'), AGE_COLUMN],
    cells: (obj, now) => [
      obj.metadata.name,
      endpointsCell(obj as unknown as Endpoints),
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};

// -------------------------------------------------------------------------------------------------
// ConfigMaps and Secrets

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_DATA_SIZE = 1024 * 1024;

function validateKeys(errs: Errors, field: string, m: unknown, seen: Set<string>): number {
  if (m === undefined || m === null) return 0;
  if (!isObject(m)) {
    errs.invalid(field, m, 'must be a map of string keys to string values');
    return 0;
  }
  let size = 0;
  for (const [k, v] of Object.entries(m)) {
    if (!CONFIG_KEY.test(k) || k === '.' || k === '..' || k.startsWith('..') || k.length > 253)
      errs.invalid(
        field,
        k,
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      );
    if (seen.has(k)) errs.invalid(field, k, 'duplicate of key present in another map');
    seen.add(k);
    if (typeof v !== 'string') errs.invalid(`${field}[${k}]`, v, 'must be a string');
    else size += v.length;
  }
  return size;
}

function dataCount(...maps: unknown[]): number {
  return maps.reduce<number>((n, m) => n + (isObject(m) ? Object.keys(m).length : 0), 0);
}

function immutableData(errs: Errors, obj: KubeObject, old: KubeObject, fields: string[]): void {
  const o = old as { immutable?: boolean };
  if (o.immutable) {
    if ((obj as { immutable?: boolean }).immutable !== true)
      errs.forbidden('immutable', 'field is immutable when `immutable` is set');
    for (const f of fields)
      if (JSON.stringify(obj[f] ?? {}) !== JSON.stringify(old[f] ?? {}))
        errs.forbidden(f, 'field is immutable when `immutable` is set');
  }
}

/** ConfigMap strategy. */
export const configMapStrategy: Strategy = {
  type: R.configmaps,
  hasStatus: false,
  topLevelFields: ['data', 'binaryData', 'immutable'],
  validate(obj) {
    const errs = validateObjectMeta(R.configmaps, obj);
    const cm = obj as unknown as ConfigMap;
    const seen = new Set<string>();
    let size = validateKeys(errs, 'data', cm.data, seen);
    size += validateKeys(errs, 'binaryData', cm.binaryData, seen);
    for (const [k, v] of Object.entries(isObject(cm.binaryData) ? cm.binaryData : {}))
      if (typeof v === 'string' && !isBase64(v))
        errs.invalid(`binaryData[${k}]`, '<binary>', 'illegal base64 data');
    if (size > MAX_DATA_SIZE) errs.tooLong('', MAX_DATA_SIZE);
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    immutableData(errs, obj, old, ['data', 'binaryData']);
    return errs.causes;
  },
  table: {
    columns: [NAME_COLUMN, col('Data', 'string', 'Number of keys in the config map'), AGE_COLUMN],
    cells(obj, now) {
      const cm = obj as unknown as ConfigMap;
      return [obj.metadata.name, dataCount(cm.data, cm.binaryData), age(obj.metadata.creationTimestamp, now)];
    },
  },
};

function isBase64(v: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0;
}

const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

/** Secret strategy: type Opaque by default, base64 `data`, `stringData` merged into `data`. */
export const secretStrategy: Strategy = {
  type: R.secrets,
  hasStatus: false,
  topLevelFields: ['data', 'stringData', 'type', 'immutable'],
  fields: (obj) => ({ type: (obj as unknown as Secret).type ?? '' }),
  applyDefaults(obj) {
    const s = obj as unknown as Secret & { stringData?: Record<string, unknown> };
    s.type ||= 'Opaque';
    // Like the v1 → internal conversion: stringData is write-only and overrides data.
    if (isObject(s.stringData)) {
      const data: Record<string, string> = { ...(isObject(s.data) ? s.data : {}) };
      for (const [k, v] of Object.entries(s.stringData))
        data[k] = Buffer.from(typeof v === 'string' ? v : String(v), 'utf8').toString('base64');
      s.data = data;
      delete s.stringData;
    }
  },
  validate(obj) {
    const errs = validateObjectMeta(R.secrets, obj);
    const s = obj as unknown as Secret;
    const seen = new Set<string>();
    validateKeys(errs, 'data', s.data, seen);
    let size = 0;
    for (const [k, v] of Object.entries(isObject(s.data) ? s.data : {})) {
      if (typeof v !== 'string') continue;
      if (!isBase64(v)) errs.invalid(`data[${k}]`, '<secret contents redacted>', 'illegal base64 data');
      size += Math.floor((v.length * 3) / 4);
    }
    if (size > MAX_DATA_SIZE) errs.tooLong('data', MAX_DATA_SIZE);
    for (const k of SECRET_REQUIRED_KEYS[s.type ?? ''] ?? [])
      if (!isObject(s.data) || !(k in s.data)) errs.required(`data[${k}]`);
    if (
      s.type === 'kubernetes.io/service-account-token' &&
      !s.metadata?.annotations?.['kubernetes.io/service-account.name']
    )
      errs.required('metadata.annotations[kubernetes.io/service-account.name]');
    if (
      s.type === 'kubernetes.io/basic-auth' &&
      isObject(s.data) &&
      !('username' in s.data) &&
      !('password' in s.data)
    )
      errs.required('data[username]', 'either username or password or both must be provided');
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    immutable(errs, 'type', (obj as unknown as Secret).type, (old as unknown as Secret).type);
    immutableData(errs, obj, old, ['data']);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Type', 'string', 'The type of the secret'),
      col('Data', 'string', 'Number of items in the secret'),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const s = obj as unknown as Secret;
      return [obj.metadata.name, s.type ?? '', dataCount(s.data), age(obj.metadata.creationTimestamp, now)];
    },
  },
};

/** ServiceAccount strategy. */
export const serviceAccountStrategy: Strategy = {
  type: R.serviceaccounts,
  hasStatus: false,
  topLevelFields: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  validate: (obj) => validateObjectMeta(R.serviceaccounts, obj).causes,
  table: {
    columns: [
      NAME_COLUMN,
      col(
        'Secrets',
        'string',
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
      ),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      (obj as unknown as ServiceAccount).secrets?.length ?? 0,
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};

// -------------------------------------------------------------------------------------------------
// LimitRanges and ResourceQuotas

function validateQuantityMap(errs: Errors, field: string, m: unknown, nonNegative = true): void {
  if (m === undefined || m === null) return;
  if (!isObject(m)) {
    errs.invalid(field, m, 'must be a map of resource names to quantities');
    return;
  }
  for (const [k, q] of Object.entries(m)) {
    const v = parseQuantity(q);
    if (v === undefined)
      errs.invalid(
        `${field}[${k}]`,
        q,
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      );
    else if (nonNegative && v < 0) errs.invalid(`${field}[${k}]`, q, 'must be greater than or equal to 0');
  }
}

const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'];

/** LimitRange strategy. */
export const limitRangeStrategy: Strategy = {
  type: R.limitranges,
  hasStatus: false,
  applyDefaults(obj) {
    // SetDefaults_LimitRangeItem: default ← max, defaultRequest ← default, then ← min.
    for (const item of (obj as unknown as LimitRange).spec?.limits ?? []) {
      if (!isObject(item) || item.type !== 'Container') continue;
      const def: Record<string, unknown> = { ...(item.default ?? {}) };
      const req: Record<string, unknown> = { ...(item.defaultRequest ?? {}) };
      for (const [k, v] of Object.entries(item.max ?? {})) def[k] ??= v;
      for (const [k, v] of Object.entries(def)) req[k] ??= v;
      for (const [k, v] of Object.entries(item.min ?? {})) req[k] ??= v;
      if (Object.keys(def).length) item.default = def as never;
      if (Object.keys(req).length) item.defaultRequest = req as never;
    }
  },
  validate(obj) {
    const errs = validateObjectMeta(R.limitranges, obj);
    const lr = obj as unknown as LimitRange;
    if (!isObject(lr.spec)) {
      errs.required('spec');
      return errs.causes;
    }
    if (!Array.isArray(lr.spec.limits)) {
      errs.required('spec.limits');
      return errs.causes;
    }
    lr.spec.limits.forEach((l, i) => {
      const f = `spec.limits[${i}]`;
      if (!l?.type) errs.required(`${f}.type`);
      else if (!LIMIT_TYPES.includes(l.type)) errs.notSupported(`${f}.type`, l.type, LIMIT_TYPES);
      for (const k of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const)
        validateQuantityMap(errs, `${f}.${k}`, l?.[k]);
      if (l?.type === 'Pod' && (l.default || l.defaultRequest))
        errs.forbidden(`${f}.default`, "may not be specified when `type` is 'Pod'");
      for (const [r, max] of Object.entries(l?.max ?? {})) {
        const min = l?.min?.[r];
        if (min !== undefined && (parseQuantity(min) ?? 0) > (parseQuantity(max) ?? 0))
          errs.invalid(`${f}.min[${r}]`, min, `min value ${min} is greater than max value ${max}`);
        const def = l?.default?.[r];
        if (def !== undefined && (parseQuantity(def) ?? 0) > (parseQuantity(max) ?? 0))
          errs.invalid(`${f}.default[${r}]`, def, `default value ${def} is greater than max value ${max}`);
      }
    });
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col(
        'Created At',
        'date',
        'CreationTimestamp is a timestamp representing the server time when this object was created.',
      ),
    ],
    cells: (obj) => [obj.metadata.name, obj.metadata.creationTimestamp ?? ''],
  },
};

function quotaCell(q: ResourceQuota, limits: boolean): string {
  const hard = q.status?.hard ?? q.spec?.hard ?? {};
  const used = q.status?.used ?? {};
  const keys = Object.keys(hard)
    .filter((k) => k.startsWith('limits.') === limits)
    .sort();
  return keys.map((k) => `${k}: ${used[k] ?? '0'}/${hard[k]}`).join(', ');
}

/** ResourceQuota strategy. */
export const resourceQuotaStrategy: Strategy = {
  type: R.resourcequotas,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = {};
  },
  validate(obj) {
    const errs = validateObjectMeta(R.resourcequotas, obj);
    const q = obj as unknown as ResourceQuota;
    validateQuantityMap(errs, 'spec.hard', q.spec?.hard);
    for (const [i, sc] of (q.spec?.scopes ?? []).entries())
      if (
        ![
          'Terminating',
          'NotTerminating',
          'BestEffort',
          'NotBestEffort',
          'PriorityClass',
          'CrossNamespacePodAffinity',
        ].includes(sc)
      )
        errs.notSupported(`spec.scopes[${i}]`, sc, [
          'BestEffort',
          'CrossNamespacePodAffinity',
          'NotBestEffort',
          'NotTerminating',
          'PriorityClass',
          'Terminating',
        ]);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      AGE_COLUMN,
      col(
        'Request',
        'string',
        'Request represents a minimum amount of cpu/memory that a container may consume.',
      ),
      col(
        'Limit',
        'string',
        'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
      ),
    ],
    cells(obj, now) {
      const q = obj as unknown as ResourceQuota;
      return [
        obj.metadata.name,
        age(obj.metadata.creationTimestamp, now),
        quotaCell(q, false),
        quotaCell(q, true),
      ];
    },
  },
};

// -------------------------------------------------------------------------------------------------
// PersistentVolumeClaims and PersistentVolumes

const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];
const ACCESS_ABBREV: Record<string, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};

function accessModes(modes: string[] | undefined): string {
  return [...new Set(modes ?? [])].map((m) => ACCESS_ABBREV[m] ?? m).join(',');
}

function validateAccessModes(errs: Errors, field: string, modes: unknown): void {
  if (!Array.isArray(modes) || !modes.length) {
    errs.required(field, 'at least 1 access mode is required');
    return;
  }
  for (const m of modes) if (!ACCESS_MODES.includes(m as string)) errs.notSupported(field, m, ACCESS_MODES);
  if (modes.includes('ReadWriteOncePod') && modes.length > 1)
    errs.forbidden(field, 'may not use ReadWriteOncePod with other access modes');
}

function validateStorageQuantity(errs: Errors, field: string, q: unknown): void {
  if (q === undefined) {
    errs.required(field);
    return;
  }
  const v = parseQuantity(q);
  if (v === undefined)
    errs.invalid(
      field,
      q,
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  else if (v <= 0) errs.invalid(field, q, 'must be greater than zero');
}

/** The default StorageClass's annotation. */
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

/** PersistentVolumeClaim strategy. */
export const pvcStrategy: Strategy = {
  type: R.persistentvolumeclaims,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending' };
  },
  applyDefaults(obj) {
    const spec = (obj as unknown as PersistentVolumeClaim).spec;
    if (!isObject(spec)) return;
    spec.volumeMode ??= 'Filesystem';
  },
  validate(obj) {
    const errs = validateObjectMeta(R.persistentvolumeclaims, obj);
    const spec = (obj as unknown as PersistentVolumeClaim).spec;
    if (!isObject(spec)) {
      errs.required('spec');
      return errs.causes;
    }
    validateAccessModes(errs, 'spec.accessModes', spec.accessModes);
    validateStorageQuantity(errs, 'spec.resources[storage]', spec.resources?.requests?.storage);
    validateQuantityMap(errs, 'spec.resources.limits', spec.resources?.limits);
    if (spec.volumeMode && !['Filesystem', 'Block'].includes(spec.volumeMode))
      errs.notSupported('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem']);
    validateLabels(errs, spec.selector?.matchLabels, 'spec.selector.matchLabels');
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    const a = structuredClone((obj as unknown as PersistentVolumeClaim).spec ?? {});
    const b = structuredClone((old as unknown as PersistentVolumeClaim).spec ?? {});
    // Mutable: resources.requests (expansion), volumeName once (binding), a missing class.
    const growing = a.resources?.requests?.storage;
    const was = b.resources?.requests?.storage;
    if (
      growing !== undefined &&
      was !== undefined &&
      (parseQuantity(growing) ?? 0) < (parseQuantity(was) ?? 0)
    )
      errs.forbidden('spec.resources.requests.storage', 'field can not be less than previous value');
    delete a.resources;
    delete b.resources;
    if (!b.volumeName) {
      delete a.volumeName;
      delete b.volumeName;
    }
    if (!b.storageClassName) {
      delete a.storageClassName;
      delete b.storageClassName;
    }
    delete a.volumeAttributesClassName;
    delete b.volumeAttributesClassName;
    if (JSON.stringify(sortKeys(a)) !== JSON.stringify(sortKeys(b)))
      errs.forbidden(
        'spec',
        'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
      );
    return errs.causes;
  },
  async admit(obj, ctx) {
    // The DefaultStorageClass admission plugin.
    const spec = (obj as unknown as PersistentVolumeClaim).spec!;
    if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
    const classes = (await ctx.storage.list(R.storageclasses)).items.filter(
      (c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true',
    );
    // Like upstream: the newest default class wins when several are marked.
    classes.sort(
      (x, y) =>
        (y.metadata.creationTimestamp ?? '').localeCompare(x.metadata.creationTimestamp ?? '') ||
        (x.metadata.name ?? '').localeCompare(y.metadata.name ?? ''),
    );
    if (classes[0]) spec.storageClassName = classes[0].metadata.name;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Status', 'string', 'Phase represents the current phase of PersistentVolumeClaim.'),
      col(
        'Volume',
        'string',
        'VolumeName is the binding reference to the PersistentVolume backing this claim.',
      ),
      col('Capacity', 'string', 'Capacity represents the actual resources of the underlying volume.'),
      col(
        'Access Modes',
        'string',
        'AccessModes contains the actual access modes the volume backing the PVC has.',
      ),
      col(
        'StorageClass',
        'string',
        'StorageClassName is the name of the StorageClass required by the claim.',
      ),
      col(
        'VolumeAttributesClass',
        'string',
        'VolumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.',
      ),
      AGE_COLUMN,
      col('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.', {
        wide: true,
      }),
    ],
    cells(obj, now) {
      const c = obj as unknown as PersistentVolumeClaim;
      const phase = obj.metadata.deletionTimestamp ? 'Terminating' : (c.status?.phase ?? '');
      const bound = !!c.spec?.volumeName;
      return [
        obj.metadata.name,
        phase,
        c.spec?.volumeName ?? '',
        bound ? (c.status?.capacity?.storage ?? '') : '',
        bound ? accessModes(c.status?.accessModes) : '',
        c.spec?.storageClassName ?? '',
        c.spec?.volumeAttributesClassName || '<unset>',
        age(obj.metadata.creationTimestamp, now),
        c.spec?.volumeMode ?? '',
      ];
    },
  },
};

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys(v[k])]),
  );
}

const PV_SOURCES = [
  'hostPath',
  'local',
  'nfs',
  'csi',
  'iscsi',
  'fc',
  'cephfs',
  'rbd',
  'glusterfs',
  'awsElasticBlockStore',
  'gcePersistentDisk',
  'azureDisk',
  'azureFile',
  'flexVolume',
  'vsphereVolume',
  'portworxVolume',
  'cinder',
];

/** PersistentVolume strategy. */
export const pvStrategy: Strategy = {
  type: R.persistentvolumes,
  hasStatus: true,
  prepareForCreate(obj, ctx) {
    obj.status = {
      phase: 'Pending',
      lastPhaseTransitionTime: new Date(ctx.now).toISOString().replace(/\.\d+Z$/, 'Z'),
    };
  },
  applyDefaults(obj) {
    const spec = (obj as unknown as PersistentVolume).spec;
    if (!isObject(spec)) return;
    spec.persistentVolumeReclaimPolicy ??= 'Retain';
    spec.volumeMode ??= 'Filesystem';
    if (isObject(spec.hostPath)) spec.hostPath.type ??= '';
  },
  validate(obj) {
    const errs = validateObjectMeta(R.persistentvolumes, obj);
    const spec = (obj as unknown as PersistentVolume).spec;
    if (!isObject(spec)) {
      errs.required('spec');
      return errs.causes;
    }
    validateAccessModes(errs, 'spec.accessModes', spec.accessModes);
    validateStorageQuantity(errs, 'spec.capacity[storage]', spec.capacity?.storage);
    const sources = PV_SOURCES.filter((k) => (spec as Record<string, unknown>)[k] !== undefined);
    if (!sources.length) errs.required('spec', 'must specify a volume type');
    else if (sources.length > 1)
      errs.forbidden(`spec.${sources[1]}`, 'may not specify more than 1 volume type');
    if (
      spec.persistentVolumeReclaimPolicy &&
      !['Retain', 'Delete', 'Recycle'].includes(spec.persistentVolumeReclaimPolicy)
    )
      errs.notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, [
        'Delete',
        'Recycle',
        'Retain',
      ]);
    if (isObject(spec.hostPath) && !spec.hostPath.path) errs.required('spec.hostPath.path');
    if (isObject(spec.local) && !spec.local.path) errs.required('spec.local.path');
    if (isObject(spec.local) && !spec.nodeAffinity)
      errs.required('spec.nodeAffinity', 'Local volume requires node affinity');
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    const a = (obj as unknown as PersistentVolume).spec;
    const b = (old as unknown as PersistentVolume).spec;
    immutable(errs, 'spec.volumeMode', a?.volumeMode, b?.volumeMode);
    for (const k of PV_SOURCES)
      if ((b as Record<string, unknown> | undefined)?.[k] !== undefined)
        immutable(
          errs,
          `spec.persistentvolumesource`,
          (a as Record<string, unknown>)?.[k],
          (b as Record<string, unknown>)[k],
        );
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col(
        'Capacity',
        'string',
        "capacity is the description of the persistent volume's resources and capacity.",
      ),
      col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
      col(
        'Reclaim Policy',
        'string',
        'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.',
      ),
      col(
        'Status',
        'string',
        'phase indicates if a volume is available, bound to a claim, or released by a claim.',
      ),
      col(
        'Claim',
        'string',
        'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.',
      ),
      col(
        'StorageClass',
        'string',
        'storageClassName is the name of StorageClass to which this persistent volume belongs.',
      ),
      col(
        'VolumeAttributesClass',
        'string',
        'Name of VolumeAttributesClass to which this persistent volume belongs.',
      ),
      col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure.'),
      AGE_COLUMN,
      col(
        'VolumeMode',
        'string',
        'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.',
        { wide: true },
      ),
    ],
    cells(obj, now) {
      const pv = obj as unknown as PersistentVolume;
      const ref = pv.spec?.claimRef;
      const phase = obj.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? '');
      return [
        obj.metadata.name,
        pv.spec?.capacity?.storage ?? '',
        accessModes(pv.spec?.accessModes),
        pv.spec?.persistentVolumeReclaimPolicy ?? '',
        phase,
        ref ? `${ref.namespace}/${ref.name}` : '',
        pv.spec?.storageClassName ?? '',
        pv.spec?.volumeAttributesClassName || '<unset>',
        pv.status?.reason ?? '',
        age(obj.metadata.creationTimestamp, now),
        pv.spec?.volumeMode ?? '',
      ];
    },
  },
};

/** Strategies of this file. */
export const CORE_STRATEGIES: Strategy[] = [
  serviceStrategy,
  endpointsStrategy,
  configMapStrategy,
  secretStrategy,
  serviceAccountStrategy,
  limitRangeStrategy,
  resourceQuotaStrategy,
  pvcStrategy,
  pvStrategy,
];
