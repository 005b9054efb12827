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
