import { describe, expect, it } from 'vitest';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import {
  ControllerRefManager,
  controlledBy,
  resolveControllerRef,
  writeOwnerRefs,
} from '../../../src-main/control-plane/controllers/controller-ref-manager';
import { FakeApi } from '../helpers/fake-api';

// Table of ControllerRefManager.claim cases (upstream's controller_ref_manager_test.go): seed an
// owner ReplicaSet and some pods, claim, then assert on the result and on the API writes.

const selector = { matchLabels: { app: 'web' } };

function setup(ownerDeleting = false) {
  const api = new FakeApi();
  let owner = api.seed<KubeObject>(R.replicasets, {
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector, replicas: 1, template: { metadata: { labels: selector.matchLabels } } },
  });
  if (ownerDeleting)
    owner = api.mutate<KubeObject>(R.replicasets, 'default', 'web', (o) => {
      o.metadata = { ...o.metadata, deletionTimestamp: '2026-01-01T12:00:00Z', finalizers: ['foreground'] };
    });
  const ref: OwnerReference = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    name: 'web',
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
  const pod = (name: string, labels: Record<string, string>, ownerReferences?: OwnerReference[]) =>
    api.seed<KubeObject>(R.pods, { metadata: { name, namespace: 'default', labels, ownerReferences } });
  const manager = () =>
    new ControllerRefManager(api.client, {
      owner,
      ownerType: R.replicasets,
      childType: R.pods,
      selector,
    });
  return { api, owner, ref, pod, manager };
}

const names = (objs: KubeObject[]) => objs.map((o) => o.metadata.name);

describe('ControllerRefManager.claim', () => {
  it('keeps owned matching children and ignores those of another controller, without writing', async () => {
    const { api, ref, pod, manager } = setup();
    const mine = pod('mine', { app: 'web' }, [ref]);
    const theirs = pod('theirs', { app: 'web' }, [{ ...ref, name: 'other', uid: 'other-uid' }]);
    api.clearWrites();
    expect(names(await manager().claim([mine, theirs]))).toEqual(['mine']);
    expect(api.writes).toEqual([]);
  });

  it('adopts a matching orphan after re-reading the owner once, and leaves others alone', async () => {
    const { api, owner, pod, manager } = setup();
    const a = pod('a', { app: 'web' });
    const b = pod('b', { app: 'web' }, [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'cm' }]);
    const stranger = pod('stranger', { app: 'db' });
    api.clearWrites();
    let gets = 0;
    api.reactors.push((req, p) => {
      if (req.method === 'GET' && p.type === R.replicasets && p.name === 'web') gets++;
      return undefined;
    });
    const claimed = await manager().claim([a, b, stranger]);
    expect(names(claimed)).toEqual(['a', 'b']);
    expect(gets).toBe(1);
    expect(api.writesOf('update', 'pods').map((w) => w.name)).toEqual(['a', 'b']);
    const stored = api.getObject(R.pods, 'default', 'b')!;
    expect(stored.metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'cm' },
      expect.objectContaining({ kind: 'ReplicaSet', uid: owner.metadata.uid, controller: true }),
    ]);
    expect(api.getObject(R.pods, 'default', 'stranger')!.metadata.ownerReferences).toBeUndefined();
  });

  it('releases an owned child that no longer matches (its other references stay)', async () => {
    const { api, ref, pod, manager } = setup();
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'cm' };
    const relabelled = pod('relabelled', { app: 'other' }, [cm, ref]);
    const lone = pod('lone', { app: 'other' }, [ref]);
    expect(await manager().claim([relabelled, lone])).toEqual([]);
    expect(api.getObject(R.pods, 'default', 'relabelled')!.metadata.ownerReferences).toEqual([cm]);
    expect(api.getObject(R.pods, 'default', 'lone')!.metadata.ownerReferences).toBeUndefined();
  });

  it('an owner being deleted neither adopts nor releases, but keeps what it owns', async () => {
    const { api, ref, pod, manager } = setup(true);
    const kept = pod('kept', { app: 'web' }, [ref]);
    const stray = pod('stray', { app: 'other' }, [ref]);
    const orphan = pod('orphan', { app: 'web' });
    api.clearWrites();
    expect(names(await manager().claim([kept, stray, orphan]))).toEqual(['kept']);
    expect(api.writes).toEqual([]);
  });

  it('does not adopt a child that is being deleted', async () => {
    const { api, pod, manager } = setup();
    pod('leaving', { app: 'web' });
    const leaving = api.mutate<KubeObject>(R.pods, 'default', 'leaving', (o) => {
      o.metadata = { ...o.metadata, deletionTimestamp: '2026-01-01T12:00:00Z', finalizers: ['x'] };
    });
    api.clearWrites();
    expect(await manager().claim([leaving])).toEqual([]);
    expect(api.writes).toEqual([]);
  });

  it('does not adopt when the re-read owner was deleted and recreated (stale uid in the cache)', async () => {
    const { api, owner, pod, manager } = setup();
    const orphan = pod('orphan', { app: 'web' });
    api.remove(R.replicasets, 'default', 'web');
    api.seed(R.replicasets, { metadata: { name: 'web', namespace: 'default' }, spec: { selector } });
    expect(api.getObject(R.replicasets, 'default', 'web')!.metadata.uid).not.toBe(owner.metadata.uid);
    api.clearWrites();
    expect(await manager().claim([orphan])).toEqual([]);
    expect(api.writesOf('update')).toEqual([]);
  });

  it('does not adopt when the owner is gone, and skips a child deleted meanwhile', async () => {
    const gone = setup();
    const orphan = gone.pod('orphan', { app: 'web' });
    gone.api.remove(R.replicasets, 'default', 'web');
    expect(await gone.manager().claim([orphan])).toEqual([]);

    const { api, pod, manager } = setup();
    const vanished = pod('vanished', { app: 'web' });
    const present = pod('present', { app: 'web' });
    api.remove(R.pods, 'default', 'vanished');
    expect(names(await manager().claim([vanished, present]))).toEqual(['present']);
  });

  it('a conflicting adoption throws, so the reconcile retries', async () => {
    const { api, pod, manager } = setup();
    const stale = pod('stale', { app: 'web' });
    api.mutate(R.pods, 'default', 'stale', (o) => (o.metadata.labels = { app: 'web', v: '2' }));
    await expect(manager().claim([stale])).rejects.toMatchObject({ code: 409 });
  });
});

