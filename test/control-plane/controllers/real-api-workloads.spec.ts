/**
 * The issue-3 controllers against the real API server (HTTPS, real store, real defaulting and
 * validation) instead of the fake: namespace deletion through the finalize subresource,
 * PVCs bound by the bootstrap `standard` StorageClass, StatefulSet claims, Endpoints and the
 * default ServiceAccount from the full ControllerManager; CronJob → Job → pods with an injected
 * clock, so the schedule fires without waiting a minute. A "kubelet" is played by writing pod
 * status.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiError, isNotFound } from '../../../src-main/common/client/errors';
import { R } from '../../../src-main/common/resources';
import type { KubeObject, Pod } from '../../../src-main/common/types';
import { SharedInformers } from '../../../src-main/control-plane/client/controller';
import { ControllerManager } from '../../../src-main/control-plane/controllers/controller-manager';
import { CronJobController } from '../../../src-main/control-plane/controllers/cronjob-controller';
import { discoverNamespacedResources } from '../../../src-main/control-plane/controllers/namespace-controller';
import { JobController } from '../../../src-main/control-plane/controllers/job-controller';
import { FakeClock } from '../helpers/fake-api';
import { startApi, type TestApi } from '../apiserver/helpers';

type P = Pod & KubeObject;
const wait = { timeout: 20_000, interval: 50 };

/** Marks pods Running+Ready with an IP (or Succeeded for Job pods), as a kubelet would. */
async function playKubelet(t: TestApi, ns: string): Promise<void> {
  const pods = await t.client.list<P>(R.pods, { namespace: ns });
  let ip = 10;
  for (const p of pods.items) {
    ip++;
    if (p.metadata.deletionTimestamp) {
      await t.client.delete(R.pods, p.metadata.name!, ns, { gracePeriodSeconds: 0 }).catch(() => undefined);
      continue;
    }
    if (p.status?.phase === 'Running' || p.status?.phase === 'Succeeded') continue;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const isJob = !!p.metadata.labels?.['batch.kubernetes.io/job-name'];
    await t.client
      .updateStatus(R.pods, {
        ...p,
        status: {
          ...p.status,
          phase: isJob ? 'Succeeded' : 'Running',
          podIP: `10.1.0.${ip}`,
          conditions: [{ type: 'Ready', status: isJob ? 'False' : 'True', lastTransitionTime: now }],
        },
      })
      .catch(() => undefined);
  }
}

