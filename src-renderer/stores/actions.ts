/**
 * Changes the dashboard makes to workloads (scale, delete), through the client, with the
 * outcome kept for the page to show. The watches then bring the resulting state to every page.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { R } from '@common/resources';
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

  function clear(): void {
    status.value = 'idle';
    error.value = null;
  }

  return { status, error, last, scaleDeployment, deleteDeployment, deletePod, clear };
});
