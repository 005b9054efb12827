/**
 * API robustness over HTTPS: self-subject reviews, OpenAPI documents, field validation at depth
 * (Warn headers, duplicate fields), the 3 MiB body limit on every verb and on protobuf, max
 * in-flight limits (429 + Retry-After), dryRun=All on every verb and watch bookmarks.
 */
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import { deployment, pod, startApi, type TestApi } from './helpers';
import { envelope } from './protobuf-helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startApi({ inFlight: { readOnly: 50, mutating: 1 }, store: { bookmarkIntervalMs: 50 } });
});
afterAll(async () => {
  await t?.stop();
});

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with a binary body; `hold` leaves the body unfinished until it is called. */
function raw(
  method: string,
  path: string,
  body?: Buffer | string,
  contentType = 'application/json',
  opts: { hold?: boolean } = {},
): { done: Promise<Raw>; finish: () => void } {
  const u = new URL(path, t.url);
  let finish = () => {};
  const done = new Promise<Raw>((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        ca: t.caPem,
        agent: false,
        headers: {
          Authorization: `Bearer ${t.token}`,
          'Content-Type': contentType,
          ...(body !== undefined ? { 'Content-Length': Buffer.byteLength(body) + (opts.hold ? 1 : 0) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    if (opts.hold) finish = () => req.end(' ');
    else req.end();
  });
  return { done, finish };
}
const call = (method: string, path: string, body?: Buffer | string, ct?: string) =>
  raw(method, path, body, ct).done;
const json = (r: Raw) => JSON.parse(r.body);
const PODS = '/api/v1/namespaces/default/pods';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';

describe('self-subject reviews', () => {
  it('SelfSubjectAccessReview: allowed for the admin; exactly one attribute set required', async () => {
    const r = await call(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      JSON.stringify({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } },
      }),
    );
    expect(r.status).toBe(201);
    expect(json(r)).toMatchObject({ kind: 'SelfSubjectAccessReview', status: { allowed: true } });
    const bad = await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', '{"spec":{}}');
    expect(bad.status).toBe(422);
    expect(json(bad).message).toContain('exactly one of nonResourceAttributes or resourceAttributes');
    const get = await call('GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
    expect(get.status).toBe(405);
  });

  it('SelfSubjectRulesReview and SelfSubjectReview over protobuf', async () => {
    const rr = await call(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
      envelope('authorization.k8s.io/v1', 'SelfSubjectRulesReview', [[2, [[1, 'default']]]]),
      'application/vnd.kubernetes.protobuf',
    );
    expect(rr.status).toBe(201);
    expect(json(rr).spec).toEqual({ namespace: 'default' });
    expect(json(rr).status.resourceRules).toContainEqual({
      verbs: ['*'],
      apiGroups: ['*'],
      resources: ['*'],
    });
    const who = await call(
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      envelope('authentication.k8s.io/v1', 'SelfSubjectReview', []),
      'application/vnd.kubernetes.protobuf',
    );
    expect(json(who).status.userInfo).toEqual({
      username: 'skiff-admin',
      groups: ['system:masters', 'system:authenticated'],
    });
  });

  it('legacy /api/v1 keeps pods/eviction for drain', async () => {
    const r = json(await call('GET', '/api/v1'));
    expect(r.resources).toContainEqual(
      expect.objectContaining({ name: 'pods/eviction', group: 'policy', version: 'v1', kind: 'Eviction' }),
    );
  });
});

describe('OpenAPI v3', () => {
  it('every group-version document has a schema with a GVK for each served kind', async () => {
    const index = json(await call('GET', '/openapi/v3'));
    const disc = json(await call('GET', '/apis'));
    const gvs = [
      'api/v1',
      ...disc.groups.flatMap((g: any) => g.versions.map((v: any) => `apis/${v.groupVersion}`)),
    ];
    for (const gv of gvs) {
      expect(index.paths[gv], gv).toBeDefined();
      const doc = json(await call('GET', index.paths[gv].serverRelativeURL));
      const list = json(await call('GET', `/${gv}`));
      const gvks = Object.values(doc.components.schemas).flatMap(
        (s: any) => s['x-kubernetes-group-version-kind'] ?? [],
      );
      for (const res of list.resources.filter((r: any) => !r.name.includes('/')))
        expect(
          gvks.some(
            (g: any) => g.kind === res.kind && `${g.group ? `apis/${g.group}` : 'api'}/${g.version}` === gv,
          ),
          `${gv} ${res.kind}`,
        ).toBe(true);
    }
    const core = json(await call('GET', index.paths['api/v1'].serverRelativeURL));
    const containers = core.components.schemas['io.k8s.api.core.v1.PodSpec'].properties.containers;
    expect(containers['x-kubernetes-patch-merge-key']).toBe('name');
    expect(containers['x-kubernetes-patch-strategy']).toBe('merge');
    const patch = core.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    expect(patch.parameters.map((p: any) => p.name)).toContain('fieldValidation');
  });
});

describe('field validation at depth', () => {
  it('Strict names nested unknown and duplicate fields; nothing is stored', async () => {
    const d = deployment('strict');
    d.spec.template.spec.containers[0].imagee = 'x';
    d.spec.strategy = { type: 'Recreate', bogus: true };
    const r = await call('POST', `${DEPLOYS}?fieldValidation=Strict`, JSON.stringify(d));
    expect(r.status).toBe(400);
    expect(json(r).message).toContain('unknown field "spec.template.spec.containers[0].imagee"');
    expect(json(r).message).toContain('unknown field "spec.strategy.bogus"');
    const dup = JSON.stringify(deployment('dup')).replace('"replicas":2', '"replicas":2,"replicas":3');
    const rd = await call('POST', `${DEPLOYS}?fieldValidation=Strict`, dup);
    expect(rd.status).toBe(400);
    expect(json(rd).message).toContain('duplicate field "spec.replicas"');
    expect((await t.storage.list(R.deployments, { namespace: 'default' })).items).toHaveLength(0);
  });

  it('Warn stores without the unknown fields and says so in Warning headers; Ignore is silent', async () => {
    const p = pod('warn');
    p.spec.containers[0].imagee = 'x';
    p.metadata.colour = 'red';
    const r = await call('POST', `${PODS}?fieldValidation=Warn`, JSON.stringify(p));
    expect(r.status).toBe(201);
    // Node joins repeated Warning headers with ', '.
    expect(r.headers.warning).toContain('299 - "unknown field \\"spec.containers[0].imagee\\""');
    expect(r.headers.warning).toContain('299 - "unknown field \\"metadata.colour\\""');
    expect(json(r).spec.containers[0].imagee).toBeUndefined();
    const q = pod('ignore');
    q.spec.containers[0].imagee = 'x';
    const ri = await call('POST', `${PODS}?fieldValidation=Ignore`, JSON.stringify(q));
    expect(ri.status).toBe(201);
    expect(ri.headers.warning).toBeUndefined();
    expect(json(ri).spec.containers[0].imagee).toBeUndefined();
  });
});

describe('limits', () => {
  const big = 'x'.repeat(3 * 1024 * 1024 + 1);

  it('3 MiB body limit on POST, PUT, PATCH, DELETE and protobuf', async () => {
    await call('POST', PODS, JSON.stringify(pod('limit')));
    for (const [method, path, ct] of [
      ['POST', PODS, 'application/json'],
      ['PUT', `${PODS}/limit`, 'application/json'],
      ['PATCH', `${PODS}/limit`, 'application/merge-patch+json'],
      ['PATCH', `${PODS}/limit`, 'application/apply-patch+yaml'],
      ['DELETE', `${PODS}/limit`, 'application/json'],
      ['POST', PODS, 'application/vnd.kubernetes.protobuf'],
    ]) {
      const r = await call(method, path + (method === 'PATCH' ? '?fieldManager=t' : ''), big, ct);
      expect(r.status, `${method} ${ct}`).toBe(413);
      expect(json(r).reason).toBe('RequestEntityTooLarge');
    }
    expect((await t.storage.get(R.pods, 'default', 'limit')).metadata.name).toBe('limit');
  });

  it('mutating requests over the in-flight limit get 429 + Retry-After; reads and watches still pass', async () => {
    const held = raw('POST', PODS, JSON.stringify(pod('held')), 'application/json', { hold: true });
    // Let the held request reach the server before the next one.
    for (let i = 0; i < 20 && (await call('GET', '/api/v1/namespaces/default/pods')).status === 200; i++) {
      const probe = await call('POST', PODS, JSON.stringify(pod('second')));
      if (probe.status === 429) {
        expect(probe.headers['retry-after']).toBe('1');
        expect(json(probe)).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
        break;
      }
      expect(probe.status).toBe(201);
      await call('DELETE', `${PODS}/second`, '{"gracePeriodSeconds":0}');
    }
    const blocked = await call('POST', PODS, JSON.stringify(pod('third')));
    expect(blocked.status).toBe(429);
    expect((await call('GET', PODS)).status).toBe(200);
    held.finish();
    expect((await held.done).status).toBe(201);
    expect((await call('POST', PODS, JSON.stringify(pod('third')))).status).toBe(201);
  });
});

describe('dryRun=All and bookmarks', () => {
  it('dryRun=All on every verb answers as if done and stores nothing', async () => {
    await call('POST', DEPLOYS, JSON.stringify(deployment('dry')));
    const before = await t.storage.get(R.deployments, 'default', 'dry');
    const c = await call('POST', `${DEPLOYS}?dryRun=All`, JSON.stringify(deployment('dry2')));
    expect(c.status).toBe(201);
    const changed = { ...before, spec: { ...(before.spec as object), replicas: 7 } };
    const u = await call('PUT', `${DEPLOYS}/dry?dryRun=All`, JSON.stringify(changed));
    expect(u.status).toBe(200);
    expect(json(u).spec.replicas).toBe(7);
    const p = await call(
      'PATCH',
      `${DEPLOYS}/dry?dryRun=All`,
      '{"spec":{"replicas":9}}',
      'application/merge-patch+json',
    );
    expect(json(p).spec.replicas).toBe(9);
    const s = await call(
      'PATCH',
      `${DEPLOYS}/dry/scale?dryRun=All`,
      '{"spec":{"replicas":4}}',
      'application/merge-patch+json',
    );
    expect(s.status).toBe(200);
    const d = await call('DELETE', `${DEPLOYS}/dry?dryRun=All`);
    expect(d.status).toBe(200);
    const dc = await call('DELETE', `${DEPLOYS}?dryRun=All`);
    expect(dc.status).toBe(200);
    const after = await t.storage.get(R.deployments, 'default', 'dry');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect((after.spec as any).replicas).toBe(2);
    await expect(t.storage.get(R.deployments, 'default', 'dry2')).rejects.toMatchObject({ code: 404 });
  });

  it('a watch with allowWatchBookmarks gets BOOKMARK events carrying a resourceVersion', async () => {
    const list = json(await call('GET', PODS));
    const rv = list.metadata.resourceVersion;
    const ac = new AbortController();
    const stream = await t.transport.stream({
      method: 'GET',
      path: `${PODS}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`,
      signal: ac.signal,
    });
    let bookmark: any;
    let buf = '';
    for await (const chunk of stream.chunks) {
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      bookmark = lines.map((l) => JSON.parse(l)).find((e) => e.type === 'BOOKMARK');
      if (bookmark) break;
    }
    ac.abort();
    expect(bookmark.object.kind).toBe('Pod');
    expect(Number(bookmark.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
  });
});
