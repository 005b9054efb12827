/**
 * Real kubectl against the real API server with Skiff's scheduler and controller manager (the
 * kubelet is played by writing pod status): `rollout status`, `rollout history`, `rollout undo`
 * (kubectl-wire G9), `scale`, `describe deployment` and `delete` as a user would run them.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { ControllerManager } from '../../../src-main/control-plane/controllers/controller-manager';
import { Scheduler } from '../../../src-main/control-plane/scheduler/scheduler';
import { startApi, type TestApi } from '../apiserver/helpers';
import { startFakeKubelet, type FakeKubelet } from '../helpers/fake-kubelet';
import { needTool } from '../../helpers/skips';

const run = promisify(execFile);
const hasKubectl = needTool(
  await run('kubectl', ['version', '--client'])
    .then(() => true)
    .catch(() => false),
  'kubectl is not on PATH (`kubectl version --client` failed)',
);

describe.skipIf(!hasKubectl)('kubectl rollout against Skiff controllers', () => {
  let t: TestApi;
  let cm: ControllerManager;
  let sched: Scheduler;
  let kubelet: FakeKubelet | undefined;
  let kubeconfig: string;

  const kubectl = async (...args: string[]) => {
    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 });
    return stdout;
  };

  beforeAll(async () => {
    t = await startApi();
    kubeconfig = path.join(t.dataDir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'skiff',
            cluster: { server: t.url, 'certificate-authority-data': Buffer.from(t.caPem).toString('base64') },
          },
        ],
        users: [{ name: 'skiff', user: { token: t.token } }],
        contexts: [{ name: 'skiff', context: { cluster: 'skiff', user: 'skiff', namespace: 'default' } }],
        'current-context': 'skiff',
      }),
      { mode: 0o600 },
    );
    await t.client.create(R.nodes, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
    } as KubeObject);
    const n = await t.client.get<KubeObject>(R.nodes, 'n1');
    await t.client.updateStatus(R.nodes, {
      ...n,
      status: {
        capacity: { cpu: '2', memory: '4Gi', pods: '110' },
        allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
      },
    });
    cm = new ControllerManager(t.client);
    sched = new Scheduler(t.client);
    cm.start();
    sched.start();
    kubelet = startFakeKubelet(t.client, 'n1');
  });

  afterAll(async () => {
    await kubelet?.stop();
    await cm?.stop();
    await sched?.stop();
    await t?.stop();
  });

  it('rollout status, history, undo, scale, describe and delete', async () => {
    const manifest = (image: string) =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'api' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'api' } },
          template: {
            metadata: { labels: { app: 'api' } },
            spec: {
              containers: [{ name: 'c', image, resources: { limits: { cpu: '100m', memory: '32Mi' } } }],
            },
          },
        },
      });
    const file = path.join(t.dataDir, 'deploy.json');
    writeFileSync(file, manifest('img:1'));
    await kubectl('apply', '-f', file);
    expect(await kubectl('rollout', 'status', 'deployment/api', '--timeout=20s')).toContain(
      'successfully rolled out',
    );

    writeFileSync(file, manifest('img:2'));
    await kubectl('apply', '-f', file);
    expect(await kubectl('rollout', 'status', 'deployment/api', '--timeout=20s')).toContain(
      'successfully rolled out',
    );
    const history = await kubectl('rollout', 'history', 'deployment/api');
    expect(history).toMatch(/^1\s/m);
    expect(history).toMatch(/^2\s/m);

    expect(await kubectl('rollout', 'undo', 'deployment/api')).toContain('rolled back');
    expect(await kubectl('rollout', 'status', 'deployment/api', '--timeout=20s')).toContain(
      'successfully rolled out',
    );
    const after = await kubectl('rollout', 'history', 'deployment/api');
    // Undo re-used revision 1's ReplicaSet: revisions are now 2 and 3, no new RS.
    expect(after).toMatch(/^2\s/m);
    expect(after).toMatch(/^3\s/m);
    expect(after).not.toMatch(/^1\s/m);
    expect((await kubectl('get', 'rs', '-o', 'name')).trim().split('\n')).toHaveLength(2);
    expect(
      await kubectl('get', 'deploy', 'api', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'),
    ).toBe('img:1');

    await kubectl('scale', 'deployment/api', '--replicas=5');
    expect(await kubectl('rollout', 'status', 'deployment/api', '--timeout=20s')).toContain(
      'successfully rolled out',
    );
    const describe = await kubectl('describe', 'deployment', 'api');
    if (process.env.SKIFF_TEST_LOG)
      console.log(
        describe,
        await kubectl('rollout', 'history', 'deployment/api'),
        await kubectl('get', 'rs', '-o', 'wide'),
      );
    expect(describe).toMatch(/NewReplicaSet:\s+api-\w+ \(5\/5 replicas created\)/);
    expect(describe).toMatch(/Available\s+True\s+MinimumReplicasAvailable/);
    expect(describe).toMatch(/Progressing\s+True\s+NewReplicaSetAvailable/);
    expect(describe).toMatch(/ScalingReplicaSet .*Scaled up replica set api-\w+ to 5 from 3/);

    await kubectl('delete', 'deployment', 'api', '--wait=true', '--timeout=20s');
    const deadline = Date.now() + 10_000;
    let left = '';
    do {
      left = (await kubectl('get', 'rs,pods', '-o', 'name')).trim();
      if (!left) break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    expect(left).toBe('');
  });
});
