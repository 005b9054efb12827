/**
 * The proxy's host side and ingress in a real cluster (API server, controllers, proxy; no
 * kubelet, so no Docker): Services in front of HTTP servers on the host's loopback, described by
 * EndpointSlices. Covers NodePort and LoadBalancer listeners, spreading over ready endpoints,
 * not-ready and zero endpoints (reset at once), the host-listeners annotation and LB status,
 * a taken port (Warning event, recovery), and Ingress host/path routing with a 503 page.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { startCluster, type Cluster } from '../../../src-main/control-plane/cluster';

type Obj = KubeObject & Record<string, any>;
let cluster: Cluster;
let dataDir: string;
const servers: http.Server[] = [];

async function httpServer(name: string): Promise<number> {
  const s = http.createServer((req, res) => res.end(`${name} ${req.url}`));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  servers.push(s);
  return (s.address() as net.AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

/** One GET on a fresh connection: the body, or the error code (ECONNRESET, ECONNREFUSED…). */
function get(
  port: number,
  urlPath = '/',
  host?: string,
): Promise<{ status?: number; body?: string; error?: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        agent: false,
        headers: host ? { Host: host } : {},
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body, ms: Date.now() - t0 }));
        res.on('error', (e: NodeJS.ErrnoException) =>
          resolve({ error: e.code ?? e.message, ms: Date.now() - t0 }),
        );
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ error: e.code ?? e.message, ms: Date.now() - t0 }),
    );
  });
}

async function until<T>(fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const slice = (svc: string, name: string, port: number, ready = true): KubeObject =>
  ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready } }],
  }) as KubeObject;

const service = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...spec },
});

const listeners = async (name: string): Promise<any[]> => {
  const s = (await cluster.client.get(R.services, name, 'default')) as Obj;
  return JSON.parse(s.metadata.annotations?.['skiff.dev/host-listeners'] ?? '[]');
};

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-proxy-host-'));
  cluster = await startCluster({ dataDir, kubelet: false, ingressPort: 0, nodeName: 'proxy-host' });
});
afterAll(async () => {
  await cluster?.stop();
  for (const s of servers) s.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('host listeners', () => {
  let nodePort = 0;
  it('NodePort answers on 127.0.0.1 from both ready endpoints', async () => {
    const [a, b] = [await httpServer('A'), await httpServer('B')];
    await cluster.client.create(R.services, service('web', { type: 'NodePort' }));
    await cluster.client.create(R.endpointslices, slice('web', 'web-a', a));
    await cluster.client.create(R.endpointslices, slice('web', 'web-b', b));
    const l = await until(async () => {
      const ls = await listeners('web');
      return ls[0]?.state === 'Listening' && ls;
    });
    expect(l).toEqual([
      expect.objectContaining({ kind: 'NodePort', port: 80, protocol: 'TCP', state: 'Listening' }),
    ]);
    nodePort = Number(l[0].address.split(':')[1]);
    expect(l[0].url).toBe(`http://127.0.0.1:${nodePort}/`);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await get(nodePort, '/x')).body ?? '');
    expect([...seen].sort()).toEqual(['A /x', 'B /x']);
  });

  it('sends nothing to a not-ready endpoint, and resets at once with none ready', async () => {
    const bPort = ((await cluster.client.get(R.endpointslices, 'web-b', 'default')) as Obj).ports[0].port;
    await cluster.client.update(R.endpointslices, {
      ...slice('web', 'web-b', bPort, false),
      metadata: { ...((await cluster.client.get(R.endpointslices, 'web-b', 'default')) as Obj).metadata },
    });
    const t0 = Date.now();
    await until(async () => {
      const bodies = await Promise.all([1, 2, 3, 4].map(() => get(nodePort)));
      return bodies.every((r) => r.body === 'A /');
    });
    expect(Date.now() - t0).toBeLessThan(2000);
    await cluster.client.delete(R.endpointslices, 'web-a', 'default');
    await until(async () => (await listeners('web'))[0]?.state === 'NoReadyEndpoints');
    const r = await get(nodePort);
    expect(r.error).toMatch(/ECONNRESET|ECONNREFUSED|socket hang up/);
    expect(r.ms).toBeLessThan(1000);
  });

  it('sessionAffinity ClientIP keeps a client (here always 127.0.0.1) on one endpoint', async () => {
    const [a, b] = [await httpServer('SA'), await httpServer('SB')];
    const svc = (await cluster.client.create(
      R.services,
      service('sticky', { type: 'NodePort', sessionAffinity: 'ClientIP' }),
    )) as Obj;
    await cluster.client.create(R.endpointslices, slice('sticky', 'sticky-a', a));
    await cluster.client.create(R.endpointslices, slice('sticky', 'sticky-b', b));
    const port = svc.spec.ports[0].nodePort as number;
    await until(async () => (await listeners('sticky'))[0]?.state === 'Listening');
    // Wait until both endpoints are known, then every connection lands on the same one.
    await until(async () => (await get(port)).body);
    await new Promise((r) => setTimeout(r, 300));
    const bodies = new Set<string>();
    for (let i = 0; i < 8; i++) bodies.add((await get(port)).body ?? '');
    expect(bodies.size).toBe(1);
  });

  it('LoadBalancer listens on its port, with status.loadBalancer localhost', async () => {
    const port = await freePort();
    const c = await httpServer('C');
    await cluster.client.create(
      R.services,
      service('lb', { type: 'LoadBalancer', ports: [{ name: 'http', port, targetPort: 'http' }] }),
    );
    await cluster.client.create(R.endpointslices, slice('lb', 'lb-c', c));
    await until(async () => (await get(port)).body === 'C /');
    const s = await until(async () => {
      const x = (await cluster.client.get(R.services, 'lb', 'default')) as Obj;
      return x.status?.loadBalancer?.ingress?.length && x;
    });
    expect(s.status.loadBalancer.ingress).toEqual([
      { hostname: 'localhost', ports: [{ port, protocol: 'TCP' }] },
    ]);
    const ls = await listeners('lb');
    expect(ls.map((l) => `${l.kind} ${l.state}`).sort()).toEqual([
      'LoadBalancer Listening',
      'NodePort Listening',
    ]);
  });

  it('a taken port: Warning event naming it, other Services unaffected, recovery when freed', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    const d = await httpServer('D');
    await cluster.client.create(
      R.services,
      service('taken', { type: 'LoadBalancer', ports: [{ name: 'http', port, targetPort: 'http' }] }),
    );
    await cluster.client.create(R.endpointslices, slice('taken', 'taken-d', d));
    const ev = await until(async () => {
      const evs = (await cluster.client.list(R.events, { namespace: 'default' })).items as Obj[];
      return evs.find((e) => e.involvedObject.name === 'taken' && e.type === 'Warning');
    });
    expect(ev.reason).toBe('FailedToListen');
    expect(ev.message).toContain(String(port));
    expect(ev.message).toMatch(/already in use/);
    const lb = await until(async () =>
      (await listeners('taken')).find((l) => l.kind === 'LoadBalancer' && l.state === 'PortInUse'),
    );
    expect(lb.url).toBeUndefined();
    expect(
      (await get((await listeners('lb')).find((l) => l.kind === 'LoadBalancer').address.split(':')[1])).body,
    ).toBe('C /');
    await new Promise((r) => blocker.close(r));
    await until(async () => (await get(port)).body === 'D /', 8000);
    await until(async () => (await listeners('taken')).every((l) => l.state === 'Listening'));
  });
});

