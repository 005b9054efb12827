import { afterEach, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject, Pod, ReplicaSet } from '../../../src-main/common/types';
import { SharedInformers } from '../../../src-main/control-plane/client/controller';
import {
  ReplicaSetController,
  comparePodsForDeletion,
} from '../../../src-main/control-plane/controllers/replicaset-controller';
import { FakeApi, FakeClock, settle } from '../helpers/fake-api';

type RS = ReplicaSet & KubeObject;
type P = Pod & KubeObject;

function rs(name: string, replicas: number, extra: Partial<RS['spec']> = {}): RS {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'fe' } },
        spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
      },
      ...extra,
    },
  };
}

function readyPod(
  name: string,
  owner: RS | undefined,
  opts: {
    node?: string;
    phase?: string;
    ready?: boolean;
    readySince?: number;
    created?: number;
    labels?: Record<string, string>;
  } = {},
): P {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels: opts.labels ?? { app: 'web', tier: 'fe' },
      creationTimestamp: opts.created ? new Date(opts.created).toISOString() : undefined,
      ownerReferences: owner
        ? [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: owner.metadata.name!,
              uid: owner.metadata.uid!,
              controller: true,
              blockOwnerDeletion: true,
            },
          ]
        : undefined,
    },
    spec: { nodeName: opts.node, containers: [{ name: 'c', image: 'nginx:1' }] },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: opts.ready
        ? [
            {
              type: 'Ready',
              status: 'True',
              lastTransitionTime: new Date(opts.readySince ?? 0).toISOString(),
            },
          ]
        : [],
    },
  } as P;
}

