/**
 * What every list page shows per kind: the columns `kubectl get` prints for it (pure functions
 * over the object's JSON), how to name and link it, and which actions make sense. One generic
 * list page and table render any of these.
 */
import type { KubeObject } from './kube';
import type {
  ConfigMap,
  CronJob,
  DaemonSet,
  Deployment,
  Ingress,
  Job,
  PersistentVolumeClaim,
  Pod,
  ReplicaSet,
  Secret,
  Service,
  StatefulSet,
} from './kube';
import { formatAge, parseQuantity } from './format';
import { podReady, podRestarts, podStatus, statusTone, type StatusTone } from './pod';
import { deploymentColumns } from '@common/deployment-columns';
import { deploymentSummary } from './deployment';
import { accessText, ingressAccess, serviceRowAccess, type AccessEntry } from './service-access';

/** What column renderers get besides the object. */
export interface ColumnContext {
  now: number;
  /** Pod usage by `namespace/name` (metrics.k8s.io), CPU cores and memory bytes. */
  podUsage?: ReadonlyMap<string, { cpu: number; memory: number }>;
}

/** One column of a list: a value for display, sorting and filtering. */
export interface ColumnSpec {
  key: string;
  title: string;
  value(o: KubeObject, ctx: ColumnContext): string | number;
  /** Sort by this instead of `value` (e.g. age by timestamp). */
  sortValue?(o: KubeObject, ctx: ColumnContext): string | number;
  /** Rendered as a status pill of this tone. */
  tone?(o: KubeObject): StatusTone;
  width?: number;
  numeric?: boolean;
  /** Rendered as address chips (links while they answer); `value` stays the text form. */
  chips?(o: KubeObject): AccessEntry[];
  /** The sort value reads the context (metrics), so the order changes without the objects. */
  contextual?: boolean;
}

/** A kind as the dashboard lists it. */
export interface KindSpec {
  /** Route name of the list page, also the plural (`deployments`). */
  id: string;
  title: string;
  singular: string;
  /** Prefix of row test ids (`pod-row-<name>`). */
  testid: string;
  namespaced: boolean;
  columns: ColumnSpec[];
  /** Route name of the detail page, if any. */
  detail?: string;
  /** Bulk delete offered. */
  deletable: boolean;
  /** Where new ones come from, for the empty state. */
  emptyHint: string;
  section?: string;
  /** Columns hidden until the user turns them on in the column picker (they fit 1280 px without). */
  defaultHidden?: string[];
}

const age: ColumnSpec = {
  key: 'age',
  title: 'Age',
  width: 80,
  value: (o, c) => formatAge(o.metadata.creationTimestamp, c.now),
  sortValue: (o) => -Date.parse(o.metadata.creationTimestamp ?? '0'),
};

/** A non-negative integer, or 0. */
const n = (v: number | undefined): number => v ?? 0;

/** Percentage of `part` in `whole`, '' when either is unknown. */
export function percent(part: number, whole: number): string {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0) return '';
  return `${Math.round((part / whole) * 100)}%`;
}

/** Sum of a resource over a pod's containers; NaN if any container lacks it. */
export function podResource(pod: Pod, kind: 'requests' | 'limits', res: 'cpu' | 'memory'): number {
  const cs = pod.spec?.containers ?? [];
  if (!cs.length) return NaN;
  let sum = 0;
  for (const c of cs) {
    const own = c.resources?.[kind]?.[res] ?? (kind === 'requests' ? c.resources?.limits?.[res] : undefined);
    const v = parseQuantity(own);
    if (Number.isNaN(v)) return NaN;
    sum += v;
  }
  return sum;
}

function usageOf(o: KubeObject, c: ColumnContext) {
  return c.podUsage?.get(`${o.metadata.namespace}/${o.metadata.name}`);
}

function metricColumn(
  key: string,
  title: string,
  res: 'cpu' | 'memory',
  of: 'requests' | 'limits',
): ColumnSpec {
  const pctValue = (o: KubeObject, c: ColumnContext) => {
    const u = usageOf(o, c);
    return u ? percent(u[res], podResource(o as Pod, of, res)) : '';
  };
  return {
    key,
    title,
    width: 96,
    numeric: true,
    contextual: true,
    value: (o, c) => pctValue(o, c) || (usageOf(o, c) ? 'n/a' : '—'),
    sortValue: (o, c) => {
      const p = pctValue(o, c);
      return p ? Number(p.slice(0, -1)) : -1;
    },
  };
}

