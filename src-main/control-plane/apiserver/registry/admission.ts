/**
 * The namespace-policy admission plugins of kube-apiserver: LimitRanger (container defaults
 * from LimitRanges, min/max/ratio checks, the kubernetes.io/limit-ranger annotation) and
 * ResourceQuota (a create that would push a quota over its hard limits is Forbidden). Quota usage
 * is computed from the namespace's live objects with the same pure functions the ResourceQuota
 * controller uses for status.used, so admission does not depend on the controller having run.
 */
import type { Container, LimitRange, Pod, ResourceQuota } from 'kubernetes-types/core/v1';
import { R, type ResourceType } from '../../../common/resources';
import type { KubeObject } from '../../../common/types';
import {
  computeQuotaUsed,
  exceededBy,
  objectKindsFor,
  podCountsForQuota,
  podMatchesScopes,
  podUsage,
  pvcUsage,
  serviceUsage,
  type NamespaceObjects,
} from '../../../common/quota';
import { StatusError } from '../status';
import type { ObjectStorage } from '../storage';
import { parseQuantity } from './quantity';
import { isObject, type AdmissionContext } from './strategy';

const LIMIT_ANNOTATION = 'kubernetes.io/limit-ranger';

function forbidden(t: ResourceType, name: string, message: string): StatusError {
  return new StatusError(403, 'Forbidden', `${t.plural} "${name}" is forbidden: ${message}`, {
    name,
    kind: t.plural,
    ...(t.group ? { group: t.group } : {}),
  });
}

/** LimitRanger on a pod create: defaults, then min/max/maxLimitRequestRatio checks. */
export async function limitRanger(obj: KubeObject, ctx: AdmissionContext): Promise<void> {
  const pod = obj as unknown as Pod;
  if (!isObject(pod.spec)) return;
  const ranges = (await ctx.storage.list(R.limitranges, { namespace: obj.metadata.namespace }))
    .items as unknown as LimitRange[];
  if (!ranges.length) return;
  const containers: Container[] = [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])];
  const inits = new Set(pod.spec.initContainers ?? []);
  const set: string[] = [];
  for (const lr of ranges)
    for (const item of lr.spec?.limits ?? []) {
      if (item.type !== 'Container') continue;
      for (const c of containers) {
        if (!isObject(c)) continue;
        c.resources ??= {};
        for (const [kind, defaults] of [
          ['requests', item.defaultRequest],
          ['limits', item.default],
        ] as const) {
          for (const [res, q] of Object.entries(defaults ?? {})) {
            const m = (c.resources[kind] ??= {});
            if (m[res] !== undefined) continue;
            m[res] = q;
            const what = kind === 'requests' ? 'request' : 'limit';
            set.push(`${res} ${what} for ${inits.has(c) ? 'init container' : 'container'} ${c.name}`);
          }
        }
      }
    }
  if (set.length)
    obj.metadata.annotations = {
      ...obj.metadata.annotations,
      [LIMIT_ANNOTATION]: `LimitRanger plugin set: ${set.join('; ')}`,
    };
  const problems: string[] = [];
  for (const lr of ranges)
    for (const item of lr.spec?.limits ?? []) {
      if (item.type !== 'Container' && item.type !== 'Pod') continue;
      const scopes: { label: string; requests: Record<string, number>; limits: Record<string, number> }[] =
        [];
      const sumOf = (cs: Container[], kind: 'requests' | 'limits') => {
        const out: Record<string, number> = {};
        for (const c of cs)
          for (const [r, q] of Object.entries(c.resources?.[kind] ?? {}))
            out[r] = (out[r] ?? 0) + (parseQuantity(q) ?? 0);
        return out;
      };
      if (item.type === 'Container')
        for (const c of containers)
          scopes.push({ label: 'Container', requests: sumOf([c], 'requests'), limits: sumOf([c], 'limits') });
      else
        scopes.push({
          label: 'Pod',
          requests: sumOf(containers, 'requests'),
          limits: sumOf(containers, 'limits'),
        });
      for (const sc of scopes) {
        for (const [r, min] of Object.entries(item.min ?? {})) {
          const req = sc.requests[r];
          if (req === undefined)
            problems.push(`minimum ${r} usage per ${sc.label} is ${min}.  No request is specified`);
          else if (req < (parseQuantity(min) ?? 0))
            problems.push(`minimum ${r} usage per ${sc.label} is ${min}, but request is ${fmt(req, min)}`);
        }
        for (const [r, max] of Object.entries(item.max ?? {})) {
          const lim = sc.limits[r];
          if (lim === undefined)
            problems.push(`maximum ${r} usage per ${sc.label} is ${max}.  No limit is specified`);
          else if (lim > (parseQuantity(max) ?? Infinity))
            problems.push(`maximum ${r} usage per ${sc.label} is ${max}, but limit is ${fmt(lim, max)}`);
        }
        for (const [r, ratio] of Object.entries(item.maxLimitRequestRatio ?? {})) {
          const lim = sc.limits[r];
          const req = sc.requests[r];
          if (lim === undefined || !req) continue;
          if (lim / req > (parseQuantity(ratio) ?? Infinity))
            problems.push(
              `${r} max limit to request ratio per ${sc.label} is ${ratio}, but provided ratio is ${(lim / req).toFixed(6)}`,
            );
        }
      }
    }
  if (problems.length)
    throw forbidden(
      R.pods,
      obj.metadata.name ?? '',
      problems.length === 1 ? problems[0] : `[${problems.join(', ')}]`,
    );
}

