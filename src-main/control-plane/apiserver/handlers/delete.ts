// The DELETE handler (upstream endpoints/handlers/delete.go): DeleteOptions from query and body, then the strategy's own delete or a plain storage delete.
import type { ResourceType } from '../../../common/resources';
import type { KubeObject } from '../../../common/types';
import { boolParam, decodeBody, intParam, readBody } from '../http';
import type { Strategy } from '../registry';
import { isObject } from '../registry/strategy';
import type { ResourceRequest } from '../request';
import { badRequest, invalid } from '../status';
import type { StorageDeleteOptions } from '../storage';
import { dryRun, sendObject, withType, type RestDeps } from './common';

/** DeleteOptions from the query and the (optional) body; the query wins. */
export async function deleteOptions(
  r: ResourceRequest,
): Promise<StorageDeleteOptions & { gracePeriodSeconds?: number }> {
  const buf = await readBody(r.req);
  let body: Record<string, unknown> = {};
  if (buf.length && buf.toString('utf8').trim()) {
    const parsed = decodeBody(buf, r.req.headers['content-type'] ?? 'application/json');
    if (!isObject(parsed)) throw badRequest('DeleteOptions must be an object');
    body = parsed;
  }
  const q = r.query;
  const grace = intParam(q, 'gracePeriodSeconds') ?? (body.gracePeriodSeconds as number | undefined);
  if (grace !== undefined && (typeof grace !== 'number' || grace < 0))
    throw invalid('DeleteOptions', '', '', [
      {
        reason: 'FieldValueInvalid',
        field: 'gracePeriodSeconds',
        message: `Invalid value: ${String(grace)}: must be greater than or equal to 0`,
      },
    ]);
  let policy = (q.get('propagationPolicy') ?? body.propagationPolicy) as
    StorageDeleteOptions['propagationPolicy'] | undefined;
  const orphan = q.has('orphanDependents') ? boolParam(q, 'orphanDependents') : body.orphanDependents;
  if (!policy && (orphan === true || orphan === 'true')) policy = 'Orphan';
  if (policy && !['Background', 'Foreground', 'Orphan'].includes(policy))
    throw badRequest(
      `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  const bodyDry = Array.isArray(body.dryRun) && (body.dryRun as string[]).includes('All');
  return {
    dryRun: dryRun(q) || bodyDry,
    gracePeriodSeconds: grace,
    propagationPolicy: policy,
    preconditions: isObject(body.preconditions)
      ? (body.preconditions as StorageDeleteOptions['preconditions'])
      : undefined,
  };
}

/** Deletes one object: the strategy's own delete (graceful pods, namespaces), else a plain one. */
export function deleteOne(
  deps: RestDeps,
  t: ResourceType,
  s: Strategy,
  ns: string | undefined,
  name: string,
  opts: StorageDeleteOptions,
): Promise<KubeObject> {
  if (s.delete) return s.delete({ storage: deps.storage, namespace: ns, name, opts });
  // Only kinds with their own delete support graceful deletion.
  return deps.storage.delete(t, ns, name, { ...opts, gracePeriodSeconds: undefined });
}

export async function deleteObject(deps: RestDeps, r: ResourceRequest, s: Strategy): Promise<void> {
  const opts = await deleteOptions(r);
  const obj = await deleteOne(deps, r.type, s, r.namespace, r.name!, opts);
  sendObject(deps, r, s, 200, withType(r.type, obj));
}
