import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startApi();
});
afterAll(async () => {
  await t?.stop();
});

describe('ApiServer: public endpoints and authentication', () => {
  it('serves /version without a token, reporting v1.32', async () => {
    const res = await t.request({ method: 'GET', path: '/version?timeout=5s', token: '' });
    expect(res.status).toBe(200);
    const v = JSON.parse(res.body);
    expect(v.major).toBe('1');
    expect(v.minor).toBe('32');
    expect(v.gitVersion).toMatch(/^v1\.32\./);
  });

  it('answers health checks, verbose readyz lists checks', async () => {
    for (const p of ['/healthz', '/livez', '/readyz']) {
      const res = await t.request({ method: 'GET', path: p, token: '' });
      expect(res.status).toBe(200);
      expect(res.body).toBe('ok');
    }
    const v = await t.request({ method: 'GET', path: '/readyz?verbose', token: '' });
    expect(v.body).toContain('[+]ping ok');
    expect(v.body).toContain('[+]etcd ok');
  });

  it('rejects missing and wrong tokens with a 401 Status', async () => {
    for (const token of ['', 'wrong']) {
      const res = await t.request({ method: 'GET', path: '/api/v1/namespaces', token });
      expect(res.status).toBe(401);
      const s = JSON.parse(res.body);
      expect(s).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    }
    const ok = await t.request({ method: 'GET', path: '/api/v1/namespaces' });
    expect(ok.status).toBe(200);
  });

  it('creates the four built-in namespaces, Active', async () => {
    const list = await t.client.list((await import('../../../src-main/common/resources')).R.namespaces);
    const names = list.items.map((n) => n.metadata.name).sort();
    expect(names).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    for (const n of list.items) expect((n.status as { phase: string }).phase).toBe('Active');
  });
});

describe('ApiServer: discovery', () => {
  const AGG =
    'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

  it('serves aggregated discovery with the exact media type', async () => {
    const res = await t.request({ method: 'GET', path: '/apis', headers: { Accept: AGG } });
    expect(res.headers['content-type']).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    const body = JSON.parse(res.body);
    expect(body.kind).toBe('APIGroupDiscoveryList');
    const apps = body.items.find((g: { metadata: { name: string } }) => g.metadata.name === 'apps');
    const deploy = apps.versions[0].resources.find((r: { resource: string }) => r.resource === 'deployments');
    expect(deploy).toMatchObject({
      scope: 'Namespaced',
      singularResource: 'deployment',
      shortNames: ['deploy'],
      categories: ['all'],
    });
    const scale = deploy.subresources.find((s: { subresource: string }) => s.subresource === 'scale');
    expect(scale.responseKind).toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });

    const core = await t.request({ method: 'GET', path: '/api', headers: { Accept: AGG } });
    const cb = JSON.parse(core.body);
    expect(cb.items).toHaveLength(1);
    expect(cb.items[0].metadata.name).toBe('');
    const pods = cb.items[0].versions[0].resources.find((r: { resource: string }) => r.resource === 'pods');
    expect(pods.subresources.map((s: { subresource: string }) => s.subresource)).toEqual(
      expect.arrayContaining(['status', 'binding', 'log']),
    );

    const beta = await t.request({
      method: 'GET',
      path: '/api',
      headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList' },
    });
    expect(beta.headers['content-type']).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
    );
  });

  it('serves legacy discovery documents', async () => {
    const api = JSON.parse((await t.request({ method: 'GET', path: '/api' })).body);
    expect(api).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const apis = JSON.parse((await t.request({ method: 'GET', path: '/apis' })).body);
    expect(apis.groups.map((g: { name: string }) => g.name)).toEqual(
      expect.arrayContaining(['apps', 'coordination.k8s.io', 'batch', 'autoscaling']),
    );
    // Preferred version first: autoscaling serves v2 and v1.
    const autoscaling = apis.groups.find((g: { name: string }) => g.name === 'autoscaling');
    expect(autoscaling.versions.map((v: { version: string }) => v.version)).toEqual(['v2', 'v1']);
    expect(autoscaling.preferredVersion.version).toBe('v2');
    const v1 = JSON.parse((await t.request({ method: 'GET', path: '/api/v1' })).body);
    expect(v1.resources.find((r: { name: string }) => r.name === 'pods/eviction')).toMatchObject({
      group: 'policy',
      version: 'v1',
      kind: 'Eviction',
    });
    const apps = JSON.parse((await t.request({ method: 'GET', path: '/apis/apps/v1' })).body);
    expect(apps.resources.find((r: { name: string }) => r.name === 'deployments/scale')).toMatchObject({
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    });
    const g = JSON.parse((await t.request({ method: 'GET', path: '/apis/apps' })).body);
    expect(g.preferredVersion.groupVersion).toBe('apps/v1');
    expect((await t.request({ method: 'GET', path: '/apis/nope/v1' })).status).toBe(404);
  });

  it('serves OpenAPI v3 with hashes, cache headers and fieldValidation on PATCH', async () => {
    const idx = JSON.parse((await t.request({ method: 'GET', path: '/openapi/v3' })).body);
    expect(Object.keys(idx.paths)).toEqual(
      expect.arrayContaining(['api/v1', 'apis/apps/v1', 'apis/coordination.k8s.io/v1', 'apis/batch/v1']),
    );
    const url = idx.paths['apis/apps/v1'].serverRelativeURL as string;
    const doc = await t.request({ method: 'GET', path: url });
    expect(doc.status).toBe(200);
    expect(doc.headers['cache-control']).toContain('immutable');
    expect(doc.headers.etag).toBeTruthy();
    const body = JSON.parse(doc.body);
    const patch = body.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
    });
    expect(patch.parameters.map((p: { name: string }) => p.name)).toContain('fieldValidation');
    const stale = await t.request({ method: 'GET', path: '/openapi/v3/apis/apps/v1?hash=OLD' });
    expect(stale.status).toBe(301);
    expect((await t.request({ method: 'GET', path: '/openapi/v2' })).status).toBe(200);
  });

  it('404s unknown resources and paths with a Status', async () => {
    const res = await t.request({ method: 'GET', path: '/api/v1/namespaces/default/widgets' });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', reason: 'NotFound' });
    expect((await t.request({ method: 'GET', path: '/nothing/here' })).status).toBe(404);
  });
});
