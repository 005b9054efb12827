/**
 * `npm run bench -- ui`: the dashboard's Pods page under scale, in Chromium (Debian's, driven by
 * playwright-core). A `skiff serve --simulated-nodes` process (in-memory store) gets N pods
 * (50,000; BENCH_UI_PODS for quick runs) bound to simulated nodes and reported Running. Then
 * the Pods page is opened and, once every pod is listed, U updates a second (100; BENCH_UI_RATE)
 * are driven for S seconds (30; BENCH_UI_SECONDS): JSON patches of a container's restartCount
 * through pods/status, every tenth on a pod in the first screen of rows so the visible table
 * changes too. Bounded: at most 32 requests in flight, a fixed count, a fixed time.
 *
 * Measured in the page with the browser's own APIs: time to first rows (performance.now() when
 * the first pod row is in the DOM, from navigation start), time until the page lists all N, long
 * tasks (PerformanceObserver 'longtask') during the updates — count and longest — and the
 * renderer's JS heap (CDP Performance.getMetrics JSHeapUsedSize, sampled every second, max and
 * final). Targets from issue #13: first rows ≤ 1 s, no long task over 50 ms, heap ≤ 300 MB.
 * Prints each figure against its target; the last line is one JSON object (main.ts).
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import YAML from 'yaml';
import type { CDPSession, Page } from 'playwright-core';
import { KubeClient } from '../../src-main/common/client/client';
import { R } from '../../src-main/common/resources';
import { HttpsTransport } from '../../src-main/control-plane/client/https-transport';
import { seedSimulatedPods, simulatedNodeNames } from '../../src-main/control-plane/simkubelet';
import { CHROMIUM, launchChromium } from '../helpers/browser';
import { startSkiff, type SkiffProcess } from '../helpers/skiff-process';
import { BenchError } from './bench-error';

const PODS = Number(process.env.BENCH_UI_PODS ?? 50_000);
const RATE = Number(process.env.BENCH_UI_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_UI_SECONDS ?? 30);
const NODES = Math.max(1, Math.min(1000, Math.ceil(PODS / 500)));
const NS = 'sim';
const IN_FLIGHT = 32;

/** In-page instrumentation, installed before the app's scripts run. */
const PAGE_PROBE = `(() => {
  const w = window;
  w.__bench = { longtasks: [], firstRowMs: null };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__bench.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (err) { w.__bench.error = String(err); }
  const check = () => {
    if (w.__bench.firstRowMs === null && document.querySelector('[data-testid^="pod-row-"]')) {
      w.__bench.firstRowMs = performance.now();
      mo.disconnect();
    }
  };
  const mo = new MutationObserver(check);
  document.addEventListener('DOMContentLoaded', () => { mo.observe(document.body, { childList: true, subtree: true }); check(); });
})();`;

interface Probe {
  longtasks: { start: number; duration: number }[];
  firstRowMs: number | null;
  error?: string;
}

function row(label: string, value: string, target: string, ok?: boolean): string {
  const mark = ok === undefined ? '' : ok ? 'ok' : 'MISSED';
  return `${label.padEnd(34)} ${value.padStart(12)}   ${target.padEnd(14)} ${mark}`;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** The 15 functions with the most self time in a CDP CPU profile. */
function printTopFunctions(profile: CpuProfile, phase = 'during updates'): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)?.callFrame;
    if (!f) return;
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  console.log(`  top self time ${phase}:`);
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`    ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`);
}

async function heapBytes(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[];
  };
  return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
}

