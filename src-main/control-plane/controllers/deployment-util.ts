/**
 * Pure helpers of the Deployment controller, after kube-controller-manager's
 * pkg/controller/deployment/util: pod-template hashing, semantic template equality,
 * maxSurge/maxUnavailable arithmetic, revisions and replica counts over ReplicaSets.
 */
import type { DeploymentCondition, DeploymentStatus } from 'kubernetes-types/apps/v1';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1';
import type { Deployment, KubeObject, ReplicaSet } from '../../common/types';
import { canonicalJson } from '../../common/json';

export type Deploy = Deployment & KubeObject;
export type RS = ReplicaSet & KubeObject;

export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';

/** Annotations of a Deployment that are not copied onto its ReplicaSets. */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

// ---- hashing ---------------------------------------------------------------------------------

function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The `pod-template-hash` of a template: FNV-32a of the template (here its canonical JSON)
 * plus the collision count, rendered with rand.SafeEncodeString like controller.ComputeHash,
 * e.g. `7854ff8877`. Stable for equal templates.
 */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return [...String(h)].map((c) => SAFE[c.charCodeAt(0) % SAFE.length]).join('');
}

// ---- semantic template equality (kubectl-wire G9) ----------------------------------------------

function imagePullPolicyDefault(image: string | undefined): string {
  const ref = (image ?? '').split('@')[0];
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const tag = colon > slash ? ref.slice(colon + 1) : '';
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Record<string, any>): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.imagePullPolicy ??= imagePullPolicyDefault(c.image);
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (!probe) continue;
    probe.timeoutSeconds ??= 1;
    probe.periodSeconds ??= 10;
    probe.successThreshold ??= 1;
    probe.failureThreshold ??= 3;
    if (probe.httpGet) probe.httpGet.scheme ??= 'HTTP';
  }
  for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= 'v1';
}

/** Drops null, undefined, empty objects and empty arrays, recursively. */
function prune(v: unknown): unknown {
  if (Array.isArray(v)) {
    const a = v.map(prune).filter((x) => x !== undefined);
    return a.length ? a : undefined;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const p = prune(x);
      if (p !== undefined) out[k] = p;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v === null ? undefined : v;
}

/**
 * A template as the API server would store it, for comparison: without the
 * `pod-template-hash` label and `creationTimestamp`, with the pod-spec defaults filled in, and
 * with empty values (`resources: {}`, `creationTimestamp: null`) removed.
 */
function normalizeTemplate(t: PodTemplateSpec | undefined): unknown {
  const c = structuredClone((t ?? {}) as Record<string, any>);
  c.metadata = { ...(c.metadata ?? {}) };
  delete c.metadata.creationTimestamp;
  if (c.metadata.labels) {
    c.metadata.labels = { ...c.metadata.labels };
    delete c.metadata.labels[POD_TEMPLATE_HASH];
  }
  const s = (c.spec ??= {});
  s.restartPolicy ??= 'Always';
  s.terminationGracePeriodSeconds ??= 30;
  s.dnsPolicy ??= 'ClusterFirst';
  s.schedulerName ??= 'default-scheduler';
  s.enableServiceLinks ??= true;
  // Service accounts are defaulted by admission on pods, not on templates: treat "default" as unset.
  if (s.serviceAccountName === 'default') delete s.serviceAccountName;
  if (s.deprecatedServiceAccount === 'default') delete s.deprecatedServiceAccount;
  for (const k of ['containers', 'initContainers', 'ephemeralContainers'])
    for (const ctr of s[k] ?? []) defaultContainer(ctr);
  return prune(c) ?? {};
}

/**
 * Behaves like kube-controller-manager's EqualIgnoreHash, made semantic: two templates are the
 * same rollout target when they are equal after defaulting and ignoring the hash label. This
 * is what lets `kubectl rollout undo` (which sends the old RS template without the hash,
 * with `creationTimestamp: null` and `resources: {}`) reuse the old ReplicaSet.
 */
export function templatesEqual(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalJson(normalizeTemplate(a)) === canonicalJson(normalizeTemplate(b));
}

// ---- arithmetic ------------------------------------------------------------------------------

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(
  v: number | string | undefined,
  total: number,
  roundUp: boolean,
  dflt: string,
): number {
  const x = v ?? dflt;
  if (typeof x === 'number') return x;
  if (x.endsWith('%')) {
    const pct = Number(x.slice(0, -1));
    const raw = (pct * total) / 100;
    return roundUp ? Math.ceil(raw) : Math.floor(raw);
  }
  const n = Number(x);
  return Number.isFinite(n) ? n : 0;
}

export function replicasOf(d: Deploy): number {
  return d.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: Deploy): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** ResolveFenceposts: surge rounds up, unavailable rounds down; never both zero. */
function resolveFenceposts(d: Deploy): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate;
  const desired = replicasOf(d);
  const surge = scaledValue(ru?.maxSurge, desired, true, '25%');
  let unavailable = scaledValue(ru?.maxUnavailable, desired, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Deploy): number {
  return isRollingUpdate(d) ? resolveFenceposts(d).surge : 0;
}

export function maxUnavailable(d: Deploy): number {
  const desired = replicasOf(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  return Math.min(resolveFenceposts(d).unavailable, desired);
}

export const specReplicas = (rs: RS | undefined): number => rs?.spec?.replicas ?? 0;
export const sumSpec = (l: (RS | undefined)[]): number => l.reduce((n, rs) => n + specReplicas(rs), 0);
export const sumStatus = (l: (RS | undefined)[]): number =>
  l.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
export const sumReady = (l: (RS | undefined)[]): number =>
  l.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
export const sumAvailable = (l: (RS | undefined)[]): number =>
  l.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);

export function revisionOf(o: KubeObject | undefined): number {
  const v = Number(o?.metadata.annotations?.[REVISION]);
  return Number.isFinite(v) ? v : 0;
}

export function byCreation(a: RS, b: RS): number {
  const d = Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? '');
  return d || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** The new RS's replica count for the next rolling step (NewRSNewReplicas). */
export function newRSNewReplicas(d: Deploy, all: RS[], newRS: RS): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const desired = replicasOf(d);
  const current = sumSpec(all);
  const maxTotal = desired + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, desired - specReplicas(newRS));
  return specReplicas(newRS) + up;
}

