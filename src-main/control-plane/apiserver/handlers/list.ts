// The LIST handler (upstream endpoints/handlers/get.go ListResource without watch): selectors, paging, Lists or Tables; reads storage, writes only the response.
import { apiVersionOf } from '../../../common/resources';
import { intParam, sendJson, wantsTable } from '../http';
import type { Strategy } from '../registry';
import type { ResourceRequest } from '../request';
import { TABLE_CONTENT_TYPE, includeObjectParam, toTable } from '../table';
import { withType, type RestDeps } from './common';

export async function list(deps: RestDeps, r: ResourceRequest, s: Strategy): Promise<void> {
  const q = r.query;
  const list = await deps.storage.list(r.type, {
    namespace: r.namespace,
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
    limit: intParam(q, 'limit'),
    continue: q.get('continue') ?? undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
  });
  if (wantsTable(r.req.headers.accept)) {
    const table = toTable(r.type, s.table, list.items, {
      now: deps.clock.now(),
      include: includeObjectParam(q),
      resourceVersion: list.metadata.resourceVersion,
      continue: list.metadata.continue,
      remainingItemCount: list.metadata.remainingItemCount,
    });
    return sendJson(r.res, 200, table, TABLE_CONTENT_TYPE);
  }
  sendJson(r.res, 200, {
    kind: r.type.listKind,
    apiVersion: apiVersionOf(r.type),
    metadata: list.metadata,
    items: list.items.map((o) => withType(r.type, o)),
  });
}
