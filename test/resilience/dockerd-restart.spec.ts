/**
 * The Docker daemon itself stopping and coming back (issue 4, "Resilience"), with a real dockerd:
 * the node goes NotReady with the reason while the engine is gone, and the pods run again when
 * it returns. It stops the machine's dockerd, so it runs alone, after every other suite
 * (`npm test` runs it last through vitest.resilience.config.ts), and only where the test may
 * restart the daemon itself: in CI (CI=true, root, dockerd started by .ci/run) or with
 * SKIFF_RESTART_DOCKERD=1.
 */
import { execSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable, podContainers, docker } from '../helpers/docker';
import { eventually, kubectl, startSkiff, type SkiffProcess } from '../helpers/skiff-process';

const mayRestart = process.env.CI === 'true' || process.env.SKIFF_RESTART_DOCKERD === '1';
const NS = `dockerd-${Date.now().toString(36)}`;

function dockerUp(): boolean {
  try {
    execSync('docker info', { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

function startDockerd(): void {
  const d = spawn('dockerd', [], { detached: true, stdio: 'ignore' });
  d.unref();
}

describe.runIf(mayRestart && dockerAvailable())('dockerd stopped and restarted under a running Skiff', () => {
  let skiff: SkiffProcess;
  const kc = (args: string[], input?: string) => kubectl(skiff.kubeconfig, args, { input });

  beforeAll(async () => {
    skiff = await startSkiff();
  }, 180_000);

  afterAll(async () => {
    if (!dockerUp()) {
      startDockerd();
      await eventually(() => dockerUp(), 60_000, 'dockerd back');
    }
    await kc(['delete', 'namespace', NS, '--wait=false']).catch(() => undefined);
    await skiff?.stop();
    for (const id of podContainers(`label=io.kubernetes.pod.namespace=${NS}`)) docker('rm', '-f', id);
  }, 120_000);

  it('marks the node NotReady while the engine is gone and recovers the pods when it returns', async () => {
    await kc(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${NS} }\n`);
    const apply = await kc(
      ['apply', '-f', '-'],
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: survivor, namespace: ${NS} }
spec:
  replicas: 2
  selector: { matchLabels: { app: survivor } }
  template:
    metadata: { labels: { app: survivor } }
    spec:
      containers:
        - name: app
          image: skiff-test/busybox:1
          command: ["sh", "-c", "echo up; while true; do sleep 1; done"]
`,
    );
    expect(apply.code).toBe(0);
    const running = async () => {
      const r = await kc(['get', 'pods', '-n', NS, '-l', 'app=survivor', '--no-headers']);
      const lines = r.stdout.trim().split('\n').filter(Boolean);
      return lines.length === 2 && lines.every((l) => /1\/1\s+Running/.test(l));
    };
    await eventually(running, 90_000, '2 pods Running');

    execSync('pkill -TERM -x dockerd');
    await eventually(() => !dockerUp(), 60_000, 'dockerd gone');
    const node = await eventually(
      async () => {
        const r = await kc([
          'get',
          'nodes',
          '-o',
          'jsonpath={.items[0].status.conditions[?(@.type=="Ready")]}',
        ]);
        const ready = r.stdout ? JSON.parse(r.stdout) : undefined;
        return ready?.status === 'False' && ready;
      },
      60_000,
      'node NotReady',
    );
    expect(node.message).toMatch(/docker|runtime|engine/i);

    startDockerd();
    await eventually(() => dockerUp(), 60_000, 'dockerd back');
    await eventually(
      async () => (await kc(['get', 'nodes', '--no-headers'])).stdout.includes(' Ready '),
      60_000,
      'node Ready again',
    );
    await eventually(running, 120_000, 'pods Running again');
    const logs = await kc(['logs', '-n', NS, 'deploy/survivor']);
    expect(logs.stdout).toContain('up');
  }, 400_000);
});
