import { afterEach, describe, expect, it } from 'vitest';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import type { Pod, ResourceQuota } from 'kubernetes-types/core/v1';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import {
  computeQuotaUsed,
  exceededBy,
  formatQuantity,
  milliValue,
  podUsage,
} from '../../../src-main/common/quota';
import { ResourceQuotaController } from '../../../src-main/control-plane/controllers/resourcequota-controller';
import {
  DisruptionController,
  pdbNumbers,
} from '../../../src-main/control-plane/controllers/disruption-controller';
import { setPodState, settle, setupController } from './helpers';

function pod(name: string, cpu?: string, mem?: string, extra: Partial<Pod['spec']> = {}): Pod & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'x',
          resources:
            cpu || mem
              ? {
                  requests: { ...(cpu ? { cpu } : {}), ...(mem ? { memory: mem } : {}) },
                  limits: { ...(mem ? { memory: mem } : {}) },
                }
              : {},
        },
      ],
      ...extra,
    },
  };
}

describe('quota usage (pure)', () => {
  it('parses and formats quantities exactly', () => {
    expect(milliValue('250m')).toBe(250);
    expect(milliValue('1.5')).toBe(1500);
    expect(milliValue('128Mi')).toBe(128 * 2 ** 20 * 1000);
    expect(formatQuantity(1250, false)).toBe('1250m');
    expect(formatQuantity(2000, false)).toBe('2');
    expect(formatQuantity(192 * 2 ** 20 * 1000, true)).toBe('192Mi');
    expect(formatQuantity(1500 * 1e6 * 1000, false)).toBe('1500M');
    expect(formatQuantity(0, true)).toBe('0');
  });

  it('sums pods (not terminal), compute requests/limits, init containers, services, claims and counts', () => {
    const quota: ResourceQuota = {
      spec: {
        hard: {
          pods: '10',
          'requests.cpu': '2',
          'requests.memory': '1Gi',
          'limits.memory': '2Gi',
          services: '5',
          'services.nodeports': '2',
          persistentvolumeclaims: '3',
          'requests.storage': '10Gi',
          configmaps: '10',
          'count/deployments.apps': '4',
        },
      },
    };
    const withInit = pod('i', '100m', '64Mi', {
      initContainers: [{ name: 'init', image: 'x', resources: { requests: { cpu: '1' } } }],
    });
    const done = { ...pod('d', '1'), status: { phase: 'Succeeded' } } as Pod;
    const used = computeQuotaUsed(
      quota,
      {
        pods: [pod('a', '250m', '128Mi'), pod('b', '500m'), withInit, done] as never[],
        services: [{ spec: { type: 'NodePort', ports: [{ port: 80 }] } }, { spec: {} }] as never[],
        persistentvolumeclaims: [{ spec: { resources: { requests: { storage: '1Gi' } } } }] as never[],
        configmaps: [{}, {}] as never[],
        'deployments.apps': [{}] as never[],
      },
      Date.now(),
    );
    expect(used).toEqual({
      pods: '3',
      'requests.cpu': '1750m',
      'requests.memory': '192Mi',
      'limits.memory': '192Mi',
      services: '2',
      'services.nodeports': '1',
      persistentvolumeclaims: '1',
      'requests.storage': '1Gi',
      configmaps: '2',
      'count/deployments.apps': '1',
    });
    // Admission: one more 1-CPU pod goes over requests.cpu.
    expect(exceededBy(quota, used, podUsage(pod('x', '1'), Object.keys(quota.spec!.hard!)))).toEqual([
      { resource: 'requests.cpu', requested: '1', used: '1750m', limited: '2' },
    ]);
    expect(exceededBy(quota, used, podUsage(pod('y', '100m'), Object.keys(quota.spec!.hard!)))).toEqual([]);
  });

  it('applies BestEffort / NotBestEffort scopes', () => {
    const q = (scopes: string[]): ResourceQuota => ({ spec: { hard: { pods: '9' }, scopes } });
    const pods = [pod('a', '1'), pod('b')] as never[];
    expect(computeQuotaUsed(q(['BestEffort']), { pods }, 0).pods).toBe('1');
    expect(computeQuotaUsed(q(['NotBestEffort']), { pods }, 0).pods).toBe('1');
    expect(computeQuotaUsed(q([]), { pods }, 0).pods).toBe('2');
  });
});

