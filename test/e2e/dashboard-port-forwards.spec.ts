/**
 * The dashboard server's session port-forwards (`/dashboard/v1/port-forwards`) from Node against
 * a real `skiff serve` and real Docker: start one to a pod's container port on a free local port
 * and to a Service's port on a chosen one, both answer on 127.0.0.1 with the pod's HTTP body and
 * are listed with their traffic; a local port another program holds is a 409 that names the
 * port; a bad body, a missing pod, a Service port that does not exist and a missing token answer
 * clear Status errors; Stop closes the listener and forgets the session.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerAvailable } from '../helpers/docker';
import { kubectl, startSkiff, type SkiffProcess } from '../helpers/skiff-process';

const hasDocker = dockerAvailable();
const NS = `pf-${Date.now().toString(36)}`;
const BODY = `skiff-pf-ok-${NS}`;

const yaml = `apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: v1
kind: Pod
metadata: { name: web, namespace: ${NS}, labels: { app: web } }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: httpd
      image: skiff-test/busybox:1
      imagePullPolicy: IfNotPresent
      command: [sh, -c, 'mkdir -p /www && echo ${BODY} > /www/index.html && exec httpd -f -p 8080 -h /www']
      ports:
        - { containerPort: 8080, name: http }
      readinessProbe:
        tcpSocket: { port: 8080 }
        periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: ${NS} }
spec:
  selector: { app: web }
  ports:
    - { name: web, port: 80, targetPort: http }
`;

interface View {
  id: string;
  kind: string;
  name: string;
  pod: string;
  podPort: number;
  localPort: number;
  url: string;
  connections: number;
  bytesIn: number;
}

/** A port nothing listens on right now (the kernel's choice, released at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!hasDocker)('dashboard server: session port-forwards', () => {
  let skiff: SkiffProcess;
  const blockers: net.Server[] = [];

  async function api<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    token: string | null = skiff.token,
  ): Promise<{ status: number; doc: T }> {
    const res = await fetch(`${skiff.dashboardUrl}/dashboard/v1/${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, doc: (await res.json()) as T };
  }

  async function get(url: string): Promise<string> {
    expect(new URL(url).hostname).toBe('127.0.0.1');
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return res.text();
  }

  beforeAll(async () => {
    skiff = await startSkiff({ extraArgs: ['--ingress-port', '0'] });
    const applied = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: yaml });
    expect(applied.code, applied.stderr).toBe(0);
    const ready = await kubectl(
      skiff.kubeconfig,
      ['wait', '--for=condition=Ready', 'pod/web', '-n', NS, '--timeout=90s'],
      { timeoutMs: 100_000 },
    );
    expect(ready.code, ready.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    for (const b of blockers) b.close();
    if (skiff) {
      await kubectl(skiff.kubeconfig, ['delete', 'namespace', NS, '--wait=false']);
      await skiff.destroy();
    }
    if (hasDocker) {
      const left = docker('ps', '-aq', '--filter', `label=io.kubernetes.pod.namespace=${NS}`)
        .split('\n')
        .filter(Boolean);
      if (left.length) docker('rm', '-f', ...left);
    }
  }, 120_000);

  let podForward: View;
  let svcForward: View;

  it('starts a forward to a pod port on a free local port; it answers and is listed', async () => {
    const started = await api<View>('POST', 'port-forwards', {
      namespace: NS,
      kind: 'pod',
      name: 'web',
      port: 8080,
    });
    expect(started.status, JSON.stringify(started.doc)).toBe(201);
    podForward = started.doc;
    expect(podForward).toMatchObject({ kind: 'pod', name: 'web', pod: 'web', podPort: 8080 });
    expect(podForward.localPort).toBeGreaterThan(0);
    expect(podForward.url).toBe(`http://127.0.0.1:${podForward.localPort}/`);
    await get(podForward.url).catch(() => '');
    console.log('DEBUG', JSON.stringify((await api('GET', 'port-forwards')).doc));
    expect((await get(podForward.url)).trim()).toBe(BODY);
    // Several connections in a row, each its own stream.
    for (let i = 0; i < 3; i++) expect(await get(`${podForward.url}index.html`)).toContain(BODY);
    const list = await api<{ items: View[] }>('GET', 'port-forwards');
    const mine = list.doc.items.find((f) => f.id === podForward.id);
    expect(mine?.connections).toBeGreaterThanOrEqual(4);
    expect(mine?.bytesIn).toBeGreaterThan(BODY.length);
  });

  it('forwards a Service port by name on a chosen local port to its ready pod', async () => {
    const localPort = await freePort();
    const started = await api<View>('POST', 'port-forwards', {
      namespace: NS,
      kind: 'service',
      name: 'web',
      port: 'web',
      localPort,
    });
    expect(started.status, JSON.stringify(started.doc)).toBe(201);
    svcForward = started.doc;
    expect(svcForward).toMatchObject({ kind: 'service', pod: 'web', podPort: 8080, localPort });
    expect((await get(svcForward.url)).trim()).toBe(BODY);
  });

  it('a local port another program holds is a 409 that names the port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    blockers.push(blocker);
    const taken = (blocker.address() as net.AddressInfo).port;
    const res = await api<{ kind: string; code: number; reason: string; message: string }>(
      'POST',
      'port-forwards',
      { namespace: NS, kind: 'pod', name: 'web', port: 8080, localPort: taken },
    );
    expect(res.status).toBe(409);
    expect(res.doc).toMatchObject({ kind: 'Status', code: 409, reason: 'Conflict' });
    expect(res.doc.message).toBe(`local port ${taken} is in use`);
    // Nothing was added.
    const list = await api<{ items: View[] }>('GET', 'port-forwards');
    expect(list.doc.items.map((f) => f.id).sort()).toEqual([podForward.id, svcForward.id].sort());
  });

  it('bad requests answer clear errors', async () => {
    const cases: [unknown, number, RegExp][] = [
      ['{not json', 400, /not JSON/],
      [{ kind: 'pod', name: 'web', port: 8080 }, 400, /namespace is required/],
      [{ namespace: NS, kind: 'deployment', name: 'web', port: 8080 }, 400, /kind must be pod or service/],
      [{ namespace: NS, kind: 'pod', name: 'web', port: 70000 }, 400, /port must be/],
      [{ namespace: NS, kind: 'pod', name: 'web', port: 8080, localPort: -1 }, 400, /localPort/],
      [{ namespace: NS, kind: 'pod', name: 'web', port: 'nope' }, 400, /no port named nope/],
      [{ namespace: NS, kind: 'service', name: 'web', port: 81 }, 400, /service web has no port 81/],
      [{ namespace: NS, kind: 'pod', name: 'ghost', port: 8080 }, 404, /ghost/],
    ];
    for (const [body, code, words] of cases) {
      const res = await api<{ message: string }>('POST', 'port-forwards', body);
      expect(res.status, JSON.stringify(body)).toBe(code);
      expect(res.doc.message, JSON.stringify(body)).toMatch(words);
    }
    const anon = await api<{ code: number }>('GET', 'port-forwards', undefined, null);
    expect(anon.status).toBe(401);
    const wrong = await api<{ code: number }>('GET', 'port-forwards', undefined, 'x'.repeat(20));
    expect(wrong.status).toBe(401);
    const unknown = await api<{ message: string }>('DELETE', 'port-forwards/no-such-id');
    expect(unknown.status).toBe(404);
    expect(unknown.doc.message).toContain('no-such-id');
  });

  it('Stop closes the listener and forgets the forward', async () => {
    const stopped = await api<{ items: View[] }>('DELETE', `port-forwards/${podForward.id}`);
    expect(stopped.status).toBe(200);
    expect(stopped.doc.items.map((f) => f.id)).toEqual([svcForward.id]);
    await expect(get(podForward.url)).rejects.toThrow();
    // The port is free again: something else may listen there now.
    const again = net.createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(podForward.localPort, '127.0.0.1', () => resolve());
    });
    again.close();
    expect((await get(svcForward.url)).trim()).toBe(BODY);
    await api('DELETE', `port-forwards/${svcForward.id}`);
    expect((await api<{ items: View[] }>('GET', 'port-forwards')).doc.items).toEqual([]);
  });
});
