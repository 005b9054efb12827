// Request bodies into objects for the write handlers: type and namespace checks and field validation (Strict/Warn/Ignore); may set Warning headers, never touches storage.
import { apiVersionOf } from '../../../common/resources';
import type { KubeObject } from '../../../common/types';
import {
  KNOWN_META,
  duplicateJsonFields,
  fieldProblemMessages,
  pruneUnknownFields,
} from '../field-validation';
import { decodeBody, jsonTextOf } from '../http';
import type { Strategy } from '../registry';
import { isObject } from '../registry/strategy';
import type { ResourceRequest } from '../request';
import { badRequest } from '../status';
import type { FieldValidation } from './common';

/** The request body as an object of the request's kind, with apiVersion, kind and namespace set. */
export async function decodeObject(r: ResourceRequest, buf: Buffer): Promise<KubeObject> {
  const body = decodeBody(buf, r.req.headers['content-type']);
  if (!isObject(body)) throw badRequest('the request body must be a JSON or YAML object');
  const obj = body as KubeObject;
  const expected = apiVersionOf(r.type);
  if (obj.apiVersion !== undefined && obj.apiVersion !== expected)
    throw badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`,
    );
  if (obj.kind !== undefined && obj.kind !== r.type.kind)
    throw badRequest(
      `the kind in the data (${String(obj.kind)}) does not match the expected kind (${r.type.kind})`,
    );
  obj.apiVersion = expected;
  obj.kind = r.type.kind;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (!isObject(obj.metadata)) throw badRequest('metadata must be an object');
  checkNamespace(r, obj);
  return obj;
}

/** Sets the object's namespace from the URL (and refuses a different one in the body). */
export function checkNamespace(r: ResourceRequest, obj: KubeObject): void {
  if (!r.type.namespaced) {
    delete obj.metadata.namespace;
    return;
  }
  if (obj.metadata.namespace && r.namespace && obj.metadata.namespace !== r.namespace)
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  if (!r.namespace) throw badRequest('a namespace must be specified in the request path');
  obj.metadata.namespace = r.namespace;
}

/**
 * Unknown and duplicate fields at every depth (field-validation.ts): Strict → 400 naming them;
 * otherwise unknown fields are dropped, with `Warning: 299` headers for Warn.
 */
export function checkFields(r: ResourceRequest, s: Strategy, obj: KubeObject, mode: FieldValidation): void {
  if (mode === 'Ignore') {
    if (!pruneUnknownFields(r.type, obj)) s.pruneUnknown?.(obj);
    return;
  }
  const text = jsonTextOf(obj);
  let unknown = pruneUnknownFields(r.type, obj) ?? s.pruneUnknown?.(obj);
  if (!unknown) {
    // A kind without a schema: only the envelope and metadata are known.
    const allowed = new Set([
      'apiVersion',
      'kind',
      'metadata',
      'spec',
      'status',
      ...(s.topLevelFields ?? []),
    ]);
    unknown = [];
    for (const k of Object.keys(obj)) if (!allowed.has(k)) unknown.push(k);
    for (const k of Object.keys(obj.metadata ?? {})) if (!KNOWN_META.has(k)) unknown.push(`metadata.${k}`);
    for (const u of unknown) {
      if (u.startsWith('metadata.')) delete (obj.metadata as Record<string, unknown>)[u.slice(9)];
      else delete obj[u];
    }
  }
  const problems = fieldProblemMessages({ unknown, duplicate: text ? duplicateJsonFields(text) : [] });
  if (!problems.length) return;
  if (mode === 'Strict')
    throw badRequest(
      `${r.type.kind} in version "${r.type.version}" cannot be handled as a ${r.type.kind}: strict decoding error: ${problems.join(', ')}`,
    );
  if (!r.res.headersSent)
    r.res.setHeader(
      'Warning',
      problems.map((p) => `299 - ${JSON.stringify(p)}`),
    );
}
