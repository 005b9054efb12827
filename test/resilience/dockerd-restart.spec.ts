/**
 * The Docker daemon itself stopping and coming back (issue 4, "Resilience"), with a real dockerd
 * — a private one this suite starts (test/helpers/private-dockerd.ts: own socket, data and exec
 * roots, pidfile, bridge) and stops and restarts by its pid, never the machine's shared engine.
 * Skiff's kubelet is pointed at it with --docker-socket. The node goes NotReady with the reason
 * while the engine is gone; when it returns, recovery is proven on the engine itself: the pods'
 * app containers are new (new IDs or a higher restartCount) and running in `docker ps`, not a
 * Running phase left over from before the outage. `npm test` runs it last and alone
 * (vitest.resilience.config.ts); it needs root and dockerd, and fails without them in CI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectl, startSkiff, type SkiffProcess } from '../helpers/skiff-process';
import { needTool } from '../helpers/skips';
import {
  privateDockerdUnsupported,
  startPrivateDockerd,
  type PrivateDockerd,
} from '../helpers/private-dockerd';

const unsupported = privateDockerdUnsupported();
const ready = needTool(!unsupported, `${unsupported} (for the private engine this suite stops and restarts)`);
const NS = `dockerd-${Date.now().toString(36)}`;

interface AppStatus {
  pod: string;
  containerId: string;
  restartCount: number;
  running: boolean;
}

describe.skipIf(!ready)('dockerd stopped and restarted under a running Skiff', () => {
  let engine: PrivateDockerd;
  let skiff: SkiffProcess;
  const kc = (args: string[], input?: string) => kubectl(skiff.kubeconfig, args, { input });

  /** The app container of each survivor pod, as the API reports it. */
  const statuses = async (): Promise<AppStatus[]> => {
    const r = await kc(['get', 'pods', '-n', NS, '-l', 'app=survivor', '-o', 'json']);
    const pods = (JSON.parse(r.stdout) as { items: any[] }).items;
    return pods.map((p) => {
      const cs = p.status?.containerStatuses?.[0] ?? {};
      return {
        pod: p.metadata.name,
        containerId: String(cs.containerID ?? '').replace(/^docker:\/\//, ''),
        restartCount: cs.restartCount ?? 0,
        running: p.status?.phase === 'Running' && !!cs.state?.running,
      };
    });
  };
  /** Running app containers of the namespace on the private engine (`docker ps`). */
  const runningOnEngine = () =>
    engine
      .docker(
        'ps',
        '-q',
        '--no-trunc',
        '--filter',
        `label=io.kubernetes.pod.namespace=${NS}`,
        '--filter',
        'label=io.kubernetes.container.name=app',
      )
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);

  beforeAll(async () => {
    engine = await startPrivateDockerd({ loadTestImages: true });
    skiff = await startSkiff({ extraArgs: ['--docker-socket', engine.socket] });
  }, 180_000);

  afterAll(async () => {
    await skiff?.stop();
    // Stopping our engine by its pid ends every container the suite created; then its folder goes.
    await engine?.remove();
  }, 180_000);

  it('marks the node NotReady while the engine is gone and runs the pods again, in new containers, when it returns', async () => {
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
    expect(apply.code, apply.stderr).toBe(0);
    const before = await eventually(
      async () => {
        const s = await statuses();
        return s.length === 2 && s.every((x) => x.running && x.containerId) && s;
      },
      90_000,
      '2 pods Running',
    );
    expect(runningOnEngine().sort()).toEqual(before.map((s) => s.containerId).sort());

    await engine.stop();
    expect(engine.up()).toBe(false);
    const node = await eventually(
      async () => {
        const r = await kc([
          'get',
          'nodes',
          '-o',
          'jsonpath={.items[0].status.conditions[?(@.type=="Ready")]}',
        ]);
        const cond = r.stdout ? JSON.parse(r.stdout) : undefined;
        return cond?.status === 'False' && cond;
      },
      60_000,
      'node NotReady',
    );
    expect(node.message).toMatch(/docker|runtime|engine/i);

    await engine.start();
    await eventually(
      async () => (await kc(['get', 'nodes', '--no-headers'])).stdout.includes(' Ready '),
      60_000,
      'node Ready again',
    );
    // Real recovery: each pod runs a container that is new since the outage (a new ID or a
    // higher restartCount), and that container is running on the engine right now.
    const after = await eventually(
      async () => {
        const s = await statuses();
        const onEngine = new Set(runningOnEngine());
        const recovered = s.every((x) => {
          const old = before.find((b) => b.pod === x.pod);
          const fresh = !old || x.containerId !== old.containerId || x.restartCount > old.restartCount;
          return x.running && fresh && onEngine.has(x.containerId);
        });
        return s.length === 2 && recovered && s;
      },
      120_000,
      'pods running again in new containers',
    );
    for (const a of after) expect(before.map((b) => b.containerId)).not.toContain(a.containerId);
    expect(runningOnEngine().sort()).toEqual(after.map((s) => s.containerId).sort());
    const logs = await kc(['logs', '-n', NS, 'deploy/survivor']);
    expect(logs.stdout).toContain('up');
  }, 400_000);
});