/** Annotations a Deployment puts on its RS: its own (minus controller ones) plus the replica hints. */
export function copyDeploymentAnnotations(d: Deploy, rs: Record<string, string>): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || rs[k] === v) continue;
    rs[k] = v;
    changed = true;
  }
  return changed;
}

/** Sets desired/max replica annotations; true when they changed. */
export function setReplicasAnnotations(rs: Record<string, string>, desired: number, max: number): boolean {
  let changed = false;
  if (rs[DESIRED_REPLICAS] !== String(desired)) {
    rs[DESIRED_REPLICAS] = String(desired);
    changed = true;
  }
  if (rs[MAX_REPLICAS] !== String(max)) {
    rs[MAX_REPLICAS] = String(max);
    changed = true;
  }
  return changed;
}

// ---- conditions ------------------------------------------------------------------------------

export function getCondition(s: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return s?.conditions?.find((c) => c.type === type);
}

/**
 * SetDeploymentCondition: same status and reason → unchanged; same status → keep
 * lastTransitionTime; otherwise replace.
 */
export function setCondition(s: { conditions?: DeploymentCondition[] }, c: DeploymentCondition): void {
  const cur = s.conditions?.find((x) => x.type === c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  const next = { ...c };
  if (cur && cur.status === c.status) next.lastTransitionTime = cur.lastTransitionTime;
  s.conditions = [...(s.conditions ?? []).filter((x) => x.type !== c.type), next];
}

export function removeCondition(s: { conditions?: DeploymentCondition[] }, type: string): void {
  if (s.conditions) s.conditions = s.conditions.filter((c) => c.type !== type);
}

/** DeploymentComplete: every replica updated and available, and the spec observed. */
export function deploymentComplete(d: Deploy, s: DeploymentStatus): boolean {
  const want = replicasOf(d);
  return (
    (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** DeploymentProgressing: the new status shows progress over the old one. */
export function deploymentProgressing(d: Deploy, s: DeploymentStatus): boolean {
  const o = d.status ?? {};
  const oldOld = (o.replicas ?? 0) - (o.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (o.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (o.availableReplicas ?? 0)
  );
}

/** DeploymentTimedOut: no progress for progressDeadlineSeconds since the last update of Progressing. */
export function deploymentTimedOut(d: Deploy, s: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const deadline = progressDeadlineSeconds(d);
  const c = getCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === 'NewReplicaSetAvailable') return false;
  if (c.reason === 'ProgressDeadlineExceeded') return true;
  const from = Date.parse(c.lastUpdateTime ?? c.lastTransitionTime ?? '');
  return Number.isFinite(from) && from + deadline * 1000 < now;
}

/** progressDeadlineSeconds, defaulted to 600 like the API server does. */
export function progressDeadlineSeconds(d: Deploy): number {
  return d.spec?.progressDeadlineSeconds ?? 600;
}

export function hasProgressDeadline(d: Deploy): boolean {
  return progressDeadlineSeconds(d) !== 2147483647;
}
