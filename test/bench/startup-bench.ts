/**
 * `npm run bench -- startup`: pod startup, Skiff against raw Docker, on this machine's engine.
 *  (a) raw Docker through the engine API: N sandbox+app container pairs created and started,
 *      all pods in parallel (as Skiff's per-pod workers do), each pair in sequence;
 *  (b) Skiff as users run it — the `skiff serve` process (store, API server, controllers,
 *      kubelet): a Deployment of N replicas applied over HTTPS, timed until every pod is
 *      Running as seen through a watch.
 * N = 1, 10, 30. Per-pod startup as in the Kubernetes SLO: from the pod's creation (the watch's
 * ADDED event) to Running; raw: from the start of the batch to the app container started.
 * Then the serve process's idle CPU (from /proc/<pid>/stat) and RSS (VmRSS) with 30 pods running,
 * so the harness's own work and memory are not counted. Prints a table, the last line is one JSON.
 */
import { readFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import YAML from 'yaml';
import { KubeClient } from '../../src-main/common/client/client';
import { R } from '../../src-main/common/resources';
import type { KubeObject } from '../../src-main/common/types';
import { HttpsTransport } from '../../src-main/control-plane/client/https-transport';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerRuntime } from '../../src-main/control-plane/kubelet/runtime/docker/docker-runtime';
import { DEFAULT_SANDBOX_IMAGE } from '../../src-main/control-plane/kubelet/runtime/docker/pause-image';
import { spawnSync } from 'node:child_process';
import { BenchError } from './bench-error';

const IMAGE = 'skiff-test/busybox:1';
const SIZES = (process.env.BENCH_SIZES ?? '1,10,30').split(',').map(Number);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 20);
const RAW_LABEL = 'skiff.dev/bench-raw';

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}
const ms = (n: number) => Math.round(n);

interface Run {
  totalMs: number;
  p50: number;
  p99: number;
}

function summarize(totalMs: number, perPod: number[]): Run {
  const s = [...perPod].sort((a, b) => a - b);
  return { totalMs: ms(totalMs), p50: ms(percentile(s, 50)), p99: ms(percentile(s, 99)) };
}

/** (a) N sandbox+app pairs straight on the engine API, all pods in parallel. */
async function rawDocker(docker: Docker, n: number, run: string): Promise<Run> {
  const t0 = performance.now();
  const perPod = await Promise.all(
    Array.from({ length: n }, async (_v, i) => {
      const labels = { [RAW_LABEL]: run };
      const sb = await docker.createContainer({
        name: `bench-raw-${run}-${i}-pod`,
        Image: DEFAULT_SANDBOX_IMAGE,
        Hostname: `raw-${i}`,
        Labels: labels,
        HostConfig: { IpcMode: 'shareable', Memory: 64 << 20, MemorySwap: 64 << 20 },
      });
      await sb.start();
      const app = await docker.createContainer({
        name: `bench-raw-${run}-${i}-app`,
        Image: IMAGE,
        Entrypoint: ['sleep', '3600'],
        Labels: labels,
        HostConfig: {
          NetworkMode: `container:${sb.id}`,
          IpcMode: `container:${sb.id}`,
          Memory: 64 << 20,
          MemorySwap: 64 << 20,
          CpuShares: 10,
        },
      });
      await app.start();
      return performance.now() - t0;
    }),
  );
  return summarize(performance.now() - t0, perPod);
}

async function removeRaw(docker: Docker): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [RAW_LABEL] } });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

function deployment(n: number, name: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: n,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: 'app',
              image: IMAGE,
              imagePullPolicy: 'IfNotPresent',
              command: ['sleep', '3600'],
              // Small requests: 30 pods must fit the node's allocatable CPU.
              resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
            },
          ],
        },
      },
    },
  } as KubeObject;
}

/** The repository root (the bundle runs from out/bench/). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * What the bench needs before it can measure: a reachable engine and the busybox test image,
 * built here the way test/images/build.sh does when busybox-static is installed. Otherwise one
 * readable line (a BenchError) says what to run.
 */