function servicePorts(s: Service): string {
  return (s.spec?.ports ?? [])
    .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
    .join(',');
}

function jobStatus(j: Job): string {
  const conds = j.status?.conditions ?? [];
  const has = (t: string) => conds.some((c) => c.type === t && c.status === 'True');
  if (has('Failed')) return 'Failed';
  if (has('Complete')) return 'Complete';
  if (has('Suspended')) return 'Suspended';
  if (j.metadata.deletionTimestamp) return 'Terminating';
  return 'Running';
}

function durationText(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  return `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
}

/** Tone of a "ready/desired" pair: all ready green, some amber, none (of some) red. */
export function readyTone(ready: number, desired: number): StatusTone {
  if (desired === 0) return 'default';
  if (ready >= desired) return 'success';
  return ready > 0 ? 'warning' : 'error';
}

const as = <T>(o: KubeObject) => o as unknown as T;

export const KINDS: Record<string, KindSpec> = {
  pods: {
    id: 'pods',
    title: 'Pods',
    singular: 'Pod',
    testid: 'pod',
    namespaced: true,
    detail: 'pod',
    deletable: true,
    section: 'Workloads',
    emptyHint:
      'Deploy a container from the Deploy page, or apply a manifest with kubectl — pods appear here live.',
    // At 1280 px (1,014 px of table beside the sidebar): name, namespace, ready, status,
    // restarts, node, %CPU/R and %MEM/R fit without a sideways scroll; age, the pod IP and the
    // %-of-limit columns are one click away in the column picker.
    defaultHidden: ['age', 'ip', 'cpuL', 'memL'],
    columns: [
      { key: 'ready', title: 'Ready', width: 84, value: (o) => podReady(as<Pod>(o)) },
      {
        key: 'status',
        title: 'Status',
        width: 120,
        value: (o) => podStatus(as<Pod>(o)),
        tone: (o) => statusTone(podStatus(as<Pod>(o))),
      },
      { key: 'restarts', title: 'Restarts', width: 94, numeric: true, value: (o) => podRestarts(as<Pod>(o)) },
      age,
      { key: 'ip', title: 'IP', width: 104, value: (o) => as<Pod>(o).status?.podIP ?? '' },
      { key: 'node', title: 'Node', width: 100, value: (o) => as<Pod>(o).spec?.nodeName ?? '' },
      metricColumn('cpuR', '%CPU/R', 'cpu', 'requests'),
      metricColumn('cpuL', '%CPU/L', 'cpu', 'limits'),
      metricColumn('memR', '%MEM/R', 'memory', 'requests'),
      metricColumn('memL', '%MEM/L', 'memory', 'limits'),
    ],
  },
  deployments: {
    id: 'deployments',
    title: 'Deployments',
    singular: 'Deployment',
    testid: 'deployment',
    namespaced: true,
    detail: 'deployment',
    deletable: true,
    section: 'Workloads',
    emptyHint: 'Deploy a container from the Deploy page, or `kubectl create deployment`.',
    columns: [
      {
        key: 'ready',
        title: 'Ready',
        width: 90,
        value: (o) => deploymentSummary(as<Deployment>(o)).ready,
        tone: (o) => deploymentSummary(as<Deployment>(o)).tone,
      },
      {
        key: 'uptodate',
        title: 'Up-to-date',
        width: 100,
        numeric: true,
        value: (o) => deploymentColumns(as<Deployment>(o)).upToDate,
      },
      {
        key: 'available',
        title: 'Available',
        width: 90,
        numeric: true,
        value: (o) => deploymentColumns(as<Deployment>(o)).available,
      },
      age,
      {
        key: 'images',
        title: 'Images',
        value: (o) =>
          (as<Deployment>(o).spec?.template?.spec?.containers ?? []).map((c) => c.image).join(', '),
      },
    ],
  },
  statefulsets: {
    id: 'statefulsets',
    title: 'StatefulSets',
    singular: 'StatefulSet',
    testid: 'statefulset',
    namespaced: true,
    detail: 'statefulset',
    deletable: true,
    section: 'Workloads',
    emptyHint:
      'Apply a StatefulSet manifest (Apply YAML or kubectl apply); its ordered pods and claims appear here.',
    columns: [
      {
        key: 'ready',
        title: 'Ready',
        width: 90,
        value: (o) =>
          `${n(as<StatefulSet>(o).status?.readyReplicas)}/${as<StatefulSet>(o).spec?.replicas ?? 1}`,
        tone: (o) =>
          readyTone(n(as<StatefulSet>(o).status?.readyReplicas), as<StatefulSet>(o).spec?.replicas ?? 1),
      },
      age,
      {
        key: 'images',
        title: 'Images',
        value: (o) =>
          (as<StatefulSet>(o).spec?.template?.spec?.containers ?? []).map((c) => c.image).join(', '),
      },
    ],
  },
  daemonsets: {
    id: 'daemonsets',
    title: 'DaemonSets',
    singular: 'DaemonSet',
    testid: 'daemonset',
    namespaced: true,
    detail: 'daemonset',
    deletable: true,
    section: 'Workloads',
    emptyHint: 'Apply a DaemonSet manifest: it runs one pod on every eligible node.',
    columns: [
      {
        key: 'desired',
        title: 'Desired',
        width: 80,
        numeric: true,
        value: (o) => n(as<DaemonSet>(o).status?.desiredNumberScheduled),
      },
      {
        key: 'current',
        title: 'Current',
        width: 80,
        numeric: true,
        value: (o) => n(as<DaemonSet>(o).status?.currentNumberScheduled),
      },
      {
        key: 'ready',
        title: 'Ready',
        width: 80,
        value: (o) => n(as<DaemonSet>(o).status?.numberReady),
        tone: (o) =>
          readyTone(
            n(as<DaemonSet>(o).status?.numberReady),
            n(as<DaemonSet>(o).status?.desiredNumberScheduled),
          ),
      },
      {
        key: 'uptodate',
        title: 'Up-to-date',
        width: 96,
        numeric: true,
        value: (o) => n(as<DaemonSet>(o).status?.updatedNumberScheduled),
      },
      {
        key: 'available',
        title: 'Available',
        width: 90,
        numeric: true,
        value: (o) => n(as<DaemonSet>(o).status?.numberAvailable),
      },
      {
        key: 'selector',
        title: 'Node selector',
        value: (o) =>
          Object.entries(as<DaemonSet>(o).spec?.template?.spec?.nodeSelector ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(',') || '<none>',
      },
      age,
    ],
  },
  replicasets: {
    id: 'replicasets',
    title: 'ReplicaSets',
    singular: 'ReplicaSet',
    testid: 'replicaset',
    namespaced: true,
    detail: 'replicaset',
    deletable: true,
    section: 'Workloads',
    emptyHint: 'Deployments create ReplicaSets; each revision of a Deployment keeps one.',
    columns: [
      {
        key: 'desired',
        title: 'Desired',
        width: 80,
        numeric: true,
        value: (o) => n(as<ReplicaSet>(o).spec?.replicas),
      },
      {
        key: 'current',
        title: 'Current',
        width: 80,
        numeric: true,
        value: (o) => n(as<ReplicaSet>(o).status?.replicas),
      },
      {
        key: 'ready',
        title: 'Ready',
        width: 80,
        value: (o) => n(as<ReplicaSet>(o).status?.readyReplicas),
        tone: (o) =>
          readyTone(n(as<ReplicaSet>(o).status?.readyReplicas), n(as<ReplicaSet>(o).spec?.replicas)),
      },
      age,
      {
        key: 'owner',
        title: 'Owner',
        value: (o) => o.metadata.ownerReferences?.find((r) => r.controller)?.name ?? '',
      },
    ],
  },
  jobs: {
    id: 'jobs',
    title: 'Jobs',
    singular: 'Job',
    testid: 'job',
    namespaced: true,
    detail: 'job',
    deletable: true,
    section: 'Workloads',
    emptyHint: 'Apply a Job manifest, or let a CronJob create them on its schedule.',
    columns: [
      {
        key: 'status',
        title: 'Status',
        width: 110,
        value: (o) => jobStatus(as<Job>(o)),
        tone: (o) => {
          const s = jobStatus(as<Job>(o));
          return s === 'Complete'
            ? 'success'
            : s === 'Failed'
              ? 'error'
              : s === 'Running'
                ? 'info'
                : 'default';
        },
      },
      {
        key: 'completions',
        title: 'Completions',
        width: 104,
        value: (o) => `${n(as<Job>(o).status?.succeeded)}/${as<Job>(o).spec?.completions ?? 1}`,
      },
      {
        key: 'duration',
        title: 'Duration',
        width: 90,
        value: (o, c) => {
          const st = as<Job>(o).status;
          if (!st?.startTime) return '';
          const end = st.completionTime ? Date.parse(st.completionTime) : c.now;
          return durationText(end - Date.parse(st.startTime));
        },
      },
      age,
    ],
  },
  cronjobs: {
    id: 'cronjobs',
    title: 'CronJobs',
    singular: 'CronJob',
    testid: 'cronjob',
    namespaced: true,
    detail: 'cronjob',
    deletable: true,
    section: 'Workloads',
    emptyHint: 'Apply a CronJob manifest; it creates Jobs on its schedule.',
    columns: [
      { key: 'schedule', title: 'Schedule', width: 120, value: (o) => as<CronJob>(o).spec?.schedule ?? '' },
      {
        key: 'timezone',
        title: 'Timezone',
        width: 100,
        value: (o) => as<CronJob>(o).spec?.timeZone ?? '<none>',
      },
      {
        key: 'suspend',
        title: 'Suspend',
        width: 84,
        value: (o) => (as<CronJob>(o).spec?.suspend ? 'True' : 'False'),
        tone: (o) => (as<CronJob>(o).spec?.suspend ? 'warning' : 'default'),
      },
      {
        key: 'active',
        title: 'Active',
        width: 70,
        numeric: true,
        value: (o) => (as<CronJob>(o).status?.active ?? []).length,
      },
      {
        key: 'last',
        title: 'Last schedule',
        width: 120,
        value: (o, c) => {
          const t = as<CronJob>(o).status?.lastScheduleTime;
          return t ? formatAge(t, c.now) : '<none>';
        },
      },
      age,
    ],
  },
  services: {
    id: 'services',
    title: 'Services',
    singular: 'Service',
    testid: 'service',
    namespaced: true,
    deletable: true,
    section: 'Network',
    emptyHint: 'Use "Expose" on a Deployment, StatefulSet or pod to open it on localhost, or kubectl expose.',
    columns: [
      { key: 'type', title: 'Type', width: 110, value: (o) => as<Service>(o).spec?.type ?? 'ClusterIP' },
      {
        key: 'reachable',
        title: 'On this machine',
        width: 240,
        value: (o) => accessText(serviceRowAccess(as<Service>(o))),
        chips: (o) => serviceRowAccess(as<Service>(o)),
      },
      {
        key: 'clusterip',
        title: 'Cluster-IP',
        width: 120,
        value: (o) => as<Service>(o).spec?.clusterIP ?? '',
      },
      {
        key: 'externalip',
        title: 'External-IP',
        width: 110,
        value: (o) => {
          const s = as<Service>(o);
          const lb = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname).filter(Boolean);
          if (lb.length) return lb.join(',');
          if (s.spec?.externalIPs?.length) return s.spec.externalIPs.join(',');
          return s.spec?.type === 'LoadBalancer' ? '<pending>' : '<none>';
        },
      },
      { key: 'ports', title: 'Port(s)', width: 130, value: (o) => servicePorts(as<Service>(o)) },

      age,
    ],
  },
  ingresses: {
    id: 'ingresses',
    title: 'Ingresses',
    singular: 'Ingress',
    testid: 'ingress',
    namespaced: true,
    deletable: true,
    section: 'Network',
    emptyHint: 'Apply an Ingress manifest to route HTTP hosts and paths to Services.',
    columns: [
      {
        key: 'class',
        title: 'Class',
        width: 100,
        value: (o) => as<Ingress>(o).spec?.ingressClassName ?? '<none>',
      },
      {
        key: 'urls',
        title: 'On this machine',
        width: 280,
        value: (o) => accessText(ingressAccess(as<Ingress>(o))),
        chips: (o) => ingressAccess(as<Ingress>(o)),
      },
      {
        key: 'hosts',
        title: 'Hosts',
        value: (o) => (as<Ingress>(o).spec?.rules ?? []).map((r) => r.host ?? '*').join(',') || '*',
      },
      {
        key: 'address',
        title: 'Address',
        width: 120,
        value: (o) =>
          (as<Ingress>(o).status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname).join(','),
      },
      {
        key: 'ports',
        title: 'Ports',
        width: 80,
        value: (o) =>
          (as<Ingress>(o).status?.loadBalancer?.ingress ?? [])
            .flatMap((i) => (i.ports ?? []).map((p) => p.port))
            .join(', '),
      },
      age,
    ],
  },
  configmaps: {
    id: 'configmaps',
    title: 'ConfigMaps',
    singular: 'ConfigMap',
    testid: 'configmap',
    namespaced: true,
    deletable: true,
    section: 'Config',
    emptyHint: 'Create one with kubectl create configmap, or Apply YAML.',
    columns: [
      {
        key: 'data',
        title: 'Data',
        width: 80,
        numeric: true,
        value: (o) =>
          Object.keys(as<ConfigMap>(o).data ?? {}).length +
          Object.keys(as<ConfigMap>(o).binaryData ?? {}).length,
      },
      age,
    ],
  },
  secrets: {
    id: 'secrets',
    title: 'Secrets',
    singular: 'Secret',
    testid: 'secret',
    namespaced: true,
    deletable: true,
    section: 'Config',
    emptyHint:
      'Create one with kubectl create secret generic, or Apply YAML. Values are never shown in lists.',
    columns: [
      { key: 'type', title: 'Type', width: 240, value: (o) => as<Secret>(o).type ?? 'Opaque' },
      {
        key: 'data',
        title: 'Data',
        width: 70,
        numeric: true,
        value: (o) => Object.keys(as<Secret>(o).data ?? {}).length,
      },
      age,
    ],
  },
  persistentvolumeclaims: {
    id: 'persistentvolumeclaims',
    title: 'PersistentVolumeClaims',
    singular: 'PersistentVolumeClaim',
    testid: 'pvc',
    namespaced: true,
    deletable: true,
    section: 'Storage',
    emptyHint:
      'Apply a PVC (or a StatefulSet with volumeClaimTemplates); the local provisioner binds it to a Docker volume.',
    columns: [
      {
        key: 'status',
        title: 'Status',
        width: 100,
        value: (o) => as<PersistentVolumeClaim>(o).status?.phase ?? 'Pending',
        tone: (o) => {
          const p = as<PersistentVolumeClaim>(o).status?.phase ?? 'Pending';
          return p === 'Bound' ? 'success' : p === 'Lost' ? 'error' : 'warning';
        },
      },
      { key: 'volume', title: 'Volume', value: (o) => as<PersistentVolumeClaim>(o).spec?.volumeName ?? '' },
      {
        key: 'capacity',
        title: 'Capacity',
        width: 90,
        value: (o) => String(as<PersistentVolumeClaim>(o).status?.capacity?.storage ?? ''),
      },
      {
        key: 'access',
        title: 'Access modes',
        width: 110,
        value: (o) =>
          (
            as<PersistentVolumeClaim>(o).status?.accessModes ??
            as<PersistentVolumeClaim>(o).spec?.accessModes ??
            []
          )
            .map(
              (m) =>
                ({
                  ReadWriteOnce: 'RWO',
                  ReadOnlyMany: 'ROX',
                  ReadWriteMany: 'RWX',
                  ReadWriteOncePod: 'RWOP',
                })[m] ?? m,
            )
            .join(','),
      },
      {
        key: 'class',
        title: 'StorageClass',
        width: 120,
        value: (o) => as<PersistentVolumeClaim>(o).spec?.storageClassName ?? '',
      },
      age,
    ],
  },
};

/** Lowercased text of a row for the text filter: name, namespace and every column value. */
export function rowText(spec: KindSpec, o: KubeObject, ctx: ColumnContext): string {
  const parts = [o.metadata.name ?? '', o.metadata.namespace ?? ''];
  for (const c of spec.columns) parts.push(String(c.value(o, ctx)));
  return parts.join(' ').toLowerCase();
}
