/**
 * OpenAPI v3 documents (kubectl-wire.md (b)7): an index of group-versions with content hashes,
 * and per group-version a document whose operations carry `x-kubernetes-group-version-kind` and
 * a `fieldValidation` parameter (so kubectl validates and sends fieldValidation=Strict), with the
 * real component schemas of every kind in the registry and all they reference (so
 * `kubectl explain` works). Built from common/resources.ts, so new kinds are documented as soon
 * as they are registered; kinds without an upstream schema get a generic one.
 */
import { createHash } from 'node:crypto';
import { RESOURCES, type ResourceType } from '../../common/resources';
import { groups, versionsOf } from './discovery';
import { collectSchemas, genericKindSchema, schemaNameFor, type Schema } from './openapi-schemas';

/** One served OpenAPI document: its URL path under /openapi/v3, body and hash. */
export interface OpenApiDoc {
  path: string;
  body: string;
  hash: string;
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

function queryParam(name: string, description: string, type = 'string'): Record<string, unknown> {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const DRY_RUN = queryParam(
  'dryRun',
  'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed',
);
const FIELD_MANAGER = queryParam(
  'fieldManager',
  'fieldManager is a name associated with the actor or entity that is making these changes.',
);
const FIELD_VALIDATION = queryParam(
  'fieldValidation',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn (the default) - Strict',
);
const PRETTY = queryParam('pretty', "If 'true', then the output is pretty printed.");
const FORCE = queryParam('force', 'Force is going to "force" Apply requests.', 'boolean');
const WRITE_PARAMS = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, PRETTY];
const LIST_PARAMS = [
  'allowWatchBookmarks',
  'continue',
  'fieldSelector',
  'labelSelector',
  'limit',
  'resourceVersion',
  'resourceVersionMatch',
  'timeoutSeconds',
  'watch',
].map((n) =>
  queryParam(
    n,
    `${n} (see the Kubernetes API conventions).`,
    n === 'limit' || n === 'timeoutSeconds'
      ? 'integer'
      : n === 'watch' || n === 'allowWatchBookmarks'
        ? 'boolean'
        : 'string',
  ),
);

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function content(name: string) {
  const schema = ref(name);
  return {
    'application/json': { schema },
    'application/yaml': { schema },
    'application/vnd.kubernetes.protobuf': { schema },
  };
}

/** The component name of a kind, adding a generic schema when there is no upstream one. */
function kindSchema(t: ResourceType, schemas: Record<string, Schema>): string {
  const name = schemaNameFor(t);
  if (name) {
    collectSchemas(name, schemas);
    return name;
  }
  const generic = `io.k8s.skiff.${t.group || 'core'}.${t.version}.${t.kind}`;
  collectSchemas(`${META}.ObjectMeta`, schemas);
  schemas[generic] = genericKindSchema(t);
  return generic;
}

function listSchema(t: ResourceType, item: string, schemas: Record<string, Schema>): string {
  const name = schemaNameFor({ group: t.group, version: t.version, kind: t.listKind });
  if (name) {
    collectSchemas(name, schemas);
    return name;
  }
  const generic = `${item}List`;
  collectSchemas(`${META}.ListMeta`, schemas);
  schemas[generic] = {
    type: 'object',
    description: `${t.listKind} is a list of ${t.kind}.`,
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { allOf: [ref(`${META}.ListMeta`)] },
      items: { type: 'array', items: ref(item) },
    },
    'x-kubernetes-group-version-kind': [{ group: t.group, version: t.version, kind: t.listKind }],
  };
  return generic;
}

