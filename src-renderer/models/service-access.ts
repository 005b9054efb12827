/**
 * Where a Service or Ingress answers on this machine, as the dashboard shows it: read from what
 * the proxy reports (the `skiff.dev/host-listeners` annotation on Services it serves from the
 * host, and the Ingress status the ingress controller writes), never guessed from the spec. An
 * address is a link only while something listens there; otherwise the entry says why not, in
 * plain words. Pure functions over the objects' JSON.
 */
import type { Ingress, Service } from './kube';
import type { StatusTone } from './pod';

/** The annotation the proxy keeps on each Service it serves from the host. */
export const HOST_LISTENERS_ANNOTATION = 'skiff.dev/host-listeners';

/** What the proxy reports for one host listener. */
export type ListenerState = 'Listening' | 'NoReadyEndpoints' | 'PortInUse' | 'PermissionDenied' | 'Error';

const STATES: ReadonlySet<string> = new Set([
  'Listening',
  'NoReadyEndpoints',
  'PortInUse',
  'PermissionDenied',
  'Error',
]);

/** One entry of `skiff.dev/host-listeners`. */
export interface HostListener {
  /** The Service port it serves. */
  port: number;
  protocol: string;
  kind: 'NodePort' | 'LoadBalancer';
  /** `127.0.0.1:32184`. */
  address: string;
  /** Only when the state is Listening or NoReadyEndpoints (and it is an http(s) URL). */
  url?: string;
  state: ListenerState;
  message?: string;
}

