/**
 * The dashboard in Chromium against a real `skiff serve` (real API server, scheduler,
 * controllers, kubelet and Docker): opens it with the token, sees the node Ready, sees a
 * Deployment applied with kubectl appear and its pods turn Running without a reload, reads a
 * log line on the pod page (and checks an HTML-looking line stays text), and deploys a locally
 * built image through the Deploy form. With SKIFF_SCREENSHOTS=1 it also writes 1280×800
 * screenshots (light and dark) of every page to docs/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser';
import { docker, dockerAvailable } from '../helpers/docker';
import { kubectl, startSkiff, type SkiffProcess } from '../helpers/skiff-process';

const hasDocker = dockerAvailable();
const hasChromium = chromiumAvailable();
const NS = `dash-${Date.now().toString(36)}`;
const SHOTS =
  process.env.SKIFF_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : undefined;
const WEB_IMAGE = 'skiff-test/web:e2e';

/** The page's globals this test touches (the test code is compiled without DOM types). */
interface Win {
  sessionStorage: { getItem(key: string): string | null };
  __noReload?: boolean;
  __xss?: number;
}

const helloYaml = `apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  namespace: ${NS}
spec:
  replicas: 2
  selector:
    matchLabels: { app: hello }
  template:
    metadata:
      labels: { app: hello }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: skiff-test/busybox:1
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "echo dashboard-e2e-line; echo '<img src=x onerror=\\"window.__xss=1\\">'; i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done"]
          resources:
            limits: { cpu: 100m, memory: 32Mi }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: crashy
  namespace: ${NS}
spec:
  replicas: 1
  selector:
    matchLabels: { app: crashy }
  template:
    metadata:
      labels: { app: crashy }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: skiff-test/busybox:1
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "echo about to fail; exit 3"]
`;

