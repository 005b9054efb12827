/**
 * Objects every cluster has from the start (kube-apiserver's bootstrap controllers): the
 * `kubernetes` Service in `default` at the network's kubernetesIP (10.96.0.1 in slot 0) with
 * Endpoints pointing at this API server, the `kube-system/kube-dns` Service at its dnsIP (served
 * by the proxy's DNS responder, hence no selector, as kubeadm names CoreDNS's Service), the
 * default IngressClass `skiff` (the proxy's ingress controller) and the default StorageClass
 * `standard` served by Skiff's local volume provisioner.
 */
import type { Clock } from '../../common/clock';
import { R, type ResourceType } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { DEFAULT_CLASS_ANNOTATION, strategyFor } from './registry';
import { clusterNetworkForSlot, type ClusterNetwork } from '../../common/network';
import { StatusError } from './status';
import type { ObjectStorage } from './storage';

/** The controller name of the built-in IngressClass `skiff`. */
export const SKIFF_INGRESS_CONTROLLER = 'skiff.dev/ingress';
/** The annotation that makes an IngressClass the default one. */
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

/** The provisioner name of the default StorageClass. */
export const LOCAL_VOLUME_PROVISIONER = 'skiff.dev/local-volume';

/** Creates `obj` (defaulted like an API create) or, when `reconcile` says so, updates it. */
async function ensure(
  storage: ObjectStorage,
  t: ResourceType,
  obj: KubeObject,
  clock: Clock,
  reconcile?: (cur: KubeObject) => KubeObject | undefined,
): Promise<void> {
  const s = strategyFor(t);
  await storage.guaranteedUpdate(
    t,
    obj.metadata.namespace,
    obj.metadata.name!,
    (cur) => {
      if (cur) return reconcile?.(structuredClone(cur)) ?? cur;
      const o = structuredClone(obj);
      s.prepareForCreate?.(o, { now: clock.now() });
      s.applyDefaults?.(o);
      return o;
    },
    { allowCreate: true },
  );
}

/** Creates or refreshes the bootstrap objects; `apiPort` is where this server listens. */
export async function ensureBootstrapObjects(
  storage: ObjectStorage,
  clock: Clock,
  apiPort: number,
  network: ClusterNetwork = clusterNetworkForSlot(0, 'none'),
): Promise<void> {
  const KUBERNETES_SERVICE_IP = network.kubernetesIP;
  const ports = [{ name: 'https', port: 443, protocol: 'TCP', targetPort: apiPort }];
  const svc: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { component: 'apiserver', provider: 'kubernetes' },
    },
    spec: { type: 'ClusterIP', clusterIP: KUBERNETES_SERVICE_IP, clusterIPs: [KUBERNETES_SERVICE_IP], ports },
  };
  await replaceIfMoved(storage, svc);
  await ensure(storage, R.services, svc, clock, (cur) => {
    const spec = cur.spec as { ports?: { targetPort?: number }[] };
    if (spec.ports?.[0]?.targetPort === apiPort) return undefined;
    spec.ports = ports;
    return cur;
  });
  const subsets = [
    { addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: apiPort, protocol: 'TCP' }] },
  ];
  await ensure(
    storage,
    R.endpoints,
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      },
      subsets,
    },
    clock,
    (cur) => {
      if (JSON.stringify(cur.subsets) === JSON.stringify(subsets)) return undefined;
      cur.subsets = subsets;
      return cur;
    },
  );
  await ensureClusterIPService(storage, clock, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kube-dns',
      namespace: 'kube-system',
      labels: {
        'k8s-app': 'kube-dns',
        'kubernetes.io/name': 'CoreDNS',
        'kubernetes.io/cluster-service': 'true',
      },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: network.dnsIP,
      clusterIPs: [network.dnsIP],
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  });
  try {
    await ensure(
      storage,
      R.ingressclasses,
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: 'skiff', annotations: { [DEFAULT_INGRESS_CLASS_ANNOTATION]: 'true' } },
        spec: { controller: SKIFF_INGRESS_CONTROLLER },
      },
      clock,
    );
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 409)) throw err;
  }
  try {
    await ensure(
      storage,
      R.storageclasses,
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: 'standard', annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
        provisioner: LOCAL_VOLUME_PROVISIONER,
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'Immediate',
      },
      clock,
    );
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 409)) throw err;
  }
}

/**
 * Creates a bootstrap Service at its fixed ClusterIP, or moves it there when the cluster network
 * changed slot (a ClusterIP is immutable through the API, so the old object is replaced).
 */
async function ensureClusterIPService(storage: ObjectStorage, clock: Clock, svc: KubeObject): Promise<void> {
  await replaceIfMoved(storage, svc);
  await ensure(storage, R.services, svc, clock);
}

/** Deletes the stored copy of a bootstrap Service whose ClusterIP differs from `svc`'s. */
async function replaceIfMoved(storage: ObjectStorage, svc: KubeObject): Promise<void> {
  const want = (svc.spec as { clusterIP: string }).clusterIP;
  const cur = await storage
    .get(R.services, svc.metadata.namespace, svc.metadata.name!)
    .catch((err: unknown) => {
      if (err instanceof StatusError && err.code === 404) return undefined;
      throw err;
    });
  if (cur && (cur.spec as { clusterIP?: string }).clusterIP !== want)
    await storage.delete(R.services, svc.metadata.namespace, svc.metadata.name!);
}
