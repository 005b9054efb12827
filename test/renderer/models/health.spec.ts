import { describe, expect, it } from 'vitest';
import type { Lease, Node } from '../../../src-renderer/models/kube';
import {
  apiServerHealth,
  dockerHealth,
  kubeletHealth,
  parseReadyz,
  schedulerHealth,
  storeHealth,
} from '../../../src-renderer/models/health';

const NOW = Date.parse('2026-01-01T00:01:00Z');

function lease(renewTime: string, duration = 40, ns = 'kube-system', name = 'kube-scheduler'): Lease {
  return {
    metadata: { name, namespace: ns },
    spec: { holderIdentity: 'skiff', renewTime, leaseDurationSeconds: duration },
  };
}

function node(ready: 'True' | 'False', reason?: string, message?: string): Node {
  return {
    metadata: { name: 'desktop' },
    status: {
      conditions: [{ type: 'Ready', status: ready, reason, message }],
      nodeInfo: { containerRuntimeVersion: 'docker://27.0.1' } as never,
    },
  };
}

describe('component health', () => {
  it('parses /readyz?verbose into API server and store health', () => {
    const body =
      '[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]poststarthook/start-informers ok\nreadyz check passed\n';
    const checks = parseReadyz(body);
    expect(checks.map((c) => c.name)).toEqual(['ping', 'log', 'etcd', 'poststarthook/start-informers']);
    const r = { reachable: true, httpStatus: 200, checks };
    expect(apiServerHealth(r).state).toBe('healthy');
    expect(storeHealth(r).state).toBe('healthy');
    const failing = parseReadyz('[+]ping ok\n[-]etcd failed: reason withheld\n');
    expect(storeHealth({ reachable: true, httpStatus: 500, checks: failing })).toMatchObject({
      state: 'down',
    });
    expect(apiServerHealth({ reachable: false, checks: [], error: 'Failed to fetch' })).toMatchObject({
      state: 'down',
      summary: 'Unreachable',
    });
  });

  it('treats a leader lease as healthy only while renewed within leaseDurationSeconds', () => {
    expect(schedulerHealth(lease('2026-01-01T00:00:50Z'), NOW, true).state).toBe('healthy');
    expect(schedulerHealth(lease('2026-01-01T00:00:00Z'), NOW, true)).toMatchObject({
      state: 'down',
      summary: 'Lease expired',
    });
    expect(schedulerHealth(undefined, NOW, true).state).toBe('down');
    expect(schedulerHealth(undefined, NOW, false).state).toBe('unknown');
  });

  it('combines the node lease and Ready condition for the kubelet, and reads Docker from the reason', () => {
    const nl = lease('2026-01-01T00:00:55Z', 40, 'kube-node-lease', 'desktop');
    expect(kubeletHealth(node('True'), nl, NOW, true).state).toBe('healthy');
    expect(
      kubeletHealth(node('True'), lease('2026-01-01T00:00:00Z', 40, 'kube-node-lease', 'desktop'), NOW, true)
        .state,
    ).toBe('down');
    const broken = node(
      'False',
      'ContainerRuntimeUnreachable',
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock',
    );
    expect(kubeletHealth(broken, nl, NOW, true).state).toBe('degraded');
    expect(dockerHealth(broken, true)).toMatchObject({
      state: 'down',
      detail: expect.stringContaining('docker.sock'),
    });
    expect(dockerHealth(node('True'), true)).toMatchObject({ state: 'healthy', detail: 'docker://27.0.1' });
  });
});