describe.skipIf(!hasDocker || !hasChromium)('dashboard in Chromium against serve mode', () => {
  let skiff: SkiffProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // A locally built image (no registry): busybox httpd serving /var/www on 8080.
    const dir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'skiff-web-'));
    fs.writeFileSync(
      path.join(dir, 'Dockerfile'),
      'FROM skiff-test/busybox:1\nCMD ["httpd", "-f", "-v", "-p", "8080", "-h", "/var/www"]\n',
    );
    docker('build', '-q', '-t', WEB_IMAGE, dir);
    skiff = await startSkiff();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    page = await context.newPage();
    page.setDefaultTimeout(60_000);
  });

  afterAll(async () => {
    await browser?.close();
    if (skiff) {
      // Skiff leaves running pods for the next start to adopt: delete this test's workloads and
      // wait for their pods to go before stopping it, so no containers outlive the test.
      await kubectl(skiff.kubeconfig, [
        'delete',
        'deployment',
        '-n',
        NS,
        '--all',
        '--wait=true',
        '--timeout=30s',
      ]);
      await kubectl(skiff.kubeconfig, ['wait', '--for=delete', 'pods', '--all', '-n', NS, '--timeout=30s']);
      await kubectl(skiff.kubeconfig, ['delete', 'namespace', NS, '--wait=false']);
      await skiff.destroy();
    }
    if (hasDocker) {
      // Belt and braces: anything still labelled with this test's namespace is removed.
      const left = docker('ps', '-aq', '--filter', `label=io.kubernetes.pod.namespace=${NS}`)
        .split('\n')
        .filter(Boolean);
      if (left.length) docker('rm', '-f', ...left);
    }
  });

  // A failing test leaves a picture of the page behind, to see what the user would have seen.
  beforeEach((ctx) => {
    onTestFailed(async () => {
      await page
        ?.screenshot({
          path: path.join(fs.realpathSync('/tmp'), `skiff-e2e-failed-${ctx.task.name.slice(0, 40)}.png`),
        })
        .catch(() => undefined);
    });
  });

  async function nav(label: string): Promise<void> {
    await page.locator('.n-menu').getByRole('link', { name: label, exact: true }).click();
  }

  async function shot(name: string): Promise<void> {
    if (!SHOTS) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    // Screenshots show the settled state: no colour transitions half-way between themes.
    await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; }' });
    await page.waitForTimeout(600);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }

  it('opens with the token from the URL fragment, hides it, and shows the node Ready', async () => {
    await page.goto(skiff.dashboardLoginUrl);
    await expect.poll(() => page.url()).not.toContain('token=');
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as Win).sessionStorage.getItem('skiff.token')))
      .toBe(skiff.token);
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
    // Overview: every control-plane component healthy, from readyz and leases.
    for (const id of ['store', 'apiserver', 'scheduler', 'controller-manager', 'kubelet', 'docker']) {
      await page.locator(`[data-testid="health-${id}"][data-state="healthy"]`).waitFor();
    }
    await nav('Nodes');
    const status = page.getByTestId('node-status').first();
    await expect.poll(() => status.textContent()).toContain('Ready');
    expect(await status.textContent()).not.toContain('NotReady');
  });

  it('asks for the token on a Connect page when opened without one, and rejects a wrong one', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    const p = await ctx.newPage();
    try {
      await p.goto(`${skiff.dashboardUrl}/#/pods`);
      await p.getByTestId('connect-page').waitFor();
      await p.getByTestId('connect-token').locator('input').fill('not-the-token');
      await p.getByTestId('connect-submit').click();
      await p.getByTestId('connect-error').waitFor();
      if (SHOTS) {
        await p.addStyleTag({ content: '*, *::before, *::after { transition: none !important; }' });
        for (const scheme of ['light', 'dark'] as const) {
          await p.emulateMedia({ colorScheme: scheme });
          await p.waitForTimeout(400);
          await p.screenshot({ path: path.join(SHOTS, `connect-${scheme}.png`) });
        }
      }
      await p.getByTestId('connect-token').locator('input').fill(skiff.token);
      await p.getByTestId('connect-submit').click();
      // Back where the user wanted to go.
      await expect.poll(() => p.url()).toContain('#/pods');
      await p.locator('h1', { hasText: 'Pods' }).waitFor();
    } finally {
      await ctx.close();
    }
  });

  it('shows a Deployment applied with kubectl and its pods turning Running, without a reload', async () => {
    await nav('Pods');
    await page.evaluate(() => ((globalThis as unknown as Win).__noReload = true));
    const applied = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: helloYaml });
    expect(applied.code, applied.stderr).toBe(0);
    const rows = page.locator('[data-testid^="pod-row-hello-"]');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(2);
    await expect
      .poll(
        async () =>
          (await rows.allTextContents()).filter((t) => t.includes('Running') && t.includes('1/1')).length,
        {
          timeout: 90_000,
          interval: 500,
        },
      )
      .toBe(2);
    // Same document all along: the marker set before the apply is still there.
    expect(await page.evaluate(() => (globalThis as unknown as Win).__noReload)).toBe(true);
    // A failing container is shown in red (Error / CrashLoopBackOff, as kubectl words it).
    const crashy = page.locator('[data-testid^="pod-row-crashy-"]');
    await expect
      .poll(async () => (await crashy.count()) === 1 && crashy.locator('[data-tone="error"]').count(), {
        timeout: 60_000,
      })
      .toBe(1);
    expect(await crashy.textContent()).toMatch(/Error|CrashLoopBackOff|ExitCode:3/);
    await shot('pods');

    await nav('Deployments');
    await page.locator('[data-testid="deployment-row-hello"]').waitFor();
    await shot('deployments');
  });

  it('shows the log line the container printed on the pod page, as text, and follows new lines', async () => {
    await nav('Pods');
    await page.locator('[data-testid^="pod-row-hello-"]').first().click();
    await page.getByTestId('pod-status').filter({ hasText: 'Running' }).waitFor();
    const view = page.getByTestId('log-view');
    await expect.poll(() => view.textContent(), { timeout: 30_000 }).toContain('dashboard-e2e-line');
    // The HTML-looking line is shown literally and never executed.
    expect(await view.textContent()).toContain('<img src=x onerror="window.__xss=1">');
    expect(await view.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as Win).__xss)).toBeUndefined();
    // Following: a newer tick than the ones already shown arrives without any action.
    const lastTick = async () =>
      Math.max(0, ...((await view.textContent()) ?? '').match(/tick \d+/g)!.map((t) => Number(t.slice(5))));
    const before = await lastTick();
    await expect.poll(lastTick, { timeout: 15_000 }).toBeGreaterThan(before);
    await page.getByTestId('log-state').filter({ hasText: 'Following' }).waitFor();
    // Search highlights in place (text only: the HTML-looking line matches as text too).
    await page.getByTestId('log-search').locator('input').fill('ONERROR');
    await expect.poll(() => page.getByTestId('log-matches').textContent()).toBe('1');
    expect(await view.locator('mark').allTextContents()).toEqual(['onerror']);
    expect(await view.locator('img').count()).toBe(0);
    await shot('pod');
    await page.getByTestId('log-search').locator('input').fill('');

    // A crash-looping container: the previous instance's output is one switch away.
    await nav('Pods');
    await page.locator('[data-testid^="pod-row-crashy-"]').click();
    // The switch appears once the kubelet has restarted the container (CrashLoopBackOff: 10 s+).
    await page.getByTestId('log-previous').click({ timeout: 90_000 });
    await page.getByTestId('log-state').filter({ hasText: 'Previous instance' }).waitFor();
    await expect.poll(() => view.textContent(), { timeout: 30_000 }).toContain('about to fail');
  }, 150_000);

  it('opens a pod’s logs in the drawer with one click from the pods list, over the page', async () => {
    await nav('Pods');
    const row = page.locator('[data-testid^="pod-row-hello-"]').first();
    await row.getByTestId('pod-logs-open').click();
    const drawer = page.getByTestId('log-drawer');
    await drawer.waitFor();
    // Still the pods list underneath: the drawer does not navigate.
    expect(page.url()).toMatch(/#\/pods$/);
    await expect
      .poll(() => drawer.getByTestId('log-view').textContent(), { timeout: 30_000 })
      .toContain('dashboard-e2e-line');
    expect(await drawer.getByTestId('log-view').locator('img').count()).toBe(0);
    await shot('pod-log-drawer');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
  });

  it('creates a Deployment with the Deploy form and its pods run', async () => {
    await nav('Deploy');
    await page.getByTestId('deploy-name').locator('input').fill('Bad_Name');
    await page.getByTestId('deploy-image').locator('input').fill(WEB_IMAGE);
    await page.getByText('Use lowercase letters only.').waitFor();
    await page.getByTestId('deploy-name').locator('input').fill('web-ui');
    // Namespace: a filterable select that accepts a typed value.
    await page.getByTestId('deploy-namespace').click();
    await page.keyboard.type(NS);
    await page.keyboard.press('Enter');
    await page.getByTestId('deploy-replicas').locator('input').fill('2');
    await page.getByTestId('deploy-port').locator('input').fill('8080');
    await page.getByTestId('deploy-cpu').locator('input').fill('200m');
    await page.getByTestId('deploy-memory').locator('input').fill('48Mi');
    await shot('deploy');
    await page.getByTestId('deploy-submit').click();
    await expect.poll(() => page.url()).toContain(`/deployments/${NS}/web-ui`);

    const rows = page.locator('[data-testid^="pod-row-web-ui-"]');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(2);
    await expect
      .poll(async () => (await rows.allTextContents()).filter((t) => t.includes('Running')).length, {
        timeout: 90_000,
        interval: 500,
      })
      .toBe(2);
    await expect
      .poll(() => page.getByTestId('deployment-ready').textContent(), { timeout: 60_000 })
      .toBe('2/2');
    await shot('deployment');

    // What the form sent is what the cluster has: labels, selector, port and limits.
    const got = await kubectl(skiff.kubeconfig, ['get', 'deployment', 'web-ui', '-n', NS, '-o', 'json']);
    const d = JSON.parse(got.stdout);
    expect(d.spec.selector.matchLabels).toEqual({ app: 'web-ui' });
    expect(d.spec.template.spec.containers[0]).toMatchObject({
      image: WEB_IMAGE,
      ports: [{ containerPort: 8080, protocol: 'TCP' }],
      resources: { limits: { cpu: '200m', memory: '48Mi' } },
    });

    // The pod page offers the published port; it serves the page from the image.
    await rows.first().click();
    const open = page.locator('[data-testid="open-port-8080/TCP"]');
    await open.waitFor({ timeout: 30_000 });
    const href = await open.getAttribute('href');
    expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const body = await (await fetch(href!)).text();
    expect(body).toContain('hello from skiff');
  });

  it('shows the events page, and a server error at the form readably', async () => {
    await nav('Events');
    await page.locator('.n-data-table-tr').nth(1).waitFor();
    await shot('events');
    // Warnings only: the crash-looping pod's BackOff is there, and nothing Normal.
    await page.getByTestId('events-type-warning').click();
    await page.locator('.n-data-table-tr', { hasText: 'crashy' }).first().waitFor({ timeout: 60_000 });
    const types = await page.locator('.n-data-table-tbody [data-tone]').allTextContents();
    expect(types.length).toBeGreaterThan(0);
    expect(types.every((t) => t.includes('Warning'))).toBe(true);
    // Grouped by object, with a link to the object's page.
    await page.getByTestId('events-view').getByText('By object').click();
    const group = page.locator('[data-testid^="event-group-Pod-crashy-"]').first();
    await group.waitFor();
    expect(await group.textContent()).toMatch(/warning/);
    await group.locator('a').click();
    await expect.poll(() => page.url()).toMatch(new RegExp(`#/pods/${NS}/crashy-`));

    await nav('Deploy');
    await page.getByTestId('deploy-name').locator('input').fill('web-ui');
    await page.getByTestId('deploy-namespace').click();
    await page.keyboard.type(NS);
    await page.keyboard.press('Enter');
    await page.getByTestId('deploy-image').locator('input').fill(WEB_IMAGE);
    await page.getByTestId('deploy-submit').click();
    const err = page.getByTestId('deploy-error');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/already exists/);

    // The Overview with workloads running (and the failing one among the warnings, if any).
    await nav('Overview');
    await expect.poll(() => page.getByTestId('stat-pods').textContent()).toMatch(/Running\s*[1-9]/);
    // Cluster CPU and memory: used (NodeMetrics), requested, limits, allocatable.
    await expect
      .poll(() => page.getByTestId('allocation-memory').textContent(), { timeout: 45_000 })
      .toMatch(/\d.*used.*requested.*limits.*allocatable/s);
    expect(await page.getByTestId('count-deployments').textContent()).toMatch(/Deployments\s*[1-9]/);
    await shot('overview');
    await nav('Nodes');
    await shot('nodes');
  });

  it('scales and deletes a Deployment from its page', async () => {
    await nav('Deployments');
    await page.locator('[data-testid="deployment-row-web-ui"]').click();
    await page.getByTestId('scale-input').locator('input').fill('3');
    await page.getByTestId('scale-apply').click();
    const rows = page.locator('[data-testid^="pod-row-web-ui-"]');
    await expect
      .poll(async () => (await rows.allTextContents()).filter((t) => t.includes('Running')).length, {
        timeout: 90_000,
      })
      .toBe(3);
    await expect
      .poll(() => page.getByTestId('deployment-ready').textContent(), { timeout: 60_000 })
      .toBe('3/3');

    await page.getByTestId('deployment-delete').click();
    await page.getByRole('button', { name: 'Delete', exact: true }).last().click();
    await expect.poll(() => page.url()).toMatch(/#\/deployments$/);
    await page.locator('[data-testid="deployment-row-web-ui"]').waitFor({ state: 'detached' });
    const gone = await kubectl(skiff.kubeconfig, ['get', 'deployment', 'web-ui', '-n', NS]);
    expect(gone.stderr).toMatch(/NotFound|not found/);
  });

  it('shows an API-unreachable banner when Skiff stops and recovers by itself when it is back', async () => {
    await nav('Pods');
    await page.evaluate(() => ((globalThis as unknown as Win).__noReload = true));
    const port = new URL(skiff.dashboardUrl).port;
    const apiPort = new URL(skiff.apiUrl).port;
    await skiff.stop();
    const banner = page.getByTestId('api-unreachable');
    await banner.waitFor({ timeout: 30_000 });
    await shot('unreachable');
    // Same data dir and ports: same token, same origin; running pods are adopted.
    skiff = await startSkiff({ dataDir: skiff.dataDir, extraArgs: ['--port', port, '--api-port', apiPort] });
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
    // Live again, in the same document: a scale made now shows up.
    const scaled = await kubectl(skiff.kubeconfig, [
      'scale',
      'deployment',
      'hello',
      '-n',
      NS,
      '--replicas=3',
    ]);
    expect(scaled.code, scaled.stderr).toBe(0);
    const rows = page.locator('[data-testid^="pod-row-hello-"]');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(3);
    expect(await page.evaluate(() => (globalThis as unknown as Win).__noReload)).toBe(true);
    // The restart may rebuild out/ first when sources changed since the first start.
  }, 150_000);
});