describe('ReplicaSetController', () => {
  let informers: SharedInformers | undefined;
  afterEach(() => informers?.stop());

  async function setup() {
    const clock = new FakeClock();
    const api = new FakeApi(clock);
    informers = new SharedInformers(api.client, { clock });
    const ctrl = new ReplicaSetController(api.client, informers, { clock });
    informers.start();
    await informers.waitForSync();
    return { api, clock, ctrl, informers };
  }

  it('creates missing pods from the template with a controller ownerReference, then reports status', async () => {
    const { api, ctrl } = await setup();
    const r = api.seed(R.replicasets, rs('web-abc', 3));
    await settle();
    api.clearWrites();
    await ctrl.reconcile('default/web-abc');
    const creates = api.writesOf('create', 'pods');
    expect(creates).toHaveLength(3);
    for (const c of creates) {
      expect(c.body.metadata).toMatchObject({
        generateName: 'web-abc-',
        labels: { app: 'web', tier: 'fe' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: 'web-abc',
            uid: r.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      });
      expect(c.body.spec.containers[0].image).toBe('nginx:1');
    }
    const pods = api.listObjects<P>(R.pods, 'default');
    expect(pods.every((p) => /^web-abc-[a-z0-9]{5}$/.test(p.metadata.name!))).toBe(true);
    expect(api.listObjects(R.events, 'default').filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(
      3,
    );
    await settle();
    // Second pass: pods are observed, nothing more to create; status says 3 replicas, 0 ready.
    api.clearWrites();
    await ctrl.reconcile('default/web-abc');
    expect(api.writesOf('create', 'pods')).toHaveLength(0);
    expect(api.getObject<RS>(R.replicasets, 'default', 'web-abc')!.status).toMatchObject({
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 0,
      availableReplicas: 0,
      observedGeneration: 1,
    });
  });

  it('never double-creates while its own creates are not yet observed (expectations)', async () => {
    const { api, ctrl, informers } = await setup();
    api.seed(R.replicasets, rs('web-abc', 2));
    await settle();
    // Freeze the caches: the creates below will not be seen by the informer.
    informers.stop();
    await ctrl.reconcile('default/web-abc');
    expect(api.writesOf('create', 'pods')).toHaveLength(2);
    expect(ctrl.expectations.pending('default/web-abc')).toEqual({ add: 2, del: 0 });
    // The stale cached RS may also make the status write conflict: that is a retry, not a create.
    await ctrl.processKey('default/web-abc');
    expect(api.writesOf('create', 'pods')).toHaveLength(2);
  });

  it('scales down unassigned, then pending, then not-ready pods before ready ones', async () => {
    const { api, clock, ctrl } = await setup();
    const r = api.seed(R.replicasets, rs('web-abc', 2));
    const t = clock.now();
    api.seed(
      R.pods,
      readyPod('ready-old', r, { node: 'n', ready: true, readySince: t - 60_000, created: t - 100_000 }),
    );
    api.seed(
      R.pods,
      readyPod('ready-new', r, { node: 'n', ready: true, readySince: t - 10_000, created: t - 50_000 }),
    );
    api.seed(R.pods, readyPod('unassigned', r, { phase: 'Pending' }));
    api.seed(R.pods, readyPod('pending', r, { node: 'n', phase: 'Pending' }));
    api.seed(R.pods, readyPod('notready', r, { node: 'n' }));
    await settle();
    api.clearWrites();
    await ctrl.reconcile('default/web-abc');
    expect(
      api
        .writesOf('delete', 'pods')
        .map((w) => w.name)
        .sort(),
    ).toEqual(['notready', 'pending', 'unassigned']);
    await settle();
    await ctrl.reconcile('default/web-abc');
    expect(
      api
        .listObjects<P>(R.pods)
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(['ready-new', 'ready-old']);
    expect(api.getObject<RS>(R.replicasets, 'default', 'web-abc')!.status).toMatchObject({
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    expect(
      api
        .listObjects(R.events)
        .filter((e) => e.reason === 'SuccessfulDelete')
        .map((e) => e.message)
        .sort(),
    ).toEqual(['Deleted pod: notready', 'Deleted pod: pending', 'Deleted pod: unassigned']);
    // Among ready pods, the most recently ready goes first.
    const [a, b] = [
      readyPod('a', r, { node: 'n', ready: true, readySince: 1000 }),
      readyPod('b', r, { node: 'n', ready: true, readySince: 5000 }),
    ];
    expect([a, b].sort(comparePodsForDeletion).map((p) => p.metadata.name)).toEqual(['b', 'a']);
  });

  it('adopts matching orphans, releases pods that stop matching, ignores pods being deleted and pods of others', async () => {
    const { api, ctrl } = await setup();
    const r = api.seed(R.replicasets, rs('web-abc', 2));
    api.seed(R.pods, readyPod('orphan', undefined, { node: 'n' }));
    api.seed(R.pods, readyPod('strayed', r, { node: 'n', labels: { app: 'other' } }));
    const other = { ...r, metadata: { ...r.metadata, name: 'x', uid: 'other-uid' } } as RS;
    api.seed(R.pods, readyPod('foreign', other, { node: 'n' }));
    api.seed(R.pods, {
      ...readyPod('dying', undefined, { node: 'n' }),
      metadata: { ...readyPod('dying', undefined).metadata, finalizers: ['x'] },
    } as P);
    api.client.delete(R.pods, 'dying', 'default');
    await settle();
    api.clearWrites();
    await ctrl.reconcile('default/web-abc');
    const orphan = api.getObject<P>(R.pods, 'default', 'orphan')!;
    expect(orphan.metadata.ownerReferences).toEqual([
      expect.objectContaining({ uid: r.metadata.uid, controller: true }),
    ]);
    expect(api.getObject<P>(R.pods, 'default', 'strayed')!.metadata.ownerReferences).toBeUndefined();
    expect(api.getObject<P>(R.pods, 'default', 'dying')!.metadata.ownerReferences).toBeUndefined();
    expect(api.getObject<P>(R.pods, 'default', 'foreign')!.metadata.ownerReferences![0].uid).toBe(
      'other-uid',
    );
    // One adopted pod + one new pod = 2.
    expect(api.writesOf('create', 'pods')).toHaveLength(1);
  });

  it('counts available replicas after minReadySeconds and asks to be requeued until then', async () => {
    const { api, clock, ctrl } = await setup();
    const r = api.seed(R.replicasets, rs('web-abc', 1, { minReadySeconds: 10 }));
    api.seed(R.pods, readyPod('p1', r, { node: 'n', ready: true, readySince: clock.now() - 4000 }));
    await settle();
    const res = await ctrl.reconcile('default/web-abc');
    expect(res).toEqual({ requeueAfter: 6001 });
    expect(api.getObject<RS>(R.replicasets, 'default', 'web-abc')!.status).toMatchObject({
      replicas: 1,
      readyReplicas: 1,
      availableReplicas: 0,
    });
    await clock.advance(7000);
    expect(await ctrl.reconcile('default/web-abc')).toBeUndefined();
    expect(api.getObject<RS>(R.replicasets, 'default', 'web-abc')!.status).toMatchObject({
      availableReplicas: 1,
    });
  });

  it('retries with backoff when pod creation fails and records ReplicaFailure', async () => {
    const { api, clock, ctrl } = await setup();
    api.seed(R.replicasets, rs('web-abc', 4));
    await settle();
    let fail = true;
    let attempts = 0;
    api.reactors.push((req, p) => {
      if (!fail || req.method !== 'POST' || p.type.plural !== 'pods') return undefined;
      attempts++;
      return {
        status: 403,
        headers: {},
        body: JSON.stringify({
          kind: 'Status',
          code: 403,
          reason: 'Forbidden',
          message: 'namespace is terminating',
        }),
      };
    });
    ctrl.queue.add('default/web-abc');
    await ctrl.drain();
    // slow start: one attempt, not four
    expect(attempts).toBe(1);
    expect(api.getObject<RS>(R.replicasets, 'default', 'web-abc')!.status!.conditions).toEqual([
      expect.objectContaining({ type: 'ReplicaFailure', reason: 'FailedCreate' }),
    ]);
    expect(ctrl.queue.numRequeues('default/web-abc')).toBe(1);
    fail = false;
    await clock.advance(5);
    await ctrl.drain();
    expect(api.listObjects(R.pods)).toHaveLength(4);
    await settle();
    await ctrl.reconcile('default/web-abc');
    expect(api.getObject<RS>(R.replicasets, 'default', 'web-abc')!.status!.conditions).toBeUndefined();
  });
});
