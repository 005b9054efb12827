/**
 * The address plan of a Skiff cluster network, shared by the kubelet runtime (which creates the
 * Docker network), the API server (which allocates ClusterIPs), the proxy (which binds them
 * through the network agent) and the dashboard. Pure TS: no I/O here.
 *
 * Each cluster owns one /20 carved from 10.96.0.0/12 by its `slot` (0..255):
 *
 * ```
 *   10.96.0.0/20 + slot*4096
 *   ├── lower /21  serviceCidr  ClusterIPs (.1 kubernetes, .10 kube-dns, last usable = agent)
 *   └── upper /21  podRange     Docker IPAM ip-range: pod IPs; last usable of the /20 = gateway
 * ```
 *
 * The Service half lives on the same Docker network as the pods because the network agent
 * (`skiff-netd`, at `agentIP`) makes the whole `serviceCidr` local to itself: pods ARP for a
 * ClusterIP, the agent answers, and the proxy decides what happens to the connection.
 */
export interface ClusterNetwork {
  /** Docker network name, e.g. `skiff-<kube-system uid>` (= the runtime's managedBy). */
  name: string;
  /** 0..255: which /20 of 10.96.0.0/12. */
  slot: number;
  /** e.g. slot 0 → "10.96.0.0/20", slot 1 → "10.96.16.0/20". */
  subnet: string;
  /** The lower /21 of the subnet: ClusterIPs. slot 0 → "10.96.0.0/21". */
  serviceCidr: string;
  /** The upper /21 of the subnet: the Docker IPAM ip-range pods get their IPs from. */
  podRange: string;
  /** The last usable address of the subnet: slot 0 → "10.96.15.254". */
  gateway: string;
  /** serviceCidr + 1 (default/kubernetes): "10.96.0.1". */
  kubernetesIP: string;
  /** serviceCidr + 10 (kube-system/kube-dns): "10.96.0.10". */
  dnsIP: string;
  /** serviceCidr's last usable address (the network agent container): "10.96.7.254". */
  agentIP: string;
  /** "cluster.local" */
  clusterDomain: string;
}

/** The first address of the slot space (10.96.0.0) and the size of one slot (/20). */
const BASE = ipToInt('10.96.0.0');
const SLOT_SIZE = 4096;
/** Number of slots: 10.96.0.0/12 holds 256 /20s. */
export const CLUSTER_NETWORK_SLOTS = 256;
/** The cluster domain Skiff uses (as kubeadm's default). */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** The address plan of `slot` for the Docker network `name`. Throws on a slot outside 0..255. */
export function clusterNetworkForSlot(slot: number, name: string): ClusterNetwork {
  if (!Number.isInteger(slot) || slot < 0 || slot >= CLUSTER_NETWORK_SLOTS) {
    throw new Error(`network slot must be an integer in 0..${CLUSTER_NETWORK_SLOTS - 1}, got ${slot}`);
  }
  const base = BASE + slot * SLOT_SIZE;
  const half = SLOT_SIZE / 2;
  return {
    name,
    slot,
    subnet: `${intToIp(base)}/20`,
    serviceCidr: `${intToIp(base)}/21`,
    podRange: `${intToIp(base + half)}/21`,
    gateway: intToIp(base + SLOT_SIZE - 2),
    kubernetesIP: intToIp(base + 1),
    dnsIP: intToIp(base + 10),
    agentIP: intToIp(base + half - 2),
    clusterDomain: DEFAULT_CLUSTER_DOMAIN,
  };
}

/** A dotted IPv4 address as an unsigned 32-bit integer. Throws on anything else. */
export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255)
      throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
    n = n * 256 + Number(p);
  }
  return n;
}

/** An unsigned 32-bit integer as a dotted IPv4 address. */
export function intToIp(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`not an IPv4 number: ${n}`);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `true` when the string is a dotted IPv4 address. */
export function isIPv4(ip: string): boolean {
  try {
    ipToInt(ip);
    return true;
  } catch {
    return false;
  }
}

/** A parsed `a.b.c.d/len`: the first address, the number of addresses, the prefix length. */
export interface Cidr {
  base: number;
  size: number;
  prefix: number;
}

/** Parses `a.b.c.d/len` (the host bits are masked off). Throws on anything else. */
export function parseCidr(cidr: string): Cidr {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(cidr);
  if (!m || Number(m[2]) > 32) throw new Error(`not an IPv4 CIDR: ${JSON.stringify(cidr)}`);
  const prefix = Number(m[2]);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(ipToInt(m[1]) / size) * size;
  return { base, size, prefix };
}

/** `true` when `ip` lies inside `cidr`. */
export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const n = ipToInt(ip);
  return n >= c.base && n < c.base + c.size;
}

/** `true` when the two CIDRs share at least one address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return x.base < y.base + y.size && y.base < x.base + x.size;
}