function docFor(group: string, version: string, types: ResourceType[]): unknown {
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, Schema> = {};
  for (const n of ['Status', 'DeleteOptions', 'Patch', 'WatchEvent', 'APIResourceList'])
    collectSchemas(`${META}.${n}`, schemas);
  const status = `${META}.Status`;
  for (const t of types.filter((r) => r.group === group && r.version === version)) {
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const item = kindSchema(t, schemas);
    const verbs = new Set(t.verbs ?? []);
    const op = (
      verb: string,
      action: string,
      params: Record<string, unknown>[],
      schema: string,
      extra: Record<string, unknown> = {},
    ) => ({
      operationId: `${verb}${t.group ? t.group.split('.')[0] : 'Core'}${version}${t.namespaced ? 'Namespaced' : ''}${t.kind}`,
      description: `${action} ${t.kind}`,
      tags: [`${t.group || 'core'}_${version}`],
      parameters: params,
      responses: {
        '200': { description: 'OK', content: content(schema) },
        '401': { description: 'Unauthorized' },
      },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      ...extra,
    });
    const body = { requestBody: { content: content(item), required: true } };
    const nsParam = t.namespaced
      ? [
          {
            name: 'namespace',
            in: 'path',
            required: true,
            description: 'object name and auth scope, such as for teams and projects',
            schema: { type: 'string', uniqueItems: true },
          },
        ]
      : [];
    const nameParam = {
      name: 'name',
      in: 'path',
      required: true,
      description: `name of the ${t.kind}`,
      schema: { type: 'string', uniqueItems: true },
    };
    const collection = `${prefix}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
    const coll: Record<string, unknown> = { parameters: [...nsParam, PRETTY] };
    if (verbs.has('list')) coll.get = op('list', 'list', LIST_PARAMS, listSchema(t, item, schemas));
    if (verbs.has('create')) coll.post = op('create', 'post', WRITE_PARAMS, item, body);
    if (verbs.has('deletecollection'))
      coll.delete = op('deletecollection', 'deletecollection', [...LIST_PARAMS, DRY_RUN], status);
    paths[collection] = coll;
    if (!verbs.has('get') && !verbs.has('update') && !verbs.has('patch')) continue;
    const patchBody = {
      requestBody: {
        content: Object.fromEntries(
          [
            'application/apply-patch+yaml',
            'application/json-patch+json',
            'application/merge-patch+json',
            'application/strategic-merge-patch+json',
          ].map((m) => [m, { schema: ref(`${META}.Patch`) }]),
        ),
        required: true,
      },
    };
    const one: Record<string, unknown> = { parameters: [nameParam, ...nsParam, PRETTY] };
    if (verbs.has('get')) one.get = op('read', 'get', [], item);
    if (verbs.has('update')) one.put = op('replace', 'put', WRITE_PARAMS, item, body);
    if (verbs.has('patch')) one.patch = op('patch', 'patch', [...WRITE_PARAMS, FORCE], item, patchBody);
    if (verbs.has('delete')) one.delete = op('delete', 'delete', [DRY_RUN], item);
    paths[`${collection}/{name}`] = one;
    for (const sub of t.subresources ?? []) {
      if (sub !== 'status' && sub !== 'scale') continue;
      const subSchema = sub === 'scale' ? 'io.k8s.api.autoscaling.v1.Scale' : item;
      collectSchemas(subSchema, schemas);
      const subGvk = sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : gvk;
      const subOp = (verb: string, action: string, params: Record<string, unknown>[], extra = {}) => ({
        ...op(verb, action, params, subSchema, extra),
        operationId: `${verb}${t.kind}${sub[0].toUpperCase()}${sub.slice(1)}`,
        'x-kubernetes-group-version-kind': subGvk,
      });
      paths[`${collection}/{name}/${sub}`] = {
        parameters: [nameParam, ...nsParam, PRETTY],
        get: subOp('read', 'get', []),
        put: subOp('replace', 'put', WRITE_PARAMS, {
          requestBody: { content: content(subSchema), required: true },
        }),
        patch: subOp('patch', 'patch', [...WRITE_PARAMS, FORCE], patchBody),
      };
    }
  }
  const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths,
    components: {
      schemas: sorted,
      securitySchemes: {
        BearerToken: {
          type: 'apiKey',
          description: 'Bearer Token authentication',
          name: 'authorization',
          in: 'header',
        },
      },
    },
  };
}

/** Builds every served document (stable across restarts, so kubectl's cache stays valid). */
export function buildOpenApi(extra: ResourceType[] = []): Map<string, OpenApiDoc> {
  const docs = new Map<string, OpenApiDoc>();
  // Built-ins plus the API server's own extra groups (metrics.k8s.io); CRDs are merged per request.
  const types = [...RESOURCES, ...extra];
  for (const g of groups(types)) {
    for (const v of versionsOf(g, types)) {
      const path = g ? `apis/${g}/${v}` : `api/${v}`;
      const body = JSON.stringify(docFor(g, v, types));
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
