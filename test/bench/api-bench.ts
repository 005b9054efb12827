/**
 * `npm run bench -- api`: latency of the API server in-process, on the real WAL backend in a
 * temporary directory, reached over HTTPS on 127.0.0.1.
 *  - single-object GET and mutate (PUT, PATCH) at 200 requests/s (autocannon, p50/p99);
 *  - LIST of 10,000 pods, full and paginated (limit=500);
 *  - watch fan-out: 200 watchers, time from a write until the last watcher has the event.
 * Prints a table, then one JSON object with the figures as the last line.
 */
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { R } from '../../src-main/common/resources';
import type { KubeObject } from '../../src-main/common/types';
import { ApiServer } from '../../src-main/control-plane/apiserver/api-server';
import { ObjectStore } from '../../src-main/control-plane/apiserver/object-storage';
import { openBackend } from '../../src-main/control-plane/store';

const TOKEN = 'bench-token-0123456789abcdef';
const LIST_SIZE = 10_000;
const WATCHERS = 200;
const FANOUT_WRITES = 50;
const RATE = 200;
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)];
}

function stats(samples: number[]): { p50: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] };
}

const round = (n: number) => Math.round(n * 100) / 100;

function benchPod(name: string, ns: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: 'bench', tier: name.length % 2 ? 'a' : 'b' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'skiff-test/busybox:1',
          command: ['sleep', '3600'],
          ports: [{ containerPort: 8080 }],
          env: [{ name: 'MODE', value: 'bench' }],
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
        },
      ],
    },
  };
}

