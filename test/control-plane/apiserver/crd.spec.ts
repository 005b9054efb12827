/**
 * CustomResourceDefinitions over HTTPS: a CRD's resources appear in discovery, REST, watch and
 * OpenAPI; objects are validated, pruned and defaulted by the schema; printer columns; status
 * and scale subresources; a second version converted from the storage one; deleting the CRD
 * deletes its objects; CRDs are served again after a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-main/common/client';
import { R, type ResourceType } from '../../../src-main/common/resources';
import type { KubeObject, WatchEvent } from '../../../src-main/common/types';
import { ApiServer } from '../../../src-main/control-plane/apiserver/api-server';
import { startApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startApi();
});
afterAll(async () => {
  await t?.stop();
});

type Obj = KubeObject & Record<string, any>;

async function fails(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['image'],
      properties: {
        image: { type: 'string', pattern: '^[a-z0-9./:-]+$' },
        replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
        size: { type: 'string', enum: ['small', 'large'], default: 'small' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
    status: {
      type: 'object',
      properties: { replicas: { type: 'integer' }, phase: { type: 'string' }, selector: { type: 'string' } },
    },
  },
};

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'], categories: ['all'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: schema },
        subresources: {
          status: {},
          scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
        },
        selectableFields: [{ jsonPath: '.spec.size' }],
        additionalPrinterColumns: [
          { name: 'Image', type: 'string', jsonPath: '.spec.image' },
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
          { name: 'Phase', type: 'string', jsonPath: '.status.phase', priority: 1 },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
      },
      { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: schema } },
    ],
  },
};

const W: ResourceType = {
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  listKind: 'WidgetList',
  plural: 'widgets',
  singular: 'widget',
  namespaced: true,
};
const WBeta: ResourceType = { ...W, version: 'v1beta1' };

const widget = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, namespace: 'default' },
  spec,
});

describe('CustomResourceDefinitions', () => {
  it('validates the CRD itself', async () => {
    const err = await fails(
      t.client.create(R.customresourcedefinitions, {
        ...crd,
        metadata: { name: 'wrong.example.com' },
        spec: { ...crd.spec, scope: 'Galaxy', versions: [{ ...crd.spec.versions[0], storage: false }] },
      } as KubeObject),
    );
    expect(err.code).toBe(422);
    expect(err.status.details!.causes!.map((c) => c.field)).toEqual(
      expect.arrayContaining(['metadata.name', 'spec.scope', 'spec.versions']),
    );
  });

  it('is Established and served in discovery at once', async () => {
    const created = (await t.client.create(R.customresourcedefinitions, crd as KubeObject)) as Obj;
    const conds = created.status.conditions.map((c: { type: string; status: string }) => [c.type, c.status]);
    expect(conds).toEqual(
      expect.arrayContaining([
        ['NamesAccepted', 'True'],
        ['Established', 'True'],
      ]),
    );
    expect(created.status.acceptedNames).toMatchObject({
      kind: 'Widget',
      plural: 'widgets',
      listKind: 'WidgetList',
    });
    expect(created.status.storedVersions).toEqual(['v1']);

    const legacy = JSON.parse((await t.request({ method: 'GET', path: '/apis/example.com/v1' })).body);
    expect(legacy.resources.map((r: { name: string }) => r.name)).toEqual([
      'widgets',
      'widgets/status',
      'widgets/scale',
    ]);
    expect(legacy.resources[0]).toMatchObject({
      shortNames: ['wd'],
      categories: ['all'],
      namespaced: true,
      kind: 'Widget',
    });
    const group = JSON.parse((await t.request({ method: 'GET', path: '/apis/example.com' })).body);
    expect(group.versions.map((v: { version: string }) => v.version)).toEqual(['v1', 'v1beta1']);
    const agg = JSON.parse(
      (
        await t.request({
          method: 'GET',
          path: '/apis',
          headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' },
        })
      ).body,
    );
    const g = agg.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'example.com');
    expect(g.versions[0].resources[0]).toMatchObject({
      resource: 'widgets',
      scope: 'Namespaced',
      shortNames: ['wd'],
    });
  });

  it('defaults, prunes and validates custom objects by the schema', async () => {
    const w = (await t.client.create(
      W,
      widget('w1', {
        image: 'nginx:1.27',
        unknown: 'dropped',
        extra: { anything: { goes: 1 } },
        labels: { a: 'b' },
      }),
    )) as Obj;
    expect(w.spec).toEqual({
      image: 'nginx:1.27',
      replicas: 1,
      size: 'small',
      extra: { anything: { goes: 1 } },
      labels: { a: 'b' },
    });
    const err = await fails(
      t.client.create(W, widget('bad', { replicas: 'three', size: 'huge', labels: { a: 1 } })),
    );
    expect(err.code).toBe(422);
    expect(err.status.details!.causes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'FieldValueRequired', field: 'spec.image' }),
        expect.objectContaining({ reason: 'FieldValueInvalid', field: 'spec.replicas' }),
        expect.objectContaining({ reason: 'FieldValueNotSupported', field: 'spec.size' }),
        expect.objectContaining({ field: 'spec.labels.a' }),
      ]),
    );
    const strict = await t.request({
      method: 'POST',
      path: '/apis/example.com/v1/namespaces/default/widgets?fieldValidation=Strict',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(widget('strict', { image: 'x', unknown: 1, labels: {} })),
    });
    expect(strict.status).toBe(400);
    expect(JSON.parse(strict.body).message).toContain('strict decoding error: unknown field "spec.unknown"');
    const warn = await t.request({
      method: 'POST',
      path: '/apis/example.com/v1/namespaces/default/widgets?fieldValidation=Warn',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...widget('warned', { image: 'x', unknown: 1 }), top: true }),
    });
    expect(warn.status).toBe(201);
    expect(warn.headers['warning']).toContain('unknown field \\"spec.unknown\\"');
    expect(warn.headers['warning']).toContain('unknown field \\"top\\"');
    await t.client.delete(W, 'warned', 'default');
    const range = await fails(t.client.create(W, widget('bad2', { image: 'UPPER', replicas: 11 })));
    expect(range.status.details!.causes!.map((c) => c.message)).toEqual([
      expect.stringContaining("should match '^[a-z0-9./:-]+$'"),
      expect.stringContaining('should be less than or equal to 10'),
    ]);
  });

  it('serves list, field/label selectors, watch, patch, status and scale', async () => {
    const events: WatchEvent[] = [];
    const list = await t.client.list(W, { namespace: 'default' });
    const ac = new AbortController();
    const stream = await t.transport.stream({
      method: 'GET',
      path: `/apis/example.com/v1/namespaces/default/widgets?watch=true&resourceVersion=${list.metadata.resourceVersion}`,
      signal: ac.signal,
    });
    void (async () => {
      try {
        let buf = '';
        for await (const chunk of stream.chunks) {
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            events.push(JSON.parse(buf.slice(0, i)) as WatchEvent);
            buf = buf.slice(i + 1);
          }
        }
      } catch {
        /* aborted */
      }
    })();
    await t.client.create(W, widget('w2', { image: 'busybox' }));
    const patched = (await t.client.patch(W, 'w2', 'default', { spec: { replicas: 4 } })) as Obj;
    expect(patched.spec.replicas).toBe(4);
    // Main writes ignore status; /status writes only status.
    await t.client.patch(W, 'w2', 'default', { status: { phase: 'Ignored' } });
    const st = (await t.client.patch(
      W,
      'w2',
      'default',
      { status: { phase: 'Ready', replicas: 2 } },
      'merge',
      {
        subresource: 'status',
      },
    )) as Obj;
    expect(st.status).toEqual({ phase: 'Ready', replicas: 2 });
    const scale = (await t.client.get(W, 'w2', 'default', 'scale')) as Obj;
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 4 } });
    await t.client.patch(W, 'w2', 'default', { spec: { replicas: 2 } }, 'merge', { subresource: 'scale' });
    expect(((await t.client.get(W, 'w2', 'default')) as Obj).spec.replicas).toBe(2);
    const sel = await t.client.list(W, { namespace: 'default', fieldSelector: 'metadata.name=w2' });
    expect(sel.items.map((i) => i.metadata.name)).toEqual(['w2']);
    const small = await t.client.list(W, { namespace: 'default', fieldSelector: 'spec.size=small' });
    expect(small.items.map((i) => i.metadata.name).sort()).toEqual(['w1', 'w2']);
    expect(
      (await t.client.list(W, { namespace: 'default', fieldSelector: 'spec.size=large' })).items,
    ).toEqual([]);
    const bad = await t.request({
      method: 'GET',
      path: '/apis/example.com/v1/namespaces/default/widgets?fieldSelector=spec.image%3Dx',
    });
    expect(bad.status).toBe(400);
    for (let i = 0; i < 50 && events.length < 4; i++) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    // The main-resource write of status is a no-op: no event, same resourceVersion.
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED', 'MODIFIED']);
  });

  it('prints additionalPrinterColumns in Tables', async () => {
    const res = await t.request({
      method: 'GET',
      path: '/apis/example.com/v1/namespaces/default/widgets',
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    });
    const tb = JSON.parse(res.body);
    expect(tb.columnDefinitions.map((c: { name: string; priority: number }) => [c.name, c.priority])).toEqual(
      [
        ['Name', 0],
        ['Image', 0],
        ['Replicas', 0],
        ['Phase', 1],
        ['Age', 0],
      ],
    );
    const w2 = tb.rows.find((r: { cells: unknown[] }) => r.cells[0] === 'w2');
    expect(w2.cells.slice(0, 4)).toEqual(['w2', 'busybox', 2, 'Ready']);
    expect(w2.cells[4]).toMatch(/^\d+s$/);
  });

  it('serves a second version converted from the storage version', async () => {
    const beta = (await t.client.get(WBeta, 'w1', 'default')) as Obj;
    expect(beta.apiVersion).toBe('example.com/v1beta1');
    expect(beta.spec.image).toBe('nginx:1.27');
    await t.client.create(WBeta, { ...widget('b1', { image: 'alpine' }), apiVersion: 'example.com/v1beta1' });
    const v1 = (await t.client.get(W, 'b1', 'default')) as Obj;
    expect(v1.apiVersion).toBe('example.com/v1');
  });

  it('publishes the schema in OpenAPI v3', async () => {
    const idx = JSON.parse((await t.request({ method: 'GET', path: '/openapi/v3' })).body);
    const url = idx.paths['apis/example.com/v1'].serverRelativeURL as string;
    const doc = JSON.parse((await t.request({ method: 'GET', path: url })).body);
    const s = doc.components.schemas['com.example.v1.Widget'];
    expect(s['x-kubernetes-group-version-kind']).toEqual([
      { group: 'example.com', version: 'v1', kind: 'Widget' },
    ]);
    expect(s.properties.spec.properties.size.enum).toEqual(['small', 'large']);
    expect(doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].patch).toBeTruthy();
  });

  it('is served again after a restart of the API server', async () => {
    const other = new ApiServer({ storage: t.storage, dataDir: t.dataDir, port: 0, token: 'x' });
    const { url } = await other.start();
    try {
      const { HttpsTransport } = await import('../../../src-main/control-plane/client/https-transport');
      const tr = new HttpsTransport(url, { ca: t.caPem, token: 'x' });
      const res = await tr.request({
        method: 'GET',
        path: '/apis/example.com/v1/namespaces/default/widgets/w1',
      });
      tr.close();
      expect(res.status).toBe(200);
    } finally {
      await other.stop();
    }
  });

  it('deleting the CRD deletes its objects and stops serving it', async () => {
    await t.client.delete(R.customresourcedefinitions, 'widgets.example.com');
    const res = await t.request({ method: 'GET', path: '/apis/example.com/v1/namespaces/default/widgets' });
    expect(res.status).toBe(404);
    const apis = JSON.parse((await t.request({ method: 'GET', path: '/apis' })).body);
    expect(apis.groups.map((g: { name: string }) => g.name)).not.toContain('example.com');
    // Recreating it finds no leftovers.
    await t.client.create(R.customresourcedefinitions, crd as KubeObject);
    const list = await t.client.list(W, { namespace: 'default' });
    expect(list.items).toEqual([]);
  });
});

