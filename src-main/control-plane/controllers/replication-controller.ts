// kube-controller-manager's ReplicationManager: the ReplicaSet controller run on core/v1 ReplicationControllers through an adapter (pkg/controller/replication); writes RC status and pods through the API.
import type { ReplicationController } from 'kubernetes-types/core/v1';
import type { KubeClient } from '../../common/client/client';
import { R } from '../../common/resources';
import type { KubeObject, ReplicaSet } from '../../common/types';
import type { SharedInformers } from '../client';
import {
  ReplicaSetController,
  type ReplicaSetControllerOptions,
  type ReplicatedKind,
} from './replicaset-controller';

/**
 * A ReplicationController seen as a ReplicaSet (upstream's conversion.go): the same object with
 * its plain-map selector as `matchLabels`. A missing or empty selector selects nothing (the API
 * server defaults it from the template, so that only happens for objects it never validated).
 */
export function replicationControllerAsReplicaSet(obj: KubeObject): ReplicaSet & KubeObject {
  const rc = obj as unknown as ReplicationController & KubeObject;
  const sel = rc.spec?.selector;
  const selector = sel && Object.keys(sel).length ? { matchLabels: { ...sel } } : undefined;
  return {
    ...(rc as unknown as ReplicaSet & KubeObject),
    spec: { ...(rc.spec as unknown as ReplicaSet['spec']), selector } as ReplicaSet['spec'],
  };
}

/** core/v1 ReplicationControllers, for the ReplicaSet controller. */
export const REPLICATION_CONTROLLERS: ReplicatedKind = {
  name: 'replicationcontroller-controller',
  type: R.replicationcontrollers,
  asReplicaSet: replicationControllerAsReplicaSet,
};

/** The ReplicationController controller: pods owned by (controller ownerReference to) each RC, its status counts. */
export class ReplicationControllerController extends ReplicaSetController {
  constructor(
    client: KubeClient,
    informers: SharedInformers,
    opts: Omit<ReplicaSetControllerOptions, 'kind'> = {},
  ) {
    super(client, informers, { ...opts, kind: REPLICATION_CONTROLLERS });
  }
}
