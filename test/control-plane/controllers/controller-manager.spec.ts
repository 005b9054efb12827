import { afterEach, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { Deployment, KubeObject, Pod, ReplicaSet } from '../../../src-main/common/types';
import { ControllerManager } from '../../../src-main/control-plane/controllers/controller-manager';
import { Scheduler } from '../../../src-main/control-plane/scheduler/scheduler';
import { FakeApi, FakeClock, settle } from '../helpers/fake-api';

type D = Deployment & KubeObject;

/** Plays the kubelet: every bound pod not yet running becomes Running and Ready now. */
function kubelet(api: FakeApi, clock: FakeClock): number {
  let n = 0;
  for (const p of api.listObjects<Pod & KubeObject>(R.pods)) {
    if (!p.spec?.nodeName || p.status?.phase === 'Running' || p.metadata.deletionTimestamp) continue;
    api.mutate<Pod & KubeObject>(R.pods, p.metadata.namespace!, p.metadata.name!, (o) => {
      (o as any).status = {
        phase: 'Running',
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: new Date(clock.now()).toISOString() },
        ],
      };
    });
    n++;
  }
  return n;
}

async function until(api: FakeApi, clock: FakeClock, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !cond(); i++) {
    kubelet(api, clock);
    await settle();
  }
  expect(cond()).toBe(true);
}

describe('ControllerManager + Scheduler over one API', () => {
  let cm: ControllerManager | undefined;
  let sched: Scheduler | undefined;
  afterEach(async () => {
    await cm?.stop();
    await sched?.stop();
  });

  it('runs a deployment to completion, rolls it, and deletes it with its ReplicaSets and pods', async () => {
    const clock = new FakeClock();
    const api = new FakeApi(clock);
    api.seed(R.nodes, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      status: {
        allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    } as KubeObject);
    cm = new ControllerManager(api.client, { clock, holderIdentity: 'cm' });
    sched = new Scheduler(api.client, { clock, holderIdentity: 'sched' });
    cm.start();
    sched.start();
    await cm.waitForSync();
    await settle();
    expect(api.getObject<any>(R.leases, 'kube-system', 'kube-controller-manager')!.spec.holderIdentity).toBe(
      'cm',
    );

    await api.client.create(R.deployments, {
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
              { name: 'c', image: 'img:1', resources: { limits: { cpu: '100m', memory: '64Mi' } } },
            ],
          },
        },
      },
    } as D);
    const complete = () => {
      const d = api.getObject<D>(R.deployments, 'default', 'web')!;
      const s = d.status ?? {};
      return (
        s.observedGeneration === d.metadata.generation &&
        s.updatedReplicas === 3 &&
        s.replicas === 3 &&
        s.availableReplicas === 3
      );
    };
    await until(api, clock, complete);
    expect(api.listObjects<Pod & KubeObject>(R.pods).filter((p) => p.spec!.nodeName === 'n1')).toHaveLength(
      3,
    );

    await api.client.patch(R.deployments, 'web', 'default', {
      spec: { template: { spec: { containers: [{ name: 'c', image: 'img:2' }] } } },
    });
    await until(
      api,
      clock,
      () =>
        complete() &&
        api.listObjects<Pod & KubeObject>(R.pods).every((p) => p.spec!.containers[0].image === 'img:2'),
    );
    expect(
      api
        .listObjects<ReplicaSet & KubeObject>(R.replicasets)
        .map((r) => r.spec!.replicas)
        .sort(),
    ).toEqual([0, 3]);
    expect(
      api.getObject<D>(R.deployments, 'default', 'web')!.metadata.annotations![
        'deployment.kubernetes.io/revision'
      ],
    ).toBe('2');

    await api.client.delete(R.deployments, 'web', 'default');
    await until(
      api,
      clock,
      () => api.listObjects(R.replicasets).length === 0 && api.listObjects(R.pods).length === 0,
    );
  });
});
