/**
 * Owner references between controllers and their children (pkg/controller/controller_ref_manager.go):
 * resolving a child's controller in a cache, the children an owner controls, and claiming them
 * (adopt / release). Any controller may use it; it writes only ownerReferences of children.
 */
import type { LabelSelector, OwnerReference } from 'kubernetes-types/meta/v1';
import type { KubeClient } from '../../common/client/client';
import { isNotFound } from '../../common/client/errors';
import type { ResourceType } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { controllerRefOf } from '../client';
import { ownerRefTo } from './controller-util';
import { clone, selectorMatches } from './pod-util';

/** A cache of owners by `namespace/name` (an Informer). */
export interface OwnerCache<T extends KubeObject> {
  get(key: string): T | undefined;
}

/**
 * The cached controller of `obj` (each controller's resolveControllerRef upstream): the owner
 * its controller reference names, when that is of `kind` and still the same object (uid).
 */
export function resolveControllerRef<T extends KubeObject>(
  cache: OwnerCache<T>,
  obj: KubeObject,
  kind: string,
  ref = controllerRefOf(obj),
): T | undefined {
  if (!ref || ref.kind !== kind) return undefined;
  const owner = cache.get(`${obj.metadata.namespace}/${ref.name}`);
  return owner && owner.metadata.uid === ref.uid ? owner : undefined;
}

/**
 * The children `owner` controls already: in its namespace, with a controller reference to its
 * uid. Read-only — for controllers that do not adopt (ControllerRefManager.claim does).
 */
export function controlledBy<T extends KubeObject>(children: readonly T[], owner: KubeObject): T[] {
  return children.filter(
    (c) =>
      c.metadata.namespace === owner.metadata.namespace && controllerRefOf(c)?.uid === owner.metadata.uid,
  );
}

/**
 * Replaces an object's ownerReferences (none left: the field goes), an update with its
 * resourceVersion (a conflict throws). Undefined when the object is gone.
 */
export async function writeOwnerRefs<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
  obj: T,
  refs: OwnerReference[],
): Promise<T | undefined> {
  const copy = clone(obj) as T;
  copy.metadata = { ...copy.metadata, ownerReferences: refs.length ? refs : undefined };
  try {
    return await client.update(type, copy);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** What a ControllerRefManager claims children for. */
export interface ControllerRefManagerOptions {
  /** The owner as the controller's cache has it (a Deployment, a ReplicaSet…). */
  owner: KubeObject;
  ownerType: ResourceType;
  /** The type of the children it claims (ReplicaSets, Pods…). */
  childType: ResourceType;
  /** The owner's selector; a child matches when its labels satisfy it. */
  selector: LabelSelector | undefined;
}

/**
 * Behaves like kube-controller-manager's ControllerRefManager (pkg/controller/
 * controller_ref_manager.go, ClaimPods / ClaimReplicaSets), the one place where controllers
 * claim their children:
 * - a child controlled by another owner is ignored;
 * - a child controlled by this owner is kept while it matches the selector, and released
 *   (this owner's reference removed) when it no longer does — unless the owner is being deleted;
 * - an orphan that matches is adopted (the owner's controller reference appended), unless the
 *   owner or the child is being deleted. Before the first adoption the owner is re-read from the
 *   API server (upstream's canAdopt / RecheckDeletionTimestamp), so a deleted-and-recreated owner
 *   never adopts by a stale uid from the cache.
 * Adoption and release are updates with the child's resourceVersion (a conflict throws, and the
 * reconcile retries); a child that is gone meanwhile is skipped.
 */
export class ControllerRefManager {
  private canAdopt: Promise<boolean> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: ControllerRefManagerOptions,
  ) {}

  /** The children this owner controls after adopting and releasing, in input order. */
  async claim<T extends KubeObject>(children: readonly T[]): Promise<T[]> {
    const { owner, selector } = this.opts;
    const ownerDeleting = !!owner.metadata.deletionTimestamp;
    const out: T[] = [];
    for (const child of children) {
      const ref = controllerRefOf(child);
      const matches = selectorMatches(selector, child.metadata.labels);
      if (ref) {
        if (ref.uid !== owner.metadata.uid) continue;
        if (matches) out.push(child);
        else if (!ownerDeleting) await this.release(child);
        continue;
      }
      if (!matches || ownerDeleting || child.metadata.deletionTimestamp) continue;
      if (!(await this.ownerCanAdopt())) continue;
      const adopted = await this.adopt(child);
      if (adopted) out.push(adopted);
    }
    return out;
  }

  /** Appends the owner's controller reference to an orphan; undefined when the child is gone. */
  adopt<T extends KubeObject>(child: T): Promise<T | undefined> {
    const ref = ownerRefTo(this.opts.ownerType, this.opts.owner);
    return writeOwnerRefs(this.client, this.opts.childType, child, [
      ...(child.metadata.ownerReferences ?? []),
      ref,
    ]);
  }

  /** Removes the owner's reference from a child; undefined when the child is gone. */
  release<T extends KubeObject>(child: T): Promise<T | undefined> {
    const uid = this.opts.owner.metadata.uid;
    return writeOwnerRefs(
      this.client,
      this.opts.childType,
      child,
      (child.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid),
    );
  }

  /** Asked once per manager: is the owner still there, with the same uid, and not being deleted? */
  private ownerCanAdopt(): Promise<boolean> {
    const { owner, ownerType } = this.opts;
    this.canAdopt ??= this.client.get(ownerType, owner.metadata.name!, owner.metadata.namespace).then(
      (fresh) => fresh.metadata.uid === owner.metadata.uid && !fresh.metadata.deletionTimestamp,
      (err) => {
        if (isNotFound(err)) return false;
        throw err;
      },
    );
    return this.canAdopt;
  }
}