/** The annotation read back: `reported` is false while the proxy has written nothing. */
export interface HostListenersReport {
  reported: boolean;
  listeners: HostListener[];
  /** Set when the annotation is there but cannot be read. */
  problem?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An http(s) URL, or undefined: the page opens it, so nothing else (javascript:, file:) passes. */
export function safeHttpUrl(v: unknown): string | undefined {
  if (typeof v !== 'string' || !v) return undefined;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** Parses the annotation, tolerating anything: bad JSON or bad entries never throw. */
export function parseHostListeners(raw: string | undefined): HostListenersReport {
  if (raw === undefined) return { reported: false, listeners: [] };
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return {
      reported: true,
      listeners: [],
      problem: `The proxy's report (${HOST_LISTENERS_ANNOTATION}) is not valid JSON.`,
    };
  }
  if (!Array.isArray(data))
    return {
      reported: true,
      listeners: [],
      problem: `The proxy's report (${HOST_LISTENERS_ANNOTATION}) is not a list.`,
    };
  const listeners: HostListener[] = [];
  for (const e of data) {
    if (!isRecord(e)) continue;
    const port = Number(e.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) continue;
    const state = typeof e.state === 'string' && STATES.has(e.state) ? (e.state as ListenerState) : 'Error';
    const kind = e.kind === 'NodePort' ? 'NodePort' : 'LoadBalancer';
    const address = typeof e.address === 'string' ? e.address : '';
    const url = state === 'Listening' || state === 'NoReadyEndpoints' ? safeHttpUrl(e.url) : undefined;
    const message =
      typeof e.message === 'string' && e.message
        ? e.message
        : state === 'Error' && typeof e.state === 'string' && !STATES.has(e.state)
          ? `Unknown state ${e.state}.`
          : undefined;
    listeners.push({
      port,
      protocol: typeof e.protocol === 'string' ? e.protocol : 'TCP',
      kind,
      address,
      ...(url ? { url } : {}),
      state,
      ...(message ? { message } : {}),
    });
  }
  return { reported: true, listeners };
}

/** One address as the dashboard shows it: a link while it answers, else why not. */
export interface AccessEntry {
  /** The URL or address shown. */
  label: string;
  /** Opened on click; only while something listens. */
  url?: string;
  tone: StatusTone;
  /** Short state for tables and filters ("no ready pods", "port in use"). */
  short: string;
  /** Why it does not answer (or answers nothing useful yet), in plain words. */
  reason?: string;
  /** The proxy's own message, when it gave one. */
  detail?: string;
  /** Which kind of listener (NodePort, LoadBalancer, Ingress). */
  kind: string;
  /** The Service port (or Ingress port) it is for. */
  port: number;
}

/** The host port of an address (`127.0.0.1:8080` → 8080). */
function portOf(address: string): string {
  const m = /:(\d+)$/.exec(address);
  return m ? m[1] : address;
}

/** A listener in words. */
export function listenerEntry(l: HostListener): AccessEntry {
  const hostPort = portOf(l.address) || String(l.port);
  const base = { kind: l.kind, port: l.port, ...(l.message ? { detail: l.message } : {}) };
  switch (l.state) {
    case 'Listening':
      return { ...base, label: l.url ?? l.address, url: l.url, tone: 'success', short: 'listening' };
    case 'NoReadyEndpoints':
      return {
        ...base,
        label: l.url ?? l.address,
        url: l.url,
        tone: 'warning',
        short: 'no ready pods',
        reason: 'No ready pod behind it yet: connections are refused until one is ready.',
      };
    case 'PortInUse':
      return {
        ...base,
        label: l.address || `port ${hostPort}`,
        tone: 'error',
        short: 'port in use',
        reason: `Port ${hostPort} is already taken by another program on this machine. Skiff opens it as soon as it is free, or pick another port.`,
      };
    case 'PermissionDenied':
      return {
        ...base,
        label: l.address || `port ${hostPort}`,
        tone: 'error',
        short: 'permission denied',
        reason: `This machine does not let Skiff listen on port ${hostPort} (ports below 1024 usually need administrator rights). Pick a port from 1024 up.`,
      };
    default:
      return {
        ...base,
        label: l.address || `port ${hostPort}`,
        tone: 'error',
        short: 'not listening',
        reason: l.message ? `Skiff could not listen: ${l.message}` : 'Skiff could not listen on this port.',
      };
  }
}

const HOST_TYPES = new Set(['NodePort', 'LoadBalancer']);

/**
 * Every host address of a Service: the proxy's listeners (LoadBalancer ones first), plus a
 * "waiting" entry for each port the proxy has not reported yet. ClusterIP, headless and
 * ExternalName Services have none (they answer inside the cluster only).
 */
export function serviceAccess(s: Service): AccessEntry[] {
  const type = s.spec?.type ?? 'ClusterIP';
  if (!HOST_TYPES.has(type)) return [];
  const report = parseHostListeners(s.metadata.annotations?.[HOST_LISTENERS_ANNOTATION]);
  const out: AccessEntry[] = [];
  const rank = (k: string) => (k === 'LoadBalancer' ? 0 : 1);
  for (const l of [...report.listeners].sort((a, b) => rank(a.kind) - rank(b.kind) || a.port - b.port))
    out.push(listenerEntry(l));
  for (const p of s.spec?.ports ?? []) {
    if ((p.protocol ?? 'TCP') !== 'TCP') {
      out.push({
        label: `${p.port}/${p.protocol}`,
        tone: 'default',
        short: 'inside only',
        reason: `Skiff opens TCP ports on this machine; ${p.protocol} port ${p.port} answers inside the cluster only.`,
        kind: type,
        port: p.port,
      });
      continue;
    }
    const kinds = type === 'LoadBalancer' ? ['LoadBalancer'] : ['NodePort'];
    for (const kind of kinds) {
      if (report.listeners.some((l) => l.port === p.port && l.kind === kind)) continue;
      const hostPort = kind === 'LoadBalancer' ? p.port : p.nodePort;
      out.push({
        label: hostPort ? `127.0.0.1:${hostPort}` : `port ${p.port}`,
        tone: report.problem ? 'error' : 'default',
        short: report.problem ? 'unreadable' : 'waiting',
        reason:
          report.problem ??
          (hostPort
            ? `Waiting for Skiff's proxy to open 127.0.0.1:${hostPort}.`
            : `Waiting for a node port to be allocated.`),
        kind,
        port: p.port,
      });
    }
  }
  return out;
}

/**
 * The addresses a Services table row shows: those of the Service's own type (a LoadBalancer's
 * node ports are listed on its page, not in the row).
 */
export function serviceRowAccess(s: Service): AccessEntry[] {
  const all = serviceAccess(s);
  const type = s.spec?.type ?? 'ClusterIP';
  const own = all.filter((e) => e.kind === type);
  return own.length ? own : all;
}

/** Table text of entries: URLs, or the address with its short state. */
export function accessText(entries: readonly AccessEntry[]): string {
  return entries.map((e) => (e.tone === 'success' ? e.label : `${e.label} (${e.short})`)).join(' ');
}

/** Why a Service has no host address, for its page. */
export function noHostAccessReason(s: Service): string {
  const type = s.spec?.type ?? 'ClusterIP';
  if (type === 'ExternalName')
    return `An ExternalName Service: inside the cluster its name is an alias of ${s.spec?.externalName ?? 'another name'}.`;
  if (s.spec?.clusterIP === 'None')
    return 'A headless Service: its name resolves to the pod IPs, inside the cluster only.';
  return 'A ClusterIP Service answers inside the cluster only. Use "Expose on localhost" on its workload, or kubectl port-forward.';
}

/** Hosts every browser resolves to this machine (`localhost`, `*.localhost`). */
export function isLocalhostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '127.0.0.1' || h === '[::1]';
}

