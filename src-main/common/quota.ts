/**
 * ResourceQuota usage as pure functions (pkg/quota/v1/evaluator/core), shared by the
 * ResourceQuota controller (status.used) and the API server's quota admission: what one object
 * charges against a quota, and the sum over a namespace's objects.
 *
 * Resource names understood: pods, services, services.nodeports, services.loadbalancers,
 * persistentvolumeclaims, requests.storage, <class>.storageclass.storage.k8s.io/requests.storage
 * and …/persistentvolumeclaims, configmaps, secrets, resourcequotas, replicationcontrollers,
 * cpu/requests.cpu, memory/requests.memory, limits.cpu, limits.memory,
 * requests/limits.ephemeral-storage, and `count/<resource>[.<group>]` for any kind.
 * Pod scopes: Terminating, NotTerminating, BestEffort, NotBestEffort.
 */
import type { Container, PersistentVolumeClaim, Pod, ResourceQuota, Service } from 'kubernetes-types/core/v1';
import { milliValue as milli } from './quantity';

/** Objects of a namespace by `count/` resource id (`pods`, `deployments.apps`, …). */
export type NamespaceObjects = Record<
  string,
  { metadata?: { deletionTimestamp?: string }; [k: string]: unknown }[]
>;

/** A Quantity in milli-units (integer), so CPU and bytes add up exactly; 0 when absent, NaN if invalid. */
export function milliValue(q: string | number | undefined): number {
  return q === undefined || q === null ? 0 : milli(q);
}

/**
 * Formats milli-units as a Quantity the way status.used reads: "0", "500m", "2", "128Mi",
 * "1500M"… — binary suffixes when `binary` and the value is an exact multiple.
 */
export function formatQuantity(milli: number, binary: boolean): string {
  if (milli === 0) return '0';
  if (milli % 1000 !== 0) return `${milli}m`;
  const v = milli / 1000;
  const table: [string, number][] = binary
    ? [
        ['Ei', 2 ** 60],
        ['Pi', 2 ** 50],
        ['Ti', 2 ** 40],
        ['Gi', 2 ** 30],
        ['Mi', 2 ** 20],
        ['Ki', 2 ** 10],
      ]
    : [
        ['E', 1e18],
        ['P', 1e15],
        ['T', 1e12],
        ['G', 1e9],
        ['M', 1e6],
        ['k', 1e3],
      ];
  for (const [s, f] of table) if (Math.abs(v) >= f && v % f === 0) return `${v / f}${s}`;
  return String(v);
}

/** Whether the quantity as written uses a binary suffix (keeps the user's style in used). */
function isBinary(q: string | undefined): boolean {
  return !!q && /[KMGTPE]i$/.test(q);
}

function containerSum(cs: Container[] | undefined, kind: 'requests' | 'limits', res: string): number {
  return (cs ?? []).reduce((n, c) => n + milliValue(c.resources?.[kind]?.[res] as string | undefined), 0);
}

/** Effective pod request/limit of a resource (max(sum(containers), max(init containers)) + overhead). */
export function podResource(pod: Pod, kind: 'requests' | 'limits', res: string): number {
  const sum = containerSum(pod.spec?.containers, kind, res);
  const init = Math.max(
    0,
    ...(pod.spec?.initContainers ?? []).map((c) =>
      milliValue(c.resources?.[kind]?.[res] as string | undefined),
    ),
  );
  const overhead = milliValue(pod.spec?.overhead?.[res] as string | undefined);
  return Math.max(sum, init) + overhead;
}

/** QoS BestEffort: no container sets any request or limit. */
function isBestEffort(pod: Pod): boolean {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].every(
    (c) => !Object.keys(c.resources?.requests ?? {}).length && !Object.keys(c.resources?.limits ?? {}).length,
  );
}

/** Whether a pod still consumes quota (QuotaV1Pod: not terminal, not past its deletion grace). */
export function podCountsForQuota(pod: Pod, now: number): boolean {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  const del = pod.metadata?.deletionTimestamp;
  if (del) {
    const grace = (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
    if (Date.parse(del) + grace < now) return false;
  }
  return true;
}

/** Whether a pod is in every scope of a quota. */
export function podMatchesScopes(pod: Pod, scopes: string[] | undefined): boolean {
  for (const s of scopes ?? []) {
    const terminating =
      pod.spec?.activeDeadlineSeconds !== undefined && pod.spec?.activeDeadlineSeconds !== null;
    if (s === 'Terminating' && !terminating) return false;
    if (s === 'NotTerminating' && terminating) return false;
    if (s === 'BestEffort' && !isBestEffort(pod)) return false;
    if (s === 'NotBestEffort' && isBestEffort(pod)) return false;
  }
  return true;
}

/** What one pod charges, in milli-units, for each resource name in `names`. */
export function podUsage(pod: Pod, names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) {
    switch (n) {
      case 'pods':
      case 'count/pods':
        out[n] = 1000;
        break;
      case 'cpu':
      case 'requests.cpu':
        out[n] = podResource(pod, 'requests', 'cpu');
        break;
      case 'memory':
      case 'requests.memory':
        out[n] = podResource(pod, 'requests', 'memory');
        break;
      case 'ephemeral-storage':
      case 'requests.ephemeral-storage':
        out[n] = podResource(pod, 'requests', 'ephemeral-storage');
        break;
      case 'limits.cpu':
        out[n] = podResource(pod, 'limits', 'cpu');
        break;
      case 'limits.memory':
        out[n] = podResource(pod, 'limits', 'memory');
        break;
      case 'limits.ephemeral-storage':
        out[n] = podResource(pod, 'limits', 'ephemeral-storage');
        break;
    }
  }
  return out;
}

