/**
 * Hostile input (issue 12): seeded, bounded mutation fuzzing of real objects of every served
 * resource — a wrong type at every field, huge numbers, huge strings, invalid UTF-8, deep
 * nesting, JSON/YAML/protobuf content types, junk paths, query parameters and headers — plus
 * YAML bombs, slowloris headers and slow bodies. Every answer is below 500 and every error a
 * Status with its code; afterwards everything stored passes its kind's validation.
 * FUZZ_SEED reproduces a run; HOSTILE_COUNT raises the count (`npm run soak`).
 */
import https from 'node:https';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type ResourceType } from '../../../src-main/common/resources';
import { strategyFor } from '../../../src-main/control-plane/apiserver/registry';
import { deployment, pod, startApi, type TestApi } from './helpers';

const SEED = Number(process.env.FUZZ_SEED ?? 1212);
const COUNT = Number(process.env.HOSTILE_COUNT ?? 1500);

/** mulberry32: a small seeded PRNG, so a failure reproduces with the same FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

let t: TestApi;
let agent: https.Agent;
beforeAll(async () => {
  t = await startApi({ timeouts: { headersMs: 1500, requestMs: 3000, checkIntervalMs: 250 } });
  agent = new https.Agent({ keepAlive: true, ca: t.caPem, maxSockets: 4 });
});
afterAll(async () => {
  agent?.destroy();
  await t?.stop();
});

interface Answer {
  status: number;
  body: string;
}

function send(
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const u = new URL(path, t.url);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        port: u.port,
        path: path.startsWith('/') ? path : u.pathname + u.search,
        method,
        agent,
        timeout: 20_000,
        headers: {
          Authorization: `Bearer ${t.token}`,
          ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in 20 s: ${method} ${path}`)));
    req.on('error', reject);
    req.end(body);
  });
}

function collection(r: ResourceType, ns = 'default'): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return `${base}${r.namespaced ? `/namespaces/${ns}` : ''}/${r.plural}`;
}

/** Real objects to mutate: the helpers' Pod and Deployment and a few more of other shapes. */
function seeds(): Record<string, unknown>[] {
  return [
    pod('hp'),
    deployment('hd'),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hc', labels: { a: 'b' } }, data: { k: 'v' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hs' }, type: 'Opaque', data: { k: 'dg==' } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'hsv' },
      spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'hcj' },
      spec: {
        schedule: '*/5 * * * *',
        jobTemplate: {
          spec: {
            template: {
              spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', args: ['true'] }] },
            },
          },
        },
      },
    },
  ];
}

const BAD_VALUES = (rnd: () => number): unknown[] => [
  null,
  true,
  -1,
  1e308,
  -(2 ** 53) - 2,
  0.5,
  '',
  'x'.repeat(1 + Math.floor(rnd() * 300_000)),
  '\u0000\uffff\ud800',
  [],
  [null, 1, 'a'],
  {},
  { nested: { deeper: [1, { x: null }] } },
  JSON.parse('['.repeat(250) + ']'.repeat(250)) as unknown,
];

/** Every path (as keys) to a value inside `obj`. */
function paths(obj: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  if (obj && typeof obj === 'object') {
    for (const [k, v] of Object.entries(obj)) {
      const p = [...prefix, Array.isArray(obj) ? Number(k) : k];
      out.push(p);
      paths(v, p, out);
    }
  }
  return out;
}

function setAt(obj: unknown, p: (string | number)[], v: unknown): unknown {
  const copy = structuredClone(obj) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[p[p.length - 1]] = v;
  return copy;
}

