import { afterEach, describe, expect, it } from 'vitest';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import { R } from '../../../src-main/common/resources';
import type { Deployment, KubeObject } from '../../../src-main/common/types';
import {
  HorizontalPodAutoscalerController,
  type PodMetrics,
} from '../../../src-main/control-plane/controllers/hpa-controller';
import { PersistentVolumeController } from '../../../src-main/control-plane/controllers/persistentvolume-controller';
import type { FakeApi } from '../helpers/fake-api';
import { setPodState, settle, setupController } from './helpers';

type HPA = HorizontalPodAutoscaler & KubeObject;
type PV = PersistentVolume & KubeObject;
type PVC = PersistentVolumeClaim & KubeObject;

describe('HorizontalPodAutoscalerController', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('scales on CPU utilization through /scale, holds scale-down for the stabilization window', async () => {
    let usage = '400m';
    const metrics = async (ns: string, sel: string): Promise<PodMetrics[]> => {
      expect(sel).toBe('app=web');
      return [
        { metadata: { name: 'w1', namespace: ns }, containers: [{ name: 'c', usage: { cpu: usage } }] },
        { metadata: { name: 'w2', namespace: ns }, containers: [{ name: 'c', usage: { cpu: usage } }] },
      ];
    };
    const s = await setupController(
      (c, i, o) => new HorizontalPodAutoscalerController(c, i, { ...o, metrics }),
    );
    stop = s.stop;
    const { api, clock, ctrl } = s;
    api.seed(R.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: {} },
    } as Deployment & KubeObject);
    for (const n of ['w1', 'w2']) {
      api.seed(R.pods, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: n, namespace: 'default', labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '200m' } } }] },
      });
      setPodState(api, 'default', n, 'Running', { ready: true });
    }
    api.seed(R.horizontalpodautoscalers, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
          },
        ],
      },
    });
    await settle();
    // 400m of 200m requested = 200 % against a 50 % target: 2 × 4 = 8, capped at 5.
    expect(await ctrl.reconcile('default/web')).toEqual({ requeueAfter: 15_000 });
    const replicas = () =>
      api.getObject<Deployment & KubeObject>(R.deployments, 'default', 'web')!.spec?.replicas;
    expect(replicas()).toBe(5);
    const hpa = () => api.getObject<HPA>(R.horizontalpodautoscalers, 'default', 'web')!;
    expect(hpa().status).toMatchObject({
      currentReplicas: 2,
      desiredReplicas: 5,
      lastScaleTime: expect.any(String),
      currentMetrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', current: { averageUtilization: 200, averageValue: '400m' } },
        },
      ],
    });
    const conds = Object.fromEntries((hpa().status?.conditions ?? []).map((c) => [c.type, c]));
    expect(conds.ScalingActive).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
    expect(conds.ScalingLimited).toMatchObject({ status: 'True', reason: 'TooManyReplicas' });
    expect(api.listObjects(R.events, 'default')[0]).toMatchObject({
      reason: 'SuccessfulRescale',
      message: 'New size: 5; reason: cpu resource utilization (percentage of request) above target',
    });

    // Load drops: the recommendation is 1, but the 5-minute scale-down window holds 5.
    usage = '20m';
    await settle();
    await clock.advance(15_000);
    await ctrl.reconcile('default/web');
    expect(replicas()).toBe(5);
    expect(hpa().status?.conditions?.find((c) => c.type === 'AbleToScale')).toMatchObject({
      reason: 'ScaleDownStabilized',
    });
    await clock.advance(300_000);
    await ctrl.reconcile('default/web');
    expect(replicas()).toBe(1);
  });

  it('limits scale-up by behavior policies over their period', async () => {
    const metrics = async (ns: string): Promise<PodMetrics[]> =>
      ['w1', 'w2'].map((n) => ({
        metadata: { name: n, namespace: ns },
        containers: [{ name: 'c', usage: { cpu: '1' } }],
      }));
    const s = await setupController(
      (c, i, o) => new HorizontalPodAutoscalerController(c, i, { ...o, metrics }),
    );
    stop = s.stop;
    const { api, clock, ctrl } = s;
    api.seed(R.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: {} },
    } as Deployment & KubeObject);
    for (const n of ['w1', 'w2']) {
      api.seed(R.pods, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: n, namespace: 'default', labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m' } } }] },
      });
      setPodState(api, 'default', n, 'Running', { ready: true });
    }
    api.seed(R.horizontalpodautoscalers, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        maxReplicas: 10,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
          },
        ],
        behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
      },
    });
    await settle();
    const replicas = () =>
      api.getObject<Deployment & KubeObject>(R.deployments, 'default', 'web')!.spec?.replicas;
    // 200 % of a 50 % target wants 8; one pod per minute is allowed.
    await ctrl.reconcile('default/web');
    expect(replicas()).toBe(3);
    await clock.advance(15_000);
    await ctrl.reconcile('default/web');
    expect(replicas()).toBe(3);
    await clock.advance(46_000);
    await ctrl.reconcile('default/web');
    expect(replicas()).toBe(4);
  });

  it('reports missing metrics as ScalingActive=False without scaling', async () => {
    const s = await setupController(
      (c, i, o) =>
        new HorizontalPodAutoscalerController(c, i, {
          ...o,
          metrics: async () => {
            throw new Error('the server could not find the requested resource');
          },
        }),
    );
    stop = s.stop;
    const { api, ctrl } = s;
    api.seed(R.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: {} },
    } as Deployment & KubeObject);
    api.seed(R.horizontalpodautoscalers, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'default' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 4 },
    });
    await settle();
    await ctrl.reconcile('default/web');
    const st = api.getObject<HPA>(R.horizontalpodautoscalers, 'default', 'web')!.status!;
    expect(st.desiredReplicas).toBe(2);
    expect(st.conditions?.find((c) => c.type === 'ScalingActive')).toMatchObject({
      status: 'False',
      reason: 'FailedGetResourceMetric',
    });
    expect(api.writesOf('update', 'deployments', 'scale')).toHaveLength(0);
  });
});

