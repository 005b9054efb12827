// The POST (create) handler (upstream endpoints/handlers/create.go): decode, field validation, BeforeCreate, admission, field ownership, then one storage create.
import { readBody } from '../http';
import type { Strategy } from '../registry';
import type { ResourceRequest } from '../request';
import { dryRun, fieldValidation, sendObject, track, withType, type RestDeps } from './common';
import { checkFields, decodeObject } from './decode';
import { ensureNamespace, prepareCreate } from './prepare';

export async function create(deps: RestDeps, r: ResourceRequest, s: Strategy): Promise<void> {
  const mode = fieldValidation(r.query);
  const isDry = dryRun(r.query);
  const obj = await decodeObject(r, await readBody(r.req));
  checkFields(r, s, obj, mode);
  prepareCreate(deps, r, s, obj);
  await ensureNamespace(deps.storage, r.type, r.namespace, obj.metadata.name ?? obj.metadata.generateName);
  await s.admit?.(obj, {
    storage: deps.storage,
    now: deps.clock.now(),
    dryRun: isDry,
    network: deps.network,
  });
  track(deps, r, s, undefined, obj);
  const created = await deps.storage.create(r.type, obj, { dryRun: isDry });
  sendObject(deps, r, s, 201, withType(r.type, created));
}