/** Waits until `cond` is true, checking every `everyMs`, or throws after `timeoutMs`. */
async function until(what: string, cond: () => Promise<boolean>, timeoutMs: number, everyMs = 1000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new BenchError(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Pods of the namespace the simulated kubelet already reports Running (paged list). */
async function runningPods(client: KubeClient): Promise<number> {
  let n = 0;
  let cont: string | undefined;
  do {
    const page = await client.list<{
      metadata: { name?: string };
      status?: { phase?: string };
    }>(R.pods, { namespace: NS, limit: 5000, continue: cont });
    for (const p of page.items) if (p.status?.phase === 'Running') n++;
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return n;
}

async function subtitleCount(page: Page): Promise<number> {
  const text = (await page.locator('[data-testid="list-pods"] .page-subtitle').first().textContent()) ?? '';
  const m = /([\d,]+) pods/.exec(text);
  return m ? Number(m[1]!.replace(/,/g, '')) : 0;
}

export async function runUiBench(): Promise<Record<string, number>> {
  if (!fs.existsSync(CHROMIUM))
    throw new BenchError(`Chromium is missing at ${CHROMIUM} (apt-get install -y chromium)`);
  if (!(PODS > 0 && RATE > 0 && SECONDS > 0))
    throw new BenchError('BENCH_UI_PODS/RATE/SECONDS must be positive');
  console.log(`ui bench: ${PODS} pods on ${NODES} simulated nodes, ${RATE} updates/s for ${SECONDS} s`);
  let skiff: SkiffProcess | undefined;
  const browser = await launchChromium();
  try {
    skiff = await startSkiff({
      extraArgs: ['--simulated-nodes', String(NODES), '--store', 'memory://', '--log-level', 'error'],
    });
    const kc = YAML.parse(fs.readFileSync(skiff.kubeconfig, 'utf8')) as {
      clusters: { cluster: { 'certificate-authority-data': string } }[];
    };
    const ca = Buffer.from(kc.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString();
    const client = new KubeClient(new HttpsTransport(skiff.apiUrl, { ca, token: skiff.token }));

    const t0 = performance.now();
    await seedSimulatedPods(client, {
      count: PODS,
      nodes: simulatedNodeNames(NODES),
      namespace: NS,
      concurrency: 64,
      progress: (n) => {
        if (n % 10_000 === 0) console.log(`  seeded ${n}`);
      },
    });
    const seedS = (performance.now() - t0) / 1000;
    console.log(`  seeded ${PODS} pods in ${seedS.toFixed(1)} s; waiting until they run`);
    await until('simulated pods to run', async () => (await runningPods(client)) >= PODS, 600_000, 3000);
    console.log(`  all Running after ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(PAGE_PROBE);
    const page = await context.newPage();
    page.setDefaultTimeout(120_000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    // BENCH_UI_PROFILE_LOAD=FILE: a CDP CPU profile of the page load (until every pod is
    // listed), its top functions and the API requests of the load with their timings.
    const loadProfileFile = process.env.BENCH_UI_PROFILE_LOAD;
    const requests: string[] = [];
    if (loadProfileFile) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await cdp.send('Profiler.start');
      const tNav = performance.now();
      page.on('requestfinished', (req) => {
        const t = req.timing();
        if (req.url().includes('/api'))
          requests.push(
            `    ${(performance.now() - tNav).toFixed(0).padStart(6)} ms done, ` +
              `${(t.responseEnd - t.requestStart).toFixed(0).padStart(5)} ms  ${req.url().replace(/^https?:\/\/[^/]+/, '')}`,
          );
      });
    }
    await page.goto(`${skiff.dashboardUrl}/#/pods?token=${encodeURIComponent(skiff.token)}`);
    // Page functions say globalThis.performance: the bundler renames a bare `performance` (the
    // Node import) and the page's CSP forbids string evaluation.
    const probeOf = () => (globalThis as unknown as { __bench: Probe }).__bench;
    await page.waitForFunction(
      () => (globalThis as unknown as { __bench: Probe }).__bench.firstRowMs !== null,
    );
    const firstRowMs = (await page.evaluate(probeOf)).firstRowMs!;
    const tAll = performance.now();
    await until('the page to list every pod', async () => (await subtitleCount(page)) >= PODS, 180_000, 200);
    const allRowsMs = firstRowMs + (performance.now() - tAll);
    if (loadProfileFile) {
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
      fs.writeFileSync(loadProfileFile, JSON.stringify(profile));
      console.log('  API requests while loading (first 40):');
      for (const r of requests.slice(0, 40)) console.log(r);
      printTopFunctions(profile, 'while loading');
    }
    await page.waitForTimeout(2000);
    const heapLoaded = await heapBytes(cdp);
    const loadProbe = await page.evaluate(probeOf);
    const loadLongest = Math.max(0, ...loadProbe.longtasks.map((t) => t.duration));

    // Updates: RATE per second for SECONDS, at most IN_FLIGHT at once (late ticks are dropped,
    // not queued, so the load stays bounded), every tenth on a pod of the first screen.
    const startMark = await page.evaluate(() =>
      (globalThis as unknown as { performance: { now(): number } }).performance.now(),
    );
    const total = RATE * SECONDS;
    let sent = 0;
    let done = 0;
    let failed = 0;
    let skipped = 0;
    let inFlight = 0;
    let lastError = '';
    const heaps: number[] = [];
    const patchOne = async (i: number) => {
      const idx = i % 10 === 0 ? (i / 10) % 20 : (i * 7919) % PODS;
      inFlight++;
      try {
        await client.patch(
          R.pods,
          `sim-${idx}`,
          NS,
          [{ op: 'replace', path: '/status/containerStatuses/0/restartCount', value: 1 + (i % 50) }],
          'json',
          { subresource: 'status' },
        );
        done++;
      } catch (err) {
        failed++;
        lastError = (err as Error).message;
      } finally {
        inFlight--;
      }
    };
    // BENCH_UI_PROFILE=FILE: a CDP CPU profile of the update phase (open it in DevTools), and
    // the top self-time functions printed.
    const profileFile = process.env.BENCH_UI_PROFILE;
    if (profileFile) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const tStart = performance.now();
    const heapTimer = setInterval(
      () =>
        void heapBytes(cdp).then(
          (h) => heaps.push(h),
          () => undefined,
        ),
      1000,
    );
    while (sent + skipped < total) {
      const due = Math.min(total, Math.floor(((performance.now() - tStart) / 1000) * RATE));
      while (sent + skipped < due) {
        if (inFlight >= IN_FLIGHT) skipped++;
        else void patchOne(sent++);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const deadline = Date.now() + 10_000;
    while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await page.waitForTimeout(1000);
    clearInterval(heapTimer);
    if (profileFile) {
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
      fs.writeFileSync(profileFile, JSON.stringify(profile));
      printTopFunctions(profile);
    }
    const probe = await page.evaluate(probeOf);
    if (probe.error) throw new BenchError(`longtask observer: ${probe.error}`);
    const during = probe.longtasks.filter((t) => t.start >= startMark);
    const longest = Math.max(0, ...during.map((t) => t.duration));
    const over50 = during.filter((t) => t.duration > 50).length;
    const heapFinal = await heapBytes(cdp);
    const heapMax = Math.max(heapFinal, heapLoaded, ...heaps.filter(Number.isFinite));
    const rate = done / ((performance.now() - tStart) / 1000);
    const mb = (b: number) => b / 1024 / 1024;

    console.log('');
    console.log(row('figure', 'measured', 'target'));
    console.log(row('time to first rows', `${Math.round(firstRowMs)} ms`, '≤ 1000 ms', firstRowMs <= 1000));
    console.log(row(`time to all ${PODS} listed`, `${Math.round(allRowsMs)} ms`, '—'));
    console.log(row('longest task while loading', `${Math.round(loadLongest)} ms`, '—'));
    console.log(row('updates applied (API)', `${done}/${total}`, `${RATE}/s`, failed === 0 && skipped === 0));
    console.log(row('update rate achieved', `${rate.toFixed(1)}/s`, `${RATE}/s`));
    console.log(row('long tasks during updates', `${during.length}`, '—'));
    console.log(row('long tasks over 50 ms (updates)', `${over50}`, '0', over50 === 0));
    console.log(row('longest task during updates', `${Math.round(longest)} ms`, '≤ 50 ms', longest <= 50));
    console.log(
      row('JS heap after load', `${mb(heapLoaded).toFixed(0)} MB`, '≤ 300 MB', mb(heapLoaded) <= 300),
    );
    console.log(row('JS heap max', `${mb(heapMax).toFixed(0)} MB`, '≤ 300 MB', mb(heapMax) <= 300));
    if (failed) console.log(`  ${failed} updates failed; last: ${lastError}`);
    if (skipped) console.log(`  ${skipped} updates skipped (${IN_FLIGHT} already in flight)`);
    console.log('');
    return {
      pods: PODS,
      rate: RATE,
      seconds: SECONDS,
      seedSeconds: Math.round(seedS * 10) / 10,
      firstRowsMs: Math.round(firstRowMs),
      allListedMs: Math.round(allRowsMs),
      loadLongestTaskMs: Math.round(loadLongest),
      updatesApplied: done,
      updatesFailed: failed,
      updatesSkipped: skipped,
      updateRate: Math.round(rate * 10) / 10,
      longTasks: during.length,
      longTasksOver50ms: over50,
      longestTaskMs: Math.round(longest),
      heapLoadedMB: Math.round(mb(heapLoaded)),
      heapMaxMB: Math.round(mb(heapMax)),
    };
  } finally {
    await browser.close().catch(() => undefined);
    await skiff?.stop();
  }
}
