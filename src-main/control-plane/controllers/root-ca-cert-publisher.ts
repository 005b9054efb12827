import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1';
import type { KubeClient } from '../../common/client/client';
import { isAlreadyExists, isForbidden, isNotFound } from '../../common/client/errors';
import type { Informer } from '../../common/client/informer';
import { R } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { Controller, type ControllerOptions, type ReconcileResult, type SharedInformers } from '../client';

type Ns = Namespace & KubeObject;
type CM = ConfigMap & KubeObject;

/** The ConfigMap every namespace gets, and its key. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const ROOT_CA_KEY = 'ca.crt';
const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/**
 * kube-controller-manager's root-ca-cert-publisher (pkg/controller/certificates/rootcacertpublisher):
 * every active namespace holds a ConfigMap `kube-root-ca.crt` whose `ca.crt` is the cluster CA,
 * so pods (through their projected kube-api-access volume) can verify the API server. The
 * ConfigMap is created when a namespace appears, re-created when deleted and put back when
 * edited. Queue keys are namespace names.
 */
export class RootCaCertPublisher extends Controller {
  private readonly nsInf: Informer<Ns>;
  private readonly cmInf: Informer<CM>;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    private readonly caPem: string,
    opts: ControllerOptions = {},
  ) {
    super('root-ca-cert-publisher', opts);
    this.nsInf = informers.informerFor<Ns>(R.namespaces);
    this.cmInf = informers.informerFor<CM>(R.configmaps);
    this.nsInf.addHandler({ add: (ns) => this.enqueue(ns), update: (ns) => this.enqueue(ns) });
    const onCm = (cm: CM) => {
      if (cm.metadata.name === ROOT_CA_CONFIGMAP) this.queue.add(cm.metadata.namespace!);
    };
    this.cmInf.addHandler({ update: onCm, delete: onCm });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const ns = this.nsInf.get(key);
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return;
    const want = { [ROOT_CA_KEY]: this.caPem };
    const cur = this.cmInf.get(`${key}/${ROOT_CA_CONFIGMAP}`);
    try {
      if (!cur) {
        await this.client.create<CM>(R.configmaps, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: ROOT_CA_CONFIGMAP,
            namespace: key,
            annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION },
          },
          data: want,
        });
        return;
      }
      const sameData =
        Object.keys(cur.data ?? {}).length === 1 && cur.data?.[ROOT_CA_KEY] === this.caPem && !cur.binaryData;
      if (sameData && cur.metadata.annotations?.[DESCRIPTION_ANNOTATION] === DESCRIPTION) return;
      // Clone before writing: the cached object is shared.
      const next: CM = {
        ...cur,
        metadata: {
          ...cur.metadata,
          annotations: { ...cur.metadata.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION },
        },
        data: want,
      };
      delete next.binaryData;
      await this.client.update<CM>(R.configmaps, next);
    } catch (err) {
      // Created meanwhile (the cache lags; the update event requeues), gone, or the namespace
      // started terminating.
      if (isAlreadyExists(err) || isNotFound(err) || isForbidden(err)) return;
      throw err;
    }
  }
}