describe('custom scale subresource paths', () => {
  it('reads and writes replicas at specReplicasPath and reports the labelSelectorPath', async () => {
    await t.client.create(R.customresourcedefinitions, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'gadgets', kind: 'Gadget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer' } } },
                  status: {
                    type: 'object',
                    properties: { count: { type: 'integer' }, selector: { type: 'string' } },
                  },
                },
              },
            },
            subresources: {
              status: {},
              scale: {
                specReplicasPath: '.spec.size',
                statusReplicasPath: '.status.count',
                labelSelectorPath: '.status.selector',
              },
            },
          },
        ],
      },
    } as KubeObject);
    const G: ResourceType = {
      ...W,
      kind: 'Gadget',
      listKind: 'GadgetList',
      plural: 'gadgets',
      singular: 'gadget',
    };
    await t.client.create(G, {
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'g', namespace: 'default' },
      spec: { size: 2 },
    });
    await t.client.patch(G, 'g', 'default', { status: { count: 1, selector: 'app=g' } }, 'merge', {
      subresource: 'status',
    });
    const scale = (await t.client.get(G, 'g', 'default', 'scale')) as Obj;
    expect(scale).toMatchObject({ spec: { replicas: 2 }, status: { replicas: 1, selector: 'app=g' } });
    await t.client.patch(G, 'g', 'default', { spec: { replicas: 7 } }, 'merge', { subresource: 'scale' });
    expect(((await t.client.get(G, 'g', 'default')) as Obj).spec).toEqual({ size: 7 });
  });
});