describe('ingress', () => {
  it('routes app.localhost /a and /b to two Services, 503 page for a missing backend', async () => {
    for (const n of ['a', 'b']) {
      const p = await httpServer(`svc-${n}`);
      await cluster.client.create(R.services, service(`svc-${n}`, {}));
      await cluster.client.create(R.endpointslices, slice(`svc-${n}`, `svc-${n}`, p));
    }
    await cluster.client.create(R.ingresses, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'app', namespace: 'default' },
      spec: {
        rules: [
          {
            host: 'app.localhost',
            http: {
              paths: ['a', 'b', 'gone'].map((n) => ({
                path: `/${n}`,
                pathType: 'Prefix',
                backend: { service: { name: `svc-${n}`, port: { number: 80 } } },
              })),
            },
          },
        ],
      },
    } as KubeObject);
    const port = Number(new URL(cluster.ingressUrl).port);
    await until(async () => (await get(port, '/a/1', 'app.localhost')).body === 'svc-a /a/1');
    expect((await get(port, '/b', 'app.localhost')).body).toBe('svc-b /b');
    const missing = await get(port, '/gone', 'app.localhost');
    expect(missing.status).toBe(503);
    expect(missing.body).toContain('Service default/svc-gone does not exist');
    expect((await get(port, '/a', 'other.localhost')).status).toBe(404);
    const ing = await until(async () => {
      const x = (await cluster.client.get(R.ingresses, 'app', 'default')) as Obj;
      return x.status?.loadBalancer?.ingress?.length && x;
    });
    expect(ing.status.loadBalancer.ingress).toEqual([
      { hostname: 'localhost', ports: [{ port, protocol: 'TCP' }] },
    ]);
  });

  it('streams responses and passes WebSocket upgrades through', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const backend = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first;');
      // The rest only after the client has seen the first chunk: nothing is buffered.
      void gate.then(() => res.end('second'));
    });
    const wss = new WebSocketServer({ server: backend });
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo:${m}`)));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
    servers.push(backend);
    const bport = (backend.address() as net.AddressInfo).port;
    await cluster.client.create(R.services, service('stream', {}));
    await cluster.client.create(R.endpointslices, slice('stream', 'stream', bport));
    await cluster.client.create(R.ingresses, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'stream', namespace: 'default' },
      spec: {
        ingressClassName: 'skiff',
        rules: [
          {
            host: 'stream.localhost',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'stream', port: { name: 'http' } } },
                },
              ],
            },
          },
        ],
      },
    } as KubeObject);
    const port = Number(new URL(cluster.ingressUrl).port);
    const first = await until(
      () =>
        new Promise<string | undefined>((resolve) => {
          const req = http.get(
            { host: '127.0.0.1', port, path: '/', agent: false, headers: { Host: 'stream.localhost' } },
            (res) => {
              if (res.statusCode !== 200) {
                res.resume();
                return resolve(undefined);
              }
              let body = '';
              res.on('data', (d) => {
                body += d;
                if (body === 'first;') release();
              });
              res.on('end', () => resolve(body));
            },
          );
          req.on('error', () => resolve(undefined));
        }),
    );
    expect(first).toBe('first;second');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`, { headers: { Host: 'stream.localhost' } });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('hi'));
      ws.on('message', (m) => resolve(String(m)));
      ws.on('error', reject);
    });
    ws.close();
    wss.close();
    expect(reply).toBe('echo:hi');
  });
});
