import type {
  EndpointAddress,
  EndpointPort,
  EndpointSubset,
  Endpoints,
  Service,
  ServicePort,
} from 'kubernetes-types/core/v1';
import type { KubeClient } from '../../common/client/client';
import { isAlreadyExists, isConflict, isNotFound } from '../../common/client/errors';
import type { Informer, InformerHandlers } from '../../common/client/informer';
import { R } from '../../common/resources';
import type { KubeObject, Pod } from '../../common/types';
import { deepEqual } from '../../common/json';
import { Controller, type ControllerOptions, type ReconcileResult, type SharedInformers } from '../client';

import { clone, isPodReady } from './pod-util';

export type Svc = Service & KubeObject;
type PodObj = Pod & KubeObject;
type Ep = Endpoints & KubeObject;

/** Whether `labels` satisfy a Service's map selector (every key equal). */
export function serviceSelects(svc: Service, labels: Record<string, string> | undefined): boolean {
  const sel = svc.spec?.selector;
  if (!sel) return false;
  return Object.entries(sel).every(([k, v]) => labels?.[k] === v);
}

/**
 * The pod handlers of the Endpoints and EndpointSlice controllers (upstream's shared
 * endpointutil: GetServicesToUpdateOnPodChange and podEndpointsChanged): a pod event enqueues
 * every Service of its namespace that selects the pod before or after the change; an update
 * that changes nothing endpoints show (IP, readiness, phase, labels, deletion, node) is skipped.
 */
export function servicePodHandlers(
  services: Informer<Svc>,
  enqueue: (svc: Svc) => void,
): InformerHandlers<PodObj> {
  const onPod = (p: PodObj, old?: PodObj) => {
    for (const s of services.list()) {
      if (s.metadata.namespace !== p.metadata.namespace) continue;
      if (serviceSelects(s, p.metadata.labels) || (old && serviceSelects(s, old.metadata.labels))) enqueue(s);
    }
  };
  return {
    add: (p) => onPod(p),
    update: (p, old) => {
      if (
        p.status?.podIP === old.status?.podIP &&
        isPodReady(p) === isPodReady(old) &&
        p.status?.phase === old.status?.phase &&
        !!p.metadata.deletionTimestamp === !!old.metadata.deletionTimestamp &&
        deepEqual(p.metadata.labels, old.metadata.labels) &&
        p.spec?.nodeName === old.spec?.nodeName
      )
        return;
      onPod(p, old);
    },
    delete: (p) => onPod(p),
  };
}

/**
 * The container port a service port points at on one pod (podutil.FindPort): a number as is,
 * a name looked up among the pod's container ports with the same protocol; default = `port`.
 */
export function resolveTargetPort(sp: ServicePort, pod: Pod): number | undefined {
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  const proto = sp.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? [])
    for (const p of c.ports ?? [])
      if (p.name === tp && (p.protocol ?? 'TCP') === proto) return p.containerPort;
  return undefined;
}

/** One backend of a service: a pod, its address, readiness and resolved ports. */
export interface ServiceBackend {
  pod: PodObj;
  ip: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  ports: EndpointPort[];
}

/**
 * The backends of a service (shared by the Endpoints and EndpointSlice controllers): pods that
 * match the selector, have an IP and are not terminal; terminating pods only when the
 * service publishes not-ready addresses (Endpoints) or as terminating (slices).
 */
export function serviceBackends(svc: Svc, pods: PodObj[]): ServiceBackend[] {
  const out: ServiceBackend[] = [];
  const publishNotReady = !!svc.spec?.publishNotReadyAddresses;
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace || !serviceSelects(svc, pod.metadata.labels))
      continue;
    const ip = pod.status?.podIP;
    if (!ip) continue;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const ready = isPodReady(pod);
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = resolveTargetPort(sp, pod);
      if (port === undefined) continue;
      ports.push({
        name: sp.name || undefined,
        port,
        protocol: sp.protocol ?? 'TCP',
        appProtocol: sp.appProtocol,
      });
    }
    out.push({
      pod,
      ip,
      ready: publishNotReady || (ready && !pod.metadata.deletionTimestamp),
      serving: ready,
      terminating: !!pod.metadata.deletionTimestamp,
      ports: JSON.parse(JSON.stringify(ports)) as EndpointPort[],
    });
  }
  return out;
}

