/**
 * ControllerRevisions for StatefulSets and DaemonSets (pkg/controller/history): each distinct
 * pod template is stored as a ControllerRevision named `<owner>-<hash>` whose data is the
 * strategic-merge patch `{"spec":{"template":{…,"$patch":"replace"}}}` — exactly what
 * `kubectl rollout undo` applies back — with an increasing `revision` number.
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1';
import type { KubeClient } from '../../common/client/client';
import { isAlreadyExists, isNotFound } from '../../common/client/errors';
import type { ResourceType } from '../../common/resources';
import { R } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { canonicalJson } from '../../common/json';
import { isControlledBy, ownerRefTo } from './controller-util';
import { computeHash } from './deployment-util';
import { clone } from './pod-util';

export type Revision = ControllerRevision & KubeObject;

/** Pod label naming the ControllerRevision a pod was made from. */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';
/** Label on a ControllerRevision with its hash. */
export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

/** The revision data of a template (getPatch of the StatefulSet/DaemonSet controllers). */
function revisionData(template: PodTemplateSpec | undefined): Record<string, unknown> {
  return { spec: { template: { ...(structuredClone(template ?? {}) as object), $patch: 'replace' } } };
}

/** The template stored in a revision. */
export function templateOf(rev: Revision): PodTemplateSpec {
  const t = structuredClone(
    ((rev.data as { spec?: { template?: PodTemplateSpec } })?.spec?.template ?? {}) as PodTemplateSpec & {
      $patch?: string;
    },
  );
  delete t.$patch;
  return t;
}

/** Revisions of `owner` from a cache, oldest first. */
export function ownedRevisions(all: Revision[], owner: KubeObject): Revision[] {
  return all
    .filter((r) => r.metadata.namespace === owner.metadata.namespace && isControlledBy(r, owner))
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || (a.metadata.name! < b.metadata.name! ? -1 : 1));
}

function sameData(a: Revision, b: Revision): boolean {
  return canonicalJson(a.data) === canonicalJson(b.data);
}

/**
 * Ensures the revision of the owner's current template exists and is the newest (create, or
 * renumber an equal older one, as rollback does), resolving hash collisions by bumping
 * collisionCount. Returns the update revision, the owner's current revision and the
 * (possibly bumped) collisionCount.
 */
export async function syncRevisions(
  client: KubeClient,
  ownerType: ResourceType,
  owner: KubeObject & { spec?: { template?: PodTemplateSpec } },
  revisions: Revision[],
  currentName: string | undefined,
  collisionCount: number,
): Promise<{ update: Revision; current: Revision; collisionCount: number; revisions: Revision[] }> {
  const data = revisionData(owner.spec?.template);
  const next = (revisions.at(-1)?.revision ?? 0) + 1;
  let list = [...revisions];
  const probe = { data } as unknown as Revision;
  const equal = list.filter((r) => sameData(r, probe));
  let update: Revision;
  if (equal.length) {
    const last = equal.at(-1)!;
    if (last === list.at(-1)) update = last;
    else {
      // Rolling back to an older template: it becomes the newest revision again.
      const copy = clone(last);
      copy.revision = next;
      update = await client.update<Revision>(R.controllerrevisions, copy);
      list = [...list.filter((r) => r.metadata.uid !== last.metadata.uid), update];
    }
  } else {
    for (let cc = collisionCount; ; cc++) {
      const hash = computeHash(data as PodTemplateSpec, cc || undefined);
      const rev: Revision = {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: {
          name: `${owner.metadata.name}-${hash}`,
          namespace: owner.metadata.namespace,
          labels: { ...(owner.spec?.template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
          ownerReferences: [ownerRefTo(ownerType, owner)],
        },
        data,
        revision: next,
      };
      try {
        update = await client.create<Revision>(R.controllerrevisions, rev);
        collisionCount = cc;
        break;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        const existing = await client.get<Revision>(
          R.controllerrevisions,
          rev.metadata.name!,
          rev.metadata.namespace,
        );
        if (isControlledBy(existing, owner) && sameData(existing, rev)) {
          // Ours and equal (the cache was behind): adopt it as the newest.
          update = existing;
          if ((existing.revision ?? 0) < next) {
            const copy = clone(existing);
            copy.revision = next;
            update = await client.update<Revision>(R.controllerrevisions, copy);
          }
          collisionCount = cc;
          break;
        }
        // A hash collision with a different template: try the next collision count.
      }
    }
    list = [...list.filter((r) => r.metadata.name !== update.metadata.name), update];
  }
  const current = list.find((r) => r.metadata.name === currentName) ?? update;
  return { update, current, collisionCount, revisions: list };
}

/** Deletes the oldest revisions not in `live` beyond `limit` (revisionHistoryLimit). */
export async function truncateHistory(
  client: KubeClient,
  revisions: Revision[],
  live: Set<string>,
  limit: number,
): Promise<void> {
  const old = revisions.filter((r) => !live.has(r.metadata.name!));
  for (const r of old.slice(0, Math.max(0, old.length - limit))) {
    try {
      await client.delete(R.controllerrevisions, r.metadata.name!, r.metadata.namespace, {
        preconditions: { uid: r.metadata.uid },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
