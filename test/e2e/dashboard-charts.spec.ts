/**
 * The pod page's usage charts in Chromium against a real `skiff serve` (API server, kubelet
 * sampling every second with `--stats-interval 1`, Docker): a busybox pod that writes 4 MiB
 * to /dev/shm every two seconds under a 128Mi limit shows its memory rising in the chart the
 * kubelet's history fed (read back from the chart's `data-chart`), with the limit line at
 * 128 MiB and the request at 32 MiB; live metrics.k8s.io samples keep extending it; a pod
 * whose shell (PID 1) grows a variable past a 40Mi limit is OOMKilled and restarted, and its
 * chart carries an OOM mark after the killed instance's rising samples; the Nodes page charts
 * the machine against its allocatable memory. With SKIFF_SCREENSHOTS=1 it writes 1280×800 screenshots (light
 * and dark) to docs/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser';
import { dockerAvailable } from '../helpers/docker';
import { eventually, kubectl, startSkiff, type SkiffProcess } from '../helpers/skiff-process';
import { parseQuantity } from '../../src-main/common/quantity';

const hasDocker = dockerAvailable();
const hasChromium = chromiumAvailable();
const NS = `charts-${Date.now().toString(36)}`;
const SHOTS =
  process.env.SKIFF_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : undefined;

// 12 × 4 MiB into the pod's /dev/shm (tmpfs pages are charged to the writer's memory cgroup and
// count in its working set), two seconds apart, with a little CPU work in between.
const growScript = `i=0
while [ $i -lt 12 ]; do
  dd if=/dev/zero of=/dev/shm/f$i bs=1M count=4 2>/dev/null
  n=0; while [ $n -lt 4000 ]; do n=$((n+1)); done
  i=$((i+1)); sleep 2
done
exec sleep 3600
`;
// PID 1 itself grows (a 1 MiB string appended each second), so the kernel's OOM kill hits it
// and Docker reports OOMKilled (with cgroup v1 a killed child would leave the container running).
const oomScript = `c=a; k=0; while [ $k -lt 20 ]; do c=$c$c; k=$((k+1)); done
x=''
while :; do x=$x$c; sleep 1; done
`;
const indent = (s: string) =>
  s
    .split('\n')
    .map((l) => `          ${l}`)
    .join('\n');

const podsYaml = `apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: v1
kind: Pod
metadata: { name: grow, namespace: ${NS} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: skiff-test/busybox:1
      imagePullPolicy: IfNotPresent
      resources:
        requests: { cpu: 50m, memory: 32Mi }
        limits: { cpu: 500m, memory: 128Mi }
      command:
        - sh
        - -c
        - |
${indent(growScript)}
`;

// Applied in its own test, so its OOMKilled toast is not on the first screenshots.
const oomYaml = `apiVersion: v1
kind: Pod
metadata: { name: oom, namespace: ${NS} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: hog
      image: skiff-test/busybox:1
      imagePullPolicy: IfNotPresent
      resources:
        limits: { cpu: 200m, memory: 40Mi }
      command:
        - sh
        - -c
        - |
${indent(oomScript)}
`;

// Two replicas growing like `grow`, each requesting 16Mi under a 64Mi limit: the workload's
// chart is their sum against 32Mi requested and 128Mi of limits.
const fleetYaml = `apiVersion: apps/v1
kind: Deployment
metadata: { name: fleet, namespace: ${NS} }
spec:
  replicas: 2
  selector: { matchLabels: { app: fleet } }
  template:
    metadata: { labels: { app: fleet } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: skiff-test/busybox:1
          imagePullPolicy: IfNotPresent
          resources:
            requests: { cpu: 25m, memory: 16Mi }
            limits: { cpu: 250m, memory: 64Mi }
          command:
            - sh
            - -c
            - |
${indent(growScript).replace(/^/gm, '    ')}
`;

/** What UsageChart puts on data-chart. */
interface ChartData {
  metric: 'cpu' | 'memory';
  unit: string;
  points: [number, number][];
  request: number | null;
  limit: number | null;
  yMax: number;
  marks: { t: number; kind: 'oom' | 'restart'; reason: string }[];
}

