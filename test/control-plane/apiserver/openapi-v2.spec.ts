// /openapi/v2 over HTTPS: the JSON shape, the gnostic protobuf read back field by field and through a port of kubectl's v2 parser, ETag/304, content negotiation, and a CRD appearing and going; a test API server only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { R } from '../../../src-main/common/resources';
import { startApi, type TestApi } from './helpers';

const PB = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

let t: TestApi;
beforeAll(async () => {
  t = await startApi();
});
afterAll(async () => {
  await t?.stop();
});

type Json = Record<string, any>;

/** GET /openapi/v2 with raw bytes (the transport helper decodes bodies as text). */
async function getV2(
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const { Agent, request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(
      `${t.url}/openapi/v2`,
      {
        headers: { Authorization: `Bearer ${t.token}`, ...headers },
        ca: t.caPem,
        agent: new Agent({ ca: t.caPem }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: new Headers(res.headers as Record<string, string>),
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// --- a protobuf reader for checking the encoding field by field ---
type Fields = Map<number, (bigint | Buffer)[]>;

function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let i = 0;
  const varint = () => {
    let r = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[i++]!;
      r |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return r;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    const num = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    let v: bigint | Buffer;
    if (wire === 0) v = varint();
    else if (wire === 2) {
      const len = Number(varint());
      v = buf.subarray(i, i + len);
      i += len;
    } else if (wire === 1) {
      v = buf.subarray(i, i + 8);
      i += 8;
    } else if (wire === 5) {
      v = buf.subarray(i, i + 4);
      i += 4;
    } else throw new Error(`wire type ${wire} at ${i}`);
    if (i > buf.length) throw new Error('truncated');
    out.set(num, [...(out.get(num) ?? []), v]);
  }
  return out;
}
const strs = (f: Fields | undefined, n: number) =>
  (f?.get(n) ?? []).map((b) => (b as Buffer).toString('utf8'));
const str = (f: Fields | undefined, n: number) => strs(f, n)[0] ?? '';
const msgs = (f: Fields | undefined, n: number) => (f?.get(n) ?? []).map((b) => fields(b as Buffer));
const msg = (f: Fields | undefined, n: number) => msgs(f, n)[0];
/** Repeated Named* (name = 1, value = 2) as a map. */
const named = (list: Fields[]) => new Map(list.map((n) => [str(n, 1), msg(n, 2)!]));
/** Vendor extensions (repeated NamedAny at `n`), their YAML read as kubectl does. */
const extensions = (f: Fields | undefined, n: number) =>
  new Map(msgs(f, n).map((na) => [str(na, 1), YAML.parse(str(msg(na, 2), 2))]));

/**
 * kube-openapi pkg/util/proto NewOpenAPIData, the parser kubectl ≤ 1.26 runs over the whole
 * document: every definition must parse, or validation and apply fail for every kind.
 */
function parseLikeKubectl(defs: Map<string, Fields>): string[] {
  const errors: string[] = [];
  const parse = (s: Fields, path: string): void => {
    const ref = str(s, 1);
    const types = strs(msg(s, 22), 1);
    const props = msg(s, 25);
    if (ref) {
      if (props && msgs(props, 1).length) errors.push(`${path}: unallowed embedded type definition`);
      if (types.length) errors.push(`${path}: definition reference can't have a type`);
      if (!ref.startsWith('#/definitions/'))
        errors.push(`${path}: unallowed reference to non-definition ${ref}`);
      else if (!defs.has(ref.slice('#/definitions/'.length))) errors.push(`${path}: unknown model ${ref}`);
      return;
    }
    const kind = () => {
      for (const [k, v] of named(msgs(props, 1))) parse(v, `${path}.${k}`);
    };
    if (types.length === 0) return props ? kind() : undefined;
    if (types.length > 1)
      return void errors.push(`${path}: definitions with multiple types aren't supported`);
    const type = types[0];
    if (type === 'object') {
      if (props) return kind();
      const ap = msg(msg(s, 21), 1);
      return ap ? parse(ap, path) : undefined;
    }
    if (type === 'array') {
      const items = msgs(msg(s, 23), 1);
      if (items.length !== 1) return void errors.push(`${path}: array should have exactly one sub-item`);
      return parse(items[0]!, path);
    }
    if (!['string', 'number', 'integer', 'boolean'].includes(type!))
      errors.push(`${path}: Unknown primitive type: ${type}`);
  };
  for (const [name, s] of defs) parse(s, name);
  return errors;
}

describe('GET /openapi/v2 (JSON)', () => {
  let doc: Json;
  beforeAll(async () => {
    const res = await getV2();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    doc = JSON.parse(res.body.toString());
  });

  it('is a Swagger 2.0 document with kube-apiserver’s definition names and GVKs', () => {
    expect(doc.swagger).toBe('2.0');
    expect(doc.info).toEqual({ title: 'Kubernetes', version: 'v1.32.4' });
    expect(doc.definitions['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']).toEqual([
      { group: '', version: 'v1', kind: 'Pod' },
    ]);
    expect(doc.definitions['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind']).toEqual([
      { group: 'apps', version: 'v1', kind: 'Deployment' },
    ]);
    // A reference with its description beside it, as upstream's v2 writes it (no allOf).
    expect(doc.definitions['io.k8s.api.core.v1.Pod'].properties.metadata).toEqual({
      $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      description: expect.any(String),
    });
    // Strategic-merge metadata, which kubectl apply reads from here.
    expect(doc.definitions['io.k8s.api.core.v1.PodSpec'].properties.containers).toMatchObject({
      type: 'array',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
      items: { $ref: '#/definitions/io.k8s.api.core.v1.Container' },
    });
    expect(doc.definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'].type).toBe('string');
    expect(doc.securityDefinitions.BearerToken).toMatchObject({ type: 'apiKey', in: 'header' });
  });

  it('uses only v2 constructs: every $ref resolves, no allOf/oneOf/nullable, arrays have items', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toContain('#/components/');
    const bad: string[] = [];
    // Walks schema nodes only (JSONSchemaProps has properties named $ref, allOf, nullable …).
    const walk = (s: Json, at: string): void => {
      for (const k of ['allOf', 'oneOf', 'anyOf', 'not', 'nullable']) if (k in s) bad.push(`${at}: ${k}`);
      if (s.$ref) {
        if (!doc.definitions[String(s.$ref).replace('#/definitions/', '')])
          bad.push(`${at}: dangling ${s.$ref}`);
        if (s.type || s.properties || s.items) bad.push(`${at}: typed $ref`);
      }
      if (s.type === 'array' && !s.items) bad.push(`${at}: array without items`);
      for (const [k, v] of Object.entries(s.properties ?? {})) walk(v as Json, `${at}.${k}`);
      if (s.items) walk(s.items, `${at}[]`);
      if (s.additionalProperties && typeof s.additionalProperties === 'object')
        walk(s.additionalProperties, `${at}{}`);
    };
    for (const [name, s] of Object.entries(doc.definitions)) walk(s as Json, name);
    for (const [path, item] of Object.entries(doc.paths as Json))
      for (const [verb, op] of Object.entries(item as Json)) {
        if (verb === 'parameters') continue;
        expect(op.requestBody, `${verb} ${path}`).toBeUndefined();
        for (const p of op.parameters ?? []) if (p.schema) walk(p.schema, `${verb} ${path} ${p.name}`);
        for (const [code, r] of Object.entries(op.responses as Json)) {
          expect(r.content).toBeUndefined();
          if (r.schema) walk(r.schema, `${verb} ${path} ${code}`);
        }
      }
    expect(bad).toEqual([]);
  });

  it('has a path per resource with the verbs it serves, v2 parameters and GVKs', () => {
    const coll = doc.paths['/api/v1/namespaces/{namespace}/configmaps'];
    expect(Object.keys(coll).sort()).toEqual(['delete', 'get', 'parameters', 'post']);
    expect(coll.get.parameters.find((p: Json) => p.name === 'watch')).toEqual({
      name: 'watch',
      in: 'query',
      description: expect.any(String),
      type: 'boolean',
      uniqueItems: true,
    });
    expect(coll.parameters.find((p: Json) => p.name === 'namespace')).toMatchObject({
      in: 'path',
      required: true,
      type: 'string',
    });
    const one = doc.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'];
    expect(Object.keys(one).sort()).toEqual(['delete', 'get', 'parameters', 'patch', 'put']);
    expect(one.put.parameters[0]).toEqual({
      name: 'body',
      in: 'body',
      required: true,
      schema: { $ref: '#/definitions/io.k8s.api.core.v1.ConfigMap' },
    });
    expect(one.put.responses['200'].schema).toEqual({ $ref: '#/definitions/io.k8s.api.core.v1.ConfigMap' });
    expect(one.patch.consumes).toContain('application/strategic-merge-patch+json');
    expect(one.patch['x-kubernetes-group-version-kind']).toEqual({
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
    });
    expect(one.patch.parameters.map((p: Json) => p.name)).toContain('fieldValidation');
    expect(one.get.produces).toContain('application/json');
    // Cluster-scoped, and subresources.
    expect(doc.paths['/api/v1/nodes/{name}'].get).toBeDefined();
    const scale = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
    expect(scale.get['x-kubernetes-group-version-kind']).toEqual({
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    });
    // A create-only kind gets no item path.
    const ssar = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
    expect(Object.keys(doc.paths[ssar]).filter((k) => k !== 'parameters')).toEqual(['post']);
    expect(doc.paths[`${ssar}/{name}`]).toBeUndefined();
  });
});

describe('GET /openapi/v2 (protobuf)', () => {
  let pb: Buffer;
  let json: Json;
  beforeAll(async () => {
    const res = await getV2({ Accept: PB });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(
      'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
    );
    pb = res.body;
    json = JSON.parse((await getV2()).body.toString());
  });

  it('decodes as an openapi_v2.Document with the same definitions and paths', () => {
    const doc = fields(pb);
    expect(str(doc, 1)).toBe('2.0');
    expect(str(msg(doc, 2), 1)).toBe('Kubernetes');
    const defs = named(msgs(msg(doc, 9), 1));
    expect([...defs.keys()]).toEqual(Object.keys(json.definitions));
    const cm = defs.get('io.k8s.api.core.v1.ConfigMap')!;
    expect(strs(msg(cm, 22), 1)).toEqual(['object']);
    expect(extensions(cm, 31).get('x-kubernetes-group-version-kind')).toEqual([
      { group: '', version: 'v1', kind: 'ConfigMap' },
    ]);
    const props = named(msgs(msg(cm, 25), 1));
    expect([...props.keys()].sort()).toEqual([
      'apiVersion',
      'binaryData',
      'data',
      'immutable',
      'kind',
      'metadata',
    ]);
    // data: object with additionalProperties {type: string} (AdditionalPropertiesItem.schema).
    expect(strs(msg(props.get('data'), 22), 1)).toEqual(['object']);
    expect(strs(msg(msg(msg(props.get('data'), 21), 1), 22), 1)).toEqual(['string']);
    expect(str(props.get('metadata'), 1)).toBe(
      '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    );
    const containers = named(msgs(msg(defs.get('io.k8s.api.core.v1.PodSpec'), 25), 1)).get('containers')!;
    expect(extensions(containers, 31)).toEqual(
      new Map([
        ['x-kubernetes-patch-merge-key', 'name'],
        ['x-kubernetes-patch-strategy', 'merge'],
      ]),
    );
    expect(str(msgs(msg(containers, 23), 1)[0], 1)).toBe('#/definitions/io.k8s.api.core.v1.Container');

    const paths = named(msgs(msg(doc, 8), 2));
    expect(paths.size).toBe(Object.keys(json.paths).length);
    const item = paths.get('/api/v1/namespaces/{namespace}/configmaps/{name}')!;
    // PathItem get = 2, put = 3, delete = 5, patch = 8; no post (4).
    expect([2, 3, 4, 5, 8].map((n) => item.has(n))).toEqual([true, true, false, true, true]);
    const put = msg(item, 3)!;
    expect(str(put, 5)).toBe(json.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'].put.operationId);
    // parameters[0] = Parameter.body_parameter {name body, in body, required, schema.$ref}.
    const body = msg(msg(msgs(put, 8)[0], 1), 1)!;
    expect([str(body, 2), str(body, 3), body.get(4)?.[0]]).toEqual(['body', 'body', 1n]);
    expect(str(msg(body, 5), 1)).toBe('#/definitions/io.k8s.api.core.v1.ConfigMap');
    // A query parameter: NonBodyParameter.query_parameter_sub_schema (3), type at field 6.
    const list = msg(paths.get('/api/v1/namespaces/{namespace}/configmaps'), 2)!;
    const watch = msgs(list, 8)
      .map((p) => msg(msg(msg(p, 1), 2), 3))
      .find((q) => str(q, 4) === 'watch')!;
    expect([str(watch, 2), str(watch, 6), watch.get(20)?.[0]]).toEqual(['query', 'boolean', 1n]);
    // Responses: 200 → Response.schema.schema.$ref.
    const ok = named(msgs(msg(put, 9), 1)).get('200')!;
    expect(str(msg(msg(msg(ok, 1), 2), 1), 1)).toBe('#/definitions/io.k8s.api.core.v1.ConfigMap');
    expect(extensions(put, 13).get('x-kubernetes-action')).toBe('put');
    // security = [{BearerToken: []}], securityDefinitions.BearerToken is an api key.
    expect(str(msg(msg(doc, 12), 1), 1)).toBe('BearerToken');
    const key = named(msgs(msg(doc, 13), 1)).get('BearerToken')!;
    expect([str(msg(key, 2), 1), str(msg(key, 2), 2), str(msg(key, 2), 3)]).toEqual([
      'apiKey',
      'authorization',
      'header',
    ]);
  });

  it('parses the way kubectl 1.20 parses it (kube-openapi pkg/util/proto)', () => {
    const defs = named(msgs(msg(fields(pb), 9), 1));
    expect(defs.size).toBeGreaterThan(300);
    expect(parseLikeKubectl(defs)).toEqual([]);
  });
});

describe('caching and negotiation', () => {
  it('ETag over both forms, If-None-Match → 304, and a stable document', async () => {
    const a = await getV2();
    const etag = a.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9A-F]{128}"$/);
    expect(a.headers.get('vary')).toBe('Accept');
    expect((await getV2()).headers.get('etag')).toBe(etag);
    const pb = await getV2({ Accept: PB });
    expect(pb.headers.get('etag')).toBe(etag);
    for (const accept of ['application/json', PB]) {
      const hit = await getV2({ Accept: accept, 'If-None-Match': etag });
      expect(hit.status).toBe(304);
      expect(hit.body.length).toBe(0);
      expect(hit.headers.get('etag')).toBe(etag);
    }
    expect((await getV2({ 'If-None-Match': '"OTHER", W/' + etag })).status).toBe(304);
    expect((await getV2({ 'If-None-Match': '"OTHER"' })).status).toBe(200);
  });

  it('Accept: JSON by default, protobuf in either spelling, q-values, 406 otherwise', async () => {
    const type = async (accept: string) => (await getV2({ Accept: accept })).headers.get('content-type');
    expect(await type('*/*')).toBe('application/json');
    expect(await type('application/com.github.proto-openapi.spec.v2.v1.0+protobuf')).toBe(
      'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
    );
    expect(await type(`application/json;q=0.5, ${PB}`)).toBe(
      'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
    );
    expect(await type(`${PB};q=0.1, application/json`)).toBe('application/json');
    const no = await getV2({ Accept: 'application/xml' });
    expect(no.status).toBe(406);
    expect(JSON.parse(no.body.toString())).toMatchObject({
      kind: 'Status',
      reason: 'NotAcceptable',
      code: 406,
    });
  });

  it('a CRD appears with its schema and GVK, and goes when the CRD goes', async () => {
    const before = (await getV2()).headers.get('etag');
    await t.client.create(R.customresourcedefinitions, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    required: ['size', 'note'],
                    properties: {
                      size: { type: 'integer', minimum: 1 },
                      note: { type: 'string', nullable: true },
                      anything: {
                        type: 'object',
                        'x-kubernetes-preserve-unknown-fields': true,
                        properties: {},
                      },
                      port: {
                        'x-kubernetes-int-or-string': true,
                        anyOf: [{ type: 'integer' }, { type: 'string' }],
                      },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    } as never);
    const res = await getV2();
    expect(res.headers.get('etag')).not.toBe(before);
    const doc = JSON.parse(res.body.toString());
    const gadget = doc.definitions['com.example.v1.Gadget'];
    expect(gadget['x-kubernetes-group-version-kind']).toEqual([
      { group: 'example.com', version: 'v1', kind: 'Gadget' },
    ]);
    expect(gadget.properties.spec.properties.size).toEqual({ type: 'integer', minimum: 1 });
    // The v2 publishing rules of apiextensions: nullable loses its type (and is no longer
    // required), preserve-unknown-fields loses its properties, anyOf goes.
    expect(gadget.properties.spec.properties.note).toEqual({});
    expect(gadget.properties.spec.required).toEqual(['size']);
    expect(gadget.properties.spec.properties.anything).toEqual({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(gadget.properties.spec.properties.port).toEqual({ 'x-kubernetes-int-or-string': true });
    expect(doc.paths['/apis/example.com/v1/namespaces/{namespace}/gadgets/{name}'].patch).toBeDefined();
    const pb = await getV2({ Accept: PB });
    const defs = named(msgs(msg(fields(pb.body), 9), 1));
    expect(defs.has('com.example.v1.Gadget')).toBe(true);
    expect(parseLikeKubectl(defs)).toEqual([]);

    await t.client.delete(R.customresourcedefinitions, 'gadgets.example.com');
    let after = '';
    for (let i = 0; i < 100 && after !== before; i++) {
      after = (await getV2()).headers.get('etag') ?? '';
      if (after !== before) await new Promise((r) => setTimeout(r, 50));
    }
    // The same document as before, byte for byte.
    expect(after).toBe(before);
  });
});
