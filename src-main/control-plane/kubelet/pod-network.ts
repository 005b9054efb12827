/**
 * The network identity the kubelet gives a pod, as pure functions over the pod and the cluster
 * network: its resolv.conf (dnsPolicy + dnsConfig), the domain of its hostname (subdomain) and
 * the Service environment variables. Behaves like upstream's pkg/kubelet/network/dns (dns.go)
 * and pkg/kubelet/envvars, so a pod sees what it would on any Kubernetes node.
 */
import type { Pod, PodDNSConfig, Service } from 'kubernetes-types/core/v1';

/** A resolver configuration (the CRI's DNSConfig). */
export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

/** The limits glibc and musl resolvers accept (upstream's validation.MaxDNS* constants). */
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;

/** What `podDns` decided for a pod. */
export interface PodDnsResult {
  /** The whole resolv.conf to write; undefined keeps the engine's own (the node's resolution). */
  resolvConf?: string;
  /** Warnings to report as events on the pod: [reason, message]. */
  warnings: [string, string][];
}

/** The cluster side of DNS: where cluster DNS answers and the cluster domain. */
export interface ClusterDns {
  dnsIP: string;
  clusterDomain: string;
}

/**
 * The resolv.conf of a pod, following dns.go's getPodDNSType + GetPodDNS:
 * - ClusterFirst (default): the cluster DNS server, search `<ns>.svc.<domain> svc.<domain>
 *   <domain>` then the node's searches, `options ndots:5`; a hostNetwork pod falls back to Default.
 * - ClusterFirstWithHostNet: ClusterFirst even with hostNetwork.
 * - Default: the node's resolution — the engine's own file when there is no dnsConfig to merge.
 * - None: only dnsConfig.
 * dnsConfig is then merged (servers and searches appended without duplicates, options by name
 * with the pod's value winning), and the result cut to the resolver limits with a warning.
 * `host` is the node's resolv.conf (parsed); `cluster` undefined means no cluster DNS is known.
 */
export function podDns(pod: Pod, host: DnsConfig, cluster: ClusterDns | undefined): PodDnsResult {
  const warnings: [string, string][] = [];
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  let type: 'cluster' | 'host' | 'none';
  if (policy === 'None') type = 'none';
  else if (policy === 'ClusterFirstWithHostNet') type = 'cluster';
  else if (policy === 'ClusterFirst') type = pod.spec?.hostNetwork ? 'host' : 'cluster';
  else type = 'host';
  if (type === 'cluster' && !cluster) {
    warnings.push([
      'MissingClusterDNS',
      `kubelet does not have ClusterDNS IP configured and cannot create Pod using "${policy}" policy. Falling back to "Default" policy.`,
    ]);
    type = 'host';
  }
  const dnsConfig = pod.spec?.dnsConfig;
  let cfg: DnsConfig;
  if (type === 'none') {
    cfg = { servers: [], searches: [], options: [] };
  } else if (type === 'cluster') {
    const d = cluster!.clusterDomain;
    const ns = pod.metadata?.namespace ?? 'default';
    cfg = {
      servers: [cluster!.dnsIP],
      searches: unique([`${ns}.svc.${d}`, `svc.${d}`, d, ...host.searches]),
      options: ['ndots:5'],
    };
  } else {
    // The engine already writes the node's resolution; only a dnsConfig to merge needs a file.
    if (!dnsConfig) return { warnings };
    cfg = { servers: [...host.servers], searches: [...host.searches], options: [...host.options] };
  }
  if (dnsConfig) cfg = appendDnsConfig(cfg, dnsConfig);
  cfg = fitLimits(cfg, warnings);
  const text = formatResolvConf(cfg);
  return { resolvConf: text || undefined, warnings };
}

/** dns.go's appendDNSConfig: servers and searches appended (no duplicates), options merged. */
export function appendDnsConfig(cfg: DnsConfig, extra: PodDNSConfig): DnsConfig {
  const options = new Map<string, string>();
  for (const op of cfg.options) {
    const i = op.indexOf(':');
    if (i >= 0) options.set(op.slice(0, i), op.slice(i + 1));
    else options.set(op, '');
  }
  for (const op of extra.options ?? []) if (op.name) options.set(op.name, op.value ?? '');
  return {
    servers: unique([...cfg.servers, ...(extra.nameservers ?? [])]),
    searches: unique([...cfg.searches, ...(extra.searches ?? [])]),
    options: [...options].map(([k, v]) => (v ? `${k}:${v}` : k)),
  };
}

