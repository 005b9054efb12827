/**
 * The cluster DNS (what CoreDNS's `kubernetes` plugin answers), served by the proxy on the
 * `kube-dns` ClusterIP, port 53 over UDP and TCP, through the network agent:
 *
 * - `svc.ns.svc.<domain>` → the ClusterIP (A); a headless Service → its ready pod IPs;
 *   an ExternalName Service → a CNAME; `_port._proto.svc.ns.svc.<domain>` → SRV per named port;
 *   `hostname.svc.ns.svc.<domain>` → the pod with that hostname/subdomain (StatefulSets);
 *   `a-b-c-d.ns.pod.<domain>` → that pod IP. Unknown names under the domain → NXDOMAIN.
 * - The short forms `svc`, `svc.ns` and `svc.ns.svc` are answered too when they name a Service
 *   (for resolvers that query before expanding the search path), the bare name in the
 *   namespace of the asking pod.
 * - Everything else is resolved as the host resolves it (node:dns: /etc/hosts, the host's DNS,
 *   VPNs), so pods see the same outside world as the user.
 *
 * The wire format is dns-packet's; `answerQuery` is pure apart from the host lookup it is given.
 */
import dnsPacket, { type Answer, type Packet, type Question } from 'dns-packet';
import { promises as nodeDns } from 'node:dns';
import type { Socket } from 'node:net';
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Pod } from '../../common/types';
import type { AgentClient, AgentListener } from './agent/agent-client';
import { SERVICE_NAME_LABEL } from './backends';

/** TTL of cluster answers (CoreDNS's default for the kubernetes plugin). */
export const CLUSTER_TTL = 5;

/** What the responder reads: the informers' caches. */
export interface DnsView {
  service(namespace: string, name: string): Service | undefined;
  slicesOf(namespace: string, name: string): EndpointSlice[];
  /** The namespace of the pod with this IP (the asker), if any. */
  namespaceOfPodIP(ip: string): string | undefined;
  /** A pod with this IP in the namespace, if any. */
  podByIP(namespace: string, ip: string): Pod | undefined;
}

/** How a name outside the cluster is resolved (node:dns by default). */
export type HostResolver = (name: string, type: string) => Promise<Answer[]>;

/** The outcome of one question. */
export interface DnsAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL';
  answers: Answer[];
  authoritative: boolean;
}

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

/** Resolves outside names with the host's resolver: getaddrinfo for A/AAAA, DNS otherwise. */
export const hostResolver: HostResolver = async (name, type) => {
  if (type === 'A' || type === 'AAAA') {
    const addrs = await nodeDns.lookup(name, { all: true, family: type === 'A' ? 4 : 6 });
    return addrs.map((a) => ({ type, name, ttl: 30, data: a.address }) as Answer);
  }
  if (type === 'CNAME')
    return (await nodeDns.resolveCname(name)).map((d) => ({ type, name, ttl: 30, data: d }));
  if (type === 'MX')
    return (await nodeDns.resolveMx(name)).map((m) => ({
      type,
      name,
      ttl: 30,
      data: { preference: m.priority, exchange: m.exchange },
    }));
  if (type === 'TXT') return (await nodeDns.resolveTxt(name)).map((t) => ({ type, name, ttl: 30, data: t }));
  if (type === 'SRV')
    return (await nodeDns.resolveSrv(name)).map((s) => ({
      type,
      name,
      ttl: 30,
      data: { priority: s.priority, weight: s.weight, port: s.port, target: s.name },
    }));
  return [];
};

function readyIPs(slices: EndpointSlice[]): { ip: string; hostname?: string }[] {
  const out: { ip: string; hostname?: string }[] = [];
  const seen = new Set<string>();
  for (const s of slices)
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      const ip = e.addresses[0];
      if (!ip || seen.has(ip)) continue;
      seen.add(ip);
      out.push({ ip, hostname: e.hostname });
    }
  return out.sort((a, b) => (a.ip < b.ip ? -1 : 1));
}

