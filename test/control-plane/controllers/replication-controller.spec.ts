// The ReplicationController controller (the ReplicaSet controller through the RC adapter) on the shared FakeApi: creates, adopts, scales down, reports status; in-memory only.
import { afterEach, describe, expect, it } from 'vitest';
import type { ReplicationController } from 'kubernetes-types/core/v1';
import { R } from '../../../src-main/common/resources';
import type { KubeObject, Pod } from '../../../src-main/common/types';
import { SharedInformers } from '../../../src-main/control-plane/client/controller';
import {
  ReplicationControllerController,
  replicationControllerAsReplicaSet,
} from '../../../src-main/control-plane/controllers/replication-controller';
import { FakeApi, FakeClock, settle } from '../helpers/fake-api';

type RC = ReplicationController & KubeObject;
type P = Pod & KubeObject;

function rc(name: string, replicas: number): RC {
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { app: 'web' },
      template: {
        metadata: { labels: { app: 'web', tier: 'fe' } },
        spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
      },
    },
  };
}

function orphan(name: string, labels: Record<string, string>): P {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: { nodeName: 'n', containers: [{ name: 'c', image: 'nginx:1' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(0).toISOString() }],
    },
  } as P;
}

describe('ReplicationControllerController', () => {
  let informers: SharedInformers | undefined;
  afterEach(() => informers?.stop());

  async function setup() {
    const clock = new FakeClock();
    const api = new FakeApi(clock);
    informers = new SharedInformers(api.client, { clock });
    const ctrl = new ReplicationControllerController(api.client, informers, { clock });
    informers.start();
    await informers.waitForSync();
    return { api, clock, ctrl };
  }

  it('sees the map selector as matchLabels', () => {
    expect(replicationControllerAsReplicaSet(rc('a', 1)).spec?.selector).toEqual({
      matchLabels: { app: 'web' },
    });
    const empty = rc('b', 1);
    empty.spec!.selector = {};
    expect(replicationControllerAsReplicaSet(empty).spec?.selector).toBeUndefined();
  });

  it('creates pods owned by the RC and reports its status', async () => {
    const { api, ctrl } = await setup();
    const r = api.seed(R.replicationcontrollers, rc('web', 3));
    await settle();
    api.clearWrites();
    await ctrl.reconcile('default/web');
    const creates = api.writesOf('create', 'pods');
    expect(creates).toHaveLength(3);
    for (const c of creates)
      expect(c.body.metadata).toMatchObject({
        generateName: 'web-',
        labels: { app: 'web', tier: 'fe' },
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'ReplicationController',
            name: 'web',
            uid: r.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      });
    expect(api.listObjects(R.events, 'default').filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(
      3,
    );
    await settle();
    await ctrl.reconcile('default/web');
    expect(api.writesOf('create', 'pods')).toHaveLength(3);
    expect(api.writesOf('update', 'replicationcontrollers', 'status').length).toBeGreaterThan(0);
    expect(api.getObject<RC>(R.replicationcontrollers, 'default', 'web')!.status).toMatchObject({
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 0,
      availableReplicas: 0,
      observedGeneration: 1,
    });
  });

  it('adopts matching orphans, deletes the surplus, and counts ready and fully labeled pods', async () => {
    const { api, ctrl } = await setup();
    api.seed(R.pods, orphan('a', { app: 'web', tier: 'fe' }));
    api.seed(R.pods, orphan('b', { app: 'web' }));
    api.seed(R.pods, orphan('c', { app: 'web', tier: 'fe' }));
    api.seed(R.pods, orphan('other', { app: 'db' }));
    const r = api.seed(R.replicationcontrollers, rc('web', 2));
    await settle();
    api.clearWrites();
    await ctrl.reconcile('default/web');
    expect(api.writesOf('create', 'pods')).toHaveLength(0);
    expect(api.writesOf('delete', 'pods')).toHaveLength(1);
    await settle();
    await ctrl.reconcile('default/web');
    const owned = api
      .listObjects<P>(R.pods, 'default')
      .filter((p) => p.metadata.ownerReferences?.[0]?.uid === r.metadata.uid);
    expect(owned).toHaveLength(2);
    expect(owned.every((p) => p.metadata.ownerReferences![0].kind === 'ReplicationController')).toBe(true);
    expect(api.getObject<P>(R.pods, 'default', 'other')!.metadata.ownerReferences).toBeUndefined();
    const status = api.getObject<RC>(R.replicationcontrollers, 'default', 'web')!.status!;
    expect(status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(status.fullyLabeledReplicas).toBe(owned.filter((p) => p.metadata.labels?.tier === 'fe').length);
  });
});