describe('issue-3 controllers against the real API server', () => {
  let t: TestApi;
  let cm: ControllerManager;

  beforeAll(async () => {
    t = await startApi();
    cm = new ControllerManager(t.client, { leaseRenewIntervalMs: 60_000 });
    cm.start();
    await cm.waitForSync();
  });
  afterAll(async () => {
    await cm?.stop();
    await t?.stop();
  });

  it('discovers every namespaced, deletable resource (preferred versions) for namespace deletion', async () => {
    const types = await discoverNamespacedResources(t.client);
    const ids = types.map((x) =>
      x.group ? `${x.plural}.${x.group}/${x.version}` : `${x.plural}/${x.version}`,
    );
    expect(ids).toEqual(
      expect.arrayContaining([
        'pods/v1',
        'configmaps/v1',
        'jobs.batch/v1',
        'statefulsets.apps/v1',
        'horizontalpodautoscalers.autoscaling/v2',
      ]),
    );
    expect(ids).not.toContain('namespaces/v1');
    expect(ids.filter((i) => i.startsWith('horizontalpodautoscalers.'))).toHaveLength(1);
  });

  it('gives a new namespace its default ServiceAccount; deleting it is Terminating until emptied, then gone', async () => {
    await t.client.create(R.namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'doomed' },
    });
    await vi.waitFor(() => t.client.get(R.serviceaccounts, 'default', 'doomed'), wait);
    await t.client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'doomed', finalizers: ['example.com/hold'] },
      data: { a: 'b' },
    });
    await t.client.create(R.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'doomed' },
      stringData: { k: 'v' },
    });
    // A Job's pods carry the job-tracking finalizer: the namespace must still empty out.
    await t.client.create(R.jobs, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'work', namespace: 'doomed' },
      spec: {
        parallelism: 2,
        completions: 4,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
    await vi.waitFor(async () => {
      const pods = await t.client.list<P>(R.pods, { namespace: 'doomed' });
      expect(pods.items).toHaveLength(2);
      expect(pods.items[0].metadata.finalizers).toEqual(['batch.kubernetes.io/job-tracking']);
    }, wait);
    const marked = await t.client.delete(R.namespaces, 'doomed');
    expect(marked.status).toMatchObject({ phase: 'Terminating' });
    // The held ConfigMap keeps the namespace Terminating, with conditions saying why.
    await vi.waitFor(async () => {
      const ns = await t.client.get<KubeObject>(R.namespaces, 'doomed');
      const conds =
        (ns.status as { conditions?: { type: string; status: string; message?: string }[] }).conditions ?? [];
      expect(conds.find((c) => c.type === 'NamespaceFinalizersRemaining')).toMatchObject({
        status: 'True',
        message:
          'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
      });
    }, wait);
    await expect(t.client.get(R.secrets, 's', 'doomed')).rejects.toSatisfy(isNotFound);
    const refused = await t.client
      .create(R.configmaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'late', namespace: 'doomed' },
      })
      .catch((e: ApiError) => e);
    expect((refused as ApiError).code).toBe(403);
    await vi.waitFor(async () => {
      expect((await t.client.list(R.pods, { namespace: 'doomed' })).items).toHaveLength(0);
      expect((await t.client.list(R.jobs, { namespace: 'doomed' })).items).toHaveLength(0);
    }, wait);
    await t.client.patch(R.configmaps, 'cfg', 'doomed', { metadata: { finalizers: null } }, 'merge');
    await vi.waitFor(() => expect(t.client.get(R.namespaces, 'doomed')).rejects.toSatisfy(isNotFound), wait);
  });

  it('binds a PVC through the default StorageClass and a StatefulSet gets claims, stable pods and Endpoints', async () => {
    await t.client.create(R.persistentvolumeclaims, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'solo', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    await vi.waitFor(async () => {
      const c = await t.client.get<KubeObject>(R.persistentvolumeclaims, 'solo', 'default');
      expect(c.status).toMatchObject({ phase: 'Bound', capacity: { storage: '1Gi' } });
      const pv = await t.client.get<KubeObject>(R.persistentvolumes, `pvc-${c.metadata.uid}`);
      expect(pv.spec).toMatchObject({
        csi: { volumeHandle: `skiff-pvc-${c.metadata.uid}` },
        storageClassName: 'standard',
      });
      expect(pv.status).toMatchObject({ phase: 'Bound' });
    }, wait);

    await t.client.create(R.services, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db', namespace: 'default' },
      spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] },
    });
    await t.client.create(R.statefulsets, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        replicas: 2,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'c', image: 'img:1' }] },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    });
    await vi.waitFor(async () => {
      await playKubelet(t, 'default');
      const s = await t.client.get<KubeObject>(R.statefulsets, 'db', 'default');
      expect(s.status).toMatchObject({ replicas: 2, readyReplicas: 2, updatedReplicas: 2 });
    }, wait);
    for (const n of [0, 1]) {
      const c = await t.client.get<KubeObject>(R.persistentvolumeclaims, `data-db-${n}`, 'default');
      await vi.waitFor(async () => {
        const cc = await t.client.get<KubeObject>(R.persistentvolumeclaims, `data-db-${n}`, 'default');
        expect(cc.status).toMatchObject({ phase: 'Bound' });
      }, wait);
      expect(c.metadata.labels).toEqual({ app: 'db' });
    }
    await vi.waitFor(async () => {
      const ep = await t.client.get<KubeObject>(R.endpoints, 'db', 'default');
      const addrs = (ep.subsets as { addresses?: { hostname?: string }[] }[])[0].addresses ?? [];
      expect(addrs.map((a) => a.hostname).sort()).toEqual(['db-0', 'db-1']);
    }, wait);
    const revs = await t.client.list(R.controllerrevisions, {
      namespace: 'default',
      labelSelector: 'app=db',
    });
    expect(revs.items).toHaveLength(1);
  });

  it('fires a CronJob on the injected clock; its Job completes and is recorded', async () => {
    const clock = new FakeClock(Date.now());
    const informers = new SharedInformers(t.client);
    const cron = new CronJobController(t.client, informers, { clock });
    const jobs = new JobController(t.client, informers, { clock });
    informers.start();
    await informers.waitForSync();
    cron.start();
    jobs.start();
    try {
      await t.client.create(R.cronjobs, {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'tick', namespace: 'default' },
        spec: {
          schedule: '*/1 * * * *',
          jobTemplate: {
            spec: {
              template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
            },
          },
        },
      });
      await vi.waitFor(() => expect(cron.queue.delayedUntil('default/tick')).toBeDefined(), wait);
      expect((await t.client.list(R.jobs, { namespace: 'default' })).items).toHaveLength(0);
      await clock.advance(61_000);
      await vi.waitFor(async () => {
        await playKubelet(t, 'default');
        const list = await t.client.list<KubeObject>(R.jobs, { namespace: 'default' });
        expect(list.items).toHaveLength(1);
        const conds =
          (list.items[0].status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
        expect(conds.find((c) => c.type === 'Complete')?.status).toBe('True');
      }, wait);
      await vi.waitFor(async () => {
        const cj = await t.client.get<KubeObject>(R.cronjobs, 'tick', 'default');
        expect(cj.status).toMatchObject({
          lastScheduleTime: expect.any(String),
          lastSuccessfulTime: expect.any(String),
        });
        expect((cj.status as { active?: unknown[] }).active).toBeUndefined();
      }, wait);
    } finally {
      informers.stop();
      await cron.stop();
      await jobs.stop();
    }
  });
});
