// The kube-proxy component: exposes Services on 127.0.0.1 as an API client; imports common/ and control-plane/client only.
/**
 * Skiff's kube-proxy: an API client over shared informers of Services, EndpointSlices, Pods and
 * its own Node, like upstream's. Where upstream programs iptables, this proxy splices TCP in user
 * space, on two sides:
 *
 * - Host side: NodePort Services on 127.0.0.1:<nodePort>, LoadBalancer Services also on
 *   127.0.0.1:<port> (and ::1), as Docker Desktop does. A connection goes to a ready endpoint,
 *   reached through the pod's port published on 127.0.0.1 when the target port is a declared
 *   containerPort, else through the network agent's `dial` — the host never dials a bridge
 *   address, which is what keeps this working on Docker Desktop for macOS and Windows.
 * - In-cluster side: through the network agent (one container per cluster network, see
 *   proxy/agent/) every ClusterIP:port is bound inside the Docker network; a pod's connection is
 *   spliced by the agent straight to a ready endpoint (`forwardTo`), or — for the `kubernetes`
 *   Service — brought to the host and piped to the API server on 127.0.0.1.
 *
 * The state of each host listener is written back as the `skiff.dev/host-listeners` annotation
 * (and `status.loadBalancer` for LoadBalancers), only when it changes; a port already taken
 * yields a Warning event naming it, and the bind is retried every few seconds.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Socket } from 'node:net';
import type { KubeClient } from '../../common/client/client';
import { isNotFound } from '../../common/client/errors';
import { keyOf, type Informer } from '../../common/client/informer';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import type { ClusterNetwork } from '../../common/network';
import { R } from '../../common/resources';
import type { KubeObject, Node, Pod } from '../../common/types';
import { Controller, EventRecorder, SharedInformers, type ReconcileResult } from '../client';
import type { AgentClient, AgentListener, InboundConnection } from './agent/agent-client';
import {
  BackendPicker,
  SERVICE_NAME_LABEL,
  affinityTimeoutMs,
  readyBackends,
  type Backend,
} from './backends';
import { HostListener } from './host-listener';
import { connectTcp, resetSocket, splice } from './splice';

export type Svc = Service & KubeObject;
export type Slice = EndpointSlice & KubeObject;
type PodObj = Pod & KubeObject;
type NodeObj = Node & KubeObject;

/** Service annotation: the host listeners the proxy keeps for it (read by the dashboard). */
export const HOST_LISTENERS_ANNOTATION = 'skiff.dev/host-listeners';
/** Pod annotation the kubelet writes: `{"8080/TCP":"127.0.0.1:32768"}`. */
export const PUBLISHED_PORTS_ANNOTATION = 'skiff.dev/published-ports';
/** Node annotation the kubelet writes: where the network agent's control port is. */
export const NETWORK_AGENT_ANNOTATION = 'skiff.dev/network-agent';
/** How often a host port that could not be bound is tried again. */
export const BIND_RETRY_MS = 2000;

/** One entry of the `skiff.dev/host-listeners` annotation. */
export interface HostListenerStatus {
  port: number;
  protocol: string;
  kind: 'NodePort' | 'LoadBalancer';
  address: string;
  url?: string;
  state: 'Listening' | 'NoReadyEndpoints' | 'PortInUse' | 'PermissionDenied' | 'Error';
  message: string;
}

export interface KubeProxyOptions {
  nodeName: string;
  network: ClusterNetwork;
  /** Makes a client for the network agent; without it only the host side runs. */
  agentFactory?: () => AgentClient;
  /** The API server's port on 127.0.0.1, for `kubernetes.default` from pods. */
  apiServerPort?: number;
  /** Host address the listeners bind (default 127.0.0.1; tests never use anything else). */
  hostAddress?: string;
  informers?: SharedInformers;
  clock?: Clock;
  logger?: Logger;
}

/** The routes of one Service: a picker per service port (`name/protocol`). */
interface ServiceRoutes {
  svc: Svc;
  pickers: Map<string, BackendPicker>;
}

const portKey = (p: ServicePort) => `${p.name ?? ''}/${p.protocol ?? 'TCP'}`;

