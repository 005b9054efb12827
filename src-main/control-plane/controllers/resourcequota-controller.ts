import type { ResourceQuota } from 'kubernetes-types/core/v1';
import type { KubeClient } from '../../common/client/client';
import { isNotFound } from '../../common/client/errors';
import type { Informer } from '../../common/client/informer';
import { R, RESOURCES, type ResourceType } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { Controller, type ControllerOptions, type ReconcileResult, type SharedInformers } from '../client';

import { clone } from './pod-util';
import { computeQuotaUsed, objectKindsFor, type NamespaceObjects } from '../../common/quota';
import { deepEqual } from '../../common/json';

type RQ = ResourceQuota & KubeObject;

/** Full recalculation period (upstream --resource-quota-sync-period: 5 min). */
const QUOTA_RESYNC_MS = 5 * 60_000;

/** The resource type of a `count/` id (`deployments.apps` → apps/deployments). */
function typeOfCountId(id: string): ResourceType | undefined {
  const dot = id.indexOf('.');
  const plural = dot < 0 ? id : id.slice(0, dot);
  const group = dot < 0 ? '' : id.slice(dot + 1);
  return RESOURCES.find((t) => t.plural === plural && t.group === group && t.namespaced);
}

/**
 * kube-controller-manager's ResourceQuota controller: keeps status.hard (a copy of spec.hard)
 * and status.used (pods, compute requests/limits, services, claims, object counts — see
 * quota.ts) of every ResourceQuota. Pods, services and claims come from shared informers and
 * trigger a recalculation of their namespace's quotas when they change; other kinds are listed
 * at recalculation time, with a full resync every 5 minutes like upstream.
 */
export class ResourceQuotaController extends Controller {
  private readonly rqInf: Informer<RQ>;
  private readonly cached = new Map<string, Informer<KubeObject>>();

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: ControllerOptions = {},
  ) {
    super('resourcequota-controller', opts);
    this.rqInf = informers.informerFor<RQ>(R.resourcequotas);
    this.rqInf.addHandler({ add: (q) => this.enqueue(q), update: (q) => this.enqueue(q) });
    for (const [id, t] of [
      ['pods', R.pods],
      ['services', R.services],
      ['persistentvolumeclaims', R.persistentvolumeclaims],
    ] as const) {
      const inf = informers.informerFor<KubeObject>(t);
      this.cached.set(id, inf);
      const wake = (o: KubeObject) => this.enqueueNamespace(o.metadata.namespace);
      inf.addHandler({
        add: wake,
        update: (o, old) => {
          // Pods change status all the time; only a phase change or deletion changes usage.
          if (
            id === 'pods' &&
            (o.status as { phase?: string })?.phase === (old.status as { phase?: string })?.phase &&
            !!o.metadata.deletionTimestamp === !!old.metadata.deletionTimestamp &&
            deepEqual(o.spec, old.spec)
          )
            return;
          wake(o);
        },
        delete: wake,
      });
    }
  }

  private enqueueNamespace(ns: string | undefined): void {
    for (const q of this.rqInf.list()) if (q.metadata.namespace === ns) this.enqueue(q);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const q = this.rqInf.get(key);
    if (!q || q.metadata.deletionTimestamp) return;
    const ns = q.metadata.namespace!;
    const objects: NamespaceObjects = {};
    for (const id of objectKindsFor((q.spec?.hard ?? {}) as Record<string, unknown>)) {
      const inf = this.cached.get(id);
      if (inf) {
        objects[id] = inf.list().filter((o) => o.metadata.namespace === ns) as NamespaceObjects[string];
        continue;
      }
      const t = typeOfCountId(id);
      if (!t) continue;
      try {
        objects[id] = (await this.client.list<KubeObject>(t, { namespace: ns }))
          .items as NamespaceObjects[string];
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const used = computeQuotaUsed(q, objects, this.clock.now());
    const hard = { ...((q.spec?.hard ?? {}) as Record<string, string>) };
    if (!deepEqual(q.status?.hard ?? {}, hard) || !deepEqual(q.status?.used ?? {}, used)) {
      const copy = clone(q);
      copy.status = { hard, used };
      try {
        await this.client.updateStatus(R.resourcequotas, copy);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return { requeueAfter: QUOTA_RESYNC_MS };
  }
}
