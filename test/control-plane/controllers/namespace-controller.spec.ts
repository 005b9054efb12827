import { afterEach, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject, Namespace } from '../../../src-main/common/types';
import { NamespaceController } from '../../../src-main/control-plane/controllers/namespace-controller';
import { ServiceAccountController } from '../../../src-main/control-plane/controllers/serviceaccount-controller';
import { TtlAfterFinishedController } from '../../../src-main/control-plane/controllers/ttl-after-finished-controller';
import { settle, setupController } from './helpers';

type Ns = Namespace & KubeObject;

describe('NamespaceController', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('empties a Terminating namespace of every kind, waits for what remains, then finalizes it', async () => {
    const s = await setupController(
      (c, i, o) => new NamespaceController(c, i, { ...o, contentRemainingDelayMs: 5000 }),
    );
    stop = s.stop;
    const { api, ctrl } = s;
    api.seed(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tmp' } });
    api.seed(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'tmp' },
      spec: { containers: [] },
    });
    api.seed(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', namespace: 'tmp', finalizers: ['example.com/hold'] },
    });
    api.seed(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'other', namespace: 'default' },
      spec: { containers: [] },
    });
    await settle();
    // Not being deleted: nothing happens.
    await ctrl.reconcile('tmp');
    expect(api.writesOf('delete')).toHaveLength(0);

    await api.client.delete(R.namespaces, 'tmp');
    expect(api.getObject<Ns>(R.namespaces, '', 'tmp')!.status?.phase).toBe('Terminating');
    await settle();
    api.clearWrites();
    const r = await ctrl.reconcile('tmp');
    expect(
      api
        .writesOf('delete')
        .map((w) => `${w.plural}/${w.name}`)
        .sort(),
    ).toEqual(['configmaps/held', 'pods/p']);
    expect(api.getObject(R.pods, 'default', 'other')).toBeTruthy();
    // The held ConfigMap remains (its finalizer): conditions say so, and we look again later.
    expect(r).toEqual({ requeueAfter: 5000 });
    const ns = api.getObject<Ns>(R.namespaces, '', 'tmp')!;
    const conds = Object.fromEntries((ns.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(conds.NamespaceContentRemaining).toMatchObject({
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: 'Some resources are remaining: configmaps has 1 resource instances',
    });
    expect(conds.NamespaceFinalizersRemaining).toMatchObject({
      status: 'True',
      message:
        'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
    });
    expect(ns.spec?.finalizers).toEqual(['kubernetes']);

    api.mutate(R.configmaps, 'tmp', 'held', (o) => {
      o.metadata.finalizers = [];
    });
    api.remove(R.configmaps, 'tmp', 'held');
    await settle();
    await ctrl.reconcile('tmp');
    expect(api.writesOf('update', 'namespaces', 'finalize')).toHaveLength(1);
    expect(api.getObject(R.namespaces, '', 'tmp')).toBeUndefined();
  });
});

describe('ServiceAccountController', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('gives every active namespace a default ServiceAccount and re-creates it when deleted', async () => {
    const s = await setupController(
      (c, i, o) => new ServiceAccountController(c, i, o),
      (api) => {
        api.seed(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
        api.seed(R.namespaces, {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'gone', deletionTimestamp: '2026-01-01T00:00:00Z' },
          status: { phase: 'Terminating' },
        });
      },
    );
    stop = s.stop;
    const { api, ctrl } = s;
    await ctrl.drain();
    expect(
      api.listObjects(R.serviceaccounts).map((x) => `${x.metadata.namespace}/${x.metadata.name}`),
    ).toEqual(['a/default']);
    await settle();
    await api.client.delete(R.serviceaccounts, 'default', 'a');
    await settle();
    await ctrl.drain();
    expect(api.getObject(R.serviceaccounts, 'a', 'default')).toBeTruthy();
  });
});

describe('TtlAfterFinishedController', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('deletes a finished Job ttlSecondsAfterFinished after it finished, re-reading it first', async () => {
    const s = await setupController((c, i, o) => new TtlAfterFinishedController(c, i, o));
    stop = s.stop;
    const { api, clock, ctrl } = s;
    const finished = new Date(clock.now()).toISOString();
    const job = (name: string, ttl?: number) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'default' },
      spec: { ttlSecondsAfterFinished: ttl, template: {} },
      status: { conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: finished }] },
    });
    api.seed(R.jobs, job('short', 10));
    api.seed(R.jobs, job('forever'));
    await settle();
    expect(await ctrl.reconcile('default/short')).toEqual({ requeueAfter: 10_000 });
    expect(await ctrl.reconcile('default/forever')).toBeUndefined();
    // The TTL is raised meanwhile: the re-read sees it and waits longer.
    await clock.advance(10_000);
    api.mutate(R.jobs, 'default', 'short', (j) => {
      (j.spec as { ttlSecondsAfterFinished: number }).ttlSecondsAfterFinished = 20;
    });
    expect(await ctrl.reconcile('default/short')).toEqual({ requeueAfter: 10_000 });
    await settle();
    await clock.advance(10_000);
    await ctrl.reconcile('default/short');
    const del = api.writesOf('delete', 'jobs');
    expect(del).toHaveLength(1);
    expect(del[0].body).toMatchObject({
      propagationPolicy: 'Foreground',
      preconditions: { uid: expect.any(String) },
    });
  });
});