describe('PersistentVolumeController', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  function seedClass(api: FakeApi, reclaimPolicy = 'Delete') {
    api.seed(R.storageclasses, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'skiff.dev/local-volume',
      reclaimPolicy,
      volumeBindingMode: 'Immediate',
    });
  }
  const claim = (name: string, extra: Partial<PVC['spec']> = {}): PVC => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default', finalizers: ['kubernetes.io/pvc-protection'] },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...extra },
  });

  it('provisions pvc-<uid> naming the Docker volume, binds both ways, and deletes it with the claim (Delete)', async () => {
    const s = await setupController(
      (c, i, o) => new PersistentVolumeController(c, i, o),
      (api) => seedClass(api),
    );
    stop = s.stop;
    const { api, ctrl } = s;
    const c = api.seed(R.persistentvolumeclaims, claim('data', { storageClassName: 'standard' }));
    await settle();
    await ctrl.drain();
    const pvName = `pvc-${c.metadata.uid}`;
    const pv = api.getObject<PV>(R.persistentvolumes, '', pvName)!;
    expect(pv.spec).toMatchObject({
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'standard',
      csi: { driver: 'skiff.dev/local-volume', volumeHandle: `skiff-pvc-${c.metadata.uid}` },
      claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: c.metadata.uid },
    });
    expect(pv.metadata.annotations).toMatchObject({
      'pv.kubernetes.io/provisioned-by': 'skiff.dev/local-volume',
      'skiff.dev/docker-volume': `skiff-pvc-${c.metadata.uid}`,
    });
    expect(pv.status?.phase).toBe('Bound');
    const bound = api.getObject<PVC>(R.persistentvolumeclaims, 'default', 'data')!;
    expect(bound.spec?.volumeName).toBe(pvName);
    expect(bound.metadata.annotations).toMatchObject({
      'pv.kubernetes.io/bind-completed': 'yes',
      'volume.kubernetes.io/storage-provisioner': 'skiff.dev/local-volume',
    });
    expect(bound.status).toEqual({
      phase: 'Bound',
      accessModes: ['ReadWriteOnce'],
      capacity: { storage: '1Gi' },
    });

    // A pod uses it: deleting the claim waits (pvc-protection) until the pod is gone.
    api.seed(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'user', namespace: 'default' },
      spec: { containers: [], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] },
    });
    await settle();
    await api.client.delete(R.persistentvolumeclaims, 'data', 'default');
    await settle();
    await ctrl.drain();
    expect(api.getObject(R.persistentvolumeclaims, 'default', 'data')).toBeTruthy();
    api.remove(R.pods, 'default', 'user');
    await settle();
    await ctrl.drain();
    await settle();
    await ctrl.drain();
    expect(api.getObject(R.persistentvolumeclaims, 'default', 'data')).toBeUndefined();
    // Released, reclaim policy Delete: the PV goes (pv-protection lifted as it is no longer Bound).
    await settle();
    await ctrl.drain();
    await settle();
    await ctrl.drain();
    expect(api.getObject(R.persistentvolumes, '', pvName)).toBeUndefined();
  });

  it('binds a claim to a matching Available PV, and keeps a Retain volume Released', async () => {
    const s = await setupController(
      (c, i, o) => new PersistentVolumeController(c, i, o),
      (api) => seedClass(api),
    );
    stop = s.stop;
    const { api, ctrl } = s;
    api.seed(R.persistentvolumes, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'manual' },
      spec: {
        capacity: { storage: '5Gi' },
        accessModes: ['ReadWriteOnce', 'ReadOnlyMany'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        hostPath: { path: '/tmp/x' },
      },
      status: { phase: 'Available' },
    });
    const c = api.seed(R.persistentvolumeclaims, claim('static', { storageClassName: '' }));
    await settle();
    await ctrl.drain();
    expect(api.getObject<PV>(R.persistentvolumes, '', 'manual')!.spec?.claimRef?.uid).toBe(c.metadata.uid);
    expect(api.getObject<PVC>(R.persistentvolumeclaims, 'default', 'static')!.status?.phase).toBe('Bound');
    expect(api.listObjects(R.persistentvolumes)).toHaveLength(1);
    api.remove(R.persistentvolumeclaims, 'default', 'static');
    await settle();
    await ctrl.drain();
    expect(api.getObject<PV>(R.persistentvolumes, '', 'manual')!.status?.phase).toBe('Released');
  });
});
