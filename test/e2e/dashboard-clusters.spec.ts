/**
 * "Any cluster from a kubeconfig" in Chromium: two `skiff serve` instances (separate data dirs);
 * a kubeconfig with two contexts — the second instance ("second", its token) and the first one
 * again ("first") — is given to the first instance as $KUBECONFIG. The first instance's dashboard
 * lists both contexts in the switcher; choosing "second" shows, on the Pods page, the pods made
 * there with kubectl (distinctive names, on a simulated node so no container is needed), and
 * none of the first cluster's own. A third context, "plain", reaches the second instance
 * through a reverse proxy (plain HTTP, the kubeconfig's token passed on) that answers Skiff's own
 * paths (/skiff/, /apis/skiff.dev, the kubelet's /stats/history) with kube-apiserver's 404, as a
 * plain Kubernetes would: the Pods page, a pod's page and the Nodes page work on the API
 * conventions alone, the Skiff-only panels hide, and the only Skiff path the dashboard asked
 * for is the capability probe. With SKIFF_SCREENSHOTS=1 it writes light and dark screenshots of
 * the switcher to docs/screenshots/.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser';
import { dockerAvailable } from '../helpers/docker';
import { eventually, kubectl, startSkiff, tempDir, type SkiffProcess } from '../helpers/skiff-process';

const hasDocker = dockerAvailable();
const hasChromium = chromiumAvailable();
const TAG = Date.now().toString(36);
const NS = `other-${TAG}`;
const SHOTS =
  process.env.SKIFF_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : undefined;

interface Kc {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
}

/** The one cluster/user of a Skiff kubeconfig, renamed. */
function entry(file: string, name: string) {
  const kc = parseYaml(fs.readFileSync(file, 'utf8')) as Kc;
  return {
    cluster: { name, cluster: kc.clusters[0].cluster },
    user: { name, user: kc.users[0].user },
    context: { name, context: { cluster: name, user: name } },
  };
}

const podsYaml = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => `apiVersion: v1
kind: Pod
metadata:
  name: far-away-${TAG}-${i}
  namespace: ${NS}
spec:
  nodeSelector: { skiff.dev/simulated: "true" }
  tolerations: [{ key: skiff.dev/simulated, operator: Exists, effect: NoSchedule }]
  containers: [{ name: c, image: skiff-test/busybox:1 }]
`,
  ).join('---\n');

/** What a plain kube-apiserver answers for a path it does not serve. */
const NOT_FOUND = `${JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'the server could not find the requested resource',
  reason: 'NotFound',
  details: {},
  code: 404,
})}\n`;

/** Skiff's own paths: a plain Kubernetes cluster has none of them. */
const skiffOnly = (url: string) =>
  /^\/(skiff|dashboard)\//.test(url) ||
  /^\/apis\/skiff\.dev(\/|$|\?)/.test(url) ||
  /^\/api\/v1\/nodes\/[^/]+\/proxy\/stats\/history/.test(url);

/**
 * A reverse proxy on 127.0.0.1 (plain HTTP) to a Skiff API server (HTTPS, its CA), requests and
 * WebSocket upgrades alike, that turns the second Skiff into "a plain Kubernetes": its own paths
 * answer 404. Every path asked for is recorded with its answer's status.
 */
