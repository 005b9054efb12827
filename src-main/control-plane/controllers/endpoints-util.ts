// What the Endpoints and EndpointSlice controllers share (upstream pkg/controller/util/endpoint): which Services select a pod, their pod handlers and a Service's backends. No I/O: the handlers only call the enqueue they are given.
import type { EndpointPort, Service, ServicePort } from 'kubernetes-types/core/v1';
import type { Informer, InformerHandlers } from '../../common/client/informer';
import { deepEqual } from '../../common/json';
import type { KubeObject, Pod } from '../../common/types';
import { isPodReady } from './pod-util';

type PodObj = Pod & KubeObject;

export type Svc = Service & KubeObject;

/** Whether `labels` satisfy a Service's map selector (every key equal). */
function serviceSelects(svc: Service, labels: Record<string, string> | undefined): boolean {
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
function resolveTargetPort(sp: ServicePort, pod: Pod): number | undefined {
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

/** The hostname a backend publishes: the pod's, when its subdomain is the Service's name. */
export function backendHostname(b: ServiceBackend, svc: Svc): string | undefined {
  const spec = b.pod.spec;
  return spec?.hostname && spec.subdomain === svc.metadata.name ? spec.hostname : undefined;
}
