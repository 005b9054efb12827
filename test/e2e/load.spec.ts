/**
 * Sustained load (issue 12): a real `skiff serve` (the embedded WAL store) takes LOAD_RATE
 * writes/s (default 200) for LOAD_SECONDS (default 60; `npm run soak` runs 600) — creates,
 * updates and deletes of ConfigMaps over a fixed set of names in two namespaces — while
 * LOAD_WATCHERS (default 100) raw HTTPS watch streams follow them: namespace-scoped and
 * cluster-wide, some with a label selector, each resuming from its last resourceVersion when the
 * server ends it (timeoutSeconds), as an informer does. A 410 or an ERROR event is a failure,
 * never a silent relist.
 *
 * Checked at the end: every watcher's stream, object by object, against the acknowledged writes
 * in its scope (resourceVersions strictly increasing, none missing, none repeated, type and value
 * right — test/helpers/watch-history.ts), its initial list against the history at the list's
 * resourceVersion and its final state against a fresh list; the achieved write rate at least 90%
 * of LOAD_RATE; no 5xx; the server's RSS (VmRSS of the child, sampled every second) bounded:
 *
 *   The embedded store keeps history for watches — at least the last 10,000 revisions or the
 *   last 5 minutes, whichever is more (store/wal-backend.ts) — so RSS may grow with the retained
 *   revisions, and nothing else may grow with the writes. The bound is therefore
 *     end RSS ≤ start RSS + RSS_SLACK + retained revisions × REVISION_BUDGET
 *   with RSS_SLACK (96 MiB) the V8 heap's headroom between collections plus the socket buffers
 *   of the watchers, and REVISION_BUDGET (4 KiB) a generous cost of one retained revision of a
 *   ~300-byte ConfigMap (the JSON value, the parsed object in the shared cache, the history
 *   entry and index). A leak of even one copy of each event per watcher (100 × ~400 bytes per
 *   write) exceeds it within the CI run. When the run outlasts the retention window (the soak),
 *   the retained revisions stop growing, so RSS must flatten: the last third may grow by at most
 *   RSS_SLACK / 2.
 *
 * Prints one summary line (writes, achieved rate, events checked, watchers, RSS start/mid/max/end,
 * p50/p99 write latency) for the issue's closing note.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src-main/common/client/client';
import { ApiError } from '../../src-main/common/client/errors';
import { R } from '../../src-main/common/resources';
import type { KubeObject } from '../../src-main/common/types';
import { HttpsTransport } from '../../src-main/control-plane/client/https-transport';
import { dockerAvailable } from '../helpers/docker';
import { startSkiff, type SkiffProcess } from '../helpers/skiff-process';
import {
  ADDED,
  DELETED,
  EventLog,
  History,
  MODIFIED,
  selectorString,
  type EventType,
  type Labels,
  type Mismatch,
  type Scope,
} from '../helpers/watch-history';

/** A positive integer from the environment, or a clear error naming the variable. */
function envInt(name: string, dflt: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

const RATE = envInt('LOAD_RATE', 200);
const SECONDS = envInt('LOAD_SECONDS', 60);
const WATCHERS = envInt('LOAD_WATCHERS', 100);
const SEED = envInt('LOAD_SEED', 1212);
/**
 * Writes in flight at once, the writer's keep-alive pool (HttpsTransport's maxSockets); past it
 * the writer waits, and the achieved rate shows it.
 */
const MAX_IN_FLIGHT = 64;
const MIB = 1024 * 1024;
const RSS_SLACK = 96 * MIB;
const REVISION_BUDGET = 4 * 1024;
/** The embedded store's retention (store/wal-backend.ts): 10,000 revisions or 5 minutes. */
const RETAINED_REVISIONS = 10_000;
const RETAINED_SECONDS = 300;
/** The server's BOOKMARK interval on watches that allow them (apiserver/object-storage.ts). */
const BOOKMARK_SECONDS = 60;

const NS_A = 'load-a';
const NS_B = 'load-b';
/** The fixed names written: most in load-a, a few in load-b. */
const OBJECTS = [
  ...Array.from({ length: 150 }, (_, i) => ({ namespace: NS_A, name: `cm-${i}` })),
  ...Array.from({ length: 10 }, (_, i) => ({ namespace: NS_B, name: `cm-${i}` })),
];
const objectIndex = new Map(OBJECTS.map((o, i) => [`${o.namespace}/${o.name}`, i]));
const HOT: Labels = Object.freeze({ app: 'skiff-load', tier: 'hot' });
const COLD: Labels = Object.freeze({ app: 'skiff-load', tier: 'cold' });

/** The watchers' scopes, cycled: namespace-scoped and cluster-wide, with and without selectors. */
const SCOPES: Scope[] = [
  { namespace: NS_A },
  { namespace: NS_A },
  { namespace: NS_A, selector: [{ key: 'tier', value: 'hot' }] },
  { namespace: NS_B },
  { namespace: NS_B, selector: [{ key: 'tier', value: 'hot', not: true }] },
  {},
  {},
  { selector: [{ key: 'app', value: 'skiff-load' }] },
  {
    selector: [
      { key: 'app', value: 'skiff-load' },
      { key: 'tier', value: 'hot' },
    ],
  },
  { namespace: NS_A, selector: [{ key: 'app', value: 'skiff-load' }] },
];

/** mulberry32: a small seeded PRNG, so LOAD_SEED reproduces the sequence of operations. */
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** CPU seconds (user + system) the process has used, from /proc/<pid>/stat (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

type ConfigMap = KubeObject & { data?: Record<string, string> };

const TYPES: Record<string, EventType> = { ADDED, MODIFIED, DELETED };

/** One raw HTTPS watch stream with its own connection, resuming like an informer. */
class Watcher {
  readonly events = new EventLog();
  /** Objects not written by the test (kube-root-ca.crt…): their resourceVersions only. */
  private readonly foreignRv = new Map<string, number>();
  listRv = 0;
  initial = new Map<number, { rv: number; seq: number }>();
  lastRv = 0;
  /** Watches the server ended (timeoutSeconds) and this watcher resumed. */
  resumes = 0;
  bookmarks = 0;
  foreignEvents = 0;
  failures: string[] = [];
  streamOrder = 0;
  done = false;
  private readonly abort = new AbortController();
  private readonly transport: HttpsTransport;
  private readonly client: KubeClient;
  private running?: Promise<void>;

  constructor(
    readonly id: number,
    readonly scope: Scope,
    apiUrl: string,
    ca: string,
    token: string,
    readonly timeoutSeconds: number,
  ) {
    this.transport = new HttpsTransport(apiUrl, { ca, token });
    this.client = new KubeClient(this.transport);
  }

  get label(): string {
    return `watcher ${this.id} (${this.scope.namespace ?? 'all namespaces'}${selectorString(this.scope) ? `, ${selectorString(this.scope)}` : ''})`;
  }

  async start(): Promise<void> {
    const list = await this.client.list<ConfigMap>(R.configmaps, {
      namespace: this.scope.namespace,
      labelSelector: selectorString(this.scope),
    });
    this.listRv = this.lastRv = Number(list.metadata.resourceVersion);
    for (const o of list.items) {
      const i = objectIndex.get(`${o.metadata.namespace}/${o.metadata.name}`);
      if (i !== undefined)
        this.initial.set(i, { rv: Number(o.metadata.resourceVersion), seq: Number(o.data?.v) });
    }
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    // Bounded: every pass either ends on stop/failure or was a whole watch the server ended.
    for (let pass = 0; pass < 10_000 && !this.abort.signal.aborted; pass++) {
      try {
        for await (const ev of this.client.watch<ConfigMap>(R.configmaps, {
          namespace: this.scope.namespace,
          labelSelector: selectorString(this.scope),
          resourceVersion: String(this.lastRv),
          allowWatchBookmarks: true,
          timeoutSeconds: this.timeoutSeconds,
          signal: this.abort.signal,
        })) {
          if (!this.onEvent(ev.type, ev.object as ConfigMap)) return;
        }
        if (this.abort.signal.aborted) return;
        this.resumes++;
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.failures.push(
          err instanceof ApiError
            ? `watch answered ${err.code}: ${err.message}`
            : `watch failed: ${String(err)}`,
        );
        return;
      }
    }
  }

  /** Records one event; false ends the watcher (an ERROR event). */
  private onEvent(type: string, obj: ConfigMap): boolean {
    if (type === 'ERROR') {
      const st = obj as unknown as { code?: number; message?: string };
      this.failures.push(
        st.code === 410
          ? `410 Gone resuming from ${this.lastRv}: ${st.message}`
          : `ERROR event ${st.code}: ${st.message}`,
      );
      return false;
    }
    const rv = Number(obj.metadata.resourceVersion);
    if (type === 'BOOKMARK') {
      this.bookmarks++;
      if (rv < this.lastRv) this.failures.push(`bookmark at ${rv} after an event at ${this.lastRv}`);
      this.lastRv = Math.max(this.lastRv, rv);
      return true;
    }
    const t = TYPES[type];
    if (t === undefined) {
      this.failures.push(`unknown event type ${type}`);
      return false;
    }
    // A watch delivers events in resourceVersion order; a resumed one starts after lastRv.
    if (rv <= this.lastRv) this.streamOrder++;
    this.lastRv = Math.max(this.lastRv, rv);
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const i = objectIndex.get(key);
    if (i === undefined) {
      this.foreignEvents++;
      const last = this.foreignRv.get(key) ?? 0;
      if (rv <= last) this.streamOrder++;
      this.foreignRv.set(key, rv);
      return true;
    }
    this.events.push({ rv, obj: i, type: t, seq: Number(obj.data?.v) });
    return true;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.done = true;
  }

  /** Lists the scope again (after the writers stopped): known objects → resourceVersion and value. */
  async freshList(): Promise<Map<number, { rv: number; seq: number }>> {
    const list = await this.client.list<ConfigMap>(R.configmaps, {
      namespace: this.scope.namespace,
      labelSelector: selectorString(this.scope),
    });
    const out = new Map<number, { rv: number; seq: number }>();
    for (const o of list.items) {
      const i = objectIndex.get(`${o.metadata.namespace}/${o.metadata.name}`);
      if (i !== undefined) out.set(i, { rv: Number(o.metadata.resourceVersion), seq: Number(o.data?.v) });
    }
    return out;
  }

  /** The state the stream leads to: the initial list with every event applied. */
  streamState(): Map<number, { rv: number; seq: number }> {
    const s = new Map(this.initial);
    for (let n = 0; n < this.events.length; n++) {
      const e = this.events.at(n);
      if (e.type === DELETED) s.delete(e.obj);
      else s.set(e.obj, { rv: e.rv, seq: e.seq });
    }
    return s;
  }

  close(): void {
    this.transport.close();
  }
}

const sameState = (
  a: Map<number, { rv: number; seq: number }>,
  b: Map<number, { rv: number; seq: number }>,
) => a.size === b.size && [...a].every(([k, v]) => b.get(k)?.rv === v.rv && b.get(k)?.seq === v.seq);

const hasDocker = dockerAvailable();

describe.skipIf(!hasDocker)(
  `sustained load: ${RATE} writes/s for ${SECONDS} s with ${WATCHERS} watchers`,
  () => {
    let skiff: SkiffProcess;
    let ca: string;
    let writerTransport: HttpsTransport;
    let client: KubeClient;

    beforeAll(async () => {
      skiff = await startSkiff();
      const kc = fs.readFileSync(skiff.kubeconfig, 'utf8');
      ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(kc)![1]!, 'base64').toString();
      writerTransport = new HttpsTransport(skiff.apiUrl, { ca, token: skiff.token });
      client = new KubeClient(writerTransport);
      for (const ns of [NS_A, NS_B])
        await client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }, 180_000);

    afterAll(async () => {
      writerTransport?.close();
      await skiff?.destroy();
    }, 60_000);

    it(
      'no watch event is lost or reordered per object, the rate holds, RSS stays bounded, no 5xx',
      async () => {
        const pid = skiff.child.pid!;
        const random = prng(SEED);
        const history = new History(OBJECTS);

        // Watchers first: list, then watch from the list's resourceVersion.
        const watchers = Array.from(
          { length: WATCHERS },
          (_, i) =>
            new Watcher(
              i,
              SCOPES[i % SCOPES.length]!,
              skiff.apiUrl,
              ca,
              skiff.token,
              // Most watches end every 15-45 s (each watcher resumes several times); every fifth
              // lasts 70-120 s, past the server's 60 s bookmark interval.
              i % 5 === 4 ? 70 + Math.floor(random() * 50) : 15 + Math.floor(random() * 30),
            ),
        );
        for (let i = 0; i < watchers.length; i += 10)
          await Promise.all(watchers.slice(i, i + 10).map((w) => w.start()));

        // RSS of the server, every second from the start of the load.
        const rss: { t: number; bytes: number }[] = [];
        const t0 = performance.now();
        const sample = () => rss.push({ t: (performance.now() - t0) / 1000, bytes: rssBytes(pid) });
        sample();
        const sampler = setInterval(sample, 1000);
        const serverCpu0 = cpuSeconds(pid);
        const testCpu0 = process.cpuUsage();

        // The writer: paced, bounded in flight, one write at a time per object.
        const state: ({ rv: number; labels: Labels; seq: number } | undefined)[] = OBJECTS.map(
          () => undefined,
        );
        const busy = new Set<number>();
        const latencies = new Float64Array(RATE * SECONDS);
        const errors: string[] = [];
        let serverErrors = 0;
        let issued = 0;
        let acked = 0;
        let inFlight = 0;
        let seq = 0;
        let lastAck = 0;
        const writeOne = async () => {
          let obj: number;
          do obj = Math.floor(random() * OBJECTS.length);
          while (busy.has(obj));
          busy.add(obj);
          inFlight++;
          const { namespace, name } = OBJECTS[obj]!;
          const cur = state[obj];
          const roll = random();
          const v = ++seq;
          const labels =
            random() < 0.3
              ? cur?.labels === HOT
                ? COLD
                : HOT
              : (cur?.labels ?? (random() < 0.5 ? HOT : COLD));
          const body = (rv?: string): ConfigMap => ({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name, namespace, labels: { ...labels }, ...(rv ? { resourceVersion: rv } : {}) },
            data: { v: String(v), payload: `value ${v} of ${name}` },
          });
          const started = performance.now();
          try {
            if (!cur) {
              const made = await client.create(R.configmaps, body());
              const rv = Number(made.metadata.resourceVersion);
              history.record({ rv, obj, op: 'create', seq: v, labels });
              state[obj] = { rv, labels, seq: v };
            } else if (roll < 0.7) {
              const put = await client.update(R.configmaps, body(String(cur.rv)));
              const rv = Number(put.metadata.resourceVersion);
              history.record({ rv, obj, op: 'update', seq: v, labels });
              state[obj] = { rv, labels, seq: v };
            } else {
              const gone = await client.delete(R.configmaps, name, namespace, {
                preconditions: { resourceVersion: String(cur.rv) },
              });
              const rv = Number(gone.metadata.resourceVersion);
              if (!(rv > cur.rv))
                errors.push(
                  `delete of ${namespace}/${name} answered resourceVersion ${rv}, not past ${cur.rv}`,
                );
              history.record({ rv, obj, op: 'delete' });
              state[obj] = undefined;
            }
            const now = performance.now();
            if (acked < latencies.length) latencies[acked] = now - started;
            acked++;
            lastAck = now;
          } catch (err) {
            if (err instanceof ApiError && err.code >= 500) serverErrors++;
            if (errors.length < 20) errors.push(`${namespace}/${name}: ${String(err)}`);
          } finally {
            busy.delete(obj);
            inFlight--;
          }
        };
        const end = t0 + SECONDS * 1000;
        // Bounded: passes of ≥ 2 ms for the run's length. writeOne never rejects.
        for (let pass = 0; pass < SECONDS * 1000 && performance.now() < end; pass++) {
          const due = Math.min(RATE * SECONDS, Math.floor(((performance.now() - t0) / 1000) * RATE));
          while (issued < due && inFlight < MAX_IN_FLIGHT) {
            issued++;
            void writeOne();
          }
          await sleep(2);
        }
        for (let n = 0; n < 600 && inFlight > 0; n++) await sleep(100);
        const elapsed = (lastAck - t0) / 1000;
        // Where the CPU went while writing (2 cores, shared): the server vs this test's client side.
        const serverCpu = (cpuSeconds(pid) - serverCpu0) / elapsed;
        const testCpuUsage = process.cpuUsage(testCpu0);
        const testCpu = (testCpuUsage.user + testCpuUsage.system) / 1e6 / elapsed;

        // Every watcher must catch up with every write in its scope (bounded wait).
        const lastRv = history.lastRv;
        const expected = watchers.map((w) => history.expected(w.scope, w.listRv));
        const caughtUp = () =>
          watchers.every((w, i) => w.failures.length > 0 || w.events.length >= expected[i]!.length);
        for (let n = 0; n < 240 && !caughtUp(); n++) await sleep(250);
        clearInterval(sampler);
        sample();

        const mismatches: { w: Watcher; m: Mismatch }[] = [];
        const stateErrors: string[] = [];
        let checked = 0;
        for (const [i, w] of watchers.entries()) {
          const m = history.compare(expected[i]!, w.events);
          checked += m.checked;
          if (m.missing || m.duplicated || m.reordered || m.unexpected || m.wrong) mismatches.push({ w, m });
          if (!sameState(w.initial, history.stateAt(w.scope, w.listRv)))
            stateErrors.push(`${w.label}: its initial list differs from the history at ${w.listRv}`);
        }
        await Promise.all(watchers.map((w) => w.stop()));
        for (const w of watchers) {
          const fresh = await w.freshList();
          if (!sameState(w.streamState(), fresh))
            stateErrors.push(`${w.label}: the state its stream leads to differs from a fresh list`);
          if (!sameState(fresh, history.stateAt(w.scope, lastRv)))
            stateErrors.push(`${w.label}: a fresh list differs from the history's final state`);
          w.close();
        }

        const sorted = latencies.slice(0, Math.min(acked, latencies.length)).sort();
        const rate = acked / elapsed;
        const start = rss[0]!.bytes;
        const max = Math.max(...rss.map((s) => s.bytes));
        const final = rss.at(-1)!.bytes;
        const mid = (rss.find((x) => x.t >= SECONDS / 2) ?? rss.at(-1)!).bytes;
        const retained = Math.min(acked, Math.max(RETAINED_REVISIONS, RETAINED_SECONDS * RATE));
        const bound = start + RSS_SLACK + retained * REVISION_BUDGET;
        const mib = (b: number) => (b / MIB).toFixed(0);
        const resumes = watchers.reduce((s, w) => s + w.resumes, 0);
        const bookmarks = watchers.reduce((s, w) => s + w.bookmarks, 0);
        const slow = (skiff.output().match(/does not keep up/g) ?? []).length;
        console.log(
          `load: ${acked} writes in ${elapsed.toFixed(1)} s = ${rate.toFixed(1)}/s (target ${RATE}), ` +
            `${checked} events checked across ${WATCHERS} watchers (${resumes} resumes, ${bookmarks} bookmarks), ` +
            `server RSS start/mid/max/end ${mib(start)}/${mib(mid)}/${mib(max)}/${mib(final)} MiB (bound ${mib(bound)}), ` +
            `write latency p50 ${percentile(sorted, 50).toFixed(1)} ms p99 ${percentile(sorted, 99).toFixed(1)} ms, ` +
            `CPU server ${(serverCpu * 100).toFixed(0)}% test ${(testCpu * 100).toFixed(0)}%`,
        );

        expect(errors, 'failed writes').toEqual([]);
        expect(serverErrors, '5xx answers').toBe(0);
        expect(
          watchers.flatMap((w) => w.failures.map((f) => `${w.label}: ${f}`)),
          'watch failures (410, ERROR events, broken streams)',
        ).toEqual([]);
        expect(slow, 'watches the server cut as too slow').toBe(0);
        if (SECONDS >= BOOKMARK_SECONDS + 30)
          // Every watch pass of a long watcher outlives the bookmark interval at least once.
          expect(
            watchers
              .filter((w) => w.timeoutSeconds > BOOKMARK_SECONDS && w.bookmarks === 0)
              .map((w) => `${w.label}: no BOOKMARK in ${SECONDS} s`),
          ).toEqual([]);
        expect(
          watchers
            .filter((w) => w.streamOrder > 0)
            .map((w) => `${w.label}: ${w.streamOrder} events out of order`),
        ).toEqual([]);
        expect(
          mismatches.map(
            ({ w, m }) =>
              `${w.label}: missing ${m.missing}, duplicated ${m.duplicated}, reordered ${m.reordered}, ` +
              `unexpected ${m.unexpected}, wrong ${m.wrong}: ${m.examples.join('; ')}`,
          ),
        ).toEqual([]);
        expect(stateErrors).toEqual([]);
        expect(checked).toBeGreaterThan(0);
        expect(acked, 'writes acknowledged').toBe(issued);
        expect(rate, `achieved write rate (target ${RATE}/s)`).toBeGreaterThanOrEqual(0.9 * RATE);
        expect(final, `final RSS ${mib(final)} MiB ≤ ${mib(bound)} MiB`).toBeLessThanOrEqual(bound);
        expect(max, `peak RSS ${mib(max)} MiB ≤ ${mib(bound)} MiB`).toBeLessThanOrEqual(bound);
        if (SECONDS > RETAINED_SECONDS + 60) {
          // Past the retention window: the last third must be flat.
          const third = rss.filter((s) => s.t >= (SECONDS * 2) / 3);
          const growth = third.at(-1)!.bytes - third[0]!.bytes;
          expect(growth, `RSS growth over the last third ${mib(growth)} MiB`).toBeLessThanOrEqual(
            RSS_SLACK / 2,
          );
        }
      },
      SECONDS * 1000 + 300_000,
    );
  },
);
