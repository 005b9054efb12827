/**
 * "Expose on localhost": the model behind the dialog that makes a workload's container port
 * answer on 127.0.0.1:<local port> for good. It builds a LoadBalancer Service (Skiff's proxy
 * listens on 127.0.0.1:<port> for each LoadBalancer port), labelled as made by the dashboard,
 * so the exposure is stored in the cluster and survives restarts — a saved port-forward.
 * Pure functions: port choices, validation, names, selectors and the Service itself.
 */
import type { KubeObject, Pod, Service } from './kube';
import { validateDnsLabel } from './deploy';

/** The label every dashboard exposure carries (the Services page filters on it). */
export const EXPOSED_BY_LABEL = 'skiff.dev/exposed-by';
export const EXPOSED_BY_VALUE = 'dashboard';
/** Annotation naming what was exposed (`Deployment/web`), for listing exposures by workload. */
export const EXPOSED_TARGET_ANNOTATION = 'skiff.dev/exposed-target';
/** Label patched onto a bare pod whose own labels do not select it alone. */
export const EXPOSE_POD_LABEL = 'skiff.dev/expose';

/** What can be exposed. */
export type ExposableKind = 'Deployment' | 'StatefulSet' | 'Pod';

/** A container port offered in the dialog. */
export interface ContainerPortChoice {
  container: string;
  port: number;
  name?: string;
  protocol: string;
}

interface PodTemplateLike {
  metadata?: { labels?: Record<string, string> };
  spec?: {
    containers?: { name: string; ports?: { containerPort: number; name?: string; protocol?: string }[] }[];
  };
}

/** The pod spec behind a workload (its template) or a pod. */
function podTemplateOf(kind: ExposableKind, o: KubeObject): PodTemplateLike | undefined {
  if (kind === 'Pod') return o as unknown as PodTemplateLike;
  return (o as { spec?: { template?: PodTemplateLike } }).spec?.template;
}

/** The TCP ports the containers declare (the dialog also takes a typed one). */
export function containerPortsOf(kind: ExposableKind, o: KubeObject): ContainerPortChoice[] {
  const out: ContainerPortChoice[] = [];
  for (const c of podTemplateOf(kind, o)?.spec?.containers ?? [])
    for (const p of c.ports ?? []) {
      const protocol = p.protocol ?? 'TCP';
      if (protocol !== 'TCP' || !Number.isInteger(p.containerPort)) continue;
      if (out.some((x) => x.port === p.containerPort)) continue;
      out.push({ container: c.name, port: p.containerPort, ...(p.name ? { name: p.name } : {}), protocol });
    }
  return out;
}

/**
 * Host ports already claimed by Services (LoadBalancer ports and node ports, any namespace):
 * the proxy listens on each of them on 127.0.0.1, so a new exposure must avoid them.
 */
export function claimedHostPorts(services: readonly Service[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of services) {
    const id = `${s.metadata.namespace}/${s.metadata.name}`;
    const type = s.spec?.type;
    for (const p of s.spec?.ports ?? []) {
      if (type === 'LoadBalancer' && !out.has(p.port)) out.set(p.port, id);
      if ((type === 'LoadBalancer' || type === 'NodePort') && p.nodePort && !out.has(p.nodePort))
        out.set(p.nodePort, id);
    }
  }
  return out;
}

/**
 * The local port to suggest: the container port itself when it is 1024 or more (no
 * administrator rights needed), else 8000 upwards; the first one no Service claims.
 */
export function suggestLocalPort(containerPort: number | null, claimed: ReadonlyMap<number, string>): number {
  let p = containerPort !== null && containerPort >= 1024 && containerPort <= 65535 ? containerPort : 8000;
  while (claimed.has(p) && p < 65535) p++;
  return p;
}

/** Why a port number is not usable ('' when it is). */
export function validatePort(v: number | null, what: string): string {
  if (v === null || !Number.isFinite(v)) return `Give the ${what}.`;
  if (!Number.isInteger(v) || v < 1 || v > 65535) return `The ${what} is a whole number from 1 to 65535.`;
  return '';
}

/** Problems (`error`) and cautions (`warning`) with a chosen local port. */
export function checkLocalPort(
  v: number | null,
  claimed: ReadonlyMap<number, string>,
): { error: string; warning: string } {
  const error = validatePort(v, 'local port');
  if (error) return { error, warning: '' };
  const owner = claimed.get(v!);
  if (owner) return { error: `Port ${v} is already used by Service ${owner}.`, warning: '' };
  return {
    error: '',
    warning:
      v! < 1024
        ? `Ports below 1024 usually need administrator rights; if Skiff cannot listen, it says so.`
        : '',
  };
}

/**
 * The Service name: `<workload>-local`, or with a number when taken (`web-local-2`), kept a
 * valid DNS-1035 label of at most 63 characters.
 */
export function exposureServiceName(workload: string, taken: ReadonlySet<string>): string {
  const stem = (s: string, suffix: string) => {
    let base = s.slice(0, 63 - suffix.length).replace(/-+$/, '');
    if (!/^[a-z]/.test(base)) base = `s${base}`.slice(0, 63 - suffix.length);
    return `${base}${suffix}`;
  };
  const first = stem(workload, '-local');
  if (!taken.has(first)) return first;
  for (let i = 2; ; i++) {
    const n = stem(workload, `-local-${i}`);
    if (!taken.has(n)) return n;
  }
}

