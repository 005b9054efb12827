/**
 * nodes/proxy: GETs under `/api/v1/nodes/{name}/proxy/...` reach the node's kubelet (a real HTTP
 * server here standing in for it, so no Docker) with the kubelet token, the path and the query;
 * real kubectl's `get --raw` goes through it; other verbs, unknown nodes and an unreachable
 * kubelet answer with Status errors; discovery lists nodes/proxy.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { writeKubeconfig } from '../../../src-main/control-plane/apiserver/kubeconfig';
import { startApi, type TestApi } from './helpers';

let t: TestApi;
let kubelet: http.Server;
let dir: string;
const seen: { url: string; auth?: string; method?: string }[] = [];

const SUMMARY = { node: { nodeName: 'n1', memory: { workingSetBytes: 123 } }, pods: [] };

beforeAll(async () => {
  t = await startApi({ kubeletToken: 'kubelet-secret' });
  kubelet = http.createServer((req, res) => {
    seen.push({ url: req.url!, auth: req.headers.authorization, method: req.method });
    if (req.headers.authorization !== 'Bearer kubelet-secret') {
      res.writeHead(401).end('unauthorized');
      return;
    }
    const u = new URL(req.url!, 'http://x');
    if (u.pathname === '/stats/summary') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(SUMMARY));
      return;
    }
    if (u.pathname === '/stats/history') {
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ intervalSeconds: 10, query: Object.fromEntries(u.searchParams), series: [] }));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found');
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  const port = (kubelet.address() as AddressInfo).port;
  const node = (name: string, p: number) =>
    ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name },
      status: {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: p } },
      },
    }) as KubeObject;
  await t.client.create(R.nodes, node('n1', port));
  // A port nothing listens on: bind one, then free it.
  const dead = http.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadPort = (dead.address() as AddressInfo).port;
  await new Promise((r) => dead.close(r));
  await t.client.create(R.nodes, node('gone', deadPort));
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-node-proxy-'));
});
afterAll(async () => {
  await t?.stop();
  await new Promise((r) => kubelet?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('nodes/proxy', () => {
  it('proxies a GET with the kubelet token, the path and the query', async () => {
    const res = await t.request({
      method: 'GET',
      path: '/api/v1/nodes/n1/proxy/stats/history?namespace=default&pod=web&since=1700000000000',
    });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { query: Record<string, string> };
    expect(body.query).toEqual({ namespace: 'default', pod: 'web', since: '1700000000000' });
    const last = seen[seen.length - 1];
    expect(last.auth).toBe('Bearer kubelet-secret');
    expect(last.url).toBe('/stats/history?namespace=default&pod=web&since=1700000000000');
  });

  it('passes the kubelet status code through', async () => {
    const res = await t.request({ method: 'GET', path: '/api/v1/nodes/n1/proxy/nothing/here' });
    expect(res.status).toBe(404);
    expect(res.body).toBe('404 page not found');
    expect(seen[seen.length - 1].url).toBe('/nothing/here');
  });

  it('answers kubectl get --raw like upstream', async () => {
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, { server: t.url, caPem: t.caPem, token: t.token }, { merge: false });
    const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: path.join(dir, 'cache'), HOME: dir };
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'kubectl',
        ['get', '--raw', '/api/v1/nodes/n1/proxy/stats/summary'],
        { env, timeout: 30_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    expect(JSON.parse(out)).toEqual(SUMMARY);
  });

  it('is read-only: other verbs are 405', async () => {
    const before = seen.length;
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const res = await t.request({ method, path: '/api/v1/nodes/n1/proxy/stats/summary', body: '{}' });
      expect(res.status, method).toBe(405);
      expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', code: 405, reason: 'MethodNotAllowed' });
    }
    expect(seen.length).toBe(before);
  });

  it('answers 404 NotFound for an unknown node', async () => {
    const res = await t.request({ method: 'GET', path: '/api/v1/nodes/nope/proxy/stats/summary' });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'nodes' },
    });
  });

  it('answers 503 ServiceUnavailable when the kubelet cannot be reached', async () => {
    const res = await t.request({ method: 'GET', path: '/api/v1/nodes/gone/proxy/stats/summary' });
    expect(res.status).toBe(503);
    const st = JSON.parse(res.body) as { reason: string; message: string };
    expect(st.reason).toBe('ServiceUnavailable');
    expect(st.message).toMatch(/ECONNREFUSED/);
  });

  it('has no other path-carrying subresources', async () => {
    const res = await t.request({ method: 'GET', path: '/api/v1/nodes/n1/status/extra' });
    expect(res.status).toBe(404);
  });

  it('is listed in discovery as nodes/proxy', async () => {
    const res = await t.request({ method: 'GET', path: '/api/v1' });
    const list = JSON.parse(res.body) as { resources: { name: string; kind: string; verbs: string[] }[] };
    expect(list.resources.find((r) => r.name === 'nodes/proxy')).toMatchObject({
      kind: 'NodeProxyOptions',
      verbs: ['get'],
    });
  });
});
