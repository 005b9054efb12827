/**
 * Objects every cluster has from the start (kube-apiserver's bootstrap controllers): the
 * `kubernetes` Service in `default` at 10.96.0.1 with Endpoints pointing at this API server, and
 * the default StorageClass `standard` served by Skiff's local volume provisioner.
 */
import type { Clock } from '../../common/clock';
import { R, type ResourceType } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { strategyFor } from './registry';
import { DEFAULT_CLASS_ANNOTATION, KUBERNETES_SERVICE_IP } from './registry/core';
import { StatusError } from './status';
import type { ObjectStorage } from './storage';

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
): Promise<void> {
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
