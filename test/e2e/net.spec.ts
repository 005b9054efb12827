/**
 * Issue [net]'s acceptance suite on real Docker and the real kubectl against a real
 * `skiff serve` process: an httpd Deployment in 2 replicas behind NodePort and LoadBalancer
 * Services answers on 127.0.0.1 from both replicas and never from a not-ready pod; scaled to 0 a
 * connection is reset at once; from a busybox pod the Service answers by name, FQDN and the
 * injected env vars, a headless Service lists pod IPs, `kubernetes.default.svc` reaches the API;
 * an Ingress for app.localhost routes /a and /b; a taken port yields the Warning event and
 * recovers; after a restart every exposure is back on the same port.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerAvailable } from '../helpers/docker';
import { eventually, kubectl, startSkiff, tempDir, type SkiffProcess } from '../helpers/skiff-process';

const hasDocker = dockerAvailable();
const NS = `net-${Date.now().toString(36)}`;
const IMAGE = 'skiff-test/busybox:1';
let skiff: SkiffProcess;
const dataDir = tempDir('skiff-net-e2e-');
let managedBy = '';

const kc = (args: string[], input?: string) => kubectl(skiff.kubeconfig, args, { input, timeoutMs: 90_000 });
async function ok(args: string[], input?: string): Promise<string> {
  const r = await kc(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

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
        res.on('end', () => resolve({ status: res.statusCode, body: body.trim(), ms: Date.now() - t0 }));
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

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

const ingressPort = (s: SkiffProcess) => {
  const m = /Ingress: (\S+)/.exec(s.output());
  if (!m) throw new Error(`no Ingress line in:\n${s.output()}`);
  return Number(new URL(m[1]!).port || 80);
};

function httpd(name: string, replicas: number, text: string): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${NS}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: web
        image: ${IMAGE}
        # The same page at /, /a/ and /b/ (an Ingress passes the path through unchanged).
        command: [sh, -c, 'mkdir -p /www/a /www/b && echo "${text}" > /www/index.html && cp /www/index.html /www/a/ && cp /www/index.html /www/b/ && exec httpd -f -p 8080 -h /www']
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /index.html, port: 8080}, periodSeconds: 1}
`;
}

let lbPort = 0;
let nodePort = 0;
let conflictPort = 0;

describe.skipIf(!hasDocker)('networking (real Docker, real serve process)', () => {
  beforeAll(async () => {
    skiff = await startSkiff({ dataDir, extraArgs: ['--ingress-port', '0'] });
    managedBy = `skiff-${(await ok(['get', 'ns', 'kube-system', '-o', 'jsonpath={.metadata.uid}'])).trim()}`;
    await ok(['create', 'namespace', NS]);
    lbPort = await freePort();
    await ok(
      ['apply', '-f', '-'],
      [
        // Replicas print their pod name (the hostname), so a response says who answered.
        httpd('web', 2, '$(hostname)'),
        httpd('other', 1, 'other'),
        `
apiVersion: v1
kind: Pod
metadata: {name: web-sick, namespace: ${NS}, labels: {app: web}}
spec:
  containers:
  - name: web
    image: ${IMAGE}
    command: [sh, -c, 'mkdir -p /www && echo sick > /www/index.html && exec httpd -f -p 8080 -h /www']
    ports: [{name: http, containerPort: 8080}]
    readinessProbe: {exec: {command: ['false']}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ${NS}}
spec:
  containers: [{name: c, image: ${IMAGE}, command: [sleep, '3600']}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${NS}}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-lb, namespace: ${NS}}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{name: http, port: ${lbPort}, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-headless, namespace: ${NS}}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: ${NS}}
spec:
  selector: {app: other}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app, namespace: ${NS}}
spec:
  rules:
  - host: app.localhost
    http:
      paths:
      - {path: /a, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      - {path: /b, pathType: Prefix, backend: {service: {name: other, port: {number: 80}}}}
`,
      ].join('\n---\n'),
    );
    await ok(['wait', '-n', NS, '--for=condition=Available', 'deploy/web', 'deploy/other', '--timeout=120s']);
    await ok(['wait', '-n', NS, '--for=condition=Ready', 'pod/client', '--timeout=120s']);
    nodePort = Number(await ok(['get', '-n', NS, 'svc', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}']));
  }, 240_000);

  afterAll(async () => {
    if (skiff) {
      await kc(['delete', 'namespace', NS, '--wait=false']);
      await skiff.destroy();
    }
    if (managedBy) {
      const ids = docker('ps', '-aq', '--filter', `label=skiff.dev/managed-by=${managedBy}`)
        .split('\n')
        .filter(Boolean);
      if (ids.length) docker('rm', '-f', ...ids);
      // The cluster network (and its agent, removed above) outlives a stop for the next start.
      const nets = docker('network', 'ls', '-q', '--filter', `label=skiff.dev/managed-by=${managedBy}`)
        .split('\n')
        .filter(Boolean);
      if (nets.length) docker('network', 'rm', ...nets);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('NodePort and LoadBalancer answer on 127.0.0.1 from both ready replicas, never the not-ready pod', async () => {
    const pods = (
      await ok(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}'])
    ).split(' ');
    const replicas = pods.filter((p) => p !== 'web-sick').sort();
    expect(replicas).toHaveLength(2);
    for (const port of [nodePort, lbPort]) {
      const seen = new Set<string>();
      await eventually(
        async () => {
          for (let i = 0; i < 6; i++) seen.add((await get(port)).body ?? '');
          return seen.size >= 2 && [...seen].every((b) => replicas.includes(b));
        },
        20_000,
        `both replicas on ${port}`,
      );
      expect([...seen].sort()).toEqual(replicas);
      expect(seen.has('sick')).toBe(false);
    }
    const lb = await ok([
      'get',
      '-n',
      NS,
      'svc',
      'web-lb',
      '-o',
      'jsonpath={.status.loadBalancer.ingress[0].hostname}',
    ]);
    expect(lb).toBe('localhost');
    const listeners = JSON.parse(
      await ok([
        'get',
        '-n',
        NS,
        'svc',
        'web',
        '-o',
        `jsonpath={.metadata.annotations.skiff\\.dev/host-listeners}`,
      ]),
    );
    expect(listeners[0]).toMatchObject({
      kind: 'NodePort',
      state: 'Listening',
      url: `http://127.0.0.1:${nodePort}/`,
    });
  });

  it('from a pod: by name, FQDN and env vars; headless lists pod IPs; kubernetes.default.svc answers', async () => {
    const exec = (cmd: string) => ok(['exec', '-n', NS, 'client', '--', 'sh', '-c', cmd]);
    expect(await exec('timeout 10 wget -qO- http://web')).toMatch(/^web-/);
    expect(await exec(`timeout 10 wget -qO- http://web.${NS}.svc.cluster.local`)).toMatch(/^web-/);
    expect(await exec('timeout 10 wget -qO- http://$WEB_SERVICE_HOST:$WEB_SERVICE_PORT')).toMatch(/^web-/);
    const ips = (
      await ok([
        'get',
        'pods',
        '-n',
        NS,
        '-l',
        'app=web',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}={.status.podIP} {end}',
      ])
    )
      .trim()
      .split(' ')
      .filter((x) => !x.startsWith('web-sick='))
      .map((x) => x.split('=')[1]!);
    const ns = await exec(`nslookup web-headless.${NS}.svc.cluster.local`);
    for (const ip of ips) expect(ns).toContain(ip);
    expect(await exec('timeout 10 wget -qO- https://kubernetes.default.svc/version')).toContain(
      '"gitVersion"',
    );
  });

  it('an Ingress for app.localhost routes /a and /b to two Services', async () => {
    const port = ingressPort(skiff);
    await eventually(
      async () => (await get(port, '/b/', 'app.localhost')).body === 'other',
      20_000,
      'ingress /b',
    );
    expect((await get(port, '/a/', 'app.localhost')).body).toMatch(/^web-/);
    expect((await get(port, '/b/', 'app.localhost')).body).toBe('other');
    // Another host has no rule: 404 from the ingress itself.
    expect((await get(port, '/a/', 'nothing.localhost')).status).toBe(404);
  });

  it('a taken port: Warning event naming the port, recovery when it frees', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    conflictPort = (blocker.address() as net.AddressInfo).port;
    await ok(['create', 'service', 'loadbalancer', 'taken', '-n', NS, `--tcp=${conflictPort}:8080`]);
    await ok(['set', 'selector', '-n', NS, 'svc/taken', 'app=other']);
    const ev = await eventually(async () => {
      const out = await ok([
        'get',
        'events',
        '-n',
        NS,
        '--field-selector',
        'involvedObject.name=taken,type=Warning',
        '-o',
        'jsonpath={.items[*].message}',
      ]);
      return out.includes(String(conflictPort)) && out;
    }, 20_000);
    expect(ev).toMatch(/already in use/);
    expect((await get(nodePort)).body).toMatch(/^web-/); // others unaffected
    await new Promise((r) => blocker.close(r));
    await eventually(async () => (await get(conflictPort)).body === 'other', 20_000, 'recovery');
  });

  it('scaled to 0: refused or reset at once, the Ingress answers 503', async () => {
    await ok(['scale', '-n', NS, 'deploy/web', '--replicas=0']);
    await ok(['delete', 'pod', '-n', NS, 'web-sick', '--wait=false']);
    await eventually(async () => (await get(nodePort)).error, 30_000);
    const r = await get(nodePort);
    expect(r.error).toMatch(/ECONNRESET|ECONNREFUSED|socket hang up/);
    expect(r.ms).toBeLessThan(1000);
    const i = await get(ingressPort(skiff), '/a', 'app.localhost');
    expect(i.status).toBe(503);
    expect(i.body).toContain('no ready endpoints');
  });

  it('after a restart every exposure is back on the same port', async () => {
    await ok(['scale', '-n', NS, 'deploy/web', '--replicas=2']);
    await ok(['rollout', 'status', '-n', NS, 'deploy/web', '--timeout=120s']);
    await skiff.stop();
    skiff = await startSkiff({ dataDir, extraArgs: ['--ingress-port', '0'] });
    for (const port of [nodePort, lbPort])
      await eventually(
        async () => /^web-/.test((await get(port)).body ?? ''),
        60_000,
        `port ${port} after restart`,
      );
    await eventually(async () => (await get(conflictPort)).body === 'other', 60_000);
  }, 180_000);
});