/** Does an equality selector match these labels? (An empty selector matches nothing here.) */
export function selects(
  selector: Record<string, string>,
  labels: Record<string, string> | undefined,
): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => labels?.[k] === selector[k]);
}

/** How the Service will find the pods, and whether a pod needs a label first. */
export interface ExposeSelector {
  selector: Record<string, string>;
  /** Set for a bare pod whose labels also select other pods (or that has none). */
  podLabelPatch?: { metadata: { labels: Record<string, string> } };
  /** Why the selector is what it is, for the dialog. */
  note: string;
}

/**
 * The selector of the exposure. A Deployment or StatefulSet: its own matchLabels (or, when it
 * uses matchExpressions a Service cannot express, its pod template's labels). A pod: its labels
 * when no other pod in the namespace has them all; else a `skiff.dev/expose: <pod>` label,
 * patched onto the pod.
 */
export function exposeSelector(
  kind: ExposableKind,
  o: KubeObject,
  podsInNamespace: readonly Pod[],
): ExposeSelector {
  if (kind !== 'Pod') {
    const sel = (
      o as { spec?: { selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } } }
    ).spec?.selector;
    const matchLabels = sel?.matchLabels ?? {};
    if (Object.keys(matchLabels).length && !sel?.matchExpressions?.length)
      return {
        selector: { ...matchLabels },
        note: `Selects the ${kind}'s pods (${labelText(matchLabels)}).`,
      };
    const tpl = podTemplateOf(kind, o)?.metadata?.labels ?? {};
    return {
      selector: { ...tpl },
      note: `Selects pods with the ${kind}'s template labels (${labelText(tpl)}).`,
    };
  }
  const labels = o.metadata.labels ?? {};
  const name = o.metadata.name ?? '';
  const others = podsInNamespace.filter(
    (p) => p.metadata.name !== name && selects(labels, p.metadata.labels),
  );
  if (Object.keys(labels).length && !others.length)
    return { selector: { ...labels }, note: `Selects this pod by its labels (${labelText(labels)}).` };
  const selector = { [EXPOSE_POD_LABEL]: name };
  return {
    selector,
    podLabelPatch: { metadata: { labels: selector } },
    note: Object.keys(labels).length
      ? `Its labels also select ${others.length} other pod${others.length === 1 ? '' : 's'}, so the pod gets the label ${EXPOSE_POD_LABEL}=${name} and the Service selects that.`
      : `The pod has no labels, so it gets ${EXPOSE_POD_LABEL}=${name} and the Service selects that.`,
  };
}

/** `a=b, c=d`. */
export function labelText(labels: Record<string, string>): string {
  return (
    Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || 'none'
  );
}

/** What the dialog collects. */
export interface ExposeRequest {
  kind: ExposableKind;
  namespace: string;
  workload: string;
  name: string;
  containerPort: number;
  localPort: number;
  selector: Record<string, string>;
}

/** The LoadBalancer Service of an exposure. */
export function buildExposureService(r: ExposeRequest): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: r.name,
      namespace: r.namespace,
      labels: { [EXPOSED_BY_LABEL]: EXPOSED_BY_VALUE },
      annotations: { [EXPOSED_TARGET_ANNOTATION]: `${r.kind}/${r.workload}` },
    },
    spec: {
      type: 'LoadBalancer',
      selector: { ...r.selector },
      ports: [{ name: 'http', protocol: 'TCP', port: r.localPort, targetPort: r.containerPort }],
    },
  } as Service;
}

/** Problems with the request as a whole ('' when none). */
export function validateExposeRequest(
  r: Partial<ExposeRequest>,
  claimed: ReadonlyMap<number, string>,
): string {
  const name = validateDnsLabel(r.name ?? '');
  if (name) return `Service name: ${name}`;
  if (!/^[a-z]/.test(r.name ?? '')) return 'Service name: must start with a letter.';
  const cp = validatePort(r.containerPort ?? null, 'container port');
  if (cp) return cp;
  const lp = checkLocalPort(r.localPort ?? null, claimed).error;
  if (lp) return lp;
  if (!r.selector || !Object.keys(r.selector).length) return 'There is no selector for its pods.';
  return '';
}

/** True for Services the dashboard's Expose action made. */
export function isDashboardExposure(s: KubeObject): boolean {
  return s.metadata.labels?.[EXPOSED_BY_LABEL] === EXPOSED_BY_VALUE;
}

/** What an exposure was made for (`{ kind: 'Deployment', name: 'web' }`), if recorded. */
export function exposureTarget(s: KubeObject): { kind: string; name: string } | undefined {
  const v = s.metadata.annotations?.[EXPOSED_TARGET_ANNOTATION];
  const m = v ? /^([A-Za-z]+)\/(.+)$/.exec(v) : null;
  return m ? { kind: m[1], name: m[2] } : undefined;
}

/** Dashboard exposures of one workload or pod (same namespace, recorded target). */
export function exposuresOf(
  kind: ExposableKind,
  namespace: string,
  name: string,
  services: readonly Service[],
): Service[] {
  return services.filter((s) => {
    if (s.metadata.namespace !== namespace || !isDashboardExposure(s)) return false;
    const t = exposureTarget(s);
    return t?.kind === kind && t.name === name;
  });
}
