// Status bodies byte for byte as kube-apiserver writes them: the route-not-found 404, details key order, the trailing newline; reads and writes only a test API server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import { pod, startApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startApi();
});
afterAll(async () => {
  await t?.stop();
});

/** What kube-apiserver answers for a path no route serves (go-restful's 404, rendered as a Status). */
const ROUTE_NOT_FOUND =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' +
  '"message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}\n';

describe('a request no route serves', () => {
  it.each([
    // A resource Skiff does not serve, in a namespace: not `namespaces "default/podtemplates" not found`.
    '/api/v1/namespaces/default/podtemplates',
    '/api/v1/namespaces/default/podtemplates/x',
    '/api/v1/podtemplates',
    '/api/v1/namespaces/default/widgets',
    '/apis/apps/v1/namespaces/default/widgets',
    '/apis/apps/v1/widgets',
    // A cluster-scoped resource under /namespaces/{ns}.
    '/api/v1/namespaces/default/nodes',
    // A subresource the kind does not have.
    '/api/v1/namespaces/default/pods/x/bogus',
    '/api/v1/namespaces/default/bogus',
    '/apis/apps/v1/namespaces/default/deployments/x/bogus',
    // A group or version that is not served.
    '/apis/nope.example.com/v1/things',
  ])('GET %s → the route-not-found Status', async (path) => {
    const res = await t.request({ method: 'GET', path });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toBe(ROUTE_NOT_FOUND);
  });

  it('keeps the namespace’s own subresources routed to the Namespace', async () => {
    const res = await t.request({ method: 'GET', path: '/api/v1/namespaces/default/status' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'Namespace', metadata: { name: 'default' } });
  });
});

describe('Status bodies', () => {
  it('a missing object: details are name, group, kind (group left out in the core group)', async () => {
    const apps = await t.request({
      method: 'GET',
      path: '/apis/apps/v1/namespaces/default/deployments/nope',
    });
    expect(apps.status).toBe(404);
    expect(apps.body).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' +
        '"message":"deployments.apps \\"nope\\" not found","reason":"NotFound",' +
        '"details":{"name":"nope","group":"apps","kind":"deployments"},"code":404}\n',
    );
    const core = await t.request({ method: 'GET', path: '/api/v1/namespaces/default/configmaps/nope' });
    expect(core.body).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' +
        '"message":"configmaps \\"nope\\" not found","reason":"NotFound",' +
        '"details":{"name":"nope","kind":"configmaps"},"code":404}\n',
    );
  });

  it('an invalid object: details end with the causes', async () => {
    const res = await t.request({
      method: 'POST',
      path: '/apis/apps/v1/namespaces/default/deployments',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'bad' },
        spec: {},
      }),
    });
    expect(res.status).toBe(422);
    expect(res.body.endsWith('}\n')).toBe(true);
    const status = JSON.parse(res.body);
    expect(Object.keys(status)).toEqual([
      'kind',
      'apiVersion',
      'metadata',
      'status',
      'message',
      'reason',
      'details',
      'code',
    ]);
    expect(Object.keys(status.details)).toEqual(['name', 'group', 'kind', 'causes']);
    expect(status.details).toMatchObject({ name: 'bad', group: 'apps', kind: 'Deployment' });
  });

  it('an AlreadyExists conflict ends with a newline and keeps the order', async () => {
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'twice' } });
    const req = {
      method: 'POST' as const,
      path: '/api/v1/namespaces/default/configmaps',
      headers: { 'Content-Type': 'application/json' },
      body: cm,
    };
    expect((await t.request(req)).status).toBe(201);
    const res = await t.request(req);
    expect(res.status).toBe(409);
    expect(res.body).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' +
        '"message":"configmaps \\"twice\\" already exists","reason":"AlreadyExists",' +
        '"details":{"name":"twice","kind":"configmaps"},"code":409}\n',
    );
  });

  it('a subresource action’s Success Status ends with a newline too', async () => {
    await t.client.create(R.pods, pod('bind-me'));
    const res = await t.request({
      method: 'POST',
      path: '/api/v1/namespaces/default/pods/bind-me/binding',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'bind-me' },
        target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' },
      }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201}\n',
    );
  });

  it('an Unauthorized answer ends with a newline too', async () => {
    const res = await t.request({ method: 'GET', path: '/api/v1/namespaces', token: '' });
    expect(res.status).toBe(401);
    expect(res.body).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}\n',
    );
  });
});
