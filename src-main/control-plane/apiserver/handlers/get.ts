// The GET handler for one object or its /status, /scale, /ephemeralcontainers view (upstream endpoints/handlers/get.go); reads storage, writes only the response.
import type { Strategy } from '../registry';
import { sendJson } from '../http';
import type { ResourceRequest } from '../request';
import { sendObject, withType, type RestDeps } from './common';
import { toScale } from './subresources';

export async function get(deps: RestDeps, r: ResourceRequest, s: Strategy): Promise<void> {
  const obj = withType(r.type, await deps.storage.get(r.type, r.namespace, r.name!));
  if (r.subresource === 'scale') return sendJson(r.res, 200, toScale(obj, s.scaleView));
  sendObject(deps, r, s, 200, obj);
}
