/**
 * API object types. Kubernetes kinds come from `kubernetes-types`; this module re-exports the
 * ones Skiff uses under short names and adds the few generic shapes (object, list, watch event,
 * Status) that every layer shares.
 */
export type {
  Pod,
  PodSpec,
  PodStatus,
  Container,
  ContainerStatus,
  Node,
  Namespace,
  Event,
} from 'kubernetes-types/core/v1';
export type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
export type { Lease } from 'kubernetes-types/coordination/v1';
import type { ObjectMeta, Status } from 'kubernetes-types/meta/v1';
export type { ObjectMeta, Status, OwnerReference } from 'kubernetes-types/meta/v1';

/** Any Kubernetes object: typed metadata, the rest open. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** A list response. */
export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One event of a watch stream. ERROR events carry a Status. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T | (Status & KubeObject);
}
