/**
 * Click-to-deploy: creates the Deployment built from the form through the client and keeps
 * the outcome (the server's Status message and field causes) for the form to show.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { ApiError } from '@common/client';
import { R } from '@common/resources';
import type { Deployment } from '../models/kube';
import { buildDeployment, buildService, fieldForCause, type DeployFormValues } from '../models/deploy';
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

/** Server causes by form field (the rest stay in the general message). */
export function causesByField(e: DeployError | null): Partial<Record<keyof DeployFormValues, string>> {
  const out: Partial<Record<keyof DeployFormValues, string>> = {};
  for (const c of e?.causes ?? []) {
    const f = fieldForCause(c.field);
    if (f && !out[f]) out[f] = c.message;
  }
  return out;
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
  /** The last server-side dry-run of the form (null = accepted or not run). */
  const dryRunError = shallowRef<DeployError | null>(null);
  const dryRunStatus = ref<LoadStatus>('idle');
  let dryGen = 0;

  /** Asks the server to validate the Deployment (and Service) without storing: dryRun=All. */
  async function dryRun(values: DeployFormValues): Promise<void> {
    const client = useConnectionStore().client;
    if (!client) return;
    const my = ++dryGen;
    dryRunStatus.value = 'loading';
    try {
      await client.create(R.deployments, buildDeployment(values) as Deployment & { metadata: object }, {
        dryRun: true,
        fieldManager: 'skiff-ui',
      });
      if (values.expose && values.port !== null)
        await client.create(R.services, buildService(values), { dryRun: true, fieldManager: 'skiff-ui' });
      if (my === dryGen) {
        dryRunError.value = null;
        dryRunStatus.value = 'ready';
      }
    } catch (err) {
      if (my !== dryGen) return;
      dryRunError.value = toDeployError(err);
      dryRunStatus.value = 'error';
    }
  }

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
      if (values.expose && values.port !== null) {
        try {
          await client.create(R.services, buildService(values), { fieldManager: 'skiff-ui' });
        } catch (err) {
          // The Deployment exists; report the Service problem without hiding that.
          error.value = {
            ...toDeployError(err),
            message: `Deployment created, but the Service was not: ${errorMessage(err)}`,
          };
        }
      }
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
    dryRunError.value = null;
    dryRunStatus.value = 'idle';
  }

  return { status, error, created, create, reset, dryRun, dryRunError, dryRunStatus };
});