describe.skipIf(!hasDocker || !hasChromium)('dashboard: pod usage charts in Chromium', () => {
  let skiff: SkiffProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    skiff = await startSkiff({ extraArgs: ['--ingress-port', '0', '--stats-interval', '1'] });
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
    page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const applied = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: podsYaml });
    expect(applied.code, applied.stderr).toBe(0);
    const ready = await kubectl(
      skiff.kubeconfig,
      ['wait', '--for=condition=Ready', 'pod/grow', '-n', NS, '--timeout=90s'],
      { timeoutMs: 100_000 },
    );
    expect(ready.code, ready.stderr).toBe(0);
    await page.goto(skiff.dashboardLoginUrl);
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (skiff) {
      await kubectl(skiff.kubeconfig, ['delete', 'namespace', NS, '--wait=false']);
      await skiff.destroy();
    }
  });

  async function go(hash: string): Promise<void> {
    await page.evaluate(
      (h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h),
      hash,
    );
  }

  async function chart(container: string, metric: 'cpu' | 'memory'): Promise<ChartData> {
    const raw = await page
      .getByTestId(`charts-${container}`)
      .locator(`[data-testid="usage-chart"][data-metric="${metric}"]`)
      .getAttribute('data-chart');
    return JSON.parse(raw ?? 'null') as ChartData;
  }

  async function shot(name: string, hover?: { container: string; metric: 'cpu' | 'memory' }): Promise<void> {
    if (!SHOTS) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    const card = page.getByTestId('pod-charts');
    await card.scrollIntoViewIfNeeded();
    await page.waitForTimeout(400);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(500);
      if (hover) {
        const box = await page
          .getByTestId(`charts-${hover.container}`)
          .locator(`[data-testid="usage-chart"][data-metric="${hover.metric}"] .u-over`)
          .boundingBox();
        if (box) await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5);
        await page.waitForTimeout(200);
      }
      await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`) });
    }
    await page.mouse.move(0, 0);
    await page.emulateMedia({ colorScheme: 'light' });
  }

  it('shows memory rising from the kubelet history, against the 128Mi limit, extended live', async () => {
    // Let the kubelet sample a few of the pod's steps before the page opens (its sweep period is
    // 1 s plus the time Docker takes to answer, longer on a busy machine).
    const node = (
      await kubectl(skiff.kubeconfig, ['get', 'pod', 'grow', '-n', NS, '-o', 'jsonpath={.spec.nodeName}'])
    ).stdout.trim();
    const history = await eventually(
      async () => {
        const r = await kubectl(skiff.kubeconfig, [
          'get',
          '--raw',
          `/api/v1/nodes/${node}/proxy/stats/history?namespace=${NS}&pod=grow`,
        ]);
        const doc = JSON.parse(r.stdout) as { series: { name: string; points: { memory: number }[] }[] };
        const pts = doc.series.find((x) => x.name === 'app')?.points ?? [];
        return pts.length >= 5 ? pts : undefined;
      },
      60_000,
      'five samples in the kubelet history',
    );
    await go(`#/pods/${NS}/grow`);
    await page.getByTestId('pod-charts').waitFor();
    await page
      .getByTestId('charts-app')
      .locator('[data-testid="usage-chart"][data-metric="memory"]')
      .waitFor({ timeout: 30_000 });
    const mem = await chart('app', 'memory');
    expect(mem.unit).toBe('MiB');
    expect(mem.limit).toBe(128);
    expect(mem.request).toBe(32);
    expect(mem.yMax).toBeGreaterThanOrEqual(128);
    // The chart opened with the kubelet's history (metrics.k8s.io adds one point per 15 s).
    expect(mem.points.length, JSON.stringify(mem.points)).toBeGreaterThanOrEqual(history.length);
    const cpu = await chart('app', 'cpu');
    expect(cpu.unit).toBe('m');
    expect(cpu.limit).toBe(500);
    expect(cpu.request).toBe(50);
    expect(cpu.points.length).toBe(mem.points.length);
    const first = mem.points[0]![1];
    // Memory rises: the pod writes 48 MiB over ~24 s; the chart's newest point ends well above
    // its first (live metrics.k8s.io samples extend the history while the page is open).
    const firstT = mem.points.at(-1)![0];
    await expect
      .poll(
        async () => {
          const c = await chart('app', 'memory');
          return c.points.at(-1)![1] - c.points[0]![1];
        },
        { timeout: 45_000, interval: 1000 },
      )
      .toBeGreaterThan(20);
    const later = await chart('app', 'memory');
    expect(later.points[0]![1]).toBe(first);
    expect(later.points.at(-1)![0]).toBeGreaterThan(firstT);
    // Never far below an earlier point (the files stay in /dev/shm): the line rises.
    for (let i = 1; i < later.points.length; i++)
      expect(later.points[i]![1]).toBeGreaterThan(later.points[i - 1]![1] - 2);
    // The drawn canvas is there and has the chart's size.
    const canvas = await page
      .getByTestId('charts-app')
      .locator('[data-testid="usage-chart"][data-metric="memory"] canvas')
      .boundingBox();
    expect(canvas?.width ?? 0).toBeGreaterThan(250);
    await shot('pod-charts', { container: 'app', metric: 'memory' });
  }, 120_000);

  it('marks an OOMKilled restart on the chart, after the killed instance grew', async () => {
    const applied = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: oomYaml });
    expect(applied.code, applied.stderr).toBe(0);
    await eventually(
      async () => {
        const r = await kubectl(skiff.kubeconfig, [
          'get',
          'pod',
          'oom',
          '-n',
          NS,
          '-o',
          'jsonpath={.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].lastState.terminated.reason}',
        ]);
        const [count, reason] = r.stdout.trim().split(' ');
        return Number(count) >= 1 && reason === 'OOMKilled';
      },
      90_000,
      'the oom pod to be OOMKilled and restarted',
    );
    await go(`#/pods/${NS}/oom`);
    const memChart = page
      .getByTestId('charts-hog')
      .locator('[data-testid="usage-chart"][data-metric="memory"]');
    await memChart.waitFor({ timeout: 30_000 });
    await expect
      .poll(async () => (await chart('hog', 'memory')).marks.map((m) => m.kind), { timeout: 20_000 })
      .toContain('oom');
    const mem = await chart('hog', 'memory');
    expect(mem.limit).toBe(40);
    const oom = mem.marks.find((m) => m.kind === 'oom')!;
    expect(oom.reason).toBe('OOMKilled');
    // The killed instance's samples are still drawn (the kubelet keeps an ended instance's
    // history): it grew by more than 8 MiB before the kill (its last sample can be some seconds
    // before the kill: the string doubles in the end).
    const before = mem.points.filter(([t]) => t * 1000 <= oom.t + 1000);
    expect(before.length, JSON.stringify(mem.points)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...before.map(([, v]) => v)) - before[0]![1]).toBeGreaterThan(8);
    expect(await page.getByTestId('charts-hog').textContent()).toMatch(/\d+ restarts? · \d+ OOMKilled/);
    // The restarted instance's samples follow the mark (live metrics.k8s.io points, every 15 s).
    await expect
      .poll(
        async () => (await chart('hog', 'memory')).points.filter(([t]) => t * 1000 > oom.t + 1000).length,
        { timeout: 40_000, interval: 1000 },
      )
      .toBeGreaterThanOrEqual(1);
    await shot('pod-charts-oom');
  }, 150_000);

  it('charts the node against its allocatable memory on the Nodes page', async () => {
    const node = JSON.parse((await kubectl(skiff.kubeconfig, ['get', 'nodes', '-o', 'json'])).stdout) as {
      items: { metadata: { name: string }; status: { allocatable: { memory: string } } }[];
    };
    const n = node.items[0]!;
    const kib = /^(\d+)Ki$/.exec(n.status.allocatable.memory);
    await go('#/nodes');
    const charts = page.getByTestId(`node-charts-${n.metadata.name}`);
    const mem = charts.locator('[data-testid="usage-chart"][data-metric="memory"]');
    await mem.waitFor({ timeout: 30_000 });
    const data = JSON.parse((await mem.getAttribute('data-chart')) ?? 'null') as ChartData;
    expect(data.points.length).toBeGreaterThanOrEqual(5);
    // The machine uses some memory, less than all of it.
    expect(data.points.at(-1)![1]).toBeGreaterThan(0);
    expect(data.points.at(-1)![1]).toBeLessThan(data.limit!);
    if (kib) {
      const factor = data.unit === 'GiB' ? 2 ** 30 : 2 ** 20;
      expect(data.limit! * factor).toBeCloseTo(Number(kib[1]) * 1024, -3);
    }
    // The pods of this suite request 32Mi: the requested line is there, above zero.
    expect(data.request).toBeGreaterThan(0);
    if (SHOTS) {
      fs.mkdirSync(SHOTS, { recursive: true });
      await charts.scrollIntoViewIfNeeded();
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.waitForTimeout(500);
        await page.screenshot({ path: path.join(SHOTS, `nodes-charts-${scheme}.png`) });
      }
      await page.emulateMedia({ colorScheme: 'light' });
    }
  }, 60_000);

  it("sums a Deployment's pods on its Usage tab, against the sum of their requests and limits", async () => {
    const applied = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: fleetYaml });
    expect(applied.code, applied.stderr).toBe(0);
    const ready = await kubectl(
      skiff.kubeconfig,
      ['rollout', 'status', 'deployment/fleet', '-n', NS, '--timeout=90s'],
      { timeoutMs: 100_000 },
    );
    expect(ready.code, ready.stderr).toBe(0);
    await go(`#/deployments/${NS}/fleet`);
    await page.getByRole('tab', { name: /Usage/ }).click();
    const card = page.getByTestId('workload-charts');
    const memChart = card.locator('[data-testid="usage-chart"][data-metric="memory"]');
    await memChart.waitFor({ timeout: 30_000 });
    await expect
      .poll(async () => card.getByTestId('workload-charts-pods').textContent(), { timeout: 20_000 })
      .toMatch(/Sum over 2 running pods/);
    const read = async (metric: 'cpu' | 'memory') =>
      JSON.parse(
        (await card
          .locator(`[data-testid="usage-chart"][data-metric="${metric}"]`)
          .getAttribute('data-chart')) ?? 'null',
      ) as ChartData;
    const mem = await read('memory');
    expect(mem.unit).toBe('MiB');
    expect(mem.request).toBe(32);
    expect(mem.limit).toBe(128);
    const cpu = await read('cpu');
    expect(cpu.request).toBe(50);
    expect(cpu.limit).toBe(500);
    // Each pod writes 48 MiB over ~24 s (longer on a busy machine). Once metrics.k8s.io reports
    // both pods past 40 MiB, the chart's latest total passes 64 MiB — one pod's limit, so no single
    // pod could account for it: the chart sums the pods (from the kubelets' history and the live
    // samples). A rise measured from the first point would depend on when the history began.
    const podMiB = async (): Promise<number[]> => {
      const raw = await kubectl(skiff.kubeconfig, [
        'get',
        '--raw',
        `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods`,
      ]);
      const list = JSON.parse(raw.stdout || '{"items":[]}') as {
        items: { metadata: { name: string }; containers: { usage: { memory: string } }[] }[];
      };
      return list.items
        .filter((p) => p.metadata.name.startsWith('fleet-'))
        .map((p) => p.containers.reduce((sum, c) => sum + parseQuantity(c.usage.memory), 0) / 2 ** 20);
    };
    await expect
      .poll(async () => (await podMiB()).filter((v) => v > 40).length, { timeout: 120_000, interval: 2000 })
      .toBe(2);
    await expect
      .poll(async () => (await read('memory')).points.at(-1)?.[1] ?? 0, { timeout: 40_000, interval: 1000 })
      .toBeGreaterThan(64);
    // The total never exceeds the two pods' limits.
    for (const [, v] of (await read('memory')).points) expect(v).toBeLessThan(128);
    if (SHOTS) {
      fs.mkdirSync(SHOTS, { recursive: true });
      await card.scrollIntoViewIfNeeded();
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.waitForTimeout(500);
        await page.screenshot({ path: path.join(SHOTS, `workload-charts-${scheme}.png`) });
      }
      await page.emulateMedia({ colorScheme: 'light' });
    }
  }, 240_000);
});
