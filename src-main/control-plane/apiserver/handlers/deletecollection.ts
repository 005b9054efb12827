// The DELETE-collection handler (upstream endpoints/handlers/delete.go DeleteCollection): lists by selector, then deletes each item as the DELETE handler would.
import type { KubeObject } from '../../../common/types';
import { apiVersionOf } from '../../../common/resources';
import { sendJson } from '../http';
import type { Strategy } from '../registry';
import type { ResourceRequest } from '../request';
import { StatusError } from '../status';
import { withType, type RestDeps } from './common';
import { deleteOne, deleteOptions } from './delete';

export async function deleteCollection(deps: RestDeps, r: ResourceRequest, s: Strategy): Promise<void> {
  const opts = await deleteOptions(r);
  const q = r.query;
  const list = await deps.storage.list(r.type, {
    namespace: r.namespace,
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
  });
  const items: KubeObject[] = [];
  for (const item of list.items) {
    try {
      items.push(
        withType(
          r.type,
          await deleteOne(deps, r.type, s, item.metadata.namespace, item.metadata.name!, opts),
        ),
      );
    } catch (err) {
      // Gone meanwhile (deleted by someone else): not an error for the collection.
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
  }
  sendJson(r.res, 200, {
    kind: r.type.listKind,
    apiVersion: apiVersionOf(r.type),
    metadata: { resourceVersion: list.metadata.resourceVersion },
    items,
  });
}