/** Runs the API benchmark and returns the figures. */
export async function runApiBench(
  log: (line: string) => void = console.log,
): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-'));
  const backend = openBackend(`wal://${path.join(dir, 'store')}`);
  await backend.start();
  const storage = new ObjectStore(backend);
  const api = new ApiServer({ storage, dataDir: dir, port: 0, token: TOKEN });
  const { url, caPem } = await api.start();
  const agent = new https.Agent({ keepAlive: true, ca: caPem, maxSockets: WATCHERS + 16 });
  const headers = { Authorization: `Bearer ${TOKEN}` };

  const request = (method: string, p: string, body?: string, ct = 'application/json') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(p, url);
      const req = https.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          method,
          agent,
          headers: {
            ...headers,
            ...(body ? { 'Content-Type': ct, 'Content-Length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });

  const figures: Record<string, number> = {};
  const rows: { scenario: string; p50_ms: number; p99_ms: number; note: string }[] = [];
  try {
    for (const ns of ['bench', 'list', 'fanout']) {
      const r = await request('POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: ns } }));
      if (r.status !== 201) throw new Error(`creating namespace ${ns}: ${r.status} ${r.body}`);
    }
    const single = await request(
      'POST',
      '/api/v1/namespaces/bench/pods',
      JSON.stringify(benchPod('one', 'bench')),
    );
    if (single.status !== 201) throw new Error(`creating the pod: ${single.status} ${single.body}`);

    // --- single-object GET / PUT / PATCH at a fixed rate ---
    const cannon = async (name: string, opts: Partial<Parameters<typeof autocannon>[0]>) => {
      // Warm up (JIT, TLS sessions, caches) before measuring.
      await autocannon({
        url: `${url}/api/v1/namespaces/bench/pods/one`,
        connections: 2,
        duration: 2,
        overallRate: RATE,
        headers,
        tlsOptions: { ca: caPem },
        ...opts,
      });
      const res = await autocannon({
        url: `${url}/api/v1/namespaces/bench/pods/one`,
        connections: 8,
        duration: DURATION_S,
        overallRate: RATE,
        headers,
        tlsOptions: { ca: caPem },
        ...opts,
      });
      if (res.errors || res.non2xx)
        throw new Error(`${name}: ${res.errors} errors, ${res.non2xx} non-2xx answers`);
      figures[`${name}_p50_ms`] = res.latency.p50;
      figures[`${name}_p99_ms`] = res.latency.p99;
      rows.push({
        scenario: `${name} (${RATE} req/s, ${DURATION_S}s)`,
        p50_ms: res.latency.p50,
        p99_ms: res.latency.p99,
        note: `${res.requests.total} requests`,
      });
    };
    await cannon('get', { method: 'GET' });
    let n = 0;
    const current = JSON.parse(
      (await request('GET', '/api/v1/namespaces/bench/pods/one')).body,
    ) as KubeObject;
    const probe = await request(
      'PUT',
      '/api/v1/namespaces/bench/pods/one',
      JSON.stringify({ ...current, metadata: { ...current.metadata, resourceVersion: undefined } }),
    );
    if (probe.status !== 200) throw new Error(`put: ${probe.status} ${probe.body}`);
    await cannon('put', {
      connections: 2,
      requests: [
        {
          method: 'PUT',
          setupRequest: (req) => {
            const obj = {
              ...current,
              metadata: {
                ...current.metadata,
                resourceVersion: undefined,
                labels: { app: 'bench', n: String(n++) },
              },
            };
            return {
              ...req,
              headers: { ...headers, 'Content-Type': 'application/json' },
              body: JSON.stringify(obj),
            };
          },
        },
      ],
    });
    await cannon('patch', {
      connections: 2,
      requests: [
        {
          method: 'PATCH',
          setupRequest: (req) => ({
            ...req,
            headers: { ...headers, 'Content-Type': 'application/merge-patch+json' },
            body: `{"metadata":{"labels":{"n":"p${n++}"}}}`,
          }),
        },
      ],
    });

    // --- LIST of 10,000 pods ---
    const seedStart = performance.now();
    for (let i = 0; i < LIST_SIZE; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, LIST_SIZE - i) }, (_, j) =>
          storage.create(R.pods, benchPod(`pod-${String(i + j).padStart(5, '0')}`, 'list')),
        ),
      );
    }
    log(`seeded ${LIST_SIZE} pods in ${Math.round(performance.now() - seedStart)} ms`);
    const full: number[] = [];
    for (let i = 0; i < 22; i++) {
      const t0 = performance.now();
      const r = await request('GET', '/api/v1/namespaces/list/pods');
      const dt = performance.now() - t0;
      if (r.status !== 200) throw new Error(`list: ${r.status}`);
      if (i === 0 && JSON.parse(r.body).items.length !== LIST_SIZE) throw new Error('list: wrong item count');
      if (i >= 2) full.push(dt); // the first two warm up
    }
    const fs = stats(full);
    figures.list_full_p50_ms = round(fs.p50);
    figures.list_full_p99_ms = round(fs.p99);
    rows.push({
      scenario: `LIST ${LIST_SIZE} pods (full JSON)`,
      p50_ms: round(fs.p50),
      p99_ms: round(fs.p99),
      note: '20 runs',
    });
    const table: number[] = [];
    for (let i = 0; i < 12; i++) {
      const t0 = performance.now();
      const r = await new Promise<number>((resolve, reject) => {
        const u = new URL('/api/v1/namespaces/list/pods', url);
        https
          .get(
            {
              host: u.hostname,
              port: u.port,
              path: u.pathname,
              agent,
              headers: {
                ...headers,
                Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
              },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          )
          .on('error', reject);
      });
      if (r !== 200) throw new Error(`table list: ${r}`);
      if (i >= 2) table.push(performance.now() - t0);
    }
    const ts = stats(table);
    figures.list_table_p50_ms = round(ts.p50);
    figures.list_table_p99_ms = round(ts.p99);
    rows.push({
      scenario: `LIST ${LIST_SIZE} pods (kubectl Table)`,
      p50_ms: round(ts.p50),
      p99_ms: round(ts.p99),
      note: '10 runs',
    });
    const pages: number[] = [];
    const walks: number[] = [];
    for (let w = 0; w < 5; w++) {
      let cont = '';
      let count = 0;
      const w0 = performance.now();
      do {
        const t0 = performance.now();
        const r = await request(
          'GET',
          `/api/v1/namespaces/list/pods?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`,
        );
        pages.push(performance.now() - t0);
        const body = JSON.parse(r.body) as { items: unknown[]; metadata: { continue?: string } };
        count += body.items.length;
        cont = body.metadata.continue ?? '';
      } while (cont);
      walks.push(performance.now() - w0);
      if (count !== LIST_SIZE) throw new Error(`paginated list saw ${count} items`);
    }
    const ps = stats(pages);
    const wsum = stats(walks);
    figures.list_page500_p50_ms = round(ps.p50);
    figures.list_page500_p99_ms = round(ps.p99);
    figures.list_paginated_total_p50_ms = round(wsum.p50);
    rows.push({
      scenario: 'LIST page (limit=500)',
      p50_ms: round(ps.p50),
      p99_ms: round(ps.p99),
      note: `${pages.length} pages`,
    });
    rows.push({
      scenario: `LIST all ${LIST_SIZE} in pages of 500`,
      p50_ms: round(wsum.p50),
      p99_ms: round(wsum.p99),
      note: '5 walks',
    });

    // --- watch fan-out ---
    const created = await request(
      'POST',
      '/api/v1/namespaces/fanout/pods',
      JSON.stringify(benchPod('target', 'fanout')),
    );
    if (created.status !== 201) throw new Error(`fanout pod: ${created.status}`);
    const rv = (JSON.parse(created.body) as KubeObject).metadata.resourceVersion;
    let stopping = false;
    let waiting: { marker: string; remaining: number; done: () => void } | undefined;
    const seen = new Array<string>(WATCHERS).fill('');
    const reqs: ReturnType<typeof https.get>[] = [];
    await Promise.all(
      Array.from(
        { length: WATCHERS },
        (_, i) =>
          new Promise<void>((resolve, reject) => {
            const u = new URL(`/api/v1/namespaces/fanout/pods?watch=true&resourceVersion=${rv}`, url);
            const req = https.get(
              { host: u.hostname, port: u.port, path: u.pathname + u.search, agent, headers },
              (res) => {
                res.setEncoding('utf8');
                resolve();
                res.on('data', (chunk: string) => {
                  const w = waiting;
                  if (!w || seen[i] === w.marker || !chunk.includes(w.marker)) return;
                  seen[i] = w.marker;
                  if (--w.remaining === 0) w.done();
                });
              },
            );
            req.on('error', (err) => {
              if (!stopping) reject(err);
            });
            reqs.push(req);
          }),
      ),
    );
    const fan: number[] = [];
    for (let k = 0; k < FANOUT_WRITES + 3; k++) {
      const marker = `m${k}x${Date.now()}`;
      const t0 = performance.now();
      const delivered = new Promise<void>((resolve) => {
        waiting = { marker, remaining: WATCHERS, done: resolve };
      });
      const r = await request(
        'PATCH',
        '/api/v1/namespaces/fanout/pods/target',
        `{"metadata":{"labels":{"marker":"${marker}"}}}`,
        'application/merge-patch+json',
      );
      if (r.status !== 200) throw new Error(`fanout write: ${r.status}`);
      await delivered;
      if (k >= 3) fan.push(performance.now() - t0);
    }
    stopping = true;
    for (const r of reqs) r.destroy();
    const fo = stats(fan);
    figures.watch_fanout_p50_ms = round(fo.p50);
    figures.watch_fanout_p99_ms = round(fo.p99);
    rows.push({
      scenario: `watch fan-out to ${WATCHERS} watchers`,
      p50_ms: round(fo.p50),
      p99_ms: round(fo.p99),
      note: `${FANOUT_WRITES} writes; write → last watcher`,
    });
  } finally {
    agent.destroy();
    await api.stop();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const width = Math.max(...rows.map((r) => r.scenario.length));
  log('');
  log(`${'scenario'.padEnd(width)}  ${'p50 ms'.padStart(8)}  ${'p99 ms'.padStart(8)}  note`);
  for (const r of rows)
    log(
      `${r.scenario.padEnd(width)}  ${String(r.p50_ms).padStart(8)}  ${String(r.p99_ms).padStart(8)}  ${r.note}`,
    );
  const singleP99 = Math.max(figures.get_p99_ms, figures.put_p99_ms, figures.patch_p99_ms);
  log('');
  log(
    `targets: single-object p99 ≤ 10 ms: ${singleP99 <= 10 ? 'met' : 'MISSED'} (${singleP99}); LIST 10k ≤ 150 ms: ${figures.list_full_p99_ms <= 150 ? 'met' : 'MISSED'} (p99 ${figures.list_full_p99_ms})`,
  );
  return figures;
}
