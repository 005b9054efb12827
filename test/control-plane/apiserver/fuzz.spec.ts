/**
 * Bounded fuzzing of the API server with fast-check (issue 3, "Bad input"): malformed
 * JSON/YAML/protobuf, wrong kinds and apiVersions, huge names, invalid labels, deep nesting,
 * oversized bodies, wrong content types, bogus patches of every type, invalid selectors and
 * broken resourceVersions and continue tokens. Every answer below 500; every error a Status
 * whose code matches and whose message says something; afterwards the server still serves and
 * every stored object passes its kind's validation.
 */
import https from 'node:https';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type ResourceType } from '../../../src-main/common/resources';
import { strategyFor } from '../../../src-main/control-plane/apiserver/registry';
import { deployment, pod, startApi, type TestApi } from './helpers';
import { envelope } from './protobuf-helpers';

let t: TestApi;
let agent: https.Agent;
beforeAll(async () => {
  t = await startApi();
  agent = new https.Agent({ keepAlive: true, ca: t.caPem, maxSockets: 4 });
});
afterAll(async () => {
  agent?.destroy();
  await t?.stop();
});

interface Req {
  method: string;
  path: string;
  body?: string | Buffer;
  contentType?: string;
  watch?: boolean;
}

interface Answer {
  status: number;
  body: string;
}

function send(r: Req): Promise<Answer> {
  const u = new URL(r.path, t.url);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: r.method,
        agent,
        headers: {
          Authorization: `Bearer ${t.token}`,
          ...(r.contentType !== undefined ? { 'Content-Type': r.contentType } : {}),
          ...(r.body !== undefined ? { 'Content-Length': Buffer.byteLength(r.body) } : {}),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        const status = res.statusCode ?? 0;
        if (r.watch && status === 200) {
          // A watch that started: its first event (if an ERROR) must be a Status; then hang up.
          const done = () => {
            req.destroy();
            resolve({ status, body });
          };
          const timer = setTimeout(done, 150);
          res.on('data', (c: string) => {
            body += c;
            if (body.includes('\n')) {
              clearTimeout(timer);
              done();
            }
          });
          res.on('end', () => {
            clearTimeout(timer);
            done();
          });
          return;
        }
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status, body }));
      },
    );
    req.on('error', (err) => (r.watch ? resolve({ status: 200, body: '' }) : reject(err)));
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

function checkAnswer(r: Req, a: Answer): void {
  const what = `${r.method} ${r.path.slice(0, 200)} (${r.contentType ?? '-'})`;
  expect(a.status, `${what} → ${a.body.slice(0, 300)}`).toBeGreaterThanOrEqual(200);
  expect(a.status, `${what} → ${a.body.slice(0, 300)}`).toBeLessThan(500);
  if (a.status >= 400) {
    const s = JSON.parse(a.body);
    expect(s.kind, what).toBe('Status');
    expect(s.code, what).toBe(a.status);
    expect(typeof s.message, what).toBe('string');
    expect(s.message.length, what).toBeGreaterThan(3);
  } else if (r.watch && a.body.includes('\n')) {
    const ev = JSON.parse(a.body.split('\n')[0]);
    if (ev.type === 'ERROR') {
      expect(ev.object.kind, what).toBe('Status');
      expect(ev.object.code, what).toBeGreaterThanOrEqual(400);
      expect(ev.object.code, what).toBeLessThan(500);
    }
  }
}

