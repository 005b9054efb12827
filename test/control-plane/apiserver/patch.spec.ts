import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-main/common/client';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { jsonPatch, mergePatch, strategicMergePatch } from '../../../src-main/control-plane/apiserver/patch';
import { StatusError } from '../../../src-main/control-plane/apiserver/status';
import { deployment, startApi, type TestApi } from './helpers';

describe('patch functions', () => {
  it('merge patch: recursive merge, null deletes, lists replace', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] })).toEqual({
      a: { c: 2, d: 3 },
      l: [3],
    });
  });

  it('json patch: add/remove/replace/move/copy/test, and 400 naming a bad op', () => {
    const doc = { a: [1, 2], b: { c: 1 } };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/a/-', value: 3 },
      { op: 'replace', path: '/b/c', value: 2 },
      { op: 'copy', from: '/b', path: '/d' },
      { op: 'move', from: '/d/c', path: '/e' },
      { op: 'remove', path: '/a/0' },
      { op: 'test', path: '/e', value: 2 },
    ]);
    expect(out).toEqual({ a: [2, 3], b: { c: 2 }, d: {}, e: 2 });
    expect(doc).toEqual({ a: [1, 2], b: { c: 1 } });
    expect(() => jsonPatch(doc, [{ op: 'frobnicate', path: '/a' }])).toThrow(/frobnicate/);
    expect(() => jsonPatch(doc, [{ op: 'remove', path: '/nope' }])).toThrow(StatusError);
    expect(() => jsonPatch(doc, [{ op: 'test', path: '/b/c', value: 9 }])).toThrow(
      /test operation does not apply/,
    );
  });

  it('strategic merge patch: merge keys, directives, primitive set lists', () => {
    const live = {
      metadata: { finalizers: ['a'] },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'x:1',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '1' },
            ],
            args: ['p', 'q'],
            ports: [{ containerPort: 80, protocol: 'TCP' }],
          },
          { name: 'side', image: 's:1' },
        ],
      },
    };
    const out = strategicMergePatch(live, {
      metadata: { finalizers: ['b', 'a'] },
      spec: {
        $setElementOrder: undefined,
        '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }],
        containers: [
          {
            name: 'app',
            image: 'x:2',
            env: [
              { name: 'A', value: '2' },
              { name: 'B', $patch: 'delete' },
            ],
            args: ['r'],
            ports: [{ containerPort: 80, name: 'http' }],
          },
          { name: 'side', $patch: 'delete' },
          { name: 'new', image: 'n:1' },
        ],
      },
    }) as any;
    expect(out.metadata.finalizers).toEqual(['a', 'b']);
    expect(out.spec.containers.map((c: any) => c.name)).toEqual(['app', 'new']);
    expect(out.spec.containers[0]).toEqual({
      name: 'app',
      image: 'x:2',
      env: [{ name: 'A', value: '2' }],
      args: ['r'],
      ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }],
    });
    const replaced = strategicMergePatch(
      { spec: { a: 1, b: 2 } },
      { spec: { $patch: 'replace', c: 3 } },
    ) as any;
    expect(replaced.spec).toEqual({ c: 3 });
    const retained = strategicMergePatch(
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
      { strategy: { $retainKeys: ['type'], type: 'Recreate' } },
    ) as any;
    expect(retained.strategy).toEqual({ type: 'Recreate' });
    const dl = strategicMergePatch(
      { metadata: { finalizers: ['a', 'b'] } },
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
    ) as any;
    expect(dl.metadata.finalizers).toEqual(['b']);
  });
});

