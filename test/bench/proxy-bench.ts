/**
 * `npm run bench -- proxy`: what the kube-proxy role costs on the host. One cluster in this
 * process on the local Docker engine, one busybox httpd pod (containerPort 8080, published on
 * 127.0.0.1 by the kubelet), exposed by a NodePort Service, a LoadBalancer Service and an
 * Ingress. The same client (node:http) with the same concurrency, bounded in count and time, measures
 * requests/s and p50/p99 latency for:
 *   direct   — the pod's published port (no proxy: the baseline),
 *   nodeport — 127.0.0.1:<nodePort>, through the proxy,
 *   lb       — 127.0.0.1:<port>, through the proxy,
 *   ingress  — the ingress controller with `Host: bench.localhost`.
 * busybox httpd serves one request per connection (every request says `Connection: close`), so
 * every request is also a new TCP connection: the req/s figures are connection set-up rates too. A separate bounded loop
 * measures plain TCP connection set-up (connect + close) per second, direct vs NodePort.
 * Prints a table with the ratios to direct; the last line is one JSON object.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { R } from '../../src-main/common/resources';
import type { KubeObject } from '../../src-main/common/types';
import { startCluster } from '../../src-main/control-plane/cluster';

const IMAGE = 'skiff-test/busybox:1';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const SETUP_COUNT = Number(process.env.BENCH_SETUP_COUNT ?? 500);

type Obj = KubeObject & Record<string, any>;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/**
 * CONCURRENCY workers send GETs, each on a new connection (busybox httpd serves one request per
 * connection), until REQUESTS are done or DURATION_S passes. autocannon is not used here: against
 * a server that closes after each response its latency figures include its reconnect waits.
 */
async function load(port: number, host?: string, max = REQUESTS): Promise<Load> {
  const lat: number[] = [];
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + DURATION_S * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      const req = http.get(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          agent: false,
          headers: host ? { Host: host } : {},
          timeout: 5000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) lat.push(performance.now() - start);
            else errors++;
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => {
        errors++;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < max && performance.now() < deadline) {
        next++;
        await one();
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (q: number) =>
    +(lat[Math.min(lat.length - 1, Math.ceil(q * lat.length) - 1)] ?? NaN).toFixed(2);
  return { rps: Math.round(lat.length / secs), p50: pct(0.5), p99: pct(0.99), errors };
}

/** Sequential TCP connect+close, bounded by count. */
async function setupRate(port: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < SETUP_COUNT; i++)
    await new Promise<void>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.end();
        resolve();
      });
      s.on('error', reject);
    });
  return Math.round(SETUP_COUNT / ((performance.now() - t0) / 1000));
}