const PODS = '/api/v1/namespaces/default/pods';
const CMS = '/api/v1/namespaces/default/configmaps';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
const COLLECTIONS = [
  PODS,
  CMS,
  DEPLOYS,
  '/api/v1/namespaces',
  '/apis/apps/v1/namespaces/default/replicasets',
];
const PATCH_TYPES = [
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
/** Any string, including control characters, unicode and URL-hostile bytes. */
const anyString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
const q = (s: string) => encodeURIComponent(s);

function deep(depth: number, open: string, close: string, leaf = '1'): string {
  return open.repeat(depth) + leaf + close.repeat(depth);
}

/** A JSON value nested `depth` levels under spec.template.metadata.labels. */
function nestedPod(depth: number): string {
  const p = JSON.stringify(pod('deep'));
  return p.replace('"labels":{', `"annotations":{"x":${deep(depth, '{"a":', '}')}},"labels":{`);
}

const requests: fc.Arbitrary<Req> = fc.oneof(
  // malformed JSON / YAML bodies
  fc.record({
    method: fc.constantFrom('POST', 'PUT'),
    path: fc.constantFrom(PODS, `${PODS}/x`, CMS, `${DEPLOYS}/d`),
    body: fc.oneof(
      anyString,
      fc.json().map((j) => j.slice(0, Math.max(1, j.length - 1))),
    ),
    contentType: fc.constantFrom('application/json', 'application/yaml'),
  }),
  // malformed protobuf: random bytes, with and without the magic, random typed payloads
  fc.record({
    method: fc.constant('POST'),
    path: fc.constantFrom(PODS, CMS, DEPLOYS, '/api/v1/namespaces'),
    body: fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.concat([Buffer.from('k8s\0', 'binary'), b])),
      fc
        .tuple(
          fc.constantFrom(
            ['v1', 'Pod'],
            ['v1', 'ConfigMap'],
            ['apps/v1', 'Deployment'],
            ['v1', 'Namespace'],
            ['x/v9', 'Nope'],
          ),
          fc.uint8Array({ maxLength: 64 }),
        )
        .map(([[v, k], b]) => envelope(v, k, Buffer.from(b))),
    ),
    contentType: fc.constant('application/vnd.kubernetes.protobuf'),
  }),
  // wrong kinds and apiVersions, huge names, invalid labels
  fc
    .record({
      kind: fc.oneof(fc.constant('Pod'), fc.constant('Deployment'), anyString),
      apiVersion: fc.oneof(fc.constant('v1'), fc.constant('apps/v2'), anyString),
      name: fc.oneof(word, anyString, fc.string({ minLength: 250, maxLength: 2000 })),
      labelKey: fc.oneof(word, anyString, fc.string({ minLength: 64, maxLength: 300 })),
      labelValue: fc.oneof(word, anyString, fc.string({ minLength: 64, maxLength: 300 })),
    })
    .map(({ kind, apiVersion, name, labelKey, labelValue }) => {
      const p = pod('x');
      p.kind = kind;
      p.apiVersion = apiVersion;
      p.metadata.name = name;
      p.metadata.labels = { [labelKey]: labelValue };
      return { method: 'POST', path: PODS, body: JSON.stringify(p), contentType: 'application/json' };
    }),
  // structurally wrong but well-formed JSON objects
  fc.record({
    method: fc.constantFrom('POST', 'PUT'),
    path: fc.constantFrom(PODS, `${PODS}/x`, DEPLOYS, `${DEPLOYS}/d`, CMS),
    body: fc
      .record({
        metadata: fc.oneof(fc.jsonValue(), fc.record({ name: fc.jsonValue(), labels: fc.jsonValue() })),
        spec: fc.jsonValue(),
        data: fc.jsonValue(),
        status: fc.jsonValue(),
      })
      .map((o) => JSON.stringify(o)),
    contentType: fc.constant('application/json'),
  }),
  // deep nesting
  fc.record({
    method: fc.constant('POST'),
    path: fc.constant(PODS),
    body: fc.oneof(
      fc.integer({ min: 100, max: 5000 }).map((d) => nestedPod(d)),
      fc.integer({ min: 1000, max: 200000 }).map((d) => deep(d, '[', ']')),
    ),
    contentType: fc.constant('application/json'),
  }),
  // wrong content types
  fc.record({
    method: fc.constantFrom('POST', 'PUT', 'PATCH'),
    path: fc.constantFrom(PODS, `${PODS}/x`),
    body: fc.constant(JSON.stringify(pod('ct'))),
    contentType: fc.oneof(
      fc.constantFrom('application/cbor', 'text/plain', 'application/xml', 'multipart/form-data', ''),
      fc.stringMatching(/^[a-z]{1,10}\/[a-z+.-]{1,20}$/),
    ),
  }),
  // bogus patches of each type against an existing object
  fc.record({
    method: fc.constant('PATCH'),
    path: fc.constantFrom(
      `${DEPLOYS}/fuzz?fieldManager=f`,
      `${DEPLOYS}/fuzz/scale?fieldManager=f`,
      `${PODS}/fuzz?fieldManager=f`,
      `${DEPLOYS}/fuzz/status?fieldManager=f`,
    ),
    body: fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .array(
          fc.record({
            op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', 'frob'),
            path: fc.oneof(
              fc.constantFrom('/spec/replicas', '/metadata/name', '/spec', '/kind', '/metadata/labels/a', ''),
              anyString,
            ),
            from: fc.constantFrom('/spec', '/x'),
            value: fc.jsonValue(),
          }),
          { maxLength: 3 },
        )
        .map((v) => JSON.stringify(v)),
      fc
        .record({
          spec: fc.record({
            replicas: fc.jsonValue(),
            template: fc.record({
              spec: fc.record({ containers: fc.jsonValue(), $setElementOrder$containers: fc.jsonValue() }),
            }),
          }),
          $patch: fc.constantFrom('delete', 'replace', 'merge', 'bogus'),
        })
        .map((v) => JSON.stringify(v).replace('$setElementOrder$containers', '$setElementOrder/containers')),
      anyString,
    ),
    contentType: fc.constantFrom(...PATCH_TYPES),
  }),
  // invalid selectors, resourceVersions, continue tokens and limits on list and watch
  fc
    .record({
      method: fc.constant('GET'),
      path: fc
        .tuple(
          fc.constantFrom(...COLLECTIONS, '/api/v1/pods'),
          fc.oneof(
            anyString,
            fc.constantFrom('a=b', 'a in (x', '!', 'a==', 'status.phase=Running', 'x.y=z', 'a notin ()'),
          ),
          fc.oneof(anyString, fc.constantFrom('metadata.name=x', 'spec.bogus=1', '=', 'a!=b,c')),
          fc.oneof(anyString, fc.constantFrom('0', '-1', '99999999999', '1e9', '')),
          fc.oneof(anyString, fc.constantFrom('eyJ2IjoxfQ', '!!!', 'e30')),
          fc.oneof(fc.constantFrom('1', '0', '-5', 'x', '500', ''), anyString),
          fc.boolean(),
        )
        .map(
          ([c, ls, fs, rv, cont, limit, watch]) =>
            `${c}?labelSelector=${q(ls)}&fieldSelector=${q(fs)}&resourceVersion=${q(rv)}&limit=${q(limit)}${watch ? '&watch=true' : `&continue=${q(cont)}`}`,
        ),
    })
    .map((r) => ({ ...r, watch: r.path.includes('&watch=true') })),
  // broken resourceVersion preconditions on update/delete, bad query parameters
  fc.record({
    method: fc.constantFrom('PUT', 'DELETE'),
    path: fc
      .tuple(
        fc.constantFrom(`${DEPLOYS}/fuzz`, `${PODS}/fuzz`),
        anyString,
        fc.constantFrom('Strict', 'Warn', 'Ignore', 'bogus'),
        fc.constantFrom('All', '', 'Some'),
      )
      .map(([p, g, fv, dr]) => `${p}?gracePeriodSeconds=${q(g)}&fieldValidation=${fv}&dryRun=${dr}`),
    body: fc.oneof(
      anyString,
      fc
        .record({
          metadata: fc.record({ name: fc.constant('fuzz'), resourceVersion: anyString }),
          preconditions: fc.jsonValue(),
          propagationPolicy: anyString,
        })
        .map((o) => JSON.stringify(o)),
    ),
    contentType: fc.constant('application/json'),
  }),
);

