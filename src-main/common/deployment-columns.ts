// kubectl's READY / UP-TO-DATE / AVAILABLE for a Deployment (printers.printDeployment), computed from its JSON. Pure; the API server's Table and the dashboard both use it.
import type { Deployment } from 'kubernetes-types/apps/v1';

/** The replica columns `kubectl get deployments` prints. */
export interface DeploymentColumns {
  /** READY: `<ready>/<desired>`. */
  ready: string;
  readyReplicas: number;
  /** spec.replicas, 1 when unset (the apps/v1 default). */
  desired: number;
  /** UP-TO-DATE: status.updatedReplicas. */
  upToDate: number;
  /** AVAILABLE: status.availableReplicas. */
  available: number;
}

/** The replica columns of a Deployment; absent status counts are 0. */
export function deploymentColumns(d: Pick<Deployment, 'spec' | 'status'>): DeploymentColumns {
  const desired = d.spec?.replicas ?? 1;
  const readyReplicas = d.status?.readyReplicas ?? 0;
  return {
    ready: `${readyReplicas}/${desired}`,
    readyReplicas,
    desired,
    upToDate: d.status?.updatedReplicas ?? 0,
    available: d.status?.availableReplicas ?? 0,
  };
}
