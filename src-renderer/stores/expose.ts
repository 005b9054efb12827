/**
 * "Expose on localhost": which workload or pod the dialog (ExposeDialog, mounted once in the
 * shell) is for — any page or row opens it with `useExposeStore().open(kind, namespace, name)` —
 * and the writes it makes through the client: the pod label a bare pod may need, then the
 * LoadBalancer Service. The outcome (the server's Status message) stays here for the dialog.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { R } from '@common/resources';
import type { Service } from '../models/kube';
import { buildExposureService, type ExposableKind, type ExposeRequest } from '../models/expose';
import { useConnectionStore } from './connection';
import { toDeployError, type DeployError } from './deploy';
import { useServicesStore } from './kinds';
import type { LoadStatus } from './resource-store';

const FIELD_MANAGER = 'skiff-ui';

/** The object the dialog exposes. */
export interface ExposeTarget {
  kind: ExposableKind;
  namespace: string;
  name: string;
  /** The container port to preselect (from a port's "Expose permanently"). */
  port?: number;
}

export const useExposeStore = defineStore('expose', () => {
  const target = ref<ExposeTarget | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = shallowRef<DeployError | null>(null);
  /** The Service made by the last successful expose (the dialog then follows its listener). */
  const created = ref<{ namespace: string; name: string } | null>(null);

  function open(kind: ExposableKind, namespace: string, name: string, port?: number): void {
    target.value = { kind, namespace, name, port };
    status.value = 'idle';
    error.value = null;
    created.value = null;
  }

  function close(): void {
    target.value = null;
  }

  /**
   * Creates the exposure: first the pod label (when the selector needs one), then the Service.
   * A refused write (Conflict, Invalid, AlreadyExists…) is kept as the server said it.
   */
  async function expose(
    req: ExposeRequest,
    podLabelPatch?: { metadata: { labels: Record<string, string> } },
  ): Promise<boolean> {
    const client = useConnectionStore().client;
    status.value = 'loading';
    error.value = null;
    if (!client) {
      status.value = 'error';
      error.value = { message: 'Not connected to the API server.', causes: [] };
      return false;
    }
    try {
      if (podLabelPatch && req.kind === 'Pod')
        await client.patch(R.pods, req.workload, req.namespace, podLabelPatch, 'merge', {
          fieldManager: FIELD_MANAGER,
        });
      const svc = await client.create<Service>(R.services, buildExposureService(req), {
        fieldManager: FIELD_MANAGER,
      });
      // Shown at once; the watch brings the same object (and then the proxy's report).
      useServicesStore().applyEvent({ type: 'ADDED', object: svc });
      created.value = { namespace: req.namespace, name: req.name };
      status.value = 'ready';
      return true;
    } catch (err) {
      status.value = 'error';
      error.value = toDeployError(err);
      return false;
    }
  }

  /** Moves an exposure to another local port (after "port in use", say): a merge patch of its ports. */
  async function changePort(svc: Service, localPort: number): Promise<boolean> {
    const client = useConnectionStore().client;
    if (!client) return false;
    status.value = 'loading';
    error.value = null;
    try {
      const ports = (svc.spec?.ports ?? []).map((p, i) =>
        i === 0 ? { name: p.name, protocol: p.protocol, port: localPort, targetPort: p.targetPort } : p,
      );
      const updated = await client.patch<Service>(
        R.services,
        svc.metadata.name!,
        svc.metadata.namespace,
        { spec: { ports } },
        'merge',
        { fieldManager: FIELD_MANAGER },
      );
      useServicesStore().applyEvent({ type: 'MODIFIED', object: updated });
      status.value = 'ready';
      return true;
    } catch (err) {
      status.value = 'error';
      error.value = toDeployError(err);
      return false;
    }
  }

  return { target, status, error, created, open, close, expose, changePort };
});