describe('fuzz: bad input never yields a 5xx or stores an invalid object', () => {
  it('300 random requests', { timeout: 120_000 }, async () => {
    const d = deployment('fuzz');
    expect(
      (
        await send({
          method: 'POST',
          path: DEPLOYS,
          body: JSON.stringify(d),
          contentType: 'application/json',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await send({
          method: 'POST',
          path: PODS,
          body: JSON.stringify(pod('fuzz')),
          contentType: 'application/json',
        })
      ).status,
    ).toBe(201);
    await fc.assert(
      fc.asyncProperty(requests, async (r) => {
        checkAnswer(r, await send(r));
      }),
      { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? 42), endOnFailure: true },
    );
  });

  it('oversized bodies are 413 on every write verb', async () => {
    const big = JSON.stringify({ ...pod('big'), data: 'x'.repeat(3 * 1024 * 1024) });
    for (const [method, path, ct] of [
      ['POST', PODS, 'application/json'],
      ['PUT', `${PODS}/fuzz`, 'application/yaml'],
      ['PATCH', `${PODS}/fuzz`, 'application/strategic-merge-patch+json'],
    ]) {
      const a = await send({ method, path, body: big, contentType: ct });
      expect(a.status).toBe(413);
      checkAnswer({ method, path, contentType: ct }, a);
    }
  });

  it('the server still serves and everything stored is valid', async () => {
    expect((await send({ method: 'GET', path: '/readyz' })).status).toBe(200);
    for (const type of RESOURCES.filter((x: ResourceType) => (x.verbs ?? []).includes('list'))) {
      const list = await t.storage.list(type, {});
      const s = strategyFor(type);
      for (const obj of list.items) {
        const causes = s.validate?.(obj) ?? [];
        expect(causes, `${type.plural} ${obj.metadata.namespace}/${obj.metadata.name}`).toEqual([]);
      }
    }
  });
});