async function prepare(docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw new BenchError(
      `the Docker engine is not reachable (${String((err as Error)?.message ?? err).trim()}); start Docker so that \`docker info\` works, then retry`,
    );
  }
  const present = await docker
    .getImage(IMAGE)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (present) return;
  const busybox =
    process.env.BUSYBOX ?? spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
  if (!busybox || spawnSync('test', ['-x', busybox]).status !== 0)
    throw new BenchError(
      `the test image ${IMAGE} is missing and busybox-static is not installed; run: apt-get install -y busybox-static && bash test/images/build.sh`,
    );
  console.error(`bench: building the test image ${IMAGE} (test/images/build.sh)…`);
  const r = spawnSync('bash', [path.join(ROOT, 'test/images/build.sh')], {
    encoding: 'utf8',
    env: { ...process.env, BUSYBOX: busybox },
  });
  if (r.status !== 0)
    throw new BenchError(
      `building ${IMAGE} with test/images/build.sh failed: ${(r.stderr || r.stdout || '').trim().split('\n').pop()}`,
    );
}

async function main(): Promise<Record<string, number>> {
  const docker = new Docker();
  await prepare(docker);
  await removeRaw(docker);
  // The sandbox image exists and the engine is warm before anything is timed.
  const warm = new DockerRuntime({ managedBy: 'skiff-bench-warmup' });
  const sb = await warm.runPodSandbox({
    podUid: 'warmup',
    podName: 'warmup',
    namespace: 'default',
    hostname: 'warmup',
    attempt: 0,
    ports: [],
  });
  await warm.removePodSandbox(sb.id);

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-startup-'));
  const skiff = await startServe(dataDir);
  const kubeconfig = YAML.parse(readFileSync(skiff.kubeconfig, 'utf8')) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
  };
  const ca = Buffer.from(kubeconfig.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString();
  const transport = new HttpsTransport(skiff.apiUrl, { ca, token: skiff.token });
  const client = new KubeClient(transport);
  const pid = skiff.child.pid!;
  const kubeSystem = await client.get(R.namespaces, 'kube-system');
  const managedBy = `skiff-${kubeSystem.metadata.uid}`;
  const figures: Record<string, number> = {};
  const rows: string[][] = [];
  try {
    // The node must be Ready before pods are scheduled.
    for (let i = 0; i < 100; i++) {
      const nodes = await client.list<KubeObject & { status?: any }>(R.nodes);
      if (
        nodes.items.some((x) =>
          x.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const n of SIZES) {
      const raw = await rawDocker(docker, n, `n${n}`);
      await removeRaw(docker);

      const name = `bench-${n}`;
      const seen = new Map<string, number>();
      const running = new Map<string, number>();
      let resolveAll!: () => void;
      const all = new Promise<void>((r) => (resolveAll = r));
      const stop = await watchPods(client, name, (type, pod) => {
        const uid = pod.metadata.uid!;
        if (!seen.has(uid)) seen.set(uid, performance.now());
        if (type !== 'DELETED' && (pod as any).status?.phase === 'Running' && !running.has(uid)) {
          running.set(uid, performance.now());
          if (running.size >= n) resolveAll();
        }
      });
      const t0 = performance.now();
      await client.create(R.deployments, deployment(n, name));
      const timeout = setTimeout(() => resolveAll(), 120_000);
      await all;
      clearTimeout(timeout);
      const total = performance.now() - t0;
      stop();
      if (running.size < n) throw new BenchError(`only ${running.size}/${n} pods Running after 120 s`);
      const skiff = summarize(
        total,
        [...running].map(([uid, t]) => t - (seen.get(uid) ?? t0)),
      );
      const ratio = Math.round((skiff.totalMs / raw.totalMs) * 100) / 100;
      rows.push([
        String(n),
        `${raw.totalMs}`,
        `${raw.p50}/${raw.p99}`,
        `${skiff.totalMs}`,
        `${skiff.p50}/${skiff.p99}`,
        `${ratio}`,
      ]);
      Object.assign(figures, {
        [`raw_total_ms_${n}`]: raw.totalMs,
        [`raw_p50_ms_${n}`]: raw.p50,
        [`raw_p99_ms_${n}`]: raw.p99,
        [`skiff_total_ms_${n}`]: skiff.totalMs,
        [`skiff_p50_ms_${n}`]: skiff.p50,
        [`skiff_p99_ms_${n}`]: skiff.p99,
        [`ratio_${n}`]: ratio,
      });

      if (n === SIZES[SIZES.length - 1]) {
        // Idle with the pods running: let the start-up work settle, then measure.
        await new Promise((r) => setTimeout(r, 5_000));
        const cpu0 = cpuMs(pid);
        const w0 = performance.now();
        await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
        const cpu = cpuMs(pid) - cpu0;
        const wall = performance.now() - w0;
        figures.idle_pods = n;
        figures.idle_cpu_percent_of_core = Math.round((cpu / wall) * 10000) / 100;
        figures.idle_rss_mb = Math.round(rssBytes(pid) / 1024 / 1024);
      }
      // Clean up before the next size, so runs do not overlap.
      await client.delete(R.deployments, name, 'default');
      for (let i = 0; i < 600; i++) {
        const pods = await client.list(R.pods, { namespace: 'default', labelSelector: `app=${name}` });
        if (!pods.items.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    transport.close();
    await skiff.stop();
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`skiff.dev/managed-by=${managedBy}`] },
    });
    await Promise.all(
      left.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    await removeRaw(docker);
    rmSync(dataDir, { recursive: true, force: true });
  }

  const header = ['N', 'raw total ms', 'raw p50/p99', 'skiff total ms', 'skiff p50/p99 ms', 'skiff/raw'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(fmt(header));
  for (const r of rows) console.log(fmt(r));
  console.log(
    `idle with ${figures.idle_pods} pods: ${figures.idle_cpu_percent_of_core}% of a core, RSS ${figures.idle_rss_mb} MB`,
  );
  return figures;
}

/** Starts `skiff serve` (what users run) and waits for its API/Dashboard/Kubeconfig lines. */
async function startServe(dataDir: string): Promise<{
  child: ChildProcess;
  apiUrl: string;
  token: string;
  kubeconfig: string;
  stop(): Promise<void>;
}> {
  const root = ROOT;
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'resources/bin/skiff.js'),
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--node-name',
      'bench-node',
      '--log-level',
      'warn',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const deadline = Date.now() + 180_000;
  for (;;) {
    const m = /API: (\S+)\nDashboard: (\S+)\nKubeconfig: (\S+)/.exec(out);
    if (m) {
      return {
        child,
        apiUrl: m[1]!,
        token: decodeURIComponent(m[2]!.split('#token=')[1] ?? ''),
        kubeconfig: m[3]!,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    }
    if (child.exitCode !== null) throw new Error(`skiff serve exited:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`skiff serve did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** CPU time (user + system) of a process in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resident set size of a process in bytes (VmRSS). */
function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** Watches the pods of one Deployment (label app=<name>) through the API; returns a stop function. */
async function watchPods(
  client: KubeClient,
  name: string,
  onEvent: (type: string, pod: KubeObject) => void,
): Promise<() => void> {
  const list = await client.list(R.pods, { namespace: 'default', labelSelector: `app=${name}` });
  const ac = new AbortController();
  void (async () => {
    try {
      for await (const ev of client.watch(R.pods, {
        namespace: 'default',
        labelSelector: `app=${name}`,
        resourceVersion: list.metadata.resourceVersion,
        signal: ac.signal,
      }))
        onEvent(ev.type, ev.object);
    } catch {
      // Aborted at the end of the run.
    }
  })();
  return () => ac.abort();
}

export async function runStartupBench(): Promise<Record<string, number>> {
  return main();
}
