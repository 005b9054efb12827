import { afterEach, describe, expect, it } from 'vitest';
import { R, type ResourceType } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { SharedInformers } from '../../../src-main/control-plane/client/controller';
import { GarbageCollector } from '../../../src-main/control-plane/controllers/garbage-collector';
import { FakeApi, FakeClock, settle } from '../helpers/fake-api';

function obj(type: ResourceType, name: string, owner?: KubeObject, block = true): KubeObject {
  return {
    apiVersion: type.group ? `${type.group}/${type.version}` : type.version,
    kind: type.kind,
    metadata: {
      name,
      namespace: 'default',
      ownerReferences: owner
        ? [
            {
              apiVersion: owner.apiVersion!,
              kind: owner.kind!,
              name: owner.metadata.name!,
              uid: owner.metadata.uid!,
              controller: true,
              blockOwnerDeletion: block,
            },
          ]
        : undefined,
    },
    spec: type === R.pods ? { containers: [{ name: 'c', image: 'x' }] } : {},
  };
}

describe('GarbageCollector', () => {
  let informers: SharedInformers | undefined;
  afterEach(() => informers?.stop());

  async function setup() {
    const clock = new FakeClock();
    const api = new FakeApi(clock);
    informers = new SharedInformers(api.client, { clock });
    const gc = new GarbageCollector(api.client, informers, { clock });
    informers.start();
    await informers.waitForSync();
    /** Runs the GC until its queue is empty and the informers are quiet. */
    const run = async () => {
      for (let i = 0; i < 20; i++) {
        await settle();
        if (!(await gc.drain()).length) break;
      }
    };
    return { api, clock, gc, run };
  }

  const names = (api: FakeApi, t: ResourceType) =>
    api
      .listObjects(t, 'default')
      .map((o) => o.metadata.name)
      .sort();

  it('deletes dependents whose owner is gone, down the chain (Background), and keeps ones with live owners', async () => {
    const { api, run } = await setup();
    const d = api.seed(R.deployments, obj(R.deployments, 'web'));
    const rs = api.seed(R.replicasets, obj(R.replicasets, 'web-abc', d));
    api.seed(R.pods, obj(R.pods, 'web-abc-1', rs));
    api.seed(R.pods, obj(R.pods, 'web-abc-2', rs));
    const other = api.seed(R.replicasets, obj(R.replicasets, 'other'));
    api.seed(R.pods, obj(R.pods, 'other-1', other));
    await run();
    expect(api.writesOf('delete')).toHaveLength(0);
    // kubectl delete deployment (Background): the deployment goes at once.
    await api.client.delete(R.deployments, 'web', 'default');
    await run();
    expect(names(api, R.replicasets)).toEqual(['other']);
    expect(names(api, R.pods)).toEqual(['other-1']);
    const del = api.writesOf('delete', 'replicasets')[0];
    expect(del.body).toMatchObject({
      propagationPolicy: 'Background',
      preconditions: { uid: rs.metadata.uid },
    });
  });

  it('treats an owner with the same name but another uid as gone', async () => {
    const { api, run } = await setup();
    const rs = api.seed(R.replicasets, obj(R.replicasets, 'web-abc'));
    api.seed(R.pods, obj(R.pods, 'p', rs));
    await run();
    api.remove(R.replicasets, 'default', 'web-abc');
    api.seed(R.replicasets, obj(R.replicasets, 'web-abc'));
    await run();
    expect(names(api, R.pods)).toEqual([]);
    expect(names(api, R.replicasets)).toEqual(['web-abc']);
  });

  it('drops a dangling reference when another owner is alive', async () => {
    const { api, run } = await setup();
    const a = api.seed(R.replicasets, obj(R.replicasets, 'a'));
    const b = api.seed(R.replicasets, obj(R.replicasets, 'b'));
    const p = obj(R.pods, 'p', a);
    p.metadata.ownerReferences = [
      ...p.metadata.ownerReferences!,
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: b.metadata.uid! },
    ];
    api.seed(R.pods, p);
    await run();
    api.remove(R.replicasets, 'default', 'a');
    await run();
    expect(api.getObject(R.pods, 'default', 'p')!.metadata.ownerReferences!.map((r) => r.name)).toEqual([
      'b',
    ]);
  });

  it('foreground deletion removes dependents first (blocking ones block), then the owner', async () => {
    const { api, run } = await setup();
    const d = api.seed(R.deployments, obj(R.deployments, 'web'));
    const rs = api.seed(R.replicasets, obj(R.replicasets, 'web-abc', d));
    api.seed(R.pods, obj(R.pods, 'p1', rs));
    // A pod that the kubelet is still stopping: it holds a finalizer of its own for now.
    const slow = obj(R.pods, 'p2', rs);
    slow.metadata.finalizers = ['example.com/slow'];
    api.seed(R.pods, slow);
    await run();
    await api.client.delete(R.deployments, 'web', 'default', { propagationPolicy: 'Foreground' });
    await run();
    // The RS waits (foreground) for p2; the deployment waits for the RS.
    expect(names(api, R.pods)).toEqual(['p2']);
    expect(api.getObject(R.replicasets, 'default', 'web-abc')!.metadata.finalizers).toEqual([
      'foregroundDeletion',
    ]);
    expect(api.getObject(R.deployments, 'default', 'web')!.metadata.deletionTimestamp).toBeDefined();
    api.mutate(R.pods, 'default', 'p2', (o) => ((o.metadata as any).finalizers = []));
    api.remove(R.pods, 'default', 'p2');
    await run();
    expect(names(api, R.pods)).toEqual([]);
    expect(names(api, R.replicasets)).toEqual([]);
    expect(names(api, R.deployments)).toEqual([]);
  });

  it('orphan deletion strips the ownerReference from dependents, then lets the owner go', async () => {
    const { api, run } = await setup();
    const rs = api.seed(R.replicasets, obj(R.replicasets, 'web-abc'));
    api.seed(R.pods, obj(R.pods, 'p1', rs));
    api.seed(R.pods, obj(R.pods, 'p2', rs));
    await run();
    await api.client.delete(R.replicasets, 'web-abc', 'default', { propagationPolicy: 'Orphan' });
    await run();
    expect(names(api, R.replicasets)).toEqual([]);
    expect(names(api, R.pods)).toEqual(['p1', 'p2']);
    for (const p of api.listObjects(R.pods)) expect(p.metadata.ownerReferences).toBeUndefined();
  });
});
