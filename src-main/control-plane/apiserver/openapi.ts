/**
 * OpenAPI v3 documents, enough for kubectl's client-side validation (kubectl-wire.md (b)7):
 * an index of group-versions with content hashes, and per group-version a document whose PATCH
 * operations carry `x-kubernetes-group-version-kind` and a `fieldValidation` parameter. Component
 * schemas are minimal for now (the next issue brings real ones).
 */
import { createHash } from 'node:crypto';
import { RESOURCES, apiVersionOf } from '../../common/resources';
import { groups, versionsOf } from './discovery';

/** One served OpenAPI document: its URL path under /openapi/v3, body and hash. */
export interface OpenApiDoc {
  path: string;
  body: string;
  hash: string;
}

const QUERY_PARAMS: { name: string; in: string; schema: Record<string, unknown> }[] = [
  'dryRun',
  'fieldManager',
  'fieldValidation',
  'pretty',
].map((name) => ({
  name,
  in: 'query',
  schema: { type: 'string', uniqueItems: true },
}));

function docFor(group: string, version: string): unknown {
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const t of RESOURCES.filter((r) => r.group === group && r.version === version)) {
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const schemaName = `io.k8s.api.${t.group ? t.group.split('.')[0] : 'core'}.${t.version}.${t.kind}`;
    schemas[schemaName] = {
      type: 'object',
      description: `${t.kind} (${apiVersionOf(t)}) as served by Skiff.`,
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        spec: { type: 'object' },
        status: { type: 'object' },
      },
      'x-kubernetes-group-version-kind': [gvk],
    };
    const ref = { $ref: `#/components/schemas/${schemaName}` };
    const collection = `${prefix}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
    const op = (verb: string, action: string, params = QUERY_PARAMS) => ({
      operationId: `${verb}${t.kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      parameters: params,
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
    });
    paths[collection] = { get: op('list', 'list', []), post: op('create', 'post') };
    paths[`${collection}/{name}`] = {
      get: op('read', 'get', []),
      put: op('replace', 'put'),
      patch: {
        ...op('patch', 'patch', [
          ...QUERY_PARAMS,
          { name: 'force', in: 'query', schema: { type: 'boolean' } },
        ]),
      },
      delete: op('delete', 'delete', []),
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths,
    components: { schemas },
  };
}

/** Builds every served document (stable across restarts, so kubectl's cache stays valid). */
export function buildOpenApi(): Map<string, OpenApiDoc> {
  const docs = new Map<string, OpenApiDoc>();
  for (const g of groups()) {
    for (const v of versionsOf(g)) {
      const path = g ? `apis/${g}/${v}` : `api/${v}`;
      const body = JSON.stringify(docFor(g, v));
      const hash = createHash('sha512').update(body).digest('hex').slice(0, 128).toUpperCase();
      docs.set(path, { path, body, hash });
    }
  }
  return docs;
}

/** The /openapi/v3 index. */
export function openApiIndex(docs: Map<string, OpenApiDoc>): unknown {
  const paths: Record<string, unknown> = {};
  for (const d of docs.values())
    paths[d.path] = { serverRelativeURL: `/openapi/v3/${d.path}?hash=${d.hash}` };
  return { paths };
}