/**
 * The URLs of an Ingress on this machine: `http://<host>[:port]<path>` for each rule host and
 * path, on the port the controller reports in the status. Until the controller admits it (no
 * status), one waiting entry; hosts a browser would not resolve here say how to reach them.
 */
export function ingressAccess(ing: Ingress): AccessEntry[] {
  const lb = (ing.status?.loadBalancer?.ingress ?? [])[0];
  const cls = ing.spec?.ingressClassName;
  if (!lb) {
    return [
      {
        label: 'pending',
        tone: 'default',
        short: 'waiting',
        reason:
          cls && cls !== 'skiff'
            ? `Not admitted: Skiff's ingress controller serves IngressClass skiff, and this one asks for ${cls}.`
            : "Waiting for Skiff's ingress controller to admit it.",
        kind: 'Ingress',
        port: 80,
      },
    ];
  }
  const portStatus = (lb.ports ?? []).find((p) => (p.protocol ?? 'TCP') === 'TCP') ?? lb.ports?.[0];
  const port = portStatus?.port ?? 80;
  const statusHost = lb.hostname || lb.ip || 'localhost';
  if (portStatus?.error)
    return [
      {
        label: `${statusHost}:${port}`,
        tone: 'error',
        short: 'not listening',
        reason: `The ingress controller cannot listen on port ${port}: ${portStatus.error}`,
        kind: 'Ingress',
        port,
      },
    ];
  const suffix = port === 80 ? '' : `:${port}`;
  const targets: { host: string; path: string }[] = [];
  for (const r of ing.spec?.rules ?? []) {
    const host = r.host || statusHost;
    const paths = r.http?.paths?.length ? r.http.paths.map((p) => p.path || '/') : ['/'];
    for (const path of paths) targets.push({ host, path: path.startsWith('/') ? path : `/${path}` });
  }
  if (!targets.length) targets.push({ host: statusHost, path: '/' });
  const out: AccessEntry[] = [];
  const seen = new Set<string>();
  for (const t of targets) {
    const label = `http://${t.host}${suffix}${t.path}`;
    if (seen.has(label)) continue;
    seen.add(label);
    const base = { label, kind: 'Ingress', port };
    if (t.host.startsWith('*.'))
      out.push({
        ...base,
        tone: 'info',
        short: 'wildcard',
        reason: `Any name under ${t.host.slice(2)} (e.g. http://app.${t.host.slice(2)}${suffix}${t.path}).`,
      });
    else if (!isLocalhostName(t.host))
      out.push({
        ...base,
        tone: 'info',
        short: 'other host',
        reason: `A browser resolves ${t.host} elsewhere, not to this machine. Use a *.localhost host, or: curl -H 'Host: ${t.host}' http://localhost${suffix}${t.path}`,
      });
    else out.push({ ...base, url: safeHttpUrl(label), tone: 'success', short: 'listening' });
  }
  return out;
}