describe('resolveControllerRef', () => {
  const owner = { metadata: { name: 'web', namespace: 'default', uid: 'u1' } } as KubeObject;
  const cache = { get: (key: string) => (key === 'default/web' ? owner : undefined) };
  const child = (refs?: OwnerReference[], namespace = 'default') =>
    ({ metadata: { name: 'p', namespace, ownerReferences: refs } }) as KubeObject;
  const ref = (over: Partial<OwnerReference> = {}): OwnerReference => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    name: 'web',
    uid: 'u1',
    controller: true,
    ...over,
  });
  it.each([
    ['the controller it names, same uid', [ref()], 'default', true],
    ['no owner references', undefined, 'default', false],
    ['a reference that is not the controller', [ref({ controller: false })], 'default', false],
    ['a controller of another kind', [ref({ kind: 'Job' })], 'default', false],
    ['a stale uid (the owner was recreated)', [ref({ uid: 'old' })], 'default', false],
    ['an owner not in the cache', [ref({ name: 'gone' })], 'default', false],
    ['a child in another namespace', [ref()], 'other', false],
  ])('%s', (_what, refs, ns, found) => {
    expect(resolveControllerRef(cache, child(refs, ns), 'ReplicaSet')).toBe(found ? owner : undefined);
  });
  it('uses the reference it is given instead of the current one (an update moved the pod)', () => {
    expect(resolveControllerRef(cache, child([ref({ uid: 'new' })]), 'ReplicaSet', ref())).toBe(owner);
  });
});

describe('controlledBy', () => {
  it('keeps children in the owner namespace whose controller reference has its uid, in order', () => {
    const owner = { metadata: { name: 'web', namespace: 'default', uid: 'u1' } } as KubeObject;
    const c = (name: string, namespace: string, uid: string | undefined, controller = true) =>
      ({
        metadata: {
          name,
          namespace,
          ownerReferences: uid ? [{ apiVersion: 'v1', kind: 'X', name: 'web', uid, controller }] : undefined,
        },
      }) as KubeObject;
    const children = [
      c('b', 'default', 'u1'),
      c('elsewhere', 'other', 'u1'),
      c('theirs', 'default', 'u2'),
      c('orphan', 'default', undefined),
      c('not-controller', 'default', 'u1', false),
      c('a', 'default', 'u1'),
    ];
    expect(names(controlledBy(children, owner))).toEqual(['b', 'a']);
  });
});

describe('writeOwnerRefs', () => {
  it('replaces the references, drops the field when none is left, and answers undefined when gone', async () => {
    const { api, ref, pod } = setup();
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'cm' };
    const p = pod('p', { app: 'web' }, [cm]);
    const written = await writeOwnerRefs(api.client, R.pods, p, [cm, ref]);
    expect(written?.metadata.ownerReferences).toEqual([cm, ref]);
    expect(api.getObject(R.pods, 'default', 'p')!.metadata.ownerReferences).toEqual([cm, ref]);
    await writeOwnerRefs(api.client, R.pods, written!, []);
    expect(api.getObject(R.pods, 'default', 'p')!.metadata).not.toHaveProperty('ownerReferences');
    api.remove(R.pods, 'default', 'p');
    expect(await writeOwnerRefs(api.client, R.pods, written!, [cm])).toBeUndefined();
  });

  it('writes with the resourceVersion it was given: a stale copy conflicts', async () => {
    const { api, ref, pod } = setup();
    const p = pod('p', { app: 'web' });
    api.mutate(R.pods, 'default', 'p', (o) => (o.metadata.labels = { app: 'web', v: '2' }));
    await expect(writeOwnerRefs(api.client, R.pods, p, [ref])).rejects.toMatchObject({ code: 409 });
  });
});