describe('PATCH over HTTPS', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startApi();
    await t.client.create(R.deployments, deployment('api'));
  });
  afterAll(async () => {
    await t?.stop();
  });

  async function fails(p: Promise<unknown>): Promise<ApiError> {
    try {
      await p;
    } catch (err) {
      if (err instanceof ApiError) return err;
      throw err;
    }
    throw new Error('expected failure');
  }

  it('strategic merge patch as kubectl apply sends it', async () => {
    const d = await t.client.patch(
      R.deployments,
      'api',
      'default',
      {
        metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
        spec: {
          replicas: 3,
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'app' }],
              containers: [{ name: 'app', env: [{ name: 'A', value: '2' }] }],
            },
          },
        },
      },
      'strategic',
      { fieldManager: 'kubectl-client-side-apply' },
    );
    const c = (d.spec as any).template.spec.containers[0];
    expect(c).toMatchObject({ name: 'app', image: 'nginx:1.27', env: [{ name: 'A', value: '2' }] });
    expect((d.spec as any).replicas).toBe(3);
  });

  it('a no-op patch returns the identical object (same resourceVersion)', async () => {
    const cur = await t.client.get(R.deployments, 'api', 'default');
    const same = await t.client.patch(
      R.deployments,
      'api',
      'default',
      { spec: { replicas: 3 } },
      'strategic',
    );
    expect(same).toEqual(cur);
  });

  it('json patch over HTTP; a bad op is a 400 naming it', async () => {
    const d = await t.client.patch(
      R.deployments,
      'api',
      'default',
      [{ op: 'replace', path: '/spec/replicas', value: 1 }],
      'json',
    );
    expect((d.spec as any).replicas).toBe(1);
    const err = await fails(
      t.client.patch(R.deployments, 'api', 'default', [{ op: 'remove', path: '/spec/nothing' }], 'json'),
    );
    expect(err.code).toBe(400);
    expect(err.message).toContain('remove operation does not apply');
  });

  it('a resourceVersion inside a patch is a precondition', async () => {
    const err = await fails(
      t.client.patch(
        R.deployments,
        'api',
        'default',
        { metadata: { resourceVersion: '1' }, spec: { replicas: 2 } },
        'merge',
      ),
    );
    expect(err.code).toBe(409);
  });

  it('server-side apply: fieldManager required, creates (201) then merges; no-op keeps RV', async () => {
    const cfg = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ssa', labels: { a: '1' } } };
    const noMgr = await t.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/ssa',
      body: JSON.stringify(cfg),
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
    });
    expect(noMgr.status).toBe(400);
    const created = await t.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/ssa?fieldManager=kubectl&force=false',
      body: JSON.stringify(cfg),
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
    });
    expect(created.status).toBe(201);
    const obj = JSON.parse(created.body);
    expect(obj.metadata.managedFields[0]).toMatchObject({ manager: 'kubectl', operation: 'Apply' });
    const again = await t.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/ssa?fieldManager=kubectl',
      body: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ssa\n  labels:\n    a: "1"\n',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
    });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body).metadata.resourceVersion).toBe(obj.metadata.resourceVersion);
    const changed = await t.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/ssa?fieldManager=kubectl',
      body: JSON.stringify({ ...cfg, metadata: { name: 'ssa', labels: { a: '2' } } }),
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
    });
    expect(JSON.parse(changed.body).metadata.labels.a).toBe('2');
  });

  it('unsupported patch content types → 415', async () => {
    const res = await t.request({
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/default/deployments/api',
      body: '{}',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.body).reason).toBe('UnsupportedMediaType');
  });

  it('selector is immutable on update', async () => {
    const err = await fails(
      t.client.patch(
        R.deployments,
        'api',
        'default',
        {
          spec: {
            selector: { matchLabels: { app: 'other' } },
            template: { metadata: { labels: { app: 'other' } } },
          },
        },
        'merge',
      ),
    );
    expect(err.code).toBe(422);
    expect(err.status.details?.causes?.[0]).toMatchObject({ field: 'spec.selector' });
  });

  it('deployment defaults are visible', async () => {
    const d = (await t.client.get(R.deployments, 'api', 'default')) as KubeObject;
    expect((d.spec as any).strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
    expect((d.spec as any).revisionHistoryLimit).toBe(10);
    expect((d.spec as any).progressDeadlineSeconds).toBe(600);
    expect((d.spec as any).template.spec.restartPolicy).toBe('Always');
  });
});