export async function runProxyBench(): Promise<Record<string, number>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-proxy-'));
  const cluster = await startCluster({ dataDir, ingressPort: 0, nodeName: 'bench-proxy' });
  const c = cluster.client;
  try {
    const labels = { app: 'bench' };
    await c.create(R.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bench', namespace: 'default' },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'web',
                image: IMAGE,
                command: [
                  'sh',
                  '-c',
                  'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www',
                ],
                ports: [{ name: 'http', containerPort: 8080 }],
              },
            ],
          },
        },
      },
    } as KubeObject);
    const svc = (name: string, spec: Record<string, unknown>) =>
      c.create(R.services, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: 'default' },
        spec: { selector: labels, ...spec },
      } as KubeObject);
    const lbPort = await freePort();
    const np = (await svc('bench-np', {
      type: 'NodePort',
      ports: [{ port: 80, targetPort: 'http' }],
    })) as Obj;
    await svc('bench-lb', { type: 'LoadBalancer', ports: [{ port: lbPort, targetPort: 'http' }] });
    await svc('bench-ing', { ports: [{ port: 80, targetPort: 'http' }] });
    await c.create(R.ingresses, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'bench', namespace: 'default' },
      spec: {
        rules: [
          {
            host: 'bench.localhost',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'bench-ing', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    } as KubeObject);
    const pod = await until('the pod to run and publish its port', async () => {
      const pods = (await c.list(R.pods, { namespace: 'default', labelSelector: 'app=bench' }))
        .items as Obj[];
      const p = pods.find(
        (x) => x.status?.phase === 'Running' && x.metadata.annotations?.['skiff.dev/published-ports'],
      );
      return p;
    });
    const direct = Number(
      JSON.parse(pod.metadata.annotations!['skiff.dev/published-ports']!)['8080/TCP'].split(':')[1],
    );
    const nodePort = np.spec.ports[0].nodePort as number;
    const ingressPort = Number(new URL(cluster.ingressUrl).port || 80);
    // node:http, not fetch: fetch does not let a caller set the Host header.
    const get = (port: number, host?: string) =>
      new Promise<boolean>((resolve) => {
        const req = http.get(
          { host: '127.0.0.1', port, agent: false, headers: host ? { Host: host } : {}, timeout: 3000 },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode === 200));
          },
        );
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(false));
      });
    await until('direct', () => get(direct));
    await until('the NodePort', () => get(nodePort));
    await until('the LoadBalancer', () => get(lbPort));
    await until('the Ingress', () => get(ingressPort, 'bench.localhost'));

    // Warm up every path once, then measure in a fixed order.
    for (const p of [direct, nodePort, lbPort]) await load(p, undefined, 100);
    await load(ingressPort, 'bench.localhost', 100);
    const results = {
      direct: await load(direct),
      nodeport: await load(nodePort),
      lb: await load(lbPort),
      ingress: await load(ingressPort, 'bench.localhost'),
    };
    const setupDirect = await setupRate(direct);
    const setupNodePort = await setupRate(nodePort);

    const base = results.direct;
    const rows = Object.entries(results).map(([k, v]) => ({
      path: k,
      'req/s': v.rps,
      'p50 ms': v.p50,
      'p99 ms': v.p99,
      errors: v.errors,
      'x direct': +(v.rps / base.rps).toFixed(2),
      '+p50 ms': +(v.p50 - base.p50).toFixed(2),
    }));
    console.log(
      `proxy bench: ${CONNECTIONS} concurrent clients, ≤${REQUESTS} requests or ≤${DURATION_S} s per path, busybox httpd (one request per connection)`,
    );
    console.table(rows);
    console.table([
      { path: 'direct', 'TCP connects/s': setupDirect },
      {
        path: 'nodeport',
        'TCP connects/s': setupNodePort,
        'x direct': +(setupNodePort / setupDirect).toFixed(2),
      },
    ]);
    const out: Record<string, number> = { connections: CONNECTIONS, durationS: DURATION_S };
    for (const [k, v] of Object.entries(results)) {
      out[`${k}Rps`] = v.rps;
      out[`${k}P50Ms`] = v.p50;
      out[`${k}P99Ms`] = v.p99;
      out[`${k}Errors`] = v.errors;
      if (k !== 'direct') {
        out[`${k}RpsRatio`] = +(v.rps / base.rps).toFixed(3);
        out[`${k}AddedP50Ms`] = +(v.p50 - base.p50).toFixed(2);
      }
    }
    out.setupDirectPerS = setupDirect;
    out.setupNodePortPerS = setupNodePort;
    out.setupRatio = +(setupNodePort / setupDirect).toFixed(3);
    return out;
  } finally {
    await c.delete(R.deployments, 'bench', 'default').catch(() => undefined);
    // Let the kubelet remove the pod before it stops (pods are otherwise left for adoption).
    await until(
      'the pods to go',
      async () => !(await c.list(R.pods, { namespace: 'default' })).items.length,
      60_000,
    ).catch(() => undefined);
    await cluster.stop();
    await removeClusterContainers(cluster.network.name);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

/** Removes what the bench cluster left on the engine for a next start: containers and network. */
async function removeClusterContainers(managedBy: string): Promise<void> {
  const docker = new Docker();
  const label = `skiff.dev/managed-by=${managedBy}`;
  for (const c of await docker.listContainers({ all: true, filters: { label: [label] } }))
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  for (const n of await docker.listNetworks({ filters: { label: [label] } }))
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
}