/** What one service charges. */
export function serviceUsage(svc: Service, names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  const type = svc.spec?.type ?? 'ClusterIP';
  const nodePorts = type === 'NodePort' || type === 'LoadBalancer' ? (svc.spec?.ports ?? []).length : 0;
  for (const n of names) {
    if (n === 'services' || n === 'count/services') out[n] = 1000;
    else if (n === 'services.nodeports') out[n] = nodePorts * 1000;
    else if (n === 'services.loadbalancers') out[n] = type === 'LoadBalancer' ? 1000 : 0;
  }
  return out;
}

/** What one PVC charges. */
export function pvcUsage(pvc: PersistentVolumeClaim, names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  const cls = pvc.spec?.storageClassName ?? '';
  const storage = milliValue(pvc.spec?.resources?.requests?.storage as string | undefined);
  for (const n of names) {
    if (n === 'persistentvolumeclaims' || n === 'count/persistentvolumeclaims') out[n] = 1000;
    else if (n === 'requests.storage') out[n] = storage;
    else if (n === `${cls}.storageclass.storage.k8s.io/requests.storage`) out[n] = storage;
    else if (n === `${cls}.storageclass.storage.k8s.io/persistentvolumeclaims`) out[n] = 1000;
  }
  return out;
}

/** The `count/` id a plain resource name is an alias of (`configmaps` → `configmaps`). */
const OBJECT_COUNT_ALIASES: Record<string, string> = {
  configmaps: 'configmaps',
  secrets: 'secrets',
  resourcequotas: 'resourcequotas',
  replicationcontrollers: 'replicationcontrollers',
};

/** The object kinds (`count/` ids) a quota's hard list needs listed. */
export function objectKindsFor(hard: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const n of Object.keys(hard)) {
    if (n.startsWith('count/')) out.add(n.slice('count/'.length));
    else if (OBJECT_COUNT_ALIASES[n]) out.add(OBJECT_COUNT_ALIASES[n]);
    else if (/^(pods|cpu|memory|ephemeral-storage|requests\.|limits\.)/.test(n)) out.add('pods');
    else if (n.startsWith('services')) out.add('services');
    else if (n === 'persistentvolumeclaims' || n.includes('storage')) out.add('persistentvolumeclaims');
  }
  return [...out];
}

/**
 * status.used of a quota over a namespace's objects. Every resource in spec.hard gets a value
 * (formatted like the hard value: binary suffixes stay binary).
 */
export function computeQuotaUsed(
  quota: ResourceQuota,
  objects: NamespaceObjects,
  now: number,
): Record<string, string> {
  const hard = (quota.spec?.hard ?? {}) as Record<string, string>;
  const names = Object.keys(hard);
  const scopes = quota.spec?.scopes;
  const totals: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const add = (u: Record<string, number>) => {
    for (const [k, v] of Object.entries(u)) totals[k] = (totals[k] ?? 0) + v;
  };
  for (const pod of (objects.pods ?? []) as Pod[]) {
    if (!podCountsForQuota(pod, now) || !podMatchesScopes(pod, scopes)) continue;
    add(podUsage(pod, names));
  }
  if (!scopes?.length) {
    for (const svc of (objects.services ?? []) as Service[]) add(serviceUsage(svc, names));
    for (const pvc of (objects.persistentvolumeclaims ?? []) as PersistentVolumeClaim[])
      add(pvcUsage(pvc, names));
    for (const n of names) {
      const id = n.startsWith('count/') ? n.slice(6) : OBJECT_COUNT_ALIASES[n];
      if (!id || id === 'pods' || id === 'services' || id === 'persistentvolumeclaims') continue;
      totals[n] = (objects[id] ?? []).length * 1000;
    }
  }
  const used: Record<string, string> = {};
  for (const n of names) used[n] = formatQuantity(totals[n] ?? 0, isBinary(hard[n]));
  return used;
}

/**
 * For admission: the resources (with their would-be used and hard values) a new object would
 * push over a quota's hard limits, given the current used. Empty when it fits.
 */
export function exceededBy(
  quota: ResourceQuota,
  used: Record<string, string>,
  delta: Record<string, number>,
): { resource: string; requested: string; used: string; limited: string }[] {
  const hard = (quota.spec?.hard ?? {}) as Record<string, string>;
  const out: { resource: string; requested: string; used: string; limited: string }[] = [];
  for (const [n, d] of Object.entries(delta)) {
    if (!(n in hard) || !d) continue;
    if (milliValue(used[n] ?? '0') + d > milliValue(hard[n]))
      out.push({
        resource: n,
        requested: formatQuantity(d, isBinary(hard[n])),
        used: used[n] ?? '0',
        limited: hard[n],
      });
  }
  return out;
}