function addressOf(b: ServiceBackend, svc: Svc): EndpointAddress {
  const spec = b.pod.spec;
  return JSON.parse(
    JSON.stringify({
      ip: b.ip,
      hostname: spec?.hostname && spec.subdomain === svc.metadata.name ? spec.hostname : undefined,
      nodeName: spec?.nodeName,
      targetRef: {
        kind: 'Pod',
        namespace: b.pod.metadata.namespace,
        name: b.pod.metadata.name,
        uid: b.pod.metadata.uid,
      },
    }),
  ) as EndpointAddress;
}

/**
 * The subsets of a service's Endpoints (endpoints.RepackSubsets): backends grouped by their
 * resolved port set, ready ones in `addresses`, others in `notReadyAddresses`, sorted by IP.
 */
export function computeSubsets(svc: Svc, pods: PodObj[]): EndpointSubset[] {
  const groups = new Map<
    string,
    { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }
  >();
  for (const b of serviceBackends(svc, pods)) {
    if (b.terminating && !svc.spec?.publishNotReadyAddresses) continue;
    if (!b.ports.length && (svc.spec?.ports ?? []).length) continue;
    const ports = [...b.ports].sort((x, y) => (x.name ?? '').localeCompare(y.name ?? '') || x.port - y.port);
    const key = JSON.stringify(ports);
    const g = groups.get(key) ?? { ports, ready: [], notReady: [] };
    groups.set(key, g);
    (b.ready ? g.ready : g.notReady).push(addressOf(b, svc));
  }
  const byIp = (a: EndpointAddress, b: EndpointAddress) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, g]) => {
      const s: EndpointSubset = {};
      if (g.ready.length) s.addresses = g.ready.sort(byIp);
      if (g.notReady.length) s.notReadyAddresses = g.notReady.sort(byIp);
      if (g.ports.length) s.ports = g.ports;
      return s;
    });
}

/**
 * kube-controller-manager's Endpoints controller: for every Service with a selector, an
 * Endpoints object of the same name listing the matching pods' IPs (ready → addresses,
 * not ready → notReadyAddresses) and the target ports resolved per pod (by number or by
 * container port name). Services without a selector are left to whoever manages their
 * Endpoints; a deleted Service's Endpoints are deleted.
 */
export class EndpointsController extends Controller {
  private readonly svcInf: Informer<Svc>;
  private readonly podInf: Informer<PodObj>;
  private readonly epInf: Informer<Ep>;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: ControllerOptions = {},
  ) {
    super('endpoints-controller', opts);
    this.svcInf = informers.informerFor<Svc>(R.services);
    this.podInf = informers.informerFor<PodObj>(R.pods);
    this.epInf = informers.informerFor<Ep>(R.endpoints);
    this.svcInf.addHandler({
      add: (s) => this.enqueue(s),
      update: (s) => this.enqueue(s),
      delete: (s) => this.enqueue(s),
    });
    this.podInf.addHandler(servicePodHandlers(this.svcInf, (s) => this.enqueue(s)));
    this.epInf.addHandler({
      // Someone else changed or removed "our" Endpoints: put them right again.
      update: (e) =>
        this.svcInf.get(`${e.metadata.namespace}/${e.metadata.name}`) &&
        this.queue.add(`${e.metadata.namespace}/${e.metadata.name}`),
      delete: (e) =>
        this.svcInf.get(`${e.metadata.namespace}/${e.metadata.name}`) &&
        this.queue.add(`${e.metadata.namespace}/${e.metadata.name}`),
    });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const svc = this.svcInf.get(key);
    const cur = this.epInf.get(key);
    const [namespace, name] = key.split('/');
    if (!svc) {
      if (cur) {
        try {
          await this.client.delete(R.endpoints, name, namespace, {
            preconditions: { uid: cur.metadata.uid },
          });
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      }
      return;
    }
    if (!svc.spec?.selector) return;
    const subsets = computeSubsets(svc, this.podInf.list());
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
    if (svc.spec.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    if (cur) {
      if (deepEqual(cur.subsets ?? [], subsets) && deepEqual(cur.metadata.labels ?? {}, labels)) return;
      const copy = clone(cur);
      copy.subsets = subsets.length ? subsets : undefined;
      if (!copy.subsets) delete copy.subsets;
      copy.metadata = { ...copy.metadata, labels: Object.keys(labels).length ? labels : undefined };
      await this.client.update(R.endpoints, copy);
      return;
    }
    const ep: Ep = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace, labels: Object.keys(labels).length ? labels : undefined },
      ...(subsets.length ? { subsets } : {}),
    };
    try {
      await this.client.create(R.endpoints, ep);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      throw new Error(`endpoints ${key} appeared meanwhile; retrying`);
    }
  }
}
