/**
 * "Any cluster from a kubeconfig" in Chromium: two `skiff serve` instances (separate data dirs);
 * a kubeconfig with two contexts — the second instance ("second", its token) and the first one
 * again ("first") — is given to the first instance as $KUBECONFIG. The first instance's dashboard
 * lists both contexts in the switcher; choosing "second" shows, on the Pods page, the pods made
 * there with kubectl (distinctive names, on a simulated node so no container is needed), and
 * none of the first cluster's own. With SKIFF_SCREENSHOTS=1 it writes light and dark
 * screenshots of the switcher to docs/screenshots/.
 */
import fs from 'node:fs';
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

describe.skipIf(!hasDocker || !hasChromium)('dashboard: switching to another cluster in Chromium', () => {
  let first: SkiffProcess;
  let second: SkiffProcess;
  let browser: Browser;
  let page: Page;
  const dir = tempDir('skiff-kc-');
  const kubeconfig = path.join(dir, 'config');

  beforeAll(async () => {
    second = await startSkiff({ extraArgs: ['--ingress-port', '0', '--simulated-nodes', '1'] });
    const ns = await kubectl(second.kubeconfig, ['create', 'namespace', NS]);
    expect(ns.code, ns.stderr).toBe(0);
    const made = await kubectl(second.kubeconfig, ['apply', '-f', '-'], { input: podsYaml(2) });
    expect(made.code, made.stderr).toBe(0);
    const s = entry(second.kubeconfig, 'second');
    // The first instance's own context is only known once it runs: give it a placeholder file
    // now and rewrite it (the dashboard server re-reads kubeconfig files when they change).
    const write = (extra?: ReturnType<typeof entry>) =>
      fs.writeFileSync(
        kubeconfig,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          'current-context': 'second',
          clusters: [s.cluster, ...(extra ? [extra.cluster] : [])],
          users: [s.user, ...(extra ? [extra.user] : [])],
          contexts: [s.context, ...(extra ? [extra.context] : [])],
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
});
