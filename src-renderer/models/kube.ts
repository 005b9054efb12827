/**
 * The Kubernetes kinds as the dashboard holds them: `kubernetes-types` shapes whose metadata
 * is always present (every object from the API server has it), so helpers need no `?.` on it.
 */
import type * as T from '@common/types';
import type { KubeObject } from '@common/types';

export type Pod = T.Pod & KubeObject;
export type Node = T.Node & KubeObject;
export type Namespace = T.Namespace & KubeObject;
export type Event = T.Event & KubeObject;
export type Deployment = T.Deployment & KubeObject;
export type ReplicaSet = T.ReplicaSet & KubeObject;
export type Lease = T.Lease & KubeObject;
export type { Container, ContainerStatus, KubeObject } from '@common/types';

export type Service = import('kubernetes-types/core/v1').Service & KubeObjectT;
export type ConfigMap = import('kubernetes-types/core/v1').ConfigMap & KubeObjectT;
export type Secret = import('kubernetes-types/core/v1').Secret & KubeObjectT;
export type PersistentVolumeClaim = import('kubernetes-types/core/v1').PersistentVolumeClaim & KubeObjectT;
export type StatefulSet = import('kubernetes-types/apps/v1').StatefulSet & KubeObjectT;
export type DaemonSet = import('kubernetes-types/apps/v1').DaemonSet & KubeObjectT;
export type ControllerRevision = import('kubernetes-types/apps/v1').ControllerRevision & KubeObjectT;
export type Job = import('kubernetes-types/batch/v1').Job & KubeObjectT;
export type CronJob = import('kubernetes-types/batch/v1').CronJob & KubeObjectT;
export type Ingress = import('kubernetes-types/networking/v1').Ingress & KubeObjectT;
type KubeObjectT = KubeObject;