/** A number as a quantity string in the style of `like` (m for CPU-like values, binary for Mi/Gi). */
function fmt(v: number, like: unknown): string {
  const s = String(like);
  for (const [suf, f] of [
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const)
    if (s.endsWith(suf) && v % f === 0) return `${v / f}${suf}`;
  if (!Number.isInteger(v)) return `${Math.round(v * 1000)}m`;
  return String(v);
}

/** The `count/` id of a type (`pods`, `deployments.apps`). */
function countId(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

/** What creating `obj` charges against the resource names of a quota. */
function deltaFor(
  t: ResourceType,
  obj: KubeObject,
  names: string[],
  now: number,
  scopes?: string[],
): Record<string, number> {
  const out: Record<string, number> = {};
  if (t === R.pods) {
    const pod = obj as unknown as Pod;
    if (!podCountsForQuota(pod, now) || !podMatchesScopes(pod, scopes)) return out;
    Object.assign(out, podUsage(pod, names));
  } else if (scopes?.length) return out;
  else if (t === R.services) Object.assign(out, serviceUsage(obj as never, names));
  else if (t === R.persistentvolumeclaims) Object.assign(out, pvcUsage(obj as never, names));
  const id = countId(t);
  for (const n of names) if (n === `count/${id}` || (n === t.plural && !t.group)) out[n] ??= 1000;
  return out;
}

/**
 * ResourceQuota admission for a create of `obj` (type `t`): Forbidden when it would exceed a
 * quota of its namespace, or when a quota tracks compute resources the pod leaves unspecified.
 * `types` resolves `count/` ids to served types for listing the namespace's objects.
 */
export async function admitQuota(
  t: ResourceType,
  obj: KubeObject,
  storage: ObjectStorage,
  now: number,
  types: () => ResourceType[],
): Promise<void> {
  const ns = obj.metadata.namespace;
  if (!t.namespaced || !ns) return;
  const quotas = (await storage.list(R.resourcequotas, { namespace: ns }))
    .items as unknown as ResourceQuota[];
  if (!quotas.length) return;
  const name = obj.metadata.name ?? obj.metadata.generateName ?? '';
  for (const q of quotas) {
    const hard = (q.spec?.hard ?? {}) as Record<string, string>;
    const names = Object.keys(hard);
    const delta = deltaFor(t, obj, names, now, q.spec?.scopes);
    if (t === R.pods && Object.keys(delta).length) {
      const pod = obj as unknown as Pod;
      const missing: string[] = [];
      for (const [res, kind] of [
        ['limits.cpu', 'limits'],
        ['limits.memory', 'limits'],
        ['requests.cpu', 'requests'],
        ['requests.memory', 'requests'],
      ] as const) {
        const short = res.split('.')[1];
        if (!(res in hard) && !(kind === 'requests' && short in hard)) continue;
        const without = (pod.spec?.containers ?? [])
          .filter((c) => c.resources?.[kind]?.[short] === undefined)
          .map((c) => c.name);
        if (without.length) missing.push(`${res} for: ${without.join(',')}`);
      }
      if (missing.length)
        throw forbidden(t, name, `failed quota: ${q.metadata?.name}: must specify ${missing.join('; ')}`);
    }
    if (!Object.values(delta).some((v) => v > 0)) continue;
    const objects: NamespaceObjects = {};
    for (const id of objectKindsFor(hard)) {
      const type = types().find((x) => countId(x) === id && !x.storageVersion);
      if (type) objects[id] = (await storage.list(type, { namespace: ns })).items as never;
    }
    const used = computeQuotaUsed(q, objects, now);
    const over = exceededBy(q, used, delta);
    if (over.length)
      throw forbidden(
        t,
        name,
        `exceeded quota: ${q.metadata?.name}, requested: ${over.map((o) => `${o.resource}=${o.requested}`).join(',')}, used: ${over
          .map((o) => `${o.resource}=${o.used}`)
          .join(',')}, limited: ${over.map((o) => `${o.resource}=${o.limited}`).join(',')}`,
      );
  }
}
