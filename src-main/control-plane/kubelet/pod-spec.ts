import type { Container, Pod } from '../../common/types';
import type { ContainerResources, PortMapping } from './runtime/runtime';
import { parseQuantity } from '../../common/quantity';

export { parseQuantity };

/**
 * Engine limits of a container, as the kubelet's kuberuntime computes them: limits.memory →
 * Memory, limits.cpu → CFS quota (NanoCpus), requests.cpu (or the limit when only that is set)
 * → CPU shares (2 for none, like a BestEffort pod).
 */
export function containerResources(c: Container): ContainerResources {
  const lim = c.resources?.limits ?? {};
  const req = c.resources?.requests ?? {};
  const mem = parseQuantity(lim.memory as string | undefined);
  const cpuLimit = parseQuantity(lim.cpu as string | undefined);
  const cpuReq = parseQuantity((req.cpu ?? lim.cpu) as string | undefined);
  const out: ContainerResources = {};
  if (mem > 0) out.memoryBytes = Math.round(mem);
  if (cpuLimit > 0) out.nanoCpus = Math.round(cpuLimit * 1e9);
  // Behaves like kuberuntime's MilliCPUToShares: 1 CPU = 1024 shares, minimum 2.
  out.cpuShares = cpuReq > 0 ? Math.max(2, Math.round(cpuReq * 1024)) : 2;
  return out;
}

/** The pod's QoS class (Guaranteed / Burstable / BestEffort), as the API server and kubelet derive it. */
export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const lim = c.resources?.limits ?? {};
    const req = c.resources?.requests ?? {};
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (l !== undefined || q !== undefined) any = true;
      if (l === undefined || parseQuantity(q as string) !== parseQuantity(l as string)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Values the downward API can read from the pod at container creation. */
export interface DownwardValues {
  podIP?: string;
  hostIP: string;
  nodeName: string;
}

/** ConfigMaps and Secrets (data already decoded) that env entries can read; undefined = missing. */
export interface EnvSources {
  configMap(name: string): Record<string, string> | undefined;
  secret(name: string): Record<string, string> | undefined;
}

/** An env reference that cannot be resolved (the kubelet's CreateContainerConfigError). */
export class EnvError extends Error {}

/** The ConfigMap and Secret names a container's env and envFrom refer to. */
export function envReferences(c: Container): { configMaps: string[]; secrets: string[] } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const e of c.env ?? []) {
    if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
    if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
  }
  for (const f of c.envFrom ?? []) {
    if (f.configMapRef?.name) configMaps.add(f.configMapRef.name);
    if (f.secretRef?.name) secrets.add(f.secretRef.name);
  }
  return { configMaps: [...configMaps], secrets: [...secrets] };
}

/**
 * Resolves a container's environment like the kubelet's makeEnvironmentVariables: envFrom first
 * (prefix, invalid names skipped), then env entries — literal values with `$(VAR)` references
 * to earlier entries, fieldRef, resourceFieldRef, configMapKeyRef and secretKeyRef (optional ones
 * may be missing). Throws EnvError for a missing non-optional reference.
 */
