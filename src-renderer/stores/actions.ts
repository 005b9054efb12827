/**
 * Changes the dashboard makes to workloads (scale, delete), through the client, with the
 * outcome kept for the page to show. The watches then bring the resulting state to every page.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { R, type ResourceType } from '@common/resources';
import { isNotFound } from '@common/client';
import { SCHEDULING_ANNOTATION } from '@common/scheduling-decision';
import type { KubeObject, Pod, Service } from '../models/kube';
import { EXPOSE_POD_LABEL } from '../models/expose';
import { drainablePods, restartPatch, rollbackPatch } from '../models/workload';
import { errorMessage } from '../models/format';
import { useConnectionStore } from './connection';
import type { LoadStatus } from './resource-store';

const FIELD_MANAGER = 'skiff-ui';

export const useActionsStore = defineStore('actions', () => {
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  /** What the last action was, for messages ("Scaled web to 3"). */
  const last = ref<string | null>(null);

  async function run(label: string, fn: () => Promise<unknown>): Promise<boolean> {
    status.value = 'loading';
    error.value = null;
    try {
      await fn();
      status.value = 'ready';
      last.value = label;
      return true;
    } catch (err) {
      status.value = 'error';
      error.value = `${label} failed: ${errorMessage(err)}`;
      return false;
    }
  }

  function client() {
    const c = useConnectionStore().client;
    if (!c) throw new Error('Not connected to the API server.');
    return c;
  }

  /** Sets spec.replicas with a merge patch (what `kubectl scale` changes). */
  function scaleDeployment(namespace: string, name: string, replicas: number): Promise<boolean> {
    return run(`Scaling ${name} to ${replicas}`, () =>
      client().patch(R.deployments, name, namespace, { spec: { replicas } }, 'merge', {
        fieldManager: FIELD_MANAGER,
      }),
    );
  }

  /** Deletes a Deployment; the garbage collector removes its ReplicaSets and pods. */
  function deleteDeployment(namespace: string, name: string): Promise<boolean> {
    return run(`Deleting deployment ${name}`, () =>
      client().delete(R.deployments, name, namespace, { propagationPolicy: 'Background' }),
    );
  }

  /** Deletes a pod gracefully; its ReplicaSet (if any) replaces it. */
  function deletePod(namespace: string, name: string): Promise<boolean> {
    return run(`Deleting pod ${name}`, () => client().delete(R.pods, name, namespace));
  }

  /** Deletes objects of one kind (bulk delete); reports how many failed. */
  function deleteObjects(type: ResourceType, objs: readonly KubeObject[]): Promise<boolean> {
    const label =
      objs.length === 1 ? `Deleting ${objs[0].metadata.name}` : `Deleting ${objs.length} ${type.plural}`;
    return run(label, async () => {
      const results = await Promise.allSettled(
        objs.map((o) =>
          client().delete(type, o.metadata.name!, o.metadata.namespace, { propagationPolicy: 'Background' }),
        ),
      );
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length)
        throw new Error(`${failed.length} of ${objs.length}: ${errorMessage(failed[0].reason)}`);
    });
  }

  /** A merge patch on any object (pause/resume, suspend, cordon, image edits). */
  function patchObject(label: string, type: ResourceType, o: KubeObject, patch: unknown): Promise<boolean> {
    return run(label, () =>
      client().patch(type, o.metadata.name!, o.metadata.namespace, patch, 'merge', {
        fieldManager: FIELD_MANAGER,
      }),
    );
  }

  /** Sets spec.replicas of any scalable workload (a merge patch, like the Deployment page always did). */
  function scale(type: ResourceType, o: KubeObject, replicas: number): Promise<boolean> {
    return run(`Scaling ${o.metadata.name} to ${replicas}`, () =>
      client().patch(type, o.metadata.name!, o.metadata.namespace, { spec: { replicas } }, 'merge', {
        fieldManager: FIELD_MANAGER,
      }),
    );
  }

  /** `kubectl rollout restart`: a new restartedAt annotation on the pod template. */
  function restart(type: ResourceType, o: KubeObject, now = new Date()): Promise<boolean> {
    return patchObject(`Restarting ${o.metadata.name}`, type, o, restartPatch(now));
  }

  /** `kubectl rollout undo --to-revision`: the template of that revision, patched in. */
  function rollback(
    type: ResourceType,
    o: KubeObject,
    template: unknown,
    revision: string,
  ): Promise<boolean> {
    return run(`Rolling ${o.metadata.name} back to revision ${revision}`, () =>
      client().patch(type, o.metadata.name!, o.metadata.namespace, rollbackPatch(template), 'json', {
        fieldManager: FIELD_MANAGER,
      }),
    );
  }

  /** Replaces an object with edited YAML (a PUT with its resourceVersion: conflicts are reported). */
  function replaceObject(type: ResourceType, obj: KubeObject): Promise<boolean> {
    return run(`Saving ${obj.metadata.name}`, () =>
      client().update(type, obj, { fieldManager: FIELD_MANAGER }),
    );
  }

  /**
   * `kubectl replace --force` for a pod whose spec cannot change in place (resources,
   * command, nodeSelector…): deletes it, waits on a watch until it is gone (at most 90 s), then
   * creates it from the edited object — without what the server and the scheduler set
   * (uid, resourceVersion, status, spec.nodeName, the scheduling annotation), so it is
   * scheduled afresh.
   */
  function recreatePod(edited: Pod): Promise<boolean> {
    const name = edited.metadata.name!;
    const ns = edited.metadata.namespace ?? 'default';
    return run(`Recreating pod ${name}`, async () => {
      const c = client();
      const { uid } = edited.metadata;
      await c.delete(R.pods, name, ns, uid ? { preconditions: { uid } } : {});
      let rv: string | undefined;
      try {
        rv = (await c.get<Pod>(R.pods, name, ns)).metadata.resourceVersion;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      if (rv !== undefined) {
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), 90_000);
        let gone = false;
        try {
          for await (const ev of c.watch<Pod>(R.pods, {
            namespace: ns,
            fieldSelector: `metadata.name=${name}`,
            resourceVersion: rv,
            signal: ac.signal,
          }))
            if (ev.type === 'DELETED') {
              gone = true;
              break;
            }
        } catch (err) {
          if (!ac.signal.aborted) throw err;
        } finally {
          clearTimeout(timer);
          ac.abort();
        }
        if (!gone) throw new Error(`pod ${name} was still terminating after 90 s; create it again later`);
      }
      const {
        uid: _u,
        resourceVersion: _r,
        creationTimestamp: _c,
        deletionTimestamp: _d,
        deletionGracePeriodSeconds: _g,
        generation: _n,
        ...meta
      } = edited.metadata;
      void [_u, _r, _c, _d, _g, _n];
      const annotations = { ...(meta.annotations ?? {}) };
      delete annotations[SCHEDULING_ANNOTATION];
      const spec = { ...edited.spec! };
      delete spec.nodeName;
      const fresh = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...meta, annotations, managedFields: undefined },
        spec,
      } as Pod;
      await c.create(R.pods, fresh, { fieldManager: FIELD_MANAGER });
    });
  }

  /** Marks a node (un)schedulable. */
  function cordon(node: string, unschedulable: boolean): Promise<boolean> {
    return run(`${unschedulable ? 'Cordoning' : 'Uncordoning'} ${node}`, () =>
      client().patch(R.nodes, node, undefined, { spec: { unschedulable: unschedulable || null } }, 'merge', {
        fieldManager: FIELD_MANAGER,
      }),
    );
  }

  /**
   * `kubectl drain`: cordon, then evict every pod on the node except DaemonSet pods and mirror
   * pods (pods/eviction honours PodDisruptionBudgets: a refused eviction is reported).
   */
  function drain(node: string, pods: readonly Pod[]): Promise<boolean> {
    return run(`Draining ${node}`, async () => {
      await client().patch(R.nodes, node, undefined, { spec: { unschedulable: true } }, 'merge', {
        fieldManager: FIELD_MANAGER,
      });
      const victims = drainablePods(node, pods);
      const results = await Promise.allSettled(
        victims.map((p) =>
          client().create(
            R.pods,
            {
              apiVersion: 'policy/v1',
              kind: 'Eviction',
              metadata: { name: p.metadata.name, namespace: p.metadata.namespace },
            } as KubeObject,
            { namespace: p.metadata.namespace, subresource: 'eviction', name: p.metadata.name },
          ),
        ),
      );
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length)
        throw new Error(
          `${failed.length} of ${victims.length} pods not evicted: ${errorMessage(failed[0].reason)}`,
        );
    });
  }

  /**
   * Removes a dashboard exposure: its Service, and the `skiff.dev/expose` label it may have put
   * on a bare pod (a pod already gone is fine).
   */
  function removeExposure(svc: Service): Promise<boolean> {
    return run(`Removing exposure ${svc.metadata.name}`, async () => {
      const ns = svc.metadata.namespace;
      await client().delete(R.services, svc.metadata.name!, ns);
      const pod = svc.spec?.selector?.[EXPOSE_POD_LABEL];
      if (pod)
        try {
          await client().patch(
            R.pods,
            pod,
            ns,
            { metadata: { labels: { [EXPOSE_POD_LABEL]: null } } },
            'merge',
            {
              fieldManager: FIELD_MANAGER,
            },
          );
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
    });
  }

  function clear(): void {
    status.value = 'idle';
    error.value = null;
  }

  return {
    status,
    error,
    last,
    scaleDeployment,
    deleteDeployment,
    deletePod,
    deleteObjects,
    patchObject,
    scale,
    restart,
    rollback,
    replaceObject,
    recreatePod,
    cordon,
    drain,
    removeExposure,
    clear,
  };
});
