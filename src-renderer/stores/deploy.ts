/**
 * Click-to-deploy: creates the Deployment built from the form through the client and keeps
 * the outcome (the server's Status message and field causes) for the form to show.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { ApiError } from '@common/client';
import { R } from '@common/resources';
import type { Deployment } from '../models/kube';
import { buildDeployment, type DeployFormValues } from '../models/deploy';
import { errorMessage } from '../models/format';
import { useConnectionStore } from './connection';
import type { LoadStatus } from './resource-store';
import { useDeploymentsStore } from './deployments';

/** A readable server error: the Status message and, for 422s, the fields it names. */
export interface DeployError {
  message: string;
  reason?: string;
  causes: { field?: string; message: string }[];
}

export function toDeployError(err: unknown): DeployError {
  if (err instanceof ApiError) {
    const causes = (err.status.details?.causes ?? []).map((c) => ({
      field: c.field,
      message: c.message ?? c.reason ?? '',
    }));
    return { message: err.status.message || `HTTP ${err.code}`, reason: err.status.reason, causes };
  }
  return { message: errorMessage(err), causes: [] };
}

export const useDeployStore = defineStore('deploy', () => {
  const status = ref<LoadStatus>('idle');
  const error = shallowRef<DeployError | null>(null);
  const created = shallowRef<Deployment | null>(null);

  async function create(values: DeployFormValues): Promise<Deployment | null> {
    const client = useConnectionStore().client;
    status.value = 'loading';
    error.value = null;
    if (!client) {
      status.value = 'error';
      error.value = { message: 'Not connected to the API server.', causes: [] };
      return null;
    }
    try {
      const d = await client.create<Deployment>(
        R.deployments,
        buildDeployment(values) as Deployment & { metadata: object },
        {
          fieldManager: 'skiff-ui',
        },
      );
      created.value = d;
      // The server's answer is the object as stored: show it right away on the Deployment
      // page; the watch delivers the same resourceVersion (or newer) moments later.
      useDeploymentsStore().applyEvent({ type: 'ADDED', object: d });
      status.value = 'ready';
      return d;
    } catch (err) {
      status.value = 'error';
      error.value = toDeployError(err);
      return null;
    }
  }

  function reset(): void {
    status.value = 'idle';
    error.value = null;
  }

  return { status, error, created, create, reset };
});
