/**
 * Edits of a container's requests and limits from the Resources page: finds what owns the
 * pod (Deployment through its ReplicaSet, StatefulSet, DaemonSet, or the pod itself) and sends
 * a strategic-merge patch of the pod template (or the pod), field manager `skiff-ui`. The
 * watches then show the rollout; the outcome is kept for the page.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { R, type ResourceType } from '@common/resources';
import type { Pod, ReplicaSet } from '../models/kube';
import { errorMessage } from '../models/format';
import { resourcesPatch, type ResourceEdit } from '../models/resources';
import { useConnectionStore } from './connection';
import type { LoadStatus } from './resource-store';

/** What an edit patches. */
export interface EditTarget {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Pod';
  type: ResourceType;
  namespace: string;
  name: string;
  /** Replicas the template makes (1 for a pod; DaemonSet: one per node). */
  replicas: number;
}

export const useLimitsStore = defineStore('limits', () => {
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  const last = ref<string | null>(null);

  function client() {
    const c = useConnectionStore().client;
    if (!c) throw new Error('Not connected to the API server.');
    return c;
  }

  /** The workload whose template makes this pod (or the pod, when nothing owns it). */
  async function resolveTarget(pod: Pod): Promise<EditTarget> {
    const ns = pod.metadata.namespace ?? '';
    const owner =
      pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
    if (owner?.kind === 'ReplicaSet') {
      const rs = await client().get<ReplicaSet>(R.replicasets, owner.name, ns);
      const d = rs.metadata.ownerReferences?.find((o) => o.kind === 'Deployment');
      if (d) {
        const dep = await client().get<{ metadata: object; spec?: { replicas?: number } }>(
          R.deployments,
          d.name,
          ns,
        );
        return {
          kind: 'Deployment',
          type: R.deployments,
          namespace: ns,
          name: d.name,
          replicas: dep.spec?.replicas ?? 1,
        };
      }
      throw new Error(`ReplicaSet ${owner.name} has no Deployment: edit the ReplicaSet's template instead.`);
    }
    if (owner?.kind === 'StatefulSet') {
      const s = await client().get<{ metadata: object; spec?: { replicas?: number } }>(
        R.statefulsets,
        owner.name,
        ns,
      );
      return {
        kind: 'StatefulSet',
        type: R.statefulsets,
        namespace: ns,
        name: owner.name,
        replicas: s.spec?.replicas ?? 1,
      };
    }
    if (owner?.kind === 'DaemonSet')
      return { kind: 'DaemonSet', type: R.daemonsets, namespace: ns, name: owner.name, replicas: 1 };
    if (owner) throw new Error(`Pods of a ${owner.kind} are edited through the ${owner.kind}.`);
    return { kind: 'Pod', type: R.pods, namespace: ns, name: pod.metadata.name ?? '', replicas: 1 };
  }

  /** Sends the patch; true when the server accepted it. */
  async function apply(target: EditTarget, container: string, edit: ResourceEdit): Promise<boolean> {
    status.value = 'loading';
    error.value = null;
    try {
      await client().patch(
        target.type,
        target.name,
        target.namespace,
        resourcesPatch(container, edit, target.kind !== 'Pod'),
        'strategic',
        { fieldManager: 'skiff-ui' },
      );
      status.value = 'ready';
      last.value = `${target.kind} ${target.name}: ${container} resources updated${target.kind === 'Pod' ? '' : ' — its pods are being replaced'}.`;
      return true;
    } catch (err) {
      status.value = 'error';
      error.value = errorMessage(err);
      return false;
    }
  }

  function clear(): void {
    status.value = 'idle';
    error.value = null;
    last.value = null;
  }

  return { status, error, last, resolveTarget, apply, clear };
});