async function plainClusterProxy(server: string, caPem: string) {
  const up = new URL(server);
  const seen: { method: string; url: string; status: number }[] = [];
  const agent = new https.Agent({ ca: caPem, keepAlive: true });
  const srv = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (skiffOnly(url)) {
      seen.push({ method: req.method ?? 'GET', url, status: 404 });
      res.writeHead(404, { 'content-type': 'application/json' }).end(NOT_FOUND);
      return;
    }
    const out = https.request(
      {
        host: up.hostname,
        port: up.port,
        method: req.method,
        path: url,
        headers: { ...req.headers, host: up.host },
        agent,
      },
      (r) => {
        seen.push({ method: req.method ?? 'GET', url, status: r.statusCode ?? 0 });
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  srv.on('upgrade', (req: http.IncomingMessage, socket: import('node:net').Socket, head: Buffer) => {
    const url = req.url ?? '/';
    seen.push({ method: 'UPGRADE', url, status: skiffOnly(url) ? 404 : 101 });
    if (skiffOnly(url)) {
      socket.end(
        `HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: ${NOT_FOUND.length}\r\n\r\n${NOT_FOUND}`,
      );
      return;
    }
    const upstream = tls.connect({ host: up.hostname, port: Number(up.port), ca: caPem }, () => {
      const lines = [`${req.method} ${url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const [k, v] = [req.rawHeaders[i]!, req.rawHeaders[i + 1]!];
        lines.push(`${k}: ${k.toLowerCase() === 'host' ? up.host : v}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    const end = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', end);
    socket.on('error', end);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
        agent.destroy();
      }),
  };
}

describe.skipIf(!hasDocker || !hasChromium)('dashboard: switching to another cluster in Chromium', () => {
  let first: SkiffProcess;
  let second: SkiffProcess;
  let browser: Browser;
  let page: Page;
  let plain: Awaited<ReturnType<typeof plainClusterProxy>>;
  const dir = tempDir('skiff-kc-');
  const kubeconfig = path.join(dir, 'config');

  beforeAll(async () => {
    second = await startSkiff({ extraArgs: ['--ingress-port', '0', '--simulated-nodes', '1'] });
    const ns = await kubectl(second.kubeconfig, ['create', 'namespace', NS]);
    expect(ns.code, ns.stderr).toBe(0);
    const made = await kubectl(second.kubeconfig, ['apply', '-f', '-'], { input: podsYaml(2) });
    expect(made.code, made.stderr).toBe(0);
    const s = entry(second.kubeconfig, 'second');
    const caPem = Buffer.from(String(s.cluster.cluster['certificate-authority-data']), 'base64').toString();
    plain = await plainClusterProxy(String(s.cluster.cluster.server), caPem);
    // The same credentials (the second instance's token), over the proxy: no CA for plain HTTP.
    const p = {
      cluster: { name: 'plain', cluster: { server: plain.url } },
      user: { name: 'plain', user: s.user.user },
      context: { name: 'plain', context: { cluster: 'plain', user: 'plain' } },
    };
    // The first instance's own context is only known once it runs: give it a placeholder file
    // now and rewrite it (the dashboard server re-reads kubeconfig files when they change).
    const write = (extra?: ReturnType<typeof entry>) =>
      fs.writeFileSync(
        kubeconfig,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          'current-context': 'second',
          clusters: [s.cluster, p.cluster, ...(extra ? [extra.cluster] : [])],
          users: [s.user, p.user, ...(extra ? [extra.user] : [])],
          contexts: [s.context, p.context, ...(extra ? [extra.context] : [])],
        }),
        { mode: 0o600 },
      );
    write();
    first = await startSkiff({ extraArgs: ['--ingress-port', '0'], env: { KUBECONFIG: kubeconfig } });
    write(entry(first.kubeconfig, 'first'));
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
    page = await context.newPage();
    page.setDefaultTimeout(60_000);
    await page.goto(first.dashboardLoginUrl);
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await first?.destroy();
    await second?.destroy();
    await plain?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  async function go(hash: string): Promise<void> {
    await page.evaluate(
      (h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h),
      hash,
    );
  }

  /** The open dropdown (the selected value renders the same label inside the select itself). */
  const menu = () => page.locator('.n-base-select-menu');

  it('lists both contexts and shows the second cluster’s pods after switching', async () => {
    await go('#/pods');
    const select = page.getByTestId('cluster-select');
    await select.waitFor();
    await select.click();
    await menu().getByTestId('cluster-option-second').waitFor();
    await menu().getByTestId('cluster-option-first').waitFor();
    await menu().getByTestId('cluster-option-local').waitFor();
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'dashboard-clusters-switcher-light.png') });
    await menu().getByTestId('cluster-option-second').click();
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
    // All namespaces, so the other cluster's namespace needs no choosing.
    await eventually(
      async () => (await page.getByText(`far-away-${TAG}-0`).count()) > 0,
      60_000,
      'the second cluster’s pods on the Pods page',
    );
    await page.getByText(`far-away-${TAG}-1`).first().waitFor();
    // The second cluster is a Skiff too: the capability probe keeps its Skiff-only panels.
    await page.getByTestId('status-process').waitFor();
    await expect(page.getByTestId('cluster-select').innerText()).resolves.toContain('second');
    if (SHOTS) {
      await page.screenshot({ path: path.join(SHOTS, 'dashboard-clusters-pods-light.png') });
      await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; }' });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(SHOTS, 'dashboard-clusters-pods-dark.png') });
      await page.getByTestId('cluster-select').click();
      await menu().getByTestId('cluster-option-first').waitFor();
      await page.screenshot({ path: path.join(SHOTS, 'dashboard-clusters-switcher-dark.png') });
      await page.keyboard.press('Escape');
      await page.emulateMedia({ colorScheme: 'light' });
    }
    // Back to the local Skiff: the other cluster's pods are gone from the list.
    await page.getByTestId('cluster-select').click();
    await menu().getByTestId('cluster-option-local').click();
    await eventually(
      async () => (await page.getByText(`far-away-${TAG}-0`).count()) === 0,
      30_000,
      'the local cluster’s Pods page',
    );
  }, 180_000);

  it('works against a plain Kubernetes (no Skiff paths): pods, a pod, nodes; Skiff-only panels hide', async () => {
    await go('#/pods');
    await page.getByTestId('cluster-select').click();
    await menu().getByTestId('cluster-option-plain').click();
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
    await expect(page.getByTestId('cluster-select').innerText()).resolves.toContain('plain');
    await eventually(
      async () => (await page.getByText(`far-away-${TAG}-0`).count()) > 0,
      60_000,
      'the plain cluster’s pods on the Pods page',
    );
    // Skiff's process stats are not offered on a cluster that answers /skiff/ with 404.
    await eventually(
      async () => (await page.getByTestId('status-process').count()) === 0,
      20_000,
      'the status bar without Skiff’s process stats',
    );
    // A pod's page: its details (spec, status, events, YAML), no usage charts (kubelet history).
    await go(`#/pods/${NS}/far-away-${TAG}-1`);
    await page.getByText(`far-away-${TAG}-1`).first().waitFor();
    await page.getByText('Running').first().waitFor();
    expect(await page.getByTestId('pod-charts').count()).toBe(0);
    // The Nodes page lists the simulated node, without the kubelet-history charts.
    await go('#/nodes');
    await page.getByText('Ready').first().waitFor();
    await page.waitForTimeout(1500);
    expect(await page.locator('[data-testid^="node-charts-"]').count()).toBe(0);

    const skiffAsked = plain.seen.filter((r) => skiffOnly(r.url));
    // The capability probe is the one Skiff path the dashboard may ask for, and it got a 404.
    expect(skiffAsked.length, JSON.stringify(skiffAsked)).toBeGreaterThan(0);
    for (const r of skiffAsked)
      expect(r.url.split('?')[0], JSON.stringify(skiffAsked)).toBe('/skiff/v1/process');
    // Everything else is the Kubernetes API, and none of it failed on the server.
    const other = plain.seen.filter((r) => !skiffOnly(r.url));
    expect(other.length).toBeGreaterThan(3);
    for (const r of other) {
      expect(r.url, JSON.stringify(r)).toMatch(/^\/(api|apis|version|openapi|readyz|livez|healthz)(\/|\?|$)/);
      // The pod's log panel asks for its log; the pod is on a simulated node, which has no
      // kubelet endpoint: the API server answers that with a 500 Status, as kube-apiserver does
      // for a node it cannot reach. Anything else failing on the server is a fault.
      if (/\/pods\/far-away-[^/]+\/log\?/.test(r.url)) continue;
      expect(r.status, JSON.stringify(r)).toBeLessThan(500);
    }
    // The list and the watch went through (plain lists and watches, or WebSocket watches).
    expect(other.some((r) => /^\/api\/v1\/(namespaces\/[^/]+\/)?pods/.test(r.url))).toBe(true);
    await go('#/pods');
    await page.getByTestId('cluster-select').click();
    await menu().getByTestId('cluster-option-local').click();
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
  }, 180_000);
});