function fitLimits(cfg: DnsConfig, warnings: [string, string][]): DnsConfig {
  let { servers, searches } = cfg;
  if (servers.length > MAX_DNS_NAMESERVERS) {
    servers = servers.slice(0, MAX_DNS_NAMESERVERS);
    warnings.push([
      'DNSConfigForming',
      `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${servers.join(' ')}`,
    ]);
  }
  let cut = false;
  if (searches.length > MAX_DNS_SEARCH_PATHS) {
    searches = searches.slice(0, MAX_DNS_SEARCH_PATHS);
    cut = true;
  }
  while (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
    searches = searches.slice(0, -1);
    cut = true;
  }
  if (cut) {
    warnings.push([
      'DNSConfigForming',
      `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}`,
    ]);
  }
  return { servers, searches, options: cfg.options };
}

/** The file, as dockershim's rewriteResolvFile wrote it; '' when there is nothing to say. */
export function formatResolvConf(cfg: DnsConfig): string {
  const lines = cfg.servers.map((s) => `nameserver ${s}`);
  if (cfg.searches.length) lines.push(`search ${cfg.searches.join(' ')}`);
  if (cfg.options.length) lines.push(`options ${cfg.options.join(' ')}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * The node's resolver configuration from its resolv.conf text. Loopback nameservers are
 * dropped: inside a pod they would point at the pod itself (the engine drops them too).
 */
export function parseResolvConf(text: string): DnsConfig {
  const cfg: DnsConfig = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0] && !/^127\.|^::1$/.test(rest[0])) cfg.servers.push(rest[0]);
    // The last search/domain line wins, as in resolv.conf(5).
    else if ((key === 'search' || key === 'domain') && rest.length)
      cfg.searches = rest.filter((s) => s !== '.');
    else if (key === 'options') cfg.options.push(...rest);
  }
  return cfg;
}

/**
 * The domain part of the pod's FQDN when it has a subdomain: `<subdomain>.<ns>.svc.<domain>`
 * (so /etc/hosts maps its IP to `<hostname>.<subdomain>.<ns>.svc.<domain> <hostname>`, as
 * the kubelet's hosts file does); undefined otherwise.
 */
export function podDomainname(pod: Pod, clusterDomain: string): string | undefined {
  const sub = pod.spec?.subdomain;
  if (!sub || pod.spec?.hostNetwork) return undefined;
  return `${sub}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}`;
}

/** The pod's hostname: spec.hostname, else the pod name (cut to the 63-character label limit). */
export function podHostname(pod: Pod): string {
  return (pod.spec?.hostname ?? pod.metadata?.name ?? '').slice(0, 63).replace(/[-.]+$/, '');
}

/**
 * The Service environment variables of a container (kubelet's getServiceEnvVarMap +
 * envvars.FromServices): every Service with a ClusterIP in the pod's namespace when
 * enableServiceLinks is true (the default), and always `kubernetes` from the default
 * namespace. Services that do not exist yet are not there — as in Kubernetes, only those
 * present when the container is created.
 */
export function serviceEnv(pod: Pod, services: Service[]): Map<string, string> {
  const ns = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks ?? true;
  const chosen = new Map<string, Service>();
  for (const s of services) {
    if (!hasClusterIP(s)) continue;
    const name = s.metadata?.name ?? '';
    if (s.metadata?.namespace === 'default' && name === 'kubernetes') {
      if (!chosen.has(name)) chosen.set(name, s);
    } else if (s.metadata?.namespace === ns && links) {
      chosen.set(name, s);
    }
  }
  const env = new Map<string, string>();
  // Sorted so a container's environment does not depend on the informer's order.
  for (const s of [...chosen.values()].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1))) {
    const ports = s.spec?.ports ?? [];
    if (!ports.length) continue;
    const prefix = envName(s.metadata!.name!);
    const ip = s.spec!.clusterIP!;
    env.set(`${prefix}_SERVICE_HOST`, ip);
    env.set(`${prefix}_SERVICE_PORT`, String(ports[0]!.port));
    for (const p of ports) if (p.name) env.set(`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    // Docker links style.
    ports.forEach((p, i) => {
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      const url = `${proto}://${ip.includes(':') ? `[${ip}]` : ip}:${p.port}`;
      if (i === 0) env.set(`${prefix}_PORT`, url);
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      env.set(pp, url);
      env.set(`${pp}_PROTO`, proto);
      env.set(`${pp}_PORT`, String(p.port));
      env.set(`${pp}_ADDR`, ip);
    });
  }
  return env;
}

function hasClusterIP(s: Service): boolean {
  const ip = s.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

function envName(s: string): string {
  return s.replace(/-/g, '_').toUpperCase();
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
