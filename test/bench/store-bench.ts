/**
 * `npm run bench -- store`: the embedded store against a real etcd, both at their durable
 * defaults, measured side by side in one run through the same Backend interface:
 *  - sequential creates of 1 KiB values (throughput, p50/p99);
 *  - creates with 64 in flight (throughput, p50/p99);
 *  - watch delivery with 100 watchers: from issuing a write until each watcher has it (so the
 *    figure includes the durable write itself, on both backends);
 *  - the API server's create (POST a ConfigMap over HTTPS) on each backend, p50/p99.
 * etcd is a throwaway member on 127.0.0.1 (temp data dir, stopped by pid). Prints a table with
 * the ratio Skiff/etcd per figure, then one JSON object as the last line.
 */
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApiServer } from '../../src-main/control-plane/apiserver/api-server';
import { ObjectStore } from '../../src-main/control-plane/apiserver/object-storage';
import { openBackend, type Backend } from '../../src-main/control-plane/store';
import { BenchError } from './bench-error';
import { etcdAvailable, startEtcd } from '../helpers/etcd';

const VALUE = 'x'.repeat(1024);
const SEQUENTIAL = Number(process.env.BENCH_STORE_SEQUENTIAL ?? 1000);
const PARALLEL = Number(process.env.BENCH_STORE_PARALLEL ?? 10_000);
const IN_FLIGHT = 64;
const WATCHERS = 100;
const WATCH_WRITES = 200;
const API_CREATES = Number(process.env.BENCH_STORE_API ?? 500);
const TOKEN = 'store-bench-token-0123456789';

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

function summary(samples: number[]): { p50: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
}

const round = (n: number) => Math.round(n * 100) / 100;

interface Figures {
  seq_puts_per_s: number;
  seq_p50_ms: number;
  seq_p99_ms: number;
  par_puts_per_s: number;
  par_p50_ms: number;
  par_p99_ms: number;
  watch_p50_ms: number;
  watch_p99_ms: number;
  api_create_p50_ms: number;
  api_create_p99_ms: number;
}

/** Creates of 1 KiB values: `total` keys with `inFlight` outstanding at a time. */
async function puts(b: Backend, prefix: string, total: number, inFlight: number) {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const s = performance.now();
      await b.create(`${prefix}${String(i).padStart(8, '0')}`, VALUE);
      lat.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: total / seconds, ...summary(lat) };
}

/** 100 watchers on one prefix; per write, the time from issuing it (a durable write) to each delivery. */
async function watchLatency(b: Backend, prefix: string): Promise<{ p50: number; p99: number }> {
  const sent = new Map<string, number>();
  const lat: number[] = [];
  let delivered = 0;
  let allDone!: () => void;
  const done = new Promise<void>((r) => (allDone = r));
  const watchers = await Promise.all(
    Array.from({ length: WATCHERS }, () =>
      b.watch(prefix, 0, (events) => {
        const now = performance.now();
        for (const ev of events) {
          const at = sent.get(ev.kv.key);
          if (at !== undefined) lat.push(now - at);
          if (++delivered === WATCHERS * WATCH_WRITES) allDone();
        }
      }),
    ),
  );
  try {
    for (let i = 0; i < WATCH_WRITES; i++) {
      const key = `${prefix}${i}`;
      sent.set(key, performance.now());
      await b.create(key, VALUE);
      // Space the writes a little, as a cluster's writes are, so each is measured on its own.
      await new Promise((r) => setTimeout(r, 2));
    }
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new BenchError(`watchers got ${delivered} of ${WATCHERS * WATCH_WRITES} events`)),
        30_000,
      ),
    );
    await Promise.race([done, timeout]);
  } finally {
    for (const w of watchers) w.cancel();
  }
  return summary(lat);
}