describe('ResourceQuotaController', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('writes status.hard and status.used, and recalculates when pods come and go', async () => {
    const s = await setupController((c, i, o) => new ResourceQuotaController(c, i, o));
    stop = s.stop;
    const { api, ctrl } = s;
    api.seed(R.pods, pod('a', '500m', '256Mi'));
    api.seed(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm', namespace: 'default' },
    });
    api.seed(R.resourcequotas, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q', namespace: 'default' },
      spec: { hard: { pods: '4', 'requests.cpu': '2', 'requests.memory': '1Gi', 'count/configmaps': '3' } },
    });
    await settle();
    expect(await ctrl.processKey('default/q')).toEqual({ requeueAfter: 300_000 });
    const st = () =>
      api.getObject<ResourceQuota & KubeObject>(R.resourcequotas, 'default', 'q')!.status ?? {};
    expect(st()).toEqual({
      hard: { pods: '4', 'requests.cpu': '2', 'requests.memory': '1Gi', 'count/configmaps': '3' },
      used: { pods: '1', 'requests.cpu': '500m', 'requests.memory': '256Mi', 'count/configmaps': '1' },
    });
    api.seed(R.pods, pod('b', '1', '256Mi'));
    await settle();
    expect(ctrl.queue.pending()).toContain('default/q');
    await ctrl.drain();
    expect(st().used).toMatchObject({ pods: '2', 'requests.cpu': '1500m', 'requests.memory': '512Mi' });
    setPodState(api, 'default', 'a', 'Succeeded');
    await settle();
    await ctrl.drain();
    expect(st().used).toMatchObject({ pods: '1', 'requests.cpu': '1' });
  });
});

describe('DisruptionController', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('computes desiredHealthy and disruptionsAllowed from minAvailable / maxUnavailable', () => {
    const pdb = (spec: PodDisruptionBudget['spec']): PodDisruptionBudget => ({ spec });
    expect(pdbNumbers(pdb({ minAvailable: 2 }), 3, 3)).toEqual({ desiredHealthy: 2, disruptionsAllowed: 1 });
    expect(pdbNumbers(pdb({ minAvailable: '50%' }), 3, 2)).toEqual({
      desiredHealthy: 2,
      disruptionsAllowed: 0,
    });
    expect(pdbNumbers(pdb({ maxUnavailable: 1 }), 4, 4)).toEqual({
      desiredHealthy: 3,
      disruptionsAllowed: 1,
    });
    expect(pdbNumbers(pdb({ maxUnavailable: '34%' }), 4, 4)).toEqual({
      desiredHealthy: 2,
      disruptionsAllowed: 2,
    });
  });

  it('writes the PDB status from the selected pods and their controllers’ scale', async () => {
    const s = await setupController((c, i, o) => new DisruptionController(c, i, o));
    stop = s.stop;
    const { api, ctrl } = s;
    const rs = api.seed<KubeObject>(R.replicasets, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-1', namespace: 'default' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } } },
    });
    for (const n of ['a', 'b']) {
      const p = pod(n);
      p.metadata.ownerReferences = [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: rs.metadata.uid!, controller: true },
      ];
      api.seed(R.pods, p);
      setPodState(api, 'default', n, 'Running', { ready: true });
    }
    api.seed(R.poddisruptionbudgets, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'default' },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } },
    });
    await settle();
    await ctrl.drain();
    const st = () =>
      api.getObject<PodDisruptionBudget & KubeObject>(R.poddisruptionbudgets, 'default', 'web')!.status!;
    expect(st()).toMatchObject({
      currentHealthy: 2,
      desiredHealthy: 2,
      expectedPods: 3,
      disruptionsAllowed: 0,
      observedGeneration: 1,
      conditions: [
        expect.objectContaining({ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' }),
      ],
    });
    api.seed(R.pods, {
      ...pod('c'),
      metadata: {
        ...pod('c').metadata,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: 'web-1',
            uid: rs.metadata.uid!,
            controller: true,
          },
        ],
      },
    });
    setPodState(api, 'default', 'c', 'Running', { ready: true });
    await settle();
    await ctrl.drain();
    expect(st()).toMatchObject({ currentHealthy: 3, disruptionsAllowed: 1 });
    expect(st().conditions?.[0]).toMatchObject({ status: 'True', reason: 'SufficientPods' });
  });
});
