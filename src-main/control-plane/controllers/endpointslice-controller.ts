import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { KubeClient } from '../../common/client/client';
import type { Informer } from '../../common/client/informer';
import { R } from '../../common/resources';
import type { KubeObject, Pod } from '../../common/types';
import { deepEqual } from '../../common/json';
import { Controller, type ControllerOptions, type ReconcileResult, type SharedInformers } from '../client';
import { deleteExact, ownerRefTo } from './controller-util';
import { backendHostname, serviceBackends, servicePodHandlers, type Svc } from './endpoints-util';
import { clone } from './pod-util';

type PodObj = Pod & KubeObject;
export type Slice = EndpointSlice & KubeObject;

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
const MANAGED_BY = 'endpointslice-controller.k8s.io';
/** Most endpoints per slice (upstream --max-endpoints-per-slice default). */
const MAX_ENDPOINTS_PER_SLICE = 100;

/** The desired slices of a service: one group per port set, chunked by MAX_ENDPOINTS_PER_SLICE. */
function desiredSlices(svc: Svc, pods: PodObj[]): { ports: EndpointPort[]; endpoints: Endpoint[] }[] {
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: Endpoint[] }>();
  for (const b of serviceBackends(svc, pods)) {
    const ports = [...b.ports]
      .sort((x, y) => (x.name ?? '').localeCompare(y.name ?? '') || (x.port ?? 0) - (y.port ?? 0))
      .map(
        (p) =>
          JSON.parse(
            JSON.stringify({
              name: p.name ?? '',
              port: p.port,
              protocol: p.protocol,
              appProtocol: p.appProtocol,
            }),
          ) as EndpointPort,
      );
    const key = JSON.stringify(ports);
    const g = groups.get(key) ?? { ports, endpoints: [] };
    groups.set(key, g);
    const spec = b.pod.spec;
    g.endpoints.push(
      JSON.parse(
        JSON.stringify({
          addresses: [b.ip],
          conditions: { ready: b.ready && !b.terminating, serving: b.serving, terminating: b.terminating },
          hostname: backendHostname(b, svc),
          targetRef: {
            kind: 'Pod',
            namespace: b.pod.metadata.namespace,
            name: b.pod.metadata.name,
            uid: b.pod.metadata.uid,
          },
          nodeName: spec?.nodeName,
        }),
      ) as Endpoint,
    );
  }
  const out: { ports: EndpointPort[]; endpoints: Endpoint[] }[] = [];
  for (const [, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
    g.endpoints.sort((a, b) => (a.addresses[0] < b.addresses[0] ? -1 : 1));
    for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE)
      out.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
  }
  return out;
}

/**
 * kube-controller-manager's EndpointSlice controller (simplified reconciler): for every Service
 * with a selector, EndpointSlices `<svc>-xxxxx` (addressType IPv4, labelled
 * `kubernetes.io/service-name` and managed-by endpointslice-controller.k8s.io, owned by the
 * Service) with one endpoint per backend pod and its ready/serving/terminating conditions.
 * Existing slices are updated in place where possible, surplus ones deleted.
 */
export class EndpointSliceController extends Controller {
  private readonly svcInf: Informer<Svc>;
  private readonly podInf: Informer<PodObj>;
  private readonly sliceInf: Informer<Slice>;
  /** Slices created but not yet seen in the cache, per service key (a tiny "expectations"). */
  private readonly pending = new Map<string, Set<string>>();

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: ControllerOptions = {},
  ) {
    super('endpointslice-controller', opts);
    this.svcInf = informers.informerFor<Svc>(R.services);
    this.podInf = informers.informerFor<PodObj>(R.pods);
    this.sliceInf = informers.informerFor<Slice>(R.endpointslices);
    this.svcInf.addHandler({ add: (s) => this.enqueue(s), update: (s) => this.enqueue(s) });
    this.podInf.addHandler(servicePodHandlers(this.svcInf, (s) => this.enqueue(s)));
    const onSlice = (s: Slice) => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (!svc || s.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) return;
      const key = `${s.metadata.namespace}/${svc}`;
      this.pending.get(key)?.delete(s.metadata.name!);
      this.queue.add(key);
    };
    this.sliceInf.addHandler({ add: onSlice, update: onSlice, delete: onSlice });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const svc = this.svcInf.get(key);
    // A deleted Service's slices go with it through the garbage collector (ownerReferences).
    if (!svc || svc.metadata.deletionTimestamp || !svc.spec?.selector) return;
    const [namespace, name] = key.split('/');
    // Our own creates are not in the cache yet: wait for them rather than create twice.
    if (this.pending.get(key)?.size) return;
    const existing = this.sliceInf
      .list()
      .filter(
        (s) =>
          s.metadata.namespace === namespace &&
          s.metadata.labels?.[SERVICE_NAME_LABEL] === name &&
          s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY,
      )
      .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    const want = desiredSlices(svc, this.podInf.list());
    // A service without backends still gets one (empty) slice, like upstream's placeholder.
    if (!want.length) want.push({ ports: [], endpoints: [] });
    const labels: Record<string, string> = {
      ...(svc.metadata.labels ?? {}),
      [SERVICE_NAME_LABEL]: name,
      [MANAGED_BY_LABEL]: MANAGED_BY,
    };
    if (svc.spec.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    const unused = [...existing];
    for (const w of want) {
      // Prefer a slice with the same ports, else any slice left over.
      let i = unused.findIndex((s) => deepEqual(s.ports ?? [], w.ports));
      if (i < 0) i = unused.length ? 0 : -1;
      const body = { ports: w.ports, endpoints: w.endpoints };
      if (i >= 0) {
        const s = unused.splice(i, 1)[0];
        if (
          deepEqual(s.ports ?? [], w.ports) &&
          deepEqual(s.endpoints ?? [], w.endpoints) &&
          deepEqual(s.metadata.labels, labels)
        )
          continue;
        const copy = clone(s);
        copy.ports = body.ports;
        copy.endpoints = body.endpoints;
        copy.metadata = { ...copy.metadata, labels };
        await this.client.update(R.endpointslices, copy);
        continue;
      }
      const slice: Slice = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          generateName: `${name}-`,
          namespace,
          labels,
          ownerReferences: [ownerRefTo(R.services, svc)],
        },
        addressType: 'IPv4',
        ...body,
      };
      const created = await this.client.create(R.endpointslices, slice);
      if (!this.sliceInf.get(`${namespace}/${created.metadata.name}`)) {
        const set = this.pending.get(key) ?? new Set<string>();
        set.add(created.metadata.name!);
        this.pending.set(key, set);
      }
    }
    for (const s of unused) await deleteExact(this.client, R.endpointslices, s);
  }
}
