/**
 * Cluster-level kinds and the simple namespaced ones: namespaces, nodes, events and leases —
 * their defaulting, validation, field-selector fields and Tables.
 */
import type { Event, Namespace, Node } from 'kubernetes-types/core/v1';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from './strategy';
import { dns1123Label } from './validation';

/** Namespace strategy: DNS-1123 label names, status.phase Active on create. */
export const namespaceStrategy: Strategy = {
  type: R.namespaces,
  hasStatus: true,
  fields: (obj) => ({ 'status.phase': (obj as unknown as Namespace).status?.phase ?? '' }),
  prepareForCreate(obj) {
    obj.status = { phase: 'Active' };
  },
  applyDefaults(obj) {
    const ns = obj as unknown as Namespace;
    ns.metadata ??= {};
    // The real server labels every namespace with its own name.
    if (ns.metadata.name)
      ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name };
    ns.spec ??= { finalizers: ['kubernetes'] };
  },
  validate(obj): StatusCause[] {
    return validateObjectMeta(R.namespaces, obj, dns1123Label).causes;
  },
  table: {
    columns: [NAME_COLUMN, col('Status', 'string', 'The status of the namespace'), AGE_COLUMN],
    cells: (obj, now) => [
      obj.metadata.name,
      (obj as unknown as Namespace).status?.phase ?? '',
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};

function nodeStatus(n: Node): string {
  const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown'];
  if (n.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(n: Node): string {
  const roles: string[] = [];
  for (const [k, v] of Object.entries(n.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.push(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.push(v);
  }
  return roles.filter(Boolean).sort().join(',') || '<none>';
}

function address(n: Node, type: string): string {
  return (n.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

/** Node strategy: status kept on create (the kubelet registers with it), Ready/NotReady table. */
export const nodeStrategy: Strategy = {
  type: R.nodes,
  hasStatus: true,
  fields: (obj) => ({ 'spec.unschedulable': String((obj as unknown as Node).spec?.unschedulable ?? false) }),
  validate(obj): StatusCause[] {
    return validateObjectMeta(R.nodes, obj).causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Status', 'string', 'The status of the node'),
      col('Roles', 'string', 'The roles of the node'),
      AGE_COLUMN,
      col('Version', 'string', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'string', 'List of internal IPs for the node.', { wide: true }),
      col('External-IP', 'string', 'List of external IPs for the node.', { wide: true }),
      col(
        'OS-Image',
        'string',
        'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
        { wide: true },
      ),
      col(
        'Kernel-Version',
        'string',
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        { wide: true },
      ),
      col(
        'Container-Runtime',
        'string',
        'Container Runtime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
        { wide: true },
      ),
    ],
    cells(obj, now) {
      const n = obj as unknown as Node;
      const info = n.status?.nodeInfo;
      return [
        n.metadata?.name,
        nodeStatus(n),
        nodeRoles(n),
        age(n.metadata?.creationTimestamp, now),
        info?.kubeletVersion ?? '',
        address(n, 'InternalIP'),
        address(n, 'ExternalIP'),
        info?.osImage || '<unknown>',
        info?.kernelVersion || '<unknown>',
        info?.containerRuntimeVersion || '<unknown>',
      ];
    },
  },
};

/** Event strategy: core/v1 Events with the involvedObject.* field selectors describe uses. */
export const eventStrategy: Strategy = {
  type: R.events,
  hasStatus: false,
  topLevelFields: [
    'involvedObject',
    'reason',
    'message',
    'source',
    'firstTimestamp',
    'lastTimestamp',
    'count',
    'type',
    'eventTime',
    'series',
    'action',
    'related',
    'reportingComponent',
    'reportingInstance',
  ],
  fields: (obj) => {
    const e = obj as unknown as Event;
    const io = e.involvedObject ?? {};
    return {
      'involvedObject.kind': io.kind ?? '',
      'involvedObject.namespace': io.namespace ?? '',
      'involvedObject.name': io.name ?? '',
      'involvedObject.uid': io.uid ?? '',
      'involvedObject.apiVersion': io.apiVersion ?? '',
      'involvedObject.resourceVersion': io.resourceVersion ?? '',
      'involvedObject.fieldPath': io.fieldPath ?? '',
      reason: e.reason ?? '',
      reportingComponent: e.reportingComponent ?? '',
      source: e.source?.component ?? '',
      type: e.type ?? '',
    };
  },
  validate(obj): StatusCause[] {
    const errs = validateObjectMeta(R.events, obj);
    const e = obj as unknown as Event;
    if (!isObject(e.involvedObject)) errs.required('involvedObject');
    if (e.type && !['Normal', 'Warning'].includes(e.type))
      errs.notSupported('type', e.type, ['Normal', 'Warning']);
    if (
      e.involvedObject?.namespace &&
      obj.metadata.namespace &&
      e.involvedObject.namespace !== obj.metadata.namespace
    )
      errs.invalid('involvedObject.namespace', e.involvedObject.namespace, 'does not match event.namespace');
    return errs.causes;
  },
  table: {
    columns: [
      col('Last Seen', 'string', 'Time since the last occurrence of the event'),
      col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      col(
        'Reason',
        'string',
        'This should be a short, machine understandable string that gives the reason for this event being generated.',
      ),
      col('Object', 'string', 'The object this Event is about.'),
      col('Subobject', 'string', 'The field path of the object', { wide: true }),
      col('Source', 'string', 'The component reporting this event.', { wide: true }),
      col('Message', 'string', 'A human-readable description of the status of this operation.'),
      col('First Seen', 'string', 'Time since the first occurrence of the event', { wide: true }),
      col('Count', 'string', 'The number of times this event has occurred.', { wide: true }),
      col('Name', 'string', 'The name of the event', { wide: true, format: 'name' }),
    ],
    cells(obj, now) {
      const e = obj as unknown as Event;
      const last = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
      const first = e.firstTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
      const count = e.count ?? e.series?.count ?? 1;
      const lastSeen = count > 1 ? `${age(last, now)} (x${count} over ${age(first, now)})` : age(last, now);
      const io = e.involvedObject ?? {};
      return [
        lastSeen,
        e.type ?? '',
        e.reason ?? '',
        `${(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`,
        io.fieldPath ?? '',
        [e.source?.component ?? e.reportingComponent, e.source?.host].filter(Boolean).join(', '),
        e.message ?? '',
        age(first, now),
        count,
        e.metadata?.name,
      ];
    },
  },
};

/** Lease strategy (node heartbeats and leader election). */
export const leaseStrategy: Strategy = {
  type: R.leases,
  hasStatus: false,
  validate(obj): StatusCause[] {
    const errs = validateObjectMeta(R.leases, obj);
    const l = obj as unknown as Lease;
    if (l.spec?.leaseDurationSeconds !== undefined && l.spec.leaseDurationSeconds <= 0)
      errs.invalid('spec.leaseDurationSeconds', l.spec.leaseDurationSeconds, 'must be greater than 0');
    return errs.causes;
  },
  table: {
    columns: [NAME_COLUMN, col('Holder', 'string', 'The holder of the lease.'), AGE_COLUMN],
    cells: (obj, now) => [
      obj.metadata.name,
      (obj as unknown as Lease).spec?.holderIdentity ?? '',
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
