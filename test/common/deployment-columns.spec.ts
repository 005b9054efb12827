// Unit tests of deploymentColumns (common/deployment-columns.ts) and of the API server's Deployment Table, which prints them.
import { describe, expect, it } from 'vitest';
import type { Deployment } from 'kubernetes-types/apps/v1';
import { deploymentColumns } from '../../src-main/common/deployment-columns';
import type { KubeObject } from '../../src-main/common/types';
import { deploymentStrategy } from '../../src-main/control-plane/apiserver/registry/apps/deployments';

const d = (replicas: number | undefined, status?: Deployment['status']): Deployment => ({
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
  },
  status,
});

describe('deploymentColumns', () => {
  it.each<[string, Deployment, ReturnType<typeof deploymentColumns>]>([
    [
      'a rollout half way',
      d(3, { readyReplicas: 2, updatedReplicas: 1, availableReplicas: 2 }),
      { ready: '2/3', readyReplicas: 2, desired: 3, upToDate: 1, available: 2 },
    ],
    ['no status yet', d(2), { ready: '0/2', readyReplicas: 0, desired: 2, upToDate: 0, available: 0 }],
    ['scaled to zero', d(0, {}), { ready: '0/0', readyReplicas: 0, desired: 0, upToDate: 0, available: 0 }],
    [
      'replicas unset: the default of 1',
      d(undefined),
      { ready: '0/1', readyReplicas: 0, desired: 1, upToDate: 0, available: 0 },
    ],
  ])('%s', (_what, dep, want) => {
    expect(deploymentColumns(dep)).toEqual(want);
  });
});

describe('the Deployment Table', () => {
  it('prints READY, UP-TO-DATE and AVAILABLE from deploymentColumns', () => {
    const table = deploymentStrategy.table!;
    expect(table.columns.slice(1, 4).map((c) => c.name)).toEqual(['Ready', 'Up-to-date', 'Available']);
    const obj = d(4, { readyReplicas: 3, updatedReplicas: 2, availableReplicas: 1 }) as unknown as KubeObject;
    expect(table.cells(obj, Date.now()).slice(0, 4)).toEqual(['web', '3/4', 2, 1]);
  });
});