export function resolveEnv(
  pod: Pod,
  c: Container,
  dv: DownwardValues,
  sources?: EnvSources,
  serviceVars?: Map<string, string>,
): { name: string; value: string }[] {
  const vars = new Map<string, string>();
  for (const f of c.envFrom ?? []) {
    const isSecret = !!f.secretRef;
    const ref = f.secretRef ?? f.configMapRef;
    if (!ref?.name) continue;
    const data = isSecret ? sources?.secret(ref.name) : sources?.configMap(ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new EnvError(`${isSecret ? 'secret' : 'configmap'} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) {
      const name = `${f.prefix ?? ''}${k}`;
      if (/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(name)) vars.set(name, v);
    }
  }
  for (const e of c.env ?? []) {
    let value: string | undefined;
    const from = e.valueFrom;
    // $(VAR) sees the Service variables too, the container's own winning (kubelet's MappingFuncFor(tmpEnv, serviceEnv)).
    if (e.value !== undefined)
      value = expandVars(e.value, serviceVars ? new Map([...serviceVars, ...vars]) : vars);
    else if (from?.fieldRef) value = fieldRefValue(pod, from.fieldRef.fieldPath, dv);
    else if (from?.resourceFieldRef) value = resourceFieldValue(c, from.resourceFieldRef.resource);
    else if (from?.configMapKeyRef || from?.secretKeyRef) {
      const isSecret = !!from.secretKeyRef;
      const ref = (from.secretKeyRef ?? from.configMapKeyRef)!;
      const data = isSecret ? sources?.secret(ref.name ?? '') : sources?.configMap(ref.name ?? '');
      value = data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new EnvError(
          data
            ? `couldn't find key ${ref.key} in ${isSecret ? 'Secret' : 'ConfigMap'} ${pod.metadata?.namespace}/${ref.name}`
            : `${isSecret ? 'secret' : 'configmap'} "${ref.name}" not found`,
        );
      }
    } else value = '';
    vars.set(e.name, value);
  }
  // Then the Service variables the container does not set itself (user env wins).
  for (const [k, v] of serviceVars ?? []) if (!vars.has(k)) vars.set(k, v);
  return [...vars].map(([name, value]) => ({ name, value }));
}

function fieldRefValue(pod: Pod, path: string, dv: DownwardValues): string {
  const md = pod.metadata ?? {};
  switch (path) {
    case 'metadata.name':
      return md.name ?? '';
    case 'metadata.namespace':
      return md.namespace ?? '';
    case 'metadata.uid':
      return md.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? dv.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return dv.podIP ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return dv.hostIP;
  }
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? md.labels : md.annotations)?.[m[2]!] ?? '';
  return '';
}

function resourceFieldValue(c: Container, resource: string): string {
  const [kind, name] = resource.split('.') as [string, string];
  const v = (kind === 'limits' ? c.resources?.limits : c.resources?.requests)?.[name];
  if (v === undefined) return '';
  const n = parseQuantity(v as string);
  // Kubernetes rounds up to whole units (cores, bytes) with the default divisor 1.
  return String(Math.ceil(n));
}

/**
 * Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion): `$(NAME)` becomes the
 * variable's value when defined, stays as written otherwise; `$$` escapes a `$`.
 */
export function expandVars(s: string, vars: Map<string, string>): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '$' && i + 1 < s.length) {
      const next = s[i + 1];
      if (next === '$') {
        out += '$';
        i++;
        continue;
      }
      if (next === '(') {
        const close = s.indexOf(')', i + 2);
        if (close > 0) {
          const name = s.slice(i + 2, close);
          out += vars.has(name) ? vars.get(name)! : `$(${name})`;
          i = close;
          continue;
        }
      }
    }
    out += ch;
  }
  return out;
}

/** Every containerPort of the pod, to publish on 127.0.0.1 (hostPort when set, else ephemeral). */
export function podPorts(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  const seen = new Set<string>();
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      const protocol = (p.protocol ?? 'TCP') as PortMapping['protocol'];
      const key = `${p.containerPort}/${protocol}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        containerPort: p.containerPort,
        protocol,
        hostPort: p.hostPort || undefined,
        hostIp: '127.0.0.1',
      });
    }
  }
  return out;
}

/** The effective pull policy: the API server defaults it, but a pod from elsewhere may lack it. */
export function pullPolicy(c: Container): 'Always' | 'IfNotPresent' | 'Never' {
  if (c.imagePullPolicy) return c.imagePullPolicy as 'Always' | 'IfNotPresent' | 'Never';
  const image = c.image ?? '';
  const lastPart = image.split('/').pop() ?? '';
  const hasDigest = image.includes('@');
  const tag = lastPart.includes(':') ? lastPart.split(':').pop() : undefined;
  return !hasDigest && (!tag || tag === 'latest') ? 'Always' : 'IfNotPresent';
}