/** Answers one question about `name` (lower-case, no trailing dot) from the cluster or the host. */
export async function answerQuery(
  q: { name: string; type: string },
  from: string,
  view: DnsView,
  domain: string,
  resolveHost: HostResolver = hostResolver,
): Promise<DnsAnswer> {
  const name = q.name.toLowerCase().replace(/\.$/, '');
  const labels = name.split('.');
  const d = domain.toLowerCase();
  const none = (rcode: DnsAnswer['rcode'] = 'NOERROR'): DnsAnswer => ({
    rcode,
    answers: [],
    authoritative: true,
  });

  if (name === d || name.endsWith(`.${d}`)) {
    const rest = name === d ? [] : name.slice(0, -d.length - 1).split('.');
    // <ip-dashed>.<ns>.pod.<domain>
    if (rest.length === 3 && rest[2] === 'pod') {
      const ip = rest[0]!.replace(/-/g, '.');
      if (!view.podByIP(rest[1]!, ip)) return none('NXDOMAIN');
      return q.type === 'A' ? { ...none(), answers: [a(q.name, ip)] } : none();
    }
    if (rest.length < 3 || rest[rest.length - 1] !== 'svc')
      return none(rest.length <= 1 ? 'NOERROR' : 'NXDOMAIN');
    const [svcName, ns] = [rest[rest.length - 3]!, rest[rest.length - 2]!];
    const prefix = rest.slice(0, -3);
    const svc = view.service(ns, svcName);
    if (!svc) return none('NXDOMAIN');
    return serviceAnswer(q, svc, prefix, view, `${svcName}.${ns}.svc.${d}`, resolveHost);
  }

  // Short forms: svc / svc.ns / svc.ns.svc (answered only when they name a Service).
  const asker = view.namespaceOfPodIP(from) ?? 'default';
  let svc: Service | undefined;
  let fqdn = '';
  if (labels.length === 1) {
    svc = view.service(asker, labels[0]!);
    fqdn = `${labels[0]}.${asker}.svc.${d}`;
  } else if (labels.length === 2) {
    svc = view.service(labels[1]!, labels[0]!);
    fqdn = `${labels[0]}.${labels[1]}.svc.${d}`;
  } else if (labels.length === 3 && labels[2] === 'svc') {
    svc = view.service(labels[1]!, labels[0]!);
    if (!svc) return none('NXDOMAIN');
    fqdn = `${labels[0]}.${labels[1]}.svc.${d}`;
  }
  if (svc) return serviceAnswer(q, svc, [], view, fqdn, resolveHost);

  try {
    return {
      rcode: 'NOERROR',
      answers: await resolveHost(q.name.replace(/\.$/, ''), q.type),
      authoritative: false,
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EAI_NONAME')
      return { rcode: code === 'ENODATA' ? 'NOERROR' : 'NXDOMAIN', answers: [], authoritative: false };
    return { rcode: 'SERVFAIL', answers: [], authoritative: false };
  }
}

function a(name: string, ip: string): Answer {
  return { type: 'A', name, ttl: CLUSTER_TTL, class: 'IN', data: ip };
}

async function serviceAnswer(
  q: { name: string; type: string },
  svc: Service,
  prefix: string[],
  view: DnsView,
  fqdn: string,
  resolveHost: HostResolver,
): Promise<DnsAnswer> {
  const ok = (answers: Answer[]): DnsAnswer => ({ rcode: 'NOERROR', answers, authoritative: true });
  const ns = svc.metadata?.namespace ?? '';
  const name = svc.metadata?.name ?? '';
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') {
    if (prefix.length) return { rcode: 'NXDOMAIN', answers: [], authoritative: true };
    const target = (spec.externalName ?? '').replace(/\.$/, '');
    const answers: Answer[] = [{ type: 'CNAME', name: q.name, ttl: CLUSTER_TTL, class: 'IN', data: target }];
    // Resolvers expect the target's addresses in the same answer when they can be had.
    if (q.type === 'A' || q.type === 'AAAA')
      answers.push(...(await resolveHost(target, q.type).catch(() => [] as Answer[])));
    return ok(answers);
  }
  const headless = spec.clusterIP === 'None';
  const eps = () => readyIPs(view.slicesOf(ns, name));

  // _port._proto.svc.ns.svc.<domain>
  if (prefix.length === 2 && prefix[0]!.startsWith('_') && prefix[1]!.startsWith('_')) {
    const portName = prefix[0]!.slice(1);
    const proto = prefix[1]!.slice(1).toUpperCase();
    const p = (spec.ports ?? []).find((x) => x.name === portName && (x.protocol ?? 'TCP') === proto);
    if (!p) return { rcode: 'NXDOMAIN', answers: [], authoritative: true };
    if (q.type !== 'SRV') return ok([]);
    if (!headless)
      return ok([
        {
          type: 'SRV',
          name: q.name,
          ttl: CLUSTER_TTL,
          class: 'IN',
          data: { priority: 0, weight: 100, port: p.port, target: fqdn },
        },
      ]);
    // Headless: one SRV per endpoint, at the endpoint's resolved port.
    const out: Answer[] = [];
    for (const s of view.slicesOf(ns, name)) {
      const sp = (s.ports ?? []).find((x) => (x.name ?? '') === portName && (x.protocol ?? 'TCP') === proto);
      if (!sp?.port) continue;
      for (const e of s.endpoints ?? []) {
        if (e.conditions?.ready === false || !e.addresses[0]) continue;
        const host = e.hostname ?? e.addresses[0].replace(/\./g, '-');
        out.push({
          type: 'SRV',
          name: q.name,
          ttl: CLUSTER_TTL,
          class: 'IN',
          data: { priority: 0, weight: 100, port: sp.port, target: `${host}.${fqdn}` },
        });
      }
    }
    return ok(out);
  }
  // hostname.svc.ns.svc.<domain> (a pod with hostname + subdomain, or a dashed endpoint IP).
  if (prefix.length === 1) {
    if (!headless) return { rcode: 'NXDOMAIN', answers: [], authoritative: true };
    const h = prefix[0]!;
    const hit = eps().filter((e) => e.hostname === h || e.ip.replace(/\./g, '-') === h);
    if (!hit.length) return { rcode: 'NXDOMAIN', answers: [], authoritative: true };
    return ok(q.type === 'A' ? hit.map((e) => a(q.name, e.ip)) : []);
  }
  if (prefix.length) return { rcode: 'NXDOMAIN', answers: [], authoritative: true };
  if (q.type !== 'A') return ok([]);
  if (!headless) return spec.clusterIP ? ok([a(q.name, spec.clusterIP)]) : ok([]);
  return ok(eps().map((e) => a(q.name, e.ip)));
}

