// The PATCH handler (upstream endpoints/handlers/patch.go): merge, JSON, strategic and apply patches (algorithms in ../patch.ts, apply in ../ssa.ts) through one guaranteedUpdate, creating on apply.
import { apiVersionOf } from '../../../common/resources';
import { deepEqual } from '../../../common/json';
import type { KubeObject } from '../../../common/types';
import { boolParam, decodeBody, mediaType, readBody, sendJson } from '../http';
import { applyMerge, clone, jsonPatch, mergePatch, strategicMergePatch } from '../patch';
import type { Strategy } from '../registry';
import { prepareEphemeralContainers } from '../registry/ephemeral';
import { isObject } from '../registry/strategy';
import type { ResourceRequest } from '../request';
import { sameOwnership, serverSideApply, type ApplyOptions } from '../ssa';
import { StatusError, badRequest, notFound } from '../status';
import { dryRun, fieldValidation, sendObject, track, withType, type RestDeps } from './common';
import { checkFields, checkNamespace } from './decode';
import { ensureNamespace, prepareCreate, prepareUpdate } from './prepare';
import { prepareScale, prepareStatus, toScale } from './subresources';

const PATCH_TYPES = [
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

function ssaOptions(deps: RestDeps, r: ResourceRequest, s: Strategy, manager: string): ApplyOptions {
  return {
    type: r.type,
    manager,
    force: boolParam(r.query, 'force'),
    now: deps.clock.now(),
    ignoreStatus: s.hasStatus,
    schema: s.openApiSchema,
  };
}

export async function patch(deps: RestDeps, r: ResourceRequest, s: Strategy): Promise<void> {
  const ct = mediaType(r.req.headers['content-type']);
  if (!PATCH_TYPES.includes(ct)) {
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
    );
  }
  const mode = fieldValidation(r.query);
  const isDry = dryRun(r.query);
  const patchBody = decodeBody(await readBody(r.req), ct);
  const apply = ct === 'application/apply-patch+yaml';
  const manager = r.query.get('fieldManager') ?? '';
  if (apply) {
    if (!manager)
      throw badRequest(
        'PATCH, application/apply-patch+yaml requests must have a fieldManager query parameter',
      );
    if (!isObject(patchBody)) throw badRequest('an apply patch must be a JSON or YAML object');
    const cfg = patchBody as KubeObject;
    const view =
      r.subresource === 'scale'
        ? { apiVersion: 'autoscaling/v1', kind: 'Scale' }
        : { apiVersion: apiVersionOf(r.type), kind: r.type.kind };
    if (cfg.apiVersion !== view.apiVersion || cfg.kind !== view.kind)
      throw badRequest(
        `the apply configuration must have apiVersion "${view.apiVersion}" and kind "${view.kind}" (got "${String(cfg.apiVersion ?? '')}", "${String(cfg.kind ?? '')}")`,
      );
    if (cfg.metadata?.name !== undefined && cfg.metadata.name !== r.name)
      throw badRequest(
        `the name of the object (${cfg.metadata.name}) does not match the name on the URL (${r.name})`,
      );
  }
  const applyPatch = (base: unknown): unknown => {
    switch (ct) {
      case 'application/merge-patch+json':
        if (!isObject(patchBody)) throw badRequest('a merge patch must be a JSON object');
        return mergePatch(base, patchBody);
      case 'application/json-patch+json':
        return jsonPatch(base, patchBody);
      case 'application/strategic-merge-patch+json':
        return strategicMergePatch(base, patchBody);
      default:
        return applyMerge(base, patchBody);
    }
  };
  const creatable = apply && !r.subresource;
  if (creatable) await ensureNamespace(deps.storage, r.type, r.namespace, r.name);
  const { object, created } = await deps.storage.guaranteedUpdate(
    r.type,
    r.namespace,
    r.name!,
    async (cur) => {
      if (!cur) {
        if (!creatable) throw notFound(r.type, r.name!);
        const obj = clone(patchBody) as KubeObject;
        obj.metadata = { ...(obj.metadata ?? {}), name: r.name };
        checkNamespace(r, obj);
        checkFields(r, s, obj, mode);
        prepareCreate(deps, r, s, obj);
        await s.admit?.(obj, {
          storage: deps.storage,
          now: deps.clock.now(),
          dryRun: isDry,
          network: deps.network,
        });
        obj.metadata.managedFields = serverSideApply(
          undefined,
          patchBody as KubeObject,
          ssaOptions(deps, r, s, manager),
        ).metadata.managedFields;
        return obj;
      }
      if (r.subresource === 'scale') {
        const scale = applyPatch(toScale(withType(r.type, cur), s.scaleView)) as KubeObject;
        return prepareScale(r, scale, cur);
      }
      const patched =
        apply && !r.subresource
          ? serverSideApply(cur, patchBody as KubeObject, ssaOptions(deps, r, s, manager))
          : applyPatch(clone(cur));
      if (!isObject(patched)) throw badRequest('the patched object is not a JSON object');
      const obj = patched as KubeObject;
      if (obj.apiVersion !== apiVersionOf(r.type) || obj.kind !== r.type.kind)
        throw badRequest('a patch may not change apiVersion or kind');
      if (r.subresource === 'status') return track(deps, r, s, cur, prepareStatus(r, s, obj, cur));
      if (r.subresource === 'ephemeralcontainers') return prepareEphemeralContainers(obj, cur);
      checkFields(r, s, obj, mode);
      const next = prepareUpdate(r, s, obj, cur);
      if (apply) {
        // G8: an apply that changes nothing must return the stored object untouched.
        const a = { ...next, metadata: { ...next.metadata, managedFields: undefined } };
        const b = { ...cur, metadata: { ...cur.metadata, managedFields: undefined } };
        // …and so does one that changes neither the object nor its field ownership.
        if (deepEqual(a, b) && sameOwnership(next, cur)) return cur;
        return next;
      }
      return track(deps, r, s, cur, next);
    },
    { dryRun: isDry, allowCreate: creatable },
  );
  if (r.subresource === 'scale') return sendJson(r.res, 200, toScale(withType(r.type, object), s.scaleView));
  sendObject(deps, r, s, created ? 201 : 200, withType(r.type, object));
}
