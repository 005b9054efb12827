/**
 * Metrics with nothing installed: the kubelet samples Docker stats into /stats/summary and
 * /stats/history, the API server serves metrics.k8s.io/v1beta1 from them, and the real
 * `kubectl top pods|pods --containers|nodes` works against it (real Docker, real kubectl).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import { dockerAvailable, eventually } from './helpers/docker';
import { kubectlAvailable, startTestCluster, type TestCluster } from './helpers/cluster';

const ready = (await dockerAvailable()) && (await kubectlAvailable());
const IMAGE = 'skiff-test/busybox:1';

/** "123m" / "1" → millicores; "20Mi" / "2048Ki" → MiB (kubectl top's columns). */
const milli = (s: string) => (s.endsWith('m') ? Number(s.slice(0, -1)) : Number(s) * 1000);
const mebi = (s: string) =>
  s.endsWith('Mi') ? Number(s.slice(0, -2)) : s.endsWith('Ki') ? Number(s.slice(0, -2)) / 1024 : NaN;

describe.skipIf(!ready)('metrics: kubelet stats, metrics.k8s.io, kubectl top', () => {
  let t: TestCluster;
  let kubelet: string;

  beforeAll(async () => {
    t = await startTestCluster('metrics-node');
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'busy', labels: { app: 'busy' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          // A CPU burner capped at 100m (the machine is shared) and a 24 MB memory holder.
          {
            name: 'burn',
            image: IMAGE,
            command: ['sh', '-c', 'while :; do :; done'],
            resources: { limits: { cpu: '100m' } },
          },
          {
            name: 'hold',
            image: IMAGE,
            // tmpfs pages are charged to the writer's memory cgroup and count in its working set.
            command: ['sh', '-c', 'head -c 25165824 /dev/zero > /dev/shm/hold; sleep 3600'],
          },
        ],
      },
    };
    const r = await t.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
    expect(r.stderr).toBe('');
    const w = await t.kubectl(['wait', '--for=condition=Ready', 'pod/busy', '--timeout=90s'], {
      timeoutMs: 100_000,
    });
    expect(w.code, w.stderr).toBe(0);
    const node = await t.cluster.client.get<any>(R.nodes, 'metrics-node');
    kubelet = `http://127.0.0.1:${node.status.daemonEndpoints.kubeletEndpoint.Port}`;
  });
  afterAll(async () => {
    await t?.stop();
  });

  const kget = (path: string) =>
    fetch(`${kubelet}${path}`, { headers: { Authorization: `Bearer ${t.cluster.token}` } });

  it('kubelet /stats/summary has node and per-container usage in the Summary API shape', async () => {
    const summary = await eventually(
      async () => {
        const s = (await (await kget('/stats/summary')).json()) as any;
        const p = s.pods.find((x: any) => x.podRef.name === 'busy');
        const hold = p?.containers.find((c: any) => c.name === 'hold');
        return p?.containers.length === 2 && s.node.cpu && hold.memory.workingSetBytes > 20 << 20
          ? s
          : undefined;
      },
      30_000,
      250,
    );
    expect(summary.node).toMatchObject({ nodeName: 'metrics-node' });
    expect(summary.node.cpu.usageNanoCores).toBeGreaterThan(0);
    expect(summary.node.memory.workingSetBytes).toBeGreaterThan(0);
    const pod = summary.pods.find((x: any) => x.podRef.name === 'busy');
    expect(pod.podRef).toMatchObject({ namespace: 'default' });
    const hold = pod.containers.find((c: any) => c.name === 'hold');
    expect(hold.memory.workingSetBytes).toBeGreaterThan(20 * 1024 * 1024);
    expect(pod.memory.workingSetBytes).toBeGreaterThanOrEqual(hold.memory.workingSetBytes);
    expect(typeof pod.cpu.usageCoreNanoSeconds).toBe('number');
    expect(await kget('/stats/summary').then((r) => r.status)).toBe(200);
    expect((await fetch(`${kubelet}/stats/summary`)).status).toBe(401);
  });

  it('kubectl top pods / --containers / nodes read metrics.k8s.io', async () => {
    const pods = await eventually(
      async () => {
        const r = await t.kubectl(['top', 'pods', '--no-headers']);
        return r.code === 0 && r.stdout.includes('busy') ? r.stdout : undefined;
      },
      40_000,
      500,
    );
    const [, cpu, mem] = pods.trim().split(/\s+/);
    expect(milli(cpu!)).toBeGreaterThan(20);
    expect(milli(cpu!)).toBeLessThan(200);
    expect(mebi(mem!)).toBeGreaterThan(20);

    const byContainer = await t.kubectl(['top', 'pods', '--containers', '--no-headers', '-l', 'app=busy']);
    expect(byContainer.code, byContainer.stderr).toBe(0);
    const rows = byContainer.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    expect(rows.map((r) => r[1]).sort()).toEqual(['burn', 'hold']);
    expect(milli(rows.find((r) => r[1] === 'burn')![2]!)).toBeGreaterThan(20);
    expect(mebi(rows.find((r) => r[1] === 'hold')![3]!)).toBeGreaterThan(20);

    const nodes = await t.kubectl(['top', 'nodes', '--no-headers']);
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout).toMatch(/^metrics-node\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);

    const resources = await t.kubectl(['api-resources', '--api-group=metrics.k8s.io', '--no-headers']);
    expect(resources.stdout).toMatch(/^nodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics$/m);
    expect(resources.stdout).toMatch(/^pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics$/m);

    const none = await t.kubectl(['top', 'pods', '-l', 'app=nothing']);
    expect(none.stderr).toContain('No resources found');
    const api = await t.kubectl([
      'get',
      '--raw',
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/busy',
    ]);
    expect(JSON.parse(api.stdout)).toMatchObject({
      kind: 'PodMetrics',
      metadata: { name: 'busy', namespace: 'default' },
      window: '10s',
    });
    const missing = await t.kubectl([
      'get',
      '--raw',
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope',
    ]);
    expect(missing.stderr).toContain('NotFound');
  });

  it('keeps a per-container and per-pod history for the dashboard', async () => {
    const h = await eventually(
      async () => {
        const body = (await (await kget('/stats/history?namespace=default&pod=busy')).json()) as any;
        return body.series?.find((s: any) => s.name === 'pod')?.points.length >= 2 ? body : undefined;
      },
      40_000,
      500,
    );
    expect(h.intervalSeconds).toBe(10);
    expect(h.series.map((s: any) => s.name).sort()).toEqual(['burn', 'hold', 'pod']);
    const pts = h.series.find((s: any) => s.name === 'pod').points;
    expect(pts[pts.length - 1]).toMatchObject({
      t: expect.any(Number),
      cpu: expect.any(Number),
      memory: expect.any(Number),
    });
    const node = (await (await kget('/stats/history')).json()) as any;
    expect(node.series[0].name).toBe('node');
    expect((await kget('/stats/history?namespace=default&pod=nope')).status).toBe(404);
  });
});
