import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints } from 'kubernetes-types/core/v1';
import type { KubeClient } from '../../common/client/client';
import { isAlreadyExists, isConflict, isNotFound } from '../../common/client/errors';
import type { Informer } from '../../common/client/informer';
import { deepEqual } from '../../common/json';
import { R } from '../../common/resources';
import type { KubeObject, Pod } from '../../common/types';
import { Controller, type ControllerOptions, type ReconcileResult, type SharedInformers } from '../client';
import {
  backendHostname,
  serviceBackends,
  servicePodHandlers,
  type ServiceBackend,
  type Svc,
} from './endpoints-util';
import { clone } from './pod-util';

type PodObj = Pod & KubeObject;
type Ep = Endpoints & KubeObject;

function addressOf(b: ServiceBackend, svc: Svc): EndpointAddress {
  const spec = b.pod.spec;
  return JSON.parse(
    JSON.stringify({
      ip: b.ip,
      hostname: backendHostname(b, svc),
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
function computeSubsets(svc: Svc, pods: PodObj[]): EndpointSubset[] {
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
