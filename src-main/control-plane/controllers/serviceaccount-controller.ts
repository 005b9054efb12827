import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1';
import type { KubeClient } from '../../common/client/client';
import { isAlreadyExists, isForbidden } from '../../common/client/errors';
import type { Informer } from '../../common/client/informer';
import { R } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { Controller, type ControllerOptions, type ReconcileResult, type SharedInformers } from '../client';

type Ns = Namespace & KubeObject;
type SA = ServiceAccount & KubeObject;

/** The service accounts every namespace gets. */
const DEFAULT_SERVICE_ACCOUNTS = ['default'];

/**
 * kube-controller-manager's ServiceAccountsController: every active namespace has a `default`
 * ServiceAccount; it is created when a namespace appears and re-created if deleted. Queue keys
 * are namespace names.
 */
export class ServiceAccountController extends Controller {
  private readonly nsInf: Informer<Ns>;
  private readonly saInf: Informer<SA>;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: ControllerOptions = {},
  ) {
    super('serviceaccount-controller', opts);
    this.nsInf = informers.informerFor<Ns>(R.namespaces);
    this.saInf = informers.informerFor<SA>(R.serviceaccounts);
    this.nsInf.addHandler({ add: (ns) => this.enqueue(ns), update: (ns) => this.enqueue(ns) });
    this.saInf.addHandler({
      delete: (sa) => {
        if (DEFAULT_SERVICE_ACCOUNTS.includes(sa.metadata.name!)) this.queue.add(sa.metadata.namespace!);
      },
    });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const ns = this.nsInf.get(key);
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return;
    for (const name of DEFAULT_SERVICE_ACCOUNTS) {
      if (this.saInf.get(`${key}/${name}`)) continue;
      try {
        await this.client.create<SA>(R.serviceaccounts, {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name, namespace: key },
        });
      } catch (err) {
        // Already there (cache lag), or the namespace started terminating meanwhile.
        if (!isAlreadyExists(err) && !isForbidden(err)) throw err;
      }
    }
  }
}