/** One hostile request, chosen by `rnd`. */
function hostileRequest(rnd: () => number): {
  method: string;
  path: string;
  body?: Buffer;
  headers: Record<string, string>;
} {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const served = RESOURCES.filter((r) => (r.verbs ?? ['create']).includes('create'));
  const r = pick(served);
  const kind = rnd();
  const ct = pick([
    'application/json',
    'application/yaml',
    'application/vnd.kubernetes.protobuf',
    'application/merge-patch+json',
    'text/plain',
    'application/json; charset=utf-16',
  ]);
  if (kind < 0.55) {
    // A real object of some kind with one field of a wrong type, sent to a random resource.
    const base = pick(seeds());
    const ps = paths(base);
    const mutated = setAt(base, pick(ps), pick(BAD_VALUES(rnd)));
    const text = JSON.stringify(mutated);
    const method = pick(['POST', 'POST', 'PUT', 'PATCH']);
    const name = (base.metadata as { name: string }).name;
    const path = method === 'POST' ? collection(r) : `${collection(r)}/${name}`;
    return {
      method,
      path: path + pick(['', '?fieldValidation=Strict', '?dryRun=All', '?fieldManager=' + '%ff'.repeat(3)]),
      body: Buffer.from(text),
      headers: { 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : ct },
    };
  }
  if (kind < 0.7) {
    // Random bytes, invalid UTF-8 and truncated documents.
    const len = Math.floor(rnd() * 2000);
    const bytes = Buffer.alloc(len);
    for (let i = 0; i < len; i++) bytes[i] = Math.floor(rnd() * 256);
    const truncated = JSON.stringify(pick(seeds())).slice(0, Math.floor(rnd() * 200));
    return {
      method: pick(['POST', 'PUT', 'PATCH']),
      path: collection(r) + (rnd() < 0.5 ? '' : '/x'),
      body: rnd() < 0.5 ? bytes : Buffer.concat([Buffer.from(truncated), Buffer.from([0xc3, 0x28, 0xff])]),
      headers: { 'Content-Type': ct },
    };
  }
  if (kind < 0.85) {
    // Junk query parameters on reads.
    const q = pick([
      'limit=-1',
      'limit=1e400',
      'labelSelector=a%20in%20(',
      'fieldSelector=spec.x%3D%3D%3D',
      'resourceVersion=abc&resourceVersionMatch=Exact',
      'continue=%ff%fe',
      'watch=maybe&timeoutSeconds=1',
      'timeoutSeconds=-5',
      'limit=99999999999999999999999',
      `labelSelector=${'a'.repeat(10_000)}`,
    ]);
    return { method: 'GET', path: `${collection(r)}?${q}`, headers: {} };
  }
  // Junk paths and headers.
  const path = pick([
    `${collection(r)}/${'%2e%2e/'.repeat(5)}`,
    `${collection(r)}/a/b/c/d/e/f`,
    `/api/v1/namespaces/${'n'.repeat(300)}/pods`,
    `/apis/${'g'.repeat(1000)}/v1/x`,
    `${collection(r)}/%00`,
    '/apis/apps/v1/namespaces/default/deployments/hd/scale?x=' + '%'.repeat(3),
  ]);
  return {
    method: pick(['GET', 'DELETE', 'POST', 'OPTIONS', 'PROPFIND']),
    path,
    body: Buffer.from('{}'),
    headers: {
      'Content-Type': pick(['application/json', 'bogus/type;;;', 'application/json; q=x']),
      Accept: pick([
        'application/json',
        'application/json;as=Table;v=v1;g=meta.k8s.io',
        '*/*;q=bogus',
        'x/y',
      ]),
      'Impersonate-User': pick(['', 'someone']),
    },
  };
}

function checkAnswer(what: string, a: Answer) {
  expect(a.status, `${what} → ${a.status} ${a.body.slice(0, 300)}`).toBeLessThan(500);
  if (a.status >= 400) {
    let s: { kind?: string; code?: number; message?: string };
    try {
      s = JSON.parse(a.body) as typeof s;
    } catch {
      throw new Error(`${what} → ${a.status} with a body that is not a Status: ${a.body.slice(0, 200)}`);
    }
    expect(s.kind, what).toBe('Status');
    expect(s.code, what).toBe(a.status);
    expect(s.message, what).toBeTruthy();
  }
}

