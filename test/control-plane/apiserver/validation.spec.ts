import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import { deployment, pod, startApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startApi();
});
afterAll(async () => {
  await t?.stop();
});

const post = (path: string, body: string, ct = 'application/json') =>
  t.request({ method: 'POST', path, body, headers: { 'Content-Type': ct } });
const PODS = '/api/v1/namespaces/default/pods';

describe('validation and bad input', () => {
  it('422 Invalid with causes for a bad name and a missing image', async () => {
    const p = pod('Bad_Name');
    (p.spec.containers as any[])[0].image = '';
    const res = await post(PODS, JSON.stringify(p));
    expect(res.status).toBe(422);
    const s = JSON.parse(res.body);
    expect(s).toMatchObject({
      kind: 'Status',
      reason: 'Invalid',
      code: 422,
      details: { name: 'Bad_Name', kind: 'Pod' },
    });
    expect(s.details.causes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'FieldValueInvalid', field: 'metadata.name' }),
        expect.objectContaining({ reason: 'FieldValueRequired', field: 'spec.containers[0].image' }),
      ]),
    );
    expect(s.message).toContain('Pod "Bad_Name" is invalid');
    expect(s.message).toContain('spec.containers[0].image: Required value');
  });

  it('rejects empty containers, duplicate names, bad quantities and limits < requests', async () => {
    const empty = pod('e');
    empty.spec.containers = [];
    expect(JSON.parse((await post(PODS, JSON.stringify(empty))).body).details.causes[0]).toMatchObject({
      field: 'spec.containers',
      reason: 'FieldValueRequired',
    });
    const dup = pod('d');
    dup.spec.containers = [
      { name: 'a', image: 'x' },
      { name: 'a', image: 'y' },
    ];
    expect(JSON.parse((await post(PODS, JSON.stringify(dup))).body).details.causes[0]).toMatchObject({
      field: 'spec.containers[1].name',
      reason: 'FieldValueDuplicate',
    });
    const q = pod('q');
    q.spec.containers = [{ name: 'a', image: 'x', resources: { limits: { cpu: 'lots' } } }];
    expect(JSON.parse((await post(PODS, JSON.stringify(q))).body).details.causes[0].field).toBe(
      'spec.containers[0].resources.limits[cpu]',
    );
    const lr = pod('lr');
    lr.spec.containers = [
      { name: 'a', image: 'x', resources: { limits: { memory: '64Mi' }, requests: { memory: '128Mi' } } },
    ];
    expect((await post(PODS, JSON.stringify(lr))).status).toBe(422);
  });

  it('validates deployments: selector required and matching the template', async () => {
    const d = deployment('x');
    d.spec.template.metadata.labels = { app: 'other' };
    const res = JSON.parse(
      (await post('/apis/apps/v1/namespaces/default/deployments', JSON.stringify(d))).body,
    );
    expect(res.reason).toBe('Invalid');
    expect(res.message).toContain('Deployment.apps "x" is invalid');
    expect(res.details.causes[0].message).toContain('`selector` does not match template `labels`');
    const noSel = deployment('y') as any;
    delete noSel.spec.selector;
    expect(
      JSON.parse((await post('/apis/apps/v1/namespaces/default/deployments', JSON.stringify(noSel))).body)
        .details.causes[0],
    ).toMatchObject({ field: 'spec.selector' });
    const neg = deployment('z');
    neg.spec.replicas = -1;
    expect((await post('/apis/apps/v1/namespaces/default/deployments', JSON.stringify(neg))).status).toBe(
      422,
    );
  });

  it('malformed JSON and YAML get a 400 naming the problem', async () => {
    const j = await post(PODS, '{"apiVersion": "v1", "kind": ');
    expect(j.status).toBe(400);
    expect(JSON.parse(j.body).message).toMatch(/JSON/);
    const y = await post(
      PODS,
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n',
      'application/yaml',
    );
    expect(y.status).toBe(400);
    expect(JSON.parse(y.body).message).toMatch(/YAML at line \d+, column \d+/);
  });

  it('accepts YAML bodies', async () => {
    const res = await post(
      PODS,
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: a\n    image: busybox\n',
      'application/yaml',
    );
    expect(res.status).toBe(201);
  });

  it('400 on apiVersion/kind, name and namespace mismatches', async () => {
    const dep = await post(PODS, JSON.stringify(deployment('m')));
    expect(dep.status).toBe(400);
    expect(JSON.parse(dep.body).message).toContain('does not match the expected API version');
    const ns = pod('n');
    ns.metadata.namespace = 'kube-system';
    expect((await post(PODS, JSON.stringify(ns))).status).toBe(400);
    const created = await t.client.create(R.pods, pod('named'));
    const res = await t.request({
      method: 'PUT',
      path: `${PODS}/other`,
      body: JSON.stringify(created),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toContain('does not match the name on the URL');
  });

  it('fieldValidation=Strict rejects unknown fields; default drops them', async () => {
    const p = { ...pod('strict'), bogus: 1 };
    const res = await post(`${PODS}?fieldValidation=Strict`, JSON.stringify(p));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toBe(
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "bogus"',
    );
    const m = pod('strict-meta');
    (m.metadata as any).colour = 'red';
    expect(
      JSON.parse((await post(`${PODS}?fieldValidation=Strict`, JSON.stringify(m))).body).message,
    ).toContain('unknown field "metadata.colour"');
    const lax = await post(PODS, JSON.stringify(p));
    expect(lax.status).toBe(201);
    expect(JSON.parse(lax.body).bogus).toBeUndefined();
    expect(lax.headers.warning).toContain('unknown field');
  });

  it('413 for bodies over 3 MiB, and the server keeps serving', async () => {
    const p = pod('big');
    (p.metadata as any).annotations = { big: 'x'.repeat(3 * 1024 * 1024 + 10) };
    const res = await post(PODS, JSON.stringify(p));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).reason).toBe('RequestEntityTooLarge');
    expect((await t.request({ method: 'GET', path: '/api/v1/namespaces/default/pods' })).status).toBe(200);
  });

  it('unknown resources 404; unsupported body types 415', async () => {
    expect((await post('/api/v1/namespaces/default/widgets', '{}')).status).toBe(404);
    expect((await post(PODS, '{}', 'application/cbor')).status).toBe(415);
    // Protobuf is decoded (kubectl 1.32 sends it); a body without the k8s magic is a 400.
    expect((await post(PODS, 'x', 'application/vnd.kubernetes.protobuf')).status).toBe(400);
  });
});
