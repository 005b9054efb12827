// The PUT (update) handler (upstream endpoints/handlers/update.go) for an object or its /status, /scale, /ephemeralcontainers: one guaranteedUpdate through storage.
import type { KubeObject } from '../../../common/types';
import { decodeBody, readBody, sendJson } from '../http';
import { clone } from '../patch';
import { strategyFor, type Strategy } from '../registry';
import { prepareEphemeralContainers } from '../registry/ephemeral';
import { isObject } from '../registry/strategy';
import type { ResourceRequest } from '../request';
import { badRequest } from '../status';
import { dryRun, existing, fieldValidation, sendObject, track, withType, type RestDeps } from './common';
import { checkFields, decodeObject } from './decode';
import { prepareUpdate } from './prepare';
import { prepareScale, prepareStatus, toScale } from './subresources';

export async function update(deps: RestDeps, r: ResourceRequest, s: Strategy): Promise<void> {
  const mode = fieldValidation(r.query);
  const isDry = dryRun(r.query);
  const buf = await readBody(r.req);
  if (r.subresource === 'scale') {
    const scale = decodeBody(buf, r.req.headers['content-type']) as KubeObject;
    if (!isObject(scale)) throw badRequest('the request body must be a JSON or YAML object');
    const { object } = await deps.storage.guaranteedUpdate(
      r.type,
      r.namespace,
      r.name!,
      (cur) => prepareScale(r, scale, existing(r, cur)),
      { dryRun: isDry },
    );
    return sendJson(r.res, 200, toScale(withType(r.type, object), strategyFor(r.type).scaleView));
  }
  const obj = await decodeObject(r, buf);
  if (obj.metadata.name !== undefined && obj.metadata.name !== r.name)
    throw badRequest(
      `the name of the object (${obj.metadata.name}) does not match the name on the URL (${r.name})`,
    );
  checkFields(r, s, obj, mode);
  const { object } = await deps.storage.guaranteedUpdate(
    r.type,
    r.namespace,
    r.name!,
    (cur) => {
      const c = existing(r, cur);
      return track(
        deps,
        r,
        s,
        c,
        r.subresource === 'status'
          ? prepareStatus(r, s, obj, c)
          : r.subresource === 'ephemeralcontainers'
            ? prepareEphemeralContainers(obj, c)
            : prepareUpdate(r, s, clone(obj), c),
      );
    },
    { dryRun: isDry },
  );
  sendObject(deps, r, s, 200, withType(r.type, object));
}