/** The kube-proxy role of one node. */
export class KubeProxy extends Controller {
  readonly informers: SharedInformers;
  readonly services: Informer<Svc>;
  readonly slices: Informer<Slice>;
  readonly pods: Informer<PodObj>;
  readonly nodes: Informer<NodeObj>;
  private readonly ownInformers: boolean;
  private readonly recorder: EventRecorder;
  private readonly host: string;
  private readonly routes = new Map<string, ServiceRoutes>();
  /** Host listeners by `address:port`, each owned by one Service key. */
  private readonly listeners = new Map<string, { owner: string; l: HostListener; warned: boolean }>();
  /** In-cluster listeners by `ip:port/protocol`. */
  private readonly clusterListeners = new Map<string, { owner: string; l: Promise<AgentListener> }>();
  private agent?: AgentClient;
  private agentAddress = '';
  private agentTimer?: ReturnType<Clock['setTimeout']>;
  private agentBackoffMs = 500;
  private stopped = false;
  /** Called after (re)connecting to the agent, so DNS can listen again. */
  private readonly agentHooks: ((agent: AgentClient) => void)[] = [];

  constructor(
    private readonly client: KubeClient,
    private readonly opts: KubeProxyOptions,
  ) {
    super('kube-proxy', {
      clock: opts.clock,
      logger: opts.logger,
      workers: 2,
      baseDelayMs: 200,
      maxDelayMs: 10_000,
    });
    this.host = opts.hostAddress ?? '127.0.0.1';
    this.ownInformers = !opts.informers;
    this.informers =
      opts.informers ?? new SharedInformers(client, { clock: opts.clock, logger: opts.logger });
    this.services = this.informers.informerFor<Svc>(R.services);
    this.slices = this.informers.informerFor<Slice>(R.endpointslices);
    this.pods = this.informers.informerFor<PodObj>(R.pods);
    this.nodes = this.informers.informerFor<NodeObj>(R.nodes);
    this.recorder = new EventRecorder(client, 'kube-proxy', opts.nodeName, this.clock);
    this.services.addHandler({
      add: (s) => this.enqueue(s),
      update: (s) => this.enqueue(s),
      delete: (s) => this.enqueue(s),
    });
    const bySlice = (s: Slice) => {
      const name = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (name) this.queue.add(`${s.metadata.namespace}/${name}`);
    };
    this.slices.addHandler({ add: bySlice, update: bySlice, delete: bySlice });
    const byNode = (n: NodeObj) => {
      if (n.metadata.name === opts.nodeName)
        this.agentAddressChanged(n.metadata.annotations?.[NETWORK_AGENT_ANNOTATION] ?? '');
    };
    this.nodes.addHandler({ add: byNode, update: byNode });
  }

  get network(): ClusterNetwork {
    return this.opts.network;
  }

  /** The current agent client when connected. */
  get agentClient(): AgentClient | undefined {
    return this.agent?.connected ? this.agent : undefined;
  }

  /** Runs `fn` with the agent after every (re)connection (and now, if connected). */
  onAgent(fn: (agent: AgentClient) => void): void {
    this.agentHooks.push(fn);
    if (this.agentClient) fn(this.agentClient);
  }

