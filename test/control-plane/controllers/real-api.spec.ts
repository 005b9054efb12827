/**
 * The scheduler and controller manager against the real API server (HTTPS, real store) instead
 * of the fake: a kubelet is played by writing pod status. Checks what the fake cannot: the
 * server's defaulting, status subresource, binding, finalizers and JSON patches as kubectl
 * sends them for `rollout undo`.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isNotFound } from '../../../src-main/common/client/errors';
import { createLogger } from '../../../src-main/common/logger';
import { R } from '../../../src-main/common/resources';
import type { Deployment, KubeObject, Pod, ReplicaSet } from '../../../src-main/common/types';
import { ControllerManager } from '../../../src-main/control-plane/controllers/controller-manager';
import { Scheduler } from '../../../src-main/control-plane/scheduler/scheduler';
import { startApi, type TestApi } from '../apiserver/helpers';
import { startFakeKubelet, type FakeKubelet } from '../helpers/fake-kubelet';

type D = Deployment & KubeObject;
type RS = ReplicaSet & KubeObject;
type P = Pod & KubeObject;

describe('controllers and scheduler against the real API server', () => {
  let t: TestApi;
  let cm: ControllerManager;
  let sched: Scheduler;
  let kubelet: FakeKubelet | undefined;

  beforeAll(async () => {
    t = await startApi();
    await t.client.create(R.nodes, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } },
    } as KubeObject);
    const n = await t.client.get<KubeObject>(R.nodes, 'n1');
    await t.client.updateStatus(R.nodes, {
      ...n,
      status: {
        capacity: { cpu: '2', memory: '4Gi', pods: '110' },
        allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            lastHeartbeatTime: new Date().toISOString(),
          },
        ],
      },
    });
    const logger = createLogger(
      (level, c, msg, f) => process.env.SKIFF_TEST_LOG && console.log(level, c, msg, f ?? ''),
      'debug',
    );
    cm = new ControllerManager(t.client, { logger });
    sched = new Scheduler(t.client, { logger });
    cm.start();
    sched.start();
    // The "kubelet": bound pods become Running and Ready.
    kubelet = startFakeKubelet(t.client, 'n1');
  });

  afterAll(async () => {
    await kubelet?.stop();
    await cm?.stop();
    await sched?.stop();
    await t?.stop();
  });

  const get = (name: string) => t.client.get<D>(R.deployments, name, 'default');
  const complete = async (name: string, n: number) => {
    const d = await get(name);
    const s = d.status ?? {};
    expect(s.observedGeneration).toBe(d.metadata.generation);
    expect([s.updatedReplicas, s.replicas, s.availableReplicas]).toEqual([n, n, n]);
    return d;
  };
  const wait = { timeout: 15_000, interval: 50 };

  it('runs, rolls, undoes and deletes a deployment', async () => {
    await t.client.create(R.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'c',
                image: 'img:1',
                ports: [{ containerPort: 80 }],
                resources: { limits: { cpu: '100m', memory: '64Mi' } },
              },
            ],
          },
        },
      },
    } as D);
    await vi.waitFor(() => complete('web', 3), wait);
    const d1 = await get('web');
    expect(d1.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(d1.status!.conditions!.map((c) => `${c.type}/${c.reason}`).sort()).toEqual([
      'Available/MinimumReplicasAvailable',
      'Progressing/NewReplicaSetAvailable',
    ]);

    await t.client.patch(
      R.deployments,
      'web',
      'default',
      { spec: { template: { spec: { containers: [{ name: 'c', image: 'img:2' }] } } } },
      'strategic',
    );
    await vi.waitFor(async () => {
      const d = await complete('web', 3);
      expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
      const pods = await t.client.list<P>(R.pods, { namespace: 'default', labelSelector: 'app=web' });
      expect(
        pods.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec!.containers[0].image),
      ).toEqual(['img:2', 'img:2', 'img:2']);
    }, wait);

    // kubectl rollout undo: a JSON patch with the old RS template minus the hash label.
    const rsList = await t.client.list<RS>(R.replicasets, { namespace: 'default', labelSelector: 'app=web' });
    expect(rsList.items).toHaveLength(2);
    const v1 = rsList.items.find(
      (r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === '1',
    )!;
    const tmpl = structuredClone(v1.spec!.template!) as any;
    delete tmpl.metadata.labels['pod-template-hash'];
    tmpl.metadata.creationTimestamp = null;
    tmpl.spec.containers[0].resources = tmpl.spec.containers[0].resources ?? {};
    const cur = await get('web');
    await t.client.patch(
      R.deployments,
      'web',
      'default',
      [
        { op: 'replace', path: '/spec/template', value: tmpl },
        { op: 'replace', path: '/metadata/annotations', value: cur.metadata.annotations },
      ],
      'json',
    );
    await vi.waitFor(async () => {
      const d = await complete('web', 3);
      expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    }, wait);
    const after = await t.client.list<RS>(R.replicasets, { namespace: 'default', labelSelector: 'app=web' });
    expect(after.items).toHaveLength(2);
    expect(
      after.items.find((r) => r.metadata.uid === v1.metadata.uid)!.metadata.annotations?.[
        'deployment.kubernetes.io/revision'
      ],
    ).toBe('3');

    await t.client.delete(R.deployments, 'web', 'default');
    await vi.waitFor(async () => {
      expect((await t.client.list(R.replicasets, { namespace: 'default' })).items).toHaveLength(0);
      expect(
        (await t.client.list(R.pods, { namespace: 'default', labelSelector: 'app=web' })).items,
      ).toHaveLength(0);
    }, wait);
    await expect(get('web')).rejects.toSatisfy(isNotFound);
    if (process.env.SKIFF_TEST_LOG) {
      const ev = await t.client.list(R.events, { namespace: 'default' });
      for (const e of ev.items)
        console.log('EVENT', (e.involvedObject as any).kind, e.reason, e.message, e.count);
    }
  });

  it('leaves a pod too big for the node Pending with a FailedScheduling event', async () => {
    await t.client.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'huge', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'img:1', resources: { requests: { cpu: '64' } } }] },
    } as P);
    const msg =
      '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
    await vi.waitFor(async () => {
      const p = await t.client.get<P>(R.pods, 'huge', 'default');
      expect(p.spec!.nodeName).toBeFalsy();
      expect(p.status!.conditions).toContainEqual(
        expect.objectContaining({
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: msg,
        }),
      );
      const ev = await t.client.list(R.events, {
        namespace: 'default',
        fieldSelector: 'involvedObject.name=huge',
      });
      expect(ev.items.map((e) => `${e.type} ${e.reason} ${e.message}`)).toContain(
        `Warning FailedScheduling ${msg}`,
      );
    }, wait);
  });

  it('keeps both component leases renewed', async () => {
    for (const name of ['kube-scheduler', 'kube-controller-manager']) {
      const l = await t.client.get<any>(R.leases, name, 'kube-system');
      expect(l.spec).toMatchObject({
        leaseDurationSeconds: 15,
        holderIdentity: expect.any(String),
        renewTime: expect.any(String),
      });
    }
  });
});
