/**
 * Which pod answers a connection to a Service port: the ready endpoints of the Service's
 * EndpointSlices for that port (the EndpointSlice controller has already resolved named target
 * ports per pod), picked round-robin, or sticky per client address with sessionAffinity
 * ClientIP — what kube-proxy programs into iptables/IPVS, done here in user space. Pure: the
 * clock is injected, no I/O.
 */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Service, ServicePort } from 'kubernetes-types/core/v1';
import type { Clock } from '../../common/clock';

/** One ready endpoint of a Service port. */
export interface Backend {
  ip: string;
  port: number;
  /** `namespace/name` of the pod behind it, when the slice names one. */
  pod?: string;
}

/** kube-proxy's default sessionAffinityConfig.clientIP.timeoutSeconds (3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT_S = 10800;

/** The service-name label every EndpointSlice of a Service carries. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** The ready endpoints of `port` of a Service, from its slices (deduplicated by ip:port). */
export function readyBackends(port: ServicePort, slices: readonly EndpointSlice[]): Backend[] {
  const name = port.name ?? '';
  const protocol = port.protocol ?? 'TCP';
  const out: Backend[] = [];
  const seen = new Set<string>();
  for (const s of slices) {
    const p = (s.ports ?? []).find((x) => (x.name ?? '') === name && (x.protocol ?? 'TCP') === protocol);
    if (!p?.port) continue;
    for (const e of s.endpoints ?? []) {
      // A nil ready condition means ready (discovery/v1 EndpointConditions).
      if (e.conditions?.ready === false) continue;
      for (const ip of e.addresses.slice(0, 1)) {
        const id = `${ip}:${p.port}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const ref = e.targetRef;
        out.push({
          ip,
          port: p.port,
          pod:
            ref?.kind === 'Pod' && ref.name
              ? `${ref.namespace ?? s.metadata?.namespace ?? ''}/${ref.name}`
              : undefined,
        });
      }
    }
  }
  // A stable order, so round-robin is fair and does not depend on slice order.
  return out.sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1));
}

/** The affinity timeout of a Service in ms, or 0 when it has no ClientIP affinity. */
export function affinityTimeoutMs(svc: Service): number {
  if (svc.spec?.sessionAffinity !== 'ClientIP') return 0;
  const t = svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_S;
  return Math.max(1, t) * 1000;
}

/**
 * Picks backends for one Service port: round-robin over the current ready set, or — with an
 * affinity timeout — the backend a client address used last, as long as it is still ready and
 * was used within the timeout (kube-proxy's "recent" match, refreshed on each connection).
 */
export class BackendPicker {
  private backends: Backend[] = [];
  private next = 0;
  private readonly sticky = new Map<string, { id: string; until: number }>();

  constructor(
    private readonly clock: Clock,
    private affinityMs = 0,
  ) {}

  /** Replaces the ready set (endpoint changes) and the affinity timeout. */
  update(backends: Backend[], affinityMs: number): void {
    this.backends = backends;
    this.affinityMs = affinityMs;
    if (!affinityMs) this.sticky.clear();
    if (this.next >= backends.length) this.next = 0;
  }

  get size(): number {
    return this.backends.length;
  }

  /** The backend for a connection from `client`, or undefined when none is ready. `avoid` skips one (a failed dial). */
  pick(client: string, avoid?: Backend): Backend | undefined {
    const all = avoid ? this.backends.filter((b) => b !== avoid) : this.backends;
    if (!all.length) return undefined;
    const now = this.clock.now();
    if (this.affinityMs) {
      const s = this.sticky.get(client);
      if (s && s.until > now) {
        const b = all.find((x) => `${x.ip}:${x.port}` === s.id);
        if (b) {
          s.until = now + this.affinityMs;
          return b;
        }
      }
    }
    const b = all[this.next % all.length]!;
    this.next = (this.next + 1) % Math.max(1, this.backends.length);
    if (this.affinityMs) {
      this.sticky.set(client, { id: `${b.ip}:${b.port}`, until: now + this.affinityMs });
      if (this.sticky.size > 10_000) this.expire(now);
    }
    return b;
  }

  private expire(now: number): void {
    for (const [k, v] of this.sticky) if (v.until <= now) this.sticky.delete(k);
  }
}