  async run(): Promise<void> {
    if (this.ownInformers) this.informers.start();
    // Wait for the caches this role reads (and the Ingress controller's), not every informer of a
    // shared set: the controller manager's (secrets, say) may be unable to list for a while — e.g.
    // a secret that cannot be decrypted after a restore without the key — and must not keep
    // Services from being served.
    await Promise.all(
      [this.services, this.slices, this.pods, this.nodes, this.informers.informerFor(R.ingresses)].map((i) =>
        i.waitForSync(),
      ),
    );
    this.start();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.agentTimer) this.clock.clearTimeout(this.agentTimer);
    await this.stop();
    if (this.ownInformers) this.informers.stop();
    await Promise.all([...this.listeners.values()].map((x) => x.l.close()));
    this.listeners.clear();
    this.agent?.close();
  }

  // -----------------------------------------------------------------------------------------------
  // Reconcile

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const svc = this.services.get(key);
    if (!svc || svc.spec?.type === 'ExternalName') {
      this.routes.delete(key);
      await this.closeHostListeners(key, new Set());
      await this.closeClusterListeners(key, new Set());
      return;
    }
    const routes = this.updateRoutes(key, svc);
    const statuses: HostListenerStatus[] = [];
    const keep = new Set<string>();
    let retry = false;
    for (const want of hostListenersOf(svc, this.host)) {
      const id = `${want.address}:${want.hostPort}`;
      keep.add(id);
      const l = await this.ensureHostListener(key, svc, id, want);
      const ready = routes.pickers.get(portKey(want.port))?.size ?? 0;
      const st: HostListenerStatus = {
        port: want.port.port,
        protocol: want.port.protocol ?? 'TCP',
        kind: want.kind,
        address: id,
        state: l.state === 'Closed' ? 'Error' : l.state,
        message: l.message,
      };
      if (l.state === 'Listening') {
        st.url = `http://${id}/`;
        if (!ready) {
          st.state = 'NoReadyEndpoints';
          st.message = `listening on ${id}, but the Service has no ready endpoints: connections are refused`;
        }
      } else retry = true;
      statuses.push(st);
    }
    await this.closeHostListeners(key, keep);
    await this.writeStatus(svc, statuses);
    await this.syncClusterListeners(key, svc);
    return retry ? { requeueAfter: BIND_RETRY_MS } : undefined;
  }

  /** Refreshes the pickers of a Service from its slices. */
  private updateRoutes(key: string, svc: Svc): ServiceRoutes {
    let r = this.routes.get(key);
    if (!r) {
      r = { svc, pickers: new Map() };
      this.routes.set(key, r);
    }
    r.svc = svc;
    const slices = this.slices
      .list()
      .filter(
        (s) =>
          s.metadata.namespace === svc.metadata.namespace &&
          s.metadata.labels?.[SERVICE_NAME_LABEL] === svc.metadata.name,
      );
    const affinity = affinityTimeoutMs(svc);
    const seen = new Set<string>();
    for (const p of svc.spec?.ports ?? []) {
      const k = portKey(p);
      seen.add(k);
      let picker = r.pickers.get(k);
      if (!picker) r.pickers.set(k, (picker = new BackendPicker(this.clock)));
      picker.update(readyBackends(p, slices), affinity);
    }
    for (const k of r.pickers.keys()) if (!seen.has(k)) r.pickers.delete(k);
    return r;
  }

  private async ensureHostListener(
    key: string,
    svc: Svc,
    id: string,
    want: WantedListener,
  ): Promise<HostListener> {
    const cur = this.listeners.get(id);
    if (cur && cur.owner !== key) {
      // Another Service holds this host port in this process: that one keeps it.
      const l = new HostListener(want.address, want.hostPort, () => undefined);
      l.refuse(`port ${want.hostPort} on ${want.address} is already used by Service ${cur.owner}`);
      await this.warnOnce(`${key}@${id}`, svc, l.message);
      return l;
    }
    const pk = portKey(want.port);
    let entry = cur;
    if (!entry) {
      const l = new HostListener(
        want.address,
        want.hostPort,
        (s) => this.onHostConnection(key, pk, s),
        want.kind === 'LoadBalancer' && want.address === '127.0.0.1' ? '::1' : undefined,
      );
      entry = { owner: key, l, warned: false };
      this.listeners.set(id, entry);
    }
    await entry.l.open();
    if (entry.l.state === 'Listening') {
      if (entry.warned) this.log.info(`listening on ${id} for ${key} now that the port is free`);
      entry.warned = false;
      this.warned.delete(`${key}@${id}`);
    } else if (!entry.warned) {
      entry.warned = true;
      await this.warnOnce(`${key}@${id}`, svc, entry.l.message);
    }
    return entry.l;
  }

  private readonly warned = new Set<string>();

  private async warnOnce(id: string, svc: Svc, message: string): Promise<void> {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    await this.recorder
      .record(svc, 'Warning', 'FailedToListen', `${message}; Skiff retries every ${BIND_RETRY_MS / 1000} s`)
      .catch((err) => this.log.warn(`event for ${keyOf(svc)}: ${(err as Error).message}`));
  }

  private async closeHostListeners(key: string, keep: Set<string>): Promise<void> {
    for (const [id, e] of this.listeners) {
      if (e.owner !== key || keep.has(id)) continue;
      this.listeners.delete(id);
      this.warned.delete(`${key}@${id}`);
      await e.l.close();
      // Another Service may have been waiting for this port.
      for (const s of this.services.list()) if (keyOf(s) !== key) this.queue.add(keyOf(s));
    }
    for (const w of [...this.warned])
      if (w.startsWith(`${key}@`) && !keep.has(w.slice(key.length + 1))) this.warned.delete(w);
  }

  /** Writes the host-listeners annotation and LoadBalancer status when they changed. */
  private async writeStatus(svc: Svc, statuses: HostListenerStatus[]): Promise<void> {
    const annotation = statuses.length ? JSON.stringify(statuses) : undefined;
    const lb =
      svc.spec?.type === 'LoadBalancer'
        ? [
            {
              hostname: 'localhost',
              ports: statuses
                .filter((s) => s.kind === 'LoadBalancer')
                .map((s) => ({
                  port: s.port,
                  protocol: s.protocol,
                  ...(s.state === 'Listening' || s.state === 'NoReadyEndpoints' ? {} : { error: s.message }),
                })),
            },
          ]
        : undefined;
    // Compared with the object as last observed (not with what this process wrote), so an
    // annotation someone removed or edited is put back.
    try {
      if ((svc.metadata.annotations?.[HOST_LISTENERS_ANNOTATION] ?? undefined) !== annotation)
        await this.client.patch(R.services, svc.metadata.name!, svc.metadata.namespace, {
          metadata: { annotations: { [HOST_LISTENERS_ANNOTATION]: annotation ?? null } },
        });
      const curLb = svc.status?.loadBalancer?.ingress;
      if (lb && JSON.stringify(curLb ?? []) !== JSON.stringify(lb))
        await this.client.patch(
          R.services,
          svc.metadata.name!,
          svc.metadata.namespace,
          { status: { loadBalancer: { ingress: lb } } },
          'merge',
          { subresource: 'status' },
        );
      else if (!lb && curLb?.length)
        await this.client.patch(
          R.services,
          svc.metadata.name!,
          svc.metadata.namespace,
          { status: { loadBalancer: {} } },
          'merge',
          { subresource: 'status' },
        );
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  // -----------------------------------------------------------------------------------------------
  // Data path

  /** Picks a ready backend of a Service port for `client` (undefined: none ready). */
  pickBackend(key: string, pk: string, client: string, avoid?: Backend): Backend | undefined {
    return this.routes.get(key)?.pickers.get(pk)?.pick(client, avoid);
  }

  /** The picker key of a service port (for the ingress, which names ports by number or name). */
  routeKey(svc: Svc, port: ServicePort): { key: string; pk: string } {
    return { key: keyOf(svc), pk: portKey(port) };
  }

  /**
   * Opens a host socket to a backend: its pod's port published on 127.0.0.1 when the target is a
   * declared containerPort, else a connection the agent opens inside the network.
   */
  async dialBackend(b: Backend, protocol = 'TCP'): Promise<Socket> {
    const pod = b.pod ? this.pods.get(b.pod) : undefined;
    const published = publishedAddress(pod, b.port, protocol);
    if (published) return connectTcp(published.host, published.port);
    // An endpoint on the host's own loopback (a Service in front of a host process).
    if (b.ip === '127.0.0.1' || b.ip === '::1') return connectTcp(b.ip, b.port);
    const agent = this.agentClient;
    if (!agent)
      throw new Error(
        `no route from the host to ${b.ip}:${b.port}: the pod does not publish that port and the network agent is not connected`,
      );
    return agent.dial(b.ip, b.port);
  }

  private onHostConnection(key: string, pk: string, s: Socket): void {
    s.on('error', () => s.destroy());
    void this.connectToBackend(key, pk, s.remoteAddress ?? '', s).then(
      (up) => (up ? splice(s, up) : resetSocket(s)),
      () => resetSocket(s),
    );
  }

  /** Dials a ready backend, trying a second one when the first fails; undefined when none works. */
  async connectToBackend(
    key: string,
    pk: string,
    client: string,
    from?: Socket,
  ): Promise<Socket | undefined> {
    let b = this.pickBackend(key, pk, client);
    for (let attempt = 0; b && attempt < 2; attempt++) {
      try {
        const up = await this.dialBackend(b, pk.split('/')[1]);
        if (from?.destroyed) {
          up.destroy();
          return undefined;
        }
        return up;
      } catch (err) {
        this.log.debug(`dial ${b.ip}:${b.port} for ${key} failed`, { error: (err as Error).message });
        b = this.pickBackend(key, pk, client, b);
      }
    }
    return undefined;
  }

  // -----------------------------------------------------------------------------------------------
  // In-cluster side (through the agent)

  private async syncClusterListeners(key: string, svc: Svc): Promise<void> {
    const ip = svc.spec?.clusterIP;
    const agent = this.agentClient;
    const keep = new Set<string>();
    if (agent && ip && ip !== 'None' && !(key === 'kube-system/kube-dns')) {
      for (const p of svc.spec?.ports ?? []) {
        if ((p.protocol ?? 'TCP') !== 'TCP') continue;
        const id = `${ip}:${p.port}/TCP`;
        keep.add(id);
        if (this.clusterListeners.has(id)) continue;
        const pk = portKey(p);
        const l = agent.listenTcp(ip, p.port, (c) => this.onClusterConnection(key, pk, p, c));
        this.clusterListeners.set(id, { owner: key, l });
        try {
          await l;
        } catch (err) {
          this.clusterListeners.delete(id);
          this.log.warn(
            `cannot listen on ${id} in the cluster network for ${key}: ${(err as Error).message}`,
          );
          throw err;
        }
      }
    }
    await this.closeClusterListeners(key, keep);
  }

  private async closeClusterListeners(key: string, keep: Set<string>): Promise<void> {
    for (const [id, e] of this.clusterListeners) {
      if (e.owner !== key || keep.has(id)) continue;
      this.clusterListeners.delete(id);
      await e.l.then((l) => l.close()).catch(() => undefined);
    }
  }

  private onClusterConnection(key: string, pk: string, port: ServicePort, c: InboundConnection): void {
    if (key === 'default/kubernetes') {
      // The API server listens on the host's loopback: bring the connection over and pipe it.
      const apiPort = this.opts.apiServerPort ?? (typeof port.targetPort === 'number' ? port.targetPort : 0);
      if (!apiPort) return c.reject();
      void Promise.all([c.accept(), connectTcp('127.0.0.1', apiPort)]).then(
        ([a, b]) => splice(a, b),
        () => c.reject(),
      );
      return;
    }
    const b = this.pickBackend(key, pk, c.remote.address);
    if (!b) return c.reject();
    c.forwardTo(b.ip, b.port);
  }

  private agentAddressChanged(address: string): void {
    if (address === this.agentAddress || !this.opts.agentFactory) return;
    this.agentAddress = address;
    this.agent?.close();
    this.agent = undefined;
    this.clusterListeners.clear();
    this.agentBackoffMs = 500;
    if (address) this.connectAgent();
  }

  private connectAgent(): void {
    if (this.stopped || !this.agentAddress || !this.opts.agentFactory) return;
    if (this.agentTimer) this.clock.clearTimeout(this.agentTimer);
    this.agentTimer = undefined;
    const address = this.agentAddress;
    const agent = this.opts.agentFactory();
    agent.on('disconnect', (err) => {
      if (this.agent !== agent) return;
      this.log.warn(`network agent at ${address} disconnected${err ? `: ${err.message}` : ''}; reconnecting`);
      this.agent = undefined;
      this.clusterListeners.clear();
      this.retryAgent();
    });
    agent.connect(address).then(
      () => {
        if (this.stopped || address !== this.agentAddress) return agent.close();
        this.agent = agent;
        this.agentBackoffMs = 500;
        this.log.info(`connected to the network agent at ${address}`);
        for (const s of this.services.list()) this.enqueue(s);
        for (const h of this.agentHooks) h(agent);
      },
      (err: Error) => {
        this.log.debug(`network agent at ${address} not reachable: ${err.message}`);
        this.retryAgent();
      },
    );
  }

  private retryAgent(): void {
    if (this.stopped || this.agentTimer) return;
    const delay = this.agentBackoffMs;
    this.agentBackoffMs = Math.min(this.agentBackoffMs * 2, 10_000);
    this.agentTimer = this.clock.setTimeout(() => {
      this.agentTimer = undefined;
      this.connectAgent();
    }, delay);
  }
}

/** A host listener a Service asks for. */
interface WantedListener {
  kind: 'NodePort' | 'LoadBalancer';
  address: string;
  hostPort: number;
  port: ServicePort;
}

/** The host listeners of a Service: its node ports, and for LoadBalancer its ports on loopback. */
export function hostListenersOf(svc: Service, address = '127.0.0.1'): WantedListener[] {
  const type = svc.spec?.type;
  if (type !== 'NodePort' && type !== 'LoadBalancer') return [];
  const out: WantedListener[] = [];
  for (const p of svc.spec?.ports ?? []) {
    // UDP is not proxied on the host; TCP covers what desktop users expose.
    if ((p.protocol ?? 'TCP') !== 'TCP') continue;
    if (p.nodePort) out.push({ kind: 'NodePort', address, hostPort: p.nodePort, port: p });
    if (type === 'LoadBalancer') out.push({ kind: 'LoadBalancer', address, hostPort: p.port, port: p });
  }
  return out;
}

/** The pod's host address for a container port, from the kubelet's published-ports annotation. */
export function publishedAddress(
  pod: Pod | undefined,
  port: number,
  protocol = 'TCP',
): { host: string; port: number } | undefined {
  const raw = pod?.metadata?.annotations?.[PUBLISHED_PORTS_ANNOTATION];
  if (!raw) return undefined;
  try {
    const v = (JSON.parse(raw) as Record<string, string>)[`${port}/${protocol}`];
    const m = v ? /^(.*):(\d+)$/.exec(v) : null;
    return m ? { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) } : undefined;
  } catch {
    return undefined;
  }
}
