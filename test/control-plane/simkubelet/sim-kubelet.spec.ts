/**
 * Simulated nodes (`simulatedNodes`): Ready, labelled and tainted Node objects with Leases; pods
 * bound to them — seeded directly, or placed by the scheduler through nodeSelector + toleration —
 * are reported Running and Ready; a graceful delete removes the pod; ordinary pods stay off them.
 * A real in-process cluster (no Docker: kubelet off).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject, Lease, Node, Pod } from '../../../src-main/common/types';
import { isNotFound } from '../../../src-main/common/client/errors';
import { startCluster, type Cluster } from '../../../src-main/control-plane/cluster';
import {
  SIMULATED_LABEL,
  seedSimulatedPods,
  simulatedPlacement,
} from '../../../src-main/control-plane/simkubelet/index';

type PodObj = Pod & KubeObject;
let cluster: Cluster;
let dataDir: string;

async function until<T>(fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-sim-'));
  cluster = await startCluster({
    dataDir,
    store: 'memory://',
    kubelet: false,
    ingressPort: 0,
    nodeName: 'sim-host',
    simulatedNodes: 2,
  });
});
afterAll(async () => {
  await cluster?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('simulated nodes', () => {
  it('registers Ready nodes with capacity, the simulated label and taint, and node Leases', async () => {
    expect(cluster.simulatedNodes).toEqual(['skiff-sim-0', 'skiff-sim-1']);
    for (const name of cluster.simulatedNodes) {
      const node = await cluster.client.get<Node & KubeObject>(R.nodes, name);
      expect(node.metadata.labels?.[SIMULATED_LABEL]).toBe('true');
      expect(node.spec?.taints).toContainEqual({ key: SIMULATED_LABEL, value: 'true', effect: 'NoSchedule' });
      expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(node.status?.allocatable).toMatchObject({ cpu: '32', memory: '128Gi', pods: '10000' });
      const lease = await cluster.client.get<Lease & KubeObject>(R.leases, name, 'kube-node-lease');
      expect(lease.spec?.holderIdentity).toBe(name);
    }
  });

  it('reports seeded pods Running and Ready with an IP, and removes one deleted gracefully', async () => {
    const n = await seedSimulatedPods(cluster.client, {
      count: 200,
      nodes: cluster.simulatedNodes,
      namespace: 'seeded',
      concurrency: 16,
    });
    expect(n).toBe(200);
    const pods = await until(async () => {
      const list = await cluster.client.list<PodObj>(R.pods, { namespace: 'seeded' });
      const ready = list.items.filter(
        (p) =>
          p.status?.phase === 'Running' &&
          p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
          p.status.containerStatuses?.[0]?.ready,
      );
      return ready.length === 200 && list.items;
    }, 60_000);
    const ips = new Set(pods.map((p) => p.status!.podIP));
    expect(ips.size).toBe(200);
    expect(pods[0].status?.startTime).toBeTruthy();
    expect(new Set(pods.map((p) => p.spec!.nodeName))).toEqual(new Set(cluster.simulatedNodes));

    await cluster.client.delete(R.pods, 'sim-7', 'seeded');
    await until(async () => {
      try {
        await cluster.client.get(R.pods, 'sim-7', 'seeded');
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    });
  });

  it('the scheduler places pods with the selector and toleration on simulated nodes, and keeps others off', async () => {
    const mk = (name: string, sim: boolean): PodObj => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        ...(sim ? simulatedPlacement : {}),
        containers: [{ name: 'c', image: 'skiff-test/busybox:1' }],
      },
    });
    await cluster.client.create(R.pods, mk('on-sim', true), { namespace: 'default' });
    await cluster.client.create(R.pods, mk('plain', false), { namespace: 'default' });
    const placed = await until(async () => {
      const p = await cluster.client.get<PodObj>(R.pods, 'on-sim', 'default');
      return p.status?.phase === 'Running' && p;
    });
    expect(cluster.simulatedNodes).toContain(placed.spec?.nodeName);
    // No real node (kubelet off) and the simulated ones are tainted: the plain pod stays Pending.
    const plain = await until(async () => {
      const p = await cluster.client.get<PodObj>(R.pods, 'plain', 'default');
      return p.status?.conditions?.some((c) => c.reason === 'Unschedulable') && p;
    });
    expect(plain.spec?.nodeName).toBeUndefined();
    expect(plain.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toContain(
      'untolerated taint',
    );
  });
});