/** Decodes a query, answers each question, encodes the response (FORMERR-free best effort). */
export async function respond(
  msg: Buffer,
  from: string,
  view: DnsView,
  domain: string,
  resolveHost: HostResolver = hostResolver,
): Promise<Buffer | undefined> {
  let query: Packet;
  try {
    query = dnsPacket.decode(msg);
  } catch {
    return undefined;
  }
  const questions = (query.questions ?? []) as Question[];
  let rcode: DnsAnswer['rcode'] = 'NOERROR';
  let authoritative = true;
  const answers: Answer[] = [];
  for (const q of questions) {
    const r = await answerQuery({ name: q.name, type: q.type }, from, view, domain, resolveHost);
    if (r.rcode !== 'NOERROR') rcode = r.rcode;
    authoritative &&= r.authoritative;
    answers.push(...r.answers);
  }
  const flags =
    dnsPacket.RECURSION_AVAILABLE |
    ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) |
    (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
    RCODE[rcode];
  return dnsPacket.encode({ type: 'response', id: query.id, flags, questions, answers });
}

/**
 * Serves `respond` on ip:53 (UDP and TCP) through the network agent. `listen` is called again
 * after each agent reconnection.
 */
export class DnsServer {
  private listeners: AgentListener[] = [];

  constructor(
    private readonly ip: string,
    private readonly view: DnsView,
    private readonly domain: string,
    private readonly onError: (msg: string) => void = () => undefined,
    private readonly resolveHost: HostResolver = hostResolver,
  ) {}

  async listen(agent: AgentClient): Promise<void> {
    await this.close();
    const udp = await agent.listenUdp(this.ip, 53, (msg, from, reply) => {
      void respond(msg, from.address, this.view, this.domain, this.resolveHost).then(
        (out) => out && reply(out),
        (err: Error) => this.onError(`DNS answer failed: ${err.message}`),
      );
    });
    this.listeners.push(udp);
    const tcp = await agent.listenTcp(this.ip, 53, (c) => {
      const remote = c.remote.address;
      c.accept().then(
        (s) => this.serveTcp(s, remote),
        () => undefined,
      );
    });
    this.listeners.push(tcp);
  }

  /** DNS over TCP: 2-byte length-prefixed messages, answered in order. */
  private serveTcp(s: Socket, remote: string): void {
    let buf = Buffer.alloc(0);
    let chain = Promise.resolve();
    s.on('error', () => s.destroy());
    s.setTimeout(30_000, () => s.destroy());
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        chain = chain.then(async () => {
          const out = await respond(Buffer.from(msg), remote, this.view, this.domain, this.resolveHost);
          if (!out || s.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(out.length);
          s.write(Buffer.concat([len, out]));
        });
      }
    });
    s.on('end', () => void chain.then(() => s.end()));
  }

  async close(): Promise<void> {
    const ls = this.listeners.splice(0);
    await Promise.all(ls.map((l) => l.close().catch(() => undefined)));
  }
}

/** A DnsView over the proxy's informer caches. */
export function informerDnsView(caches: {
  services: { get(key: string): Service | undefined };
  slices: { list(): EndpointSlice[] };
  pods: { list(): Pod[] };
}): DnsView {
  return {
    service: (ns, name) => caches.services.get(`${ns}/${name}`),
    slicesOf: (ns, name) =>
      caches.slices
        .list()
        .filter((s) => s.metadata?.namespace === ns && s.metadata?.labels?.[SERVICE_NAME_LABEL] === name),
    namespaceOfPodIP: (ip) => caches.pods.list().find((p) => p.status?.podIP === ip)?.metadata?.namespace,
    podByIP: (ns, ip) =>
      caches.pods.list().find((p) => p.metadata?.namespace === ns && p.status?.podIP === ip),
  };
}