describe('hostile input: mutated real objects, junk bytes, paths, parameters and headers', () => {
  it(
    `${COUNT} seeded requests (seed ${SEED}) all answer below 500, errors as Status`,
    { timeout: 300_000 },
    async () => {
      const rnd = prng(SEED);
      let tried = 0;
      const byStatus = new Map<number, number>();
      for (let i = 0; i < COUNT; i++) {
        const r = hostileRequest(rnd);
        const a = await send(r.method, r.path, r.body, r.headers);
        tried++;
        byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
        checkAnswer(`#${i} ${r.method} ${r.path.slice(0, 120)} (${r.headers['Content-Type'] ?? ''})`, a);
      }
      console.log(
        `hostile input: ${tried} requests (seed ${SEED}); answers by status:`,
        Object.fromEntries(byStatus),
      );
      expect(tried).toBe(COUNT);
    },
  );

  it('refuses YAML bombs (billion laughs with aliases, deep nesting) with a 400', async () => {
    const laughs =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n' +
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' +
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n' +
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n' +
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ndata: {x: *f}\n';
    const cms = '/api/v1/namespaces/default/configmaps';
    for (const ct of ['application/yaml', 'application/apply-patch+yaml']) {
      const method = ct === 'application/yaml' ? 'POST' : 'PATCH';
      const path = method === 'POST' ? cms : `${cms}/lol?fieldManager=t`;
      const a = await send(method, path, laughs, { 'Content-Type': ct });
      checkAnswer(`bomb ${ct}`, a);
      expect(a.status).toBe(400);
      expect(a.body).toMatch(/alias|resource exhaustion/i);
    }
    const deepFlow =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nx: ' + '['.repeat(5000) + ']'.repeat(5000);
    const d1 = await send('POST', cms, deepFlow, { 'Content-Type': 'application/yaml' });
    checkAnswer('deep flow yaml', d1);
    expect(d1.status).toBe(400);
    const deepBlock =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep2}\nx:\n' +
      Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n') +
      ' 1\n';
    const d2 = await send('POST', cms, deepBlock, { 'Content-Type': 'application/yaml' });
    checkAnswer('deep block yaml', d2);
    expect(d2.status).toBe(400);
    expect(d2.body).toMatch(/nested too deeply|call stack/);
  });

  it('everything stored is valid afterwards, and the server still serves', async () => {
    expect((await send('GET', '/readyz')).status).toBe(200);
    let objects = 0;
    for (const type of RESOURCES.filter((x: ResourceType) => (x.verbs ?? ['list']).includes('list'))) {
      const list = await t.storage.list(type, {});
      const s = strategyFor(type);
      for (const obj of list.items) {
        objects++;
        expect(obj.metadata.name, type.plural).toBeTruthy();
        const causes = s.validate?.(obj) ?? [];
        expect(causes, `${type.plural} ${obj.metadata.namespace}/${obj.metadata.name}`).toEqual([]);
      }
    }
    expect(objects).toBeGreaterThan(0);
  });
});

/** A raw TLS connection to the API server. */
function rawConnect(): Promise<tls.TLSSocket> {
  const u = new URL(t.url);
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: u.hostname, port: Number(u.port), ca: t.caPem }, () => resolve(s));
    s.on('error', reject);
  });
}

/** Sends `text` one byte per `ms`; resolves with how long the server let it go on and what it said. */
async function dribble(
  text: string,
  ms: number,
  head = '',
): Promise<{ closedAfterMs: number; answer: string }> {
  const s = await rawConnect();
  if (head) s.write(head);
  const started = Date.now();
  let answer = '';
  s.on('data', (d: Buffer) => (answer += d.toString()));
  const closed = new Promise<void>((resolve) => {
    s.on('close', () => resolve());
    s.on('end', () => resolve());
    s.on('error', () => resolve());
  });
  let open = true;
  void closed.then(() => (open = false));
  for (let i = 0; i < text.length && open; i++) {
    if (!s.destroyed) s.write(text[i]);
    await new Promise((r) => setTimeout(r, ms));
    if (Date.now() - started > 20_000) break;
  }
  await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
  const closedAfterMs = Date.now() - started;
  s.destroy();
  return { closedAfterMs, answer };
}

describe('slow clients are cut off without affecting others', () => {
  it(
    'a slowloris sending headers a byte at a time is cut off at the headers timeout',
    { timeout: 30_000 },
    async () => {
      const headers = `GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.token}\r\nX-Pad: ${'a'.repeat(200)}\r\n\r\n`;
      const slow = dribble(headers, 50); // 300 bytes at 20/s: ~15 s if nobody cut it off
      // Others are served meanwhile.
      for (let i = 0; i < 5; i++) {
        const a = await send('GET', '/api/v1/namespaces/default');
        expect(a.status).toBe(200);
        await new Promise((r) => setTimeout(r, 200));
      }
      const r = await slow;
      expect(r.closedAfterMs).toBeLessThan(6000);
      expect(r.answer).not.toMatch(/ 200 OK/);
    },
  );

  it(
    'a client sending its body a byte at a time is cut off at the request timeout',
    { timeout: 30_000 },
    async () => {
      const body = JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'slowbody' },
        data: { a: 'x'.repeat(400) },
      });
      const head = `POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
      const slow = dribble(body, 20, head); // ~9 s for the whole body if nobody cut it off
      const a = await send('GET', '/api/v1/namespaces/default');
      expect(a.status).toBe(200);
      const r = await slow;
      expect(r.closedAfterMs).toBeLessThan(8000);
      expect((await send('GET', '/api/v1/namespaces/default/configmaps/slowbody')).status).toBe(404);
    },
  );
});