/** POSTs ConfigMaps, one at a time, to an API server on `backend`. */
async function apiCreates(b: Backend): Promise<{ p50: number; p99: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-api-'));
  const api = new ApiServer({ storage: new ObjectStore(b), dataDir: dir, port: 0, token: TOKEN });
  const { url, caPem } = await api.start();
  const agent = new https.Agent({ keepAlive: true, ca: caPem, maxSockets: 4 });
  const post = (p: string, body: string) =>
    new Promise<number>((resolve, reject) => {
      const u = new URL(p, url);
      const req = https.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          agent,
          headers: {
            Authorization: `Bearer ${TOKEN}`,
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const lat: number[] = [];
  try {
    const ns = await post('/api/v1/namespaces', JSON.stringify({ metadata: { name: 'bench' } }));
    if (ns !== 201) throw new BenchError(`creating the namespace answered ${ns}`);
    for (let i = -20; i < API_CREATES; i++) {
      const body = JSON.stringify({ metadata: { name: `cm-${i + 20}` }, data: { v: VALUE } });
      const s = performance.now();
      const code = await post('/api/v1/namespaces/bench/configmaps', body);
      if (code !== 201) throw new BenchError(`create answered ${code}`);
      if (i >= 0) lat.push(performance.now() - s); // the first 20 warm up
    }
  } finally {
    agent.destroy();
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return summary(lat);
}

async function measure(b: Backend, apiBackend: Backend): Promise<Figures> {
  const seq = await puts(b, '/bench/seq/', SEQUENTIAL, 1);
  const par = await puts(b, '/bench/par/', PARALLEL, IN_FLIGHT);
  const watch = await watchLatency(b, '/bench/watch/');
  const apiCreate = await apiCreates(apiBackend);
  return {
    seq_puts_per_s: seq.perSecond,
    seq_p50_ms: seq.p50,
    seq_p99_ms: seq.p99,
    par_puts_per_s: par.perSecond,
    par_p50_ms: par.p50,
    par_p99_ms: par.p99,
    watch_p50_ms: watch.p50,
    watch_p99_ms: watch.p99,
    api_create_p50_ms: apiCreate.p50,
    api_create_p99_ms: apiCreate.p99,
  };
}

/** Runs the store benchmark and returns the figures (both backends and their ratios). */
export async function runStoreBench(
  log: (line: string) => void = console.log,
): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-store-'));
  if (!etcdAvailable()) throw new BenchError('etcd is not installed (apt-get install -y etcd-server)');
  const etcd = await startEtcd();
  const backends: Backend[] = [];
  const open = async (spec: string, prefix?: string) => {
    const b = openBackend(spec, prefix ? { etcd: { prefix } } : {});
    backends.push(b);
    await b.start();
    return b;
  };
  try {
    log(
      `store bench: 1 KiB values; ${SEQUENTIAL} sequential, ${PARALLEL} at ${IN_FLIGHT} in flight, ${WATCHERS} watchers × ${WATCH_WRITES} writes, ${API_CREATES} API creates`,
    );
    const skiff = await measure(
      await open(`wal://${path.join(dir, 'store')}`),
      await open(`wal://${path.join(dir, 'api-store')}`),
    );
    const etcdFigures = await measure(
      await open(`etcd://${etcd.hostPort}`, '/bench-store/'),
      await open(`etcd://${etcd.hostPort}`, '/bench-api/'),
    );
    const out: Record<string, number> = {};
    const rows: string[] = [];
    for (const k of Object.keys(skiff) as (keyof Figures)[]) {
      const ratio = skiff[k] / etcdFigures[k];
      out[`skiff_${k}`] = round(skiff[k]);
      out[`etcd_${k}`] = round(etcdFigures[k]);
      out[`ratio_${k}`] = round(ratio);
      rows.push(
        `${k.padEnd(20)} ${String(round(skiff[k])).padStart(10)} ${String(round(etcdFigures[k])).padStart(10)} ${String(round(ratio)).padStart(8)}`,
      );
    }
    log(`${'figure'.padEnd(20)} ${'skiff'.padStart(10)} ${'etcd'.padStart(10)} ${'skiff/etcd'.padStart(8)}`);
    for (const r of rows) log(r);
    return out;
  } finally {
    await Promise.allSettled(backends.map((b) => b.close()));
    await etcd.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
