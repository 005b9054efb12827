/**
 * pods/log: validation answers, and the proxy to the node's kubelet (a real HTTP server here
 * standing in for the kubelet's log endpoint, so the test needs no Docker).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-main/common/client';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { pod, startApi, type TestApi } from './helpers';

let t: TestApi;
let kubelet: http.Server;
const seen: { url: string; auth?: string }[] = [];
let followClosed = false;

beforeAll(async () => {
  t = await startApi({ kubeletToken: 'kubelet-secret' });
  kubelet = http.createServer((req, res) => {
    seen.push({ url: req.url!, auth: req.headers.authorization });
    if (req.headers.authorization !== 'Bearer kubelet-secret') {
      res.writeHead(401).end('unauthorized');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write('line 1\n');
    if (req.url!.includes('follow=true')) {
      const timer = setInterval(() => res.write('tick\n'), 50);
      res.on('close', () => {
        clearInterval(timer);
        followClosed = true;
      });
      return;
    }
    res.end('line 2\n');
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  const port = (kubelet.address() as AddressInfo).port;
  await t.client.create(R.nodes, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1' },
    status: {
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      daemonEndpoints: { kubeletEndpoint: { Port: port } },
    },
  } as KubeObject);
  const two = pod('two');
  two.spec.containers.push({ name: 'side', image: 'busybox' });
  await t.client.create(R.pods, two);
  await t.client.create(R.pods, pod('one'));
  await t.client.create(R.pods, pod('pending'));
  for (const name of ['one', 'two']) {
    await t.client.create(
      R.pods,
      {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name },
        target: { kind: 'Node', name: 'n1' },
      } as KubeObject,
      {
        namespace: 'default',
        subresource: 'binding',
        name,
      },
    );
    const p = await t.client.get(R.pods, name, 'default');
    const cs = ((p.spec as any).containers as { name: string }[]).map((c) => ({
      name: c.name,
      ready: true,
      restartCount: 0,
      containerID: 'docker://x',
      state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
    }));
    await t.client.patch(
      R.pods,
      name,
      'default',
      { status: { phase: 'Running', containerStatuses: cs } },
      'merge',
      { subresource: 'status' },
    );
  }
});
afterAll(async () => {
  await t?.stop();
  await new Promise((r) => kubelet?.close(r));
});

async function logs(name: string, opts: Parameters<TestApi['client']['podLogs']>[2] = {}): Promise<string> {
  let out = '';
  for await (const c of t.client.podLogs('default', name, opts)) out += c;
  return out;
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected failure');
}

describe('pods/log', () => {
  it('proxies the kubelet log with the kubelet token and query options', async () => {
    expect(await logs('one', { tailLines: 5, timestamps: true })).toBe('line 1\nline 2\n');
    const last = seen[seen.length - 1];
    expect(last.auth).toBe('Bearer kubelet-secret');
    expect(last.url).toMatch(/^\/containerLogs\/default\/one\/app\?/);
    expect(last.url).toContain('tailLines=5');
    expect(last.url).toContain('timestamps=true');
  });

  it('asks for a container name when a pod has several', async () => {
    const err = await failure(logs('two'));
    expect(err.code).toBe(400);
    expect(err.message).toBe('a container name must be specified for pod two, choose one of: [app side]');
    expect(await logs('two', { container: 'side' })).toContain('line 1');
    const bad = await failure(logs('two', { container: 'nope' }));
    expect(bad.code).toBe(400);
  });

  it('400 while the pod is not started', async () => {
    const err = await failure(logs('pending'));
    expect(err.code).toBe(400);
    expect(err.message).toBe('container "app" in pod "pending" is waiting to start: ContainerCreating');
  });

  it('follows, and closing the client closes the upstream', async () => {
    const abort = new AbortController();
    let out = '';
    for await (const c of t.client.podLogs('default', 'one', { follow: true, signal: abort.signal })) {
      out += c;
      if (out.split('tick').length > 3) abort.abort();
    }
    expect(out).toContain('tick');
    for (let i = 0; i < 50 && !followClosed; i++) await new Promise((r) => setTimeout(r, 20));
    expect(followClosed).toBe(true);
  });
});
