/**
 * kill -9 of the real `skiff serve` process with 20 pods running, then a restart on the same
 * data directory: the kubelet adopts every container — 0 recreated, none orphaned.
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { docker, dockerAvailable, podContainers } from '../../helpers/docker';
import { removeManaged } from './helpers/docker';
import { kubectl, startSkiff, tempDir, type SkiffProcess } from '../../helpers/skiff-process';

const hasDocker = dockerAvailable();
const NS = `adopt-${Date.now().toString(36)}`;
const REPLICAS = 20;

const manifest = `apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: many, namespace: ${NS} }
spec:
  replicas: ${REPLICAS}
  selector: { matchLabels: { app: many } }
  template:
    metadata: { labels: { app: many } }
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: app
          image: skiff-test/busybox:1
          imagePullPolicy: IfNotPresent
          command: ["sleep", "3600"]
          resources: { requests: { cpu: 10m, memory: 8Mi }, limits: { memory: 32Mi } }
`;

describe.skipIf(!hasDocker)('Skiff killed with -9 and restarted', () => {
  const dataDir = tempDir('skiff-adopt-');
  let skiff: SkiffProcess | undefined;
  const filter = `label=io.kubernetes.pod.namespace=${NS}`;

  afterAll(async () => {
    let cluster = '';
    if (skiff) {
      // kube-system's uid names the cluster's Docker network and labels its network agent.
      cluster = (
        await kubectl(skiff.kubeconfig, ['get', 'namespace', 'kube-system', '-o', 'jsonpath={.metadata.uid}'])
      ).stdout;
      await kubectl(skiff.kubeconfig, ['delete', 'namespace', NS, '--wait=false']);
      await skiff.stop();
    }
    const left = podContainers(filter);
    if (left.length) docker('rm', '-f', ...left);
    if (cluster) await removeManaged(`skiff-${cluster}`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('adopts all 20 pods: the same containers before and after, nothing recreated', async () => {
    skiff = await startSkiff({ dataDir });
    const applied = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: manifest });
    expect(applied.code, applied.stderr).toBe(0);
    const w = await kubectl(
      skiff.kubeconfig,
      // rollout status waits for all replicas (a label wait would only see the pods existing yet).
      ['rollout', 'status', '-n', NS, 'deployment/many', '--timeout=150s'],
      { timeoutMs: 160_000 },
    );
    expect(w.code, w.stderr).toBe(0);
    const pods = await kubectl(skiff.kubeconfig, ['get', 'pods', '-n', NS, '--no-headers']);
    expect(pods.stdout.trim().split('\n')).toHaveLength(REPLICAS);
    const before = podContainers(filter);
    expect(before).toHaveLength(REPLICAS * 2);

    skiff.child.kill('SIGKILL');
    await skiff.stop();
    skiff = await startSkiff({ dataDir });
    const again = await kubectl(
      skiff.kubeconfig,
      ['rollout', 'status', '-n', NS, 'deployment/many', '--timeout=120s'],
      { timeoutMs: 130_000 },
    );
    expect(again.code, again.stderr).toBe(0);
    // Give the kubelet several relists and status rounds to do anything it would do.
    await new Promise((r) => setTimeout(r, 8_000));
    const after = podContainers(filter);
    expect(after).toEqual(before);
    const restarts = await kubectl(skiff.kubeconfig, [
      'get',
      'pods',
      '-n',
      NS,
      '-o',
      'jsonpath={range .items[*]}{.status.containerStatuses[0].restartCount}{" "}{end}',
    ]);
    expect(restarts.stdout.trim().split(' ')).toEqual(Array(REPLICAS).fill('0'));
    // The budget of the waits above (150 s + 120 s + 8 s), not a speed claim.
  }, 300_000);
});
