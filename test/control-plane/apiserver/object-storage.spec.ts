import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src-main/common/clock';
import { R } from '../../../src-main/common/resources';
import type { KubeObject, WatchEvent } from '../../../src-main/common/types';
import {
  CONTINUE_EXPIRED_MESSAGE,
  ObjectStore,
} from '../../../src-main/control-plane/apiserver/object-storage';
import { strategyFor } from '../../../src-main/control-plane/apiserver/registry';
import { StatusError } from '../../../src-main/control-plane/apiserver/status';
import { StoreWriteError } from '../../../src-main/control-plane/store/backend';
import { MemoryBackend, WalBackend } from '../../../src-main/control-plane/store/wal-backend';

/** A manual clock: time moves only when the test says so. */
class FakeClock implements Clock {
  t = Date.UTC(2025, 0, 1, 12, 0, 0);
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== id);
  };
  advance(ms: number) {
    this.t += ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= this.t).sort((a, b) => a.at - b.at)[0];
      if (!due) return;
      this.timers = this.timers.filter((x) => x !== due);
      due.fn();
    }
  }
}

const pod = (
  name: string,
  ns = 'default',
  labels: Record<string, string> = {},
  extra: Partial<KubeObject> = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
  ...extra,
});

async function statusOf(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(StatusError);
    return err as StatusError;
  }
  throw new Error('expected a StatusError');
}

/** Collects watch events; `next(n)` waits for n of them. */
function events() {
  const got: WatchEvent[] = [];
  return {
    got,
    on: (e: WatchEvent) => got.push(e),
    async next(n: number): Promise<WatchEvent[]> {
      const until = Date.now() + 2000;
      while (got.length < n) {
        if (Date.now() > until) throw new Error(`timed out: ${got.length}/${n} events`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return got.slice(0, n);
    },
  };
}
const settle = () => new Promise((r) => setTimeout(r, 30));
const summary = (evs: WatchEvent[]) =>
  evs.map((e) => `${e.type} ${e.object.metadata?.name} ${e.object.metadata?.resourceVersion}`);

let backend: MemoryBackend;
let clock: FakeClock;
let store: ObjectStore;
let uidSeq: number;

beforeEach(async () => {
  backend = new MemoryBackend({ compactionIntervalMs: 0 });
  await backend.start();
  clock = new FakeClock();
  uidSeq = 0;
  store = new ObjectStore(backend, { clock, newUid: () => `uid-${++uidSeq}`, random: () => 0 });
  // As ApiServer.start does: the kinds' strategies give the storage its field-selector attributes.
  for (const t of [R.pods, R.events]) store.registerFields(t, strategyFor(t).fields!);
});
afterEach(async () => {
  await backend.close();
});

describe('create and get', () => {
  it('fills the server-owned metadata and stores under the registry key', async () => {
    const created = await store.create(
      R.pods,
      pod('a', 'default', {}, { metadata: { name: 'a', namespace: 'default', uid: 'mine' } }),
    );
    expect(created.metadata).toMatchObject({
      name: 'a',
      namespace: 'default',
      uid: 'uid-1',
      creationTimestamp: '2025-01-01T12:00:00Z',
      resourceVersion: '1',
    });
    // Core kinds carry no generation in Kubernetes 1.32; workloads do.
    expect(created.metadata.generation).toBeUndefined();
    const dep = await store.create(R.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'default' },
      spec: {},
    });
    expect(dep.metadata.generation).toBe(1);
    expect(created.apiVersion).toBe('v1');
    expect(created.kind).toBe('Pod');
    const kv = (await backend.get('/registry/pods/default/a')).kv!;
    expect(JSON.parse(kv.value).metadata.resourceVersion).toBeUndefined();
    expect(await store.get(R.pods, 'default', 'a')).toEqual(created);

    await store.create(R.deployments, { metadata: { name: 'd', namespace: 'ns1' }, spec: {} });
    expect((await backend.get('/registry/apps/deployments/ns1/d')).kv).toBeDefined();
    await store.create(R.nodes, { metadata: { name: 'n1', namespace: 'ignored' } });
    const node = await store.get(R.nodes, undefined, 'n1');
    expect(node.metadata.namespace).toBeUndefined();
    expect((await backend.get('/registry/nodes/n1')).kv).toBeDefined();
  });

  it('rejects a set resourceVersion and duplicates, and 404s missing objects', async () => {
    const rv = await statusOf(
      store.create(R.pods, { metadata: { name: 'x', namespace: 'default', resourceVersion: '5' } }),
    );
    expect(rv.code).toBe(400);
    await store.create(R.pods, pod('a'));
    const dup = await statusOf(store.create(R.pods, pod('a')));
    expect(dup.toStatus()).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message: 'pods "a" already exists',
    });
    const dupDeploy = await statusOf(
      store
        .create(R.deployments, { metadata: { name: 'd', namespace: 'n' } })
        .then(() => store.create(R.deployments, { metadata: { name: 'd', namespace: 'n' } })),
    );
    expect(dupDeploy.message).toBe('deployments.apps "d" already exists');
    const nf = await statusOf(store.get(R.pods, 'default', 'nope'));
    expect(nf.toStatus()).toMatchObject({ code: 404, reason: 'NotFound', message: 'pods "nope" not found' });
    const noName = await statusOf(store.create(R.pods, { metadata: { namespace: 'default' } }));
    expect(noName.code).toBe(422);
  });

  it('generates names and retries on collision', async () => {
    const seq = [0, 0, 0, 0, 0, 0.99, 0.99, 0.99, 0.99, 0.99];
    let i = 0;
    store = new ObjectStore(backend, { clock, random: () => seq[i++ % seq.length] });
    const first = await store.create(R.pods, { metadata: { generateName: 'web-', namespace: 'default' } });
    expect(first.metadata.name).toBe('web-bbbbb');
    i = 0; // the next attempt collides with web-bbbbb, then gets 9s
    const second = await store.create(R.pods, { metadata: { generateName: 'web-', namespace: 'default' } });
    expect(second.metadata.name).toBe('web-99999');
    expect(second.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('dry-run create writes nothing', async () => {
    const obj = await store.create(R.pods, pod('dry'), { dryRun: true });
    expect(obj.metadata.uid).toBeDefined();
    expect((await backend.get('/registry/pods/default/dry')).kv).toBeUndefined();
    expect(backend.currentRevision()).toBe(0);
  });
});

describe('list', () => {
  beforeEach(async () => {
    await store.create(
      R.pods,
      pod(
        'a1',
        'a',
        { app: 'web', tier: 'front' },
        { spec: { nodeName: 'n1' }, status: { phase: 'Running' } },
      ),
    );
    await store.create(
      R.pods,
      pod('a2', 'a', { app: 'db' }, { spec: { nodeName: 'n2' }, status: { phase: 'Failed' } }),
    );
    await store.create(
      R.pods,
      pod('b1', 'b', { app: 'web' }, { spec: { nodeName: 'n1' }, status: { phase: 'Succeeded' } }),
    );
    await store.create(R.pods, pod('b2', 'ab', { app: 'web' }));
  });

  it('lists all namespaces or one, with the store revision', async () => {
    const all = await store.list(R.pods);
    expect(all.kind).toBe('PodList');
    expect(all.apiVersion).toBe('v1');
    expect(all.metadata.resourceVersion).toBe('4');
    expect(all.items.map((p) => p.metadata.name)).toEqual(['a1', 'a2', 'b2', 'b1']);
    const a = await store.list(R.pods, { namespace: 'a' });
    expect(a.items.map((p) => p.metadata.name)).toEqual(['a1', 'a2']); // not 'ab'
    expect(a.items[0].metadata.resourceVersion).toBe('1');
  });

  it('filters by label selector', async () => {
    const names = async (labelSelector: string) =>
      (await store.list(R.pods, { labelSelector })).items.map((p) => p.metadata.name);
    expect(await names('app=web')).toEqual(['a1', 'b2', 'b1']);
    expect(await names('app in (db),tier!=x')).toEqual(['a2']);
    expect(await names('app=web,!tier')).toEqual(['b2', 'b1']);
    expect(await names('tier')).toEqual(['a1']);
    const bad = await statusOf(store.list(R.pods, { labelSelector: 'app in (' }));
    expect(bad.code).toBe(400);
    expect(bad.reason).toBe('BadRequest');
    expect(bad.message).toMatch(/unable to parse requirement/);
  });

  it('filters by field selector in any term order', async () => {
    const names = async (fieldSelector: string) =>
      (await store.list(R.pods, { fieldSelector })).items.map((p) => p.metadata.name);
    expect(await names('spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed')).toEqual(['a1']);
    expect(await names('status.phase!=Failed,spec.nodeName==n1')).toEqual(['a1', 'b1']);
    expect(await names('metadata.name=b2')).toEqual(['b2']);
    expect(await names('metadata.namespace=b,metadata.name!=zz')).toEqual(['b1']);
    const bad = await statusOf(store.list(R.pods, { fieldSelector: 'spec.bogus=1' }));
    expect(bad.toStatus()).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'field label not supported: spec.bogus',
    });
  });

  it('supports registered fields and empty values (events of cluster-scoped objects)', async () => {
    await store.create(R.events, {
      metadata: { name: 'e1', namespace: 'default' },
      involvedObject: { kind: 'Node', name: 'n1', uid: 'u' },
    });
    await store.create(R.events, {
      metadata: { name: 'e2', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
    });
    const sel =
      'involvedObject.name=n1,involvedObject.namespace=,involvedObject.kind=Node,involvedObject.uid=u';
    expect((await store.list(R.events, { fieldSelector: sel })).items.map((e) => e.metadata.name)).toEqual([
      'e1',
    ]);
    store.registerFields(R.leases, (o) => ({
      'spec.holderIdentity': String((o.spec as { holderIdentity?: string })?.holderIdentity ?? ''),
    }));
    await store.create(R.leases, {
      metadata: { name: 'l', namespace: 'x' },
      spec: { holderIdentity: 'me:1' },
    });
    expect((await store.list(R.leases, { fieldSelector: 'spec.holderIdentity=me:1' })).items).toHaveLength(1);
  });

  it('pages with limit and continue at one revision, with remainingItemCount', async () => {
    const p1 = await store.list(R.pods, { limit: 3 });
    expect(p1.items.map((p) => p.metadata.name)).toEqual(['a1', 'a2', 'b2']);
    expect(p1.metadata.remainingItemCount).toBe(1);
    expect(p1.metadata.continue).toBeTruthy();
    // Changes after the first page do not leak into the continuation (same revision).
    await store.create(R.pods, pod('c1', 'c'));
    await store.delete(R.pods, 'b', 'b1');
    const p2 = await store.list(R.pods, { limit: 3, continue: p1.metadata.continue });
    expect(p2.items.map((p) => p.metadata.name)).toEqual(['b1']);
    expect(p2.metadata.resourceVersion).toBe(p1.metadata.resourceVersion);
    expect(p2.metadata.continue).toBeUndefined();
    expect(p2.metadata.remainingItemCount).toBeUndefined();
  });

  it('pages filtered lists without remainingItemCount', async () => {
    const p1 = await store.list(R.pods, { limit: 1, labelSelector: 'app=web' });
    expect(p1.items.map((p) => p.metadata.name)).toEqual(['a1']);
    expect(p1.metadata.remainingItemCount).toBeUndefined();
    const p2 = await store.list(R.pods, {
      limit: 1,
      labelSelector: 'app=web',
      continue: p1.metadata.continue,
    });
    expect(p2.items.map((p) => p.metadata.name)).toEqual(['b2']);
    const p3 = await store.list(R.pods, {
      limit: 1,
      labelSelector: 'app=web',
      continue: p2.metadata.continue,
    });
    expect(p3.items.map((p) => p.metadata.name)).toEqual(['b1']);
    expect(p3.metadata.continue).toBeUndefined();
  });

  it('answers 410 Expired for a compacted continue token and 400 for a bad one', async () => {
    const p1 = await store.list(R.pods, { limit: 2 });
    await store.create(R.pods, pod('z', 'z'));
    await backend.compact(backend.currentRevision());
    const err = await statusOf(store.list(R.pods, { limit: 2, continue: p1.metadata.continue }));
    expect(err.toStatus()).toMatchObject({ code: 410, reason: 'Expired', message: CONTINUE_EXPIRED_MESSAGE });
    expect((await statusOf(store.list(R.pods, { continue: 'garbage!!' }))).code).toBe(400);
    expect(
      (await statusOf(store.list(R.pods, { continue: p1.metadata.continue, resourceVersion: '3' }))).code,
    ).toBe(400);
  });

  it('returns shared read-only items and caches parses', async () => {
    const l1 = await store.list(R.pods);
    const l2 = await store.list(R.pods);
    expect(l2.items[0]).toBe(l1.items[0]);
    expect(Object.isFrozen(l1.items[0].metadata)).toBe(true);
    // get returns a private copy
    const g = await store.get(R.pods, 'a', 'a1');
    g.metadata.labels = { changed: 'yes' };
    expect((await store.get(R.pods, 'a', 'a1')).metadata.labels).toEqual({ app: 'web', tier: 'front' });
  });

  it('lists at an exact older revision when asked', async () => {
    await store.delete(R.pods, 'a', 'a1');
    const old = await store.list(R.pods, { resourceVersion: '2', resourceVersionMatch: 'Exact' });
    expect(old.items.map((p) => p.metadata.name)).toEqual(['a1', 'a2']);
    const latest = await store.list(R.pods, { resourceVersion: '2' });
    expect(latest.items.map((p) => p.metadata.name)).toEqual(['a2', 'b2', 'b1']);
  });
});

describe('guaranteedUpdate', () => {
  it('conflicts on a stale resourceVersion and preserves server-owned fields', async () => {
    const p = await store.create(R.pods, pod('a'));
    const { object } = await store.guaranteedUpdate(R.pods, 'default', 'a', (cur) => ({
      ...cur!,
      metadata: {
        ...cur!.metadata,
        uid: 'hacked',
        creationTimestamp: '2000-01-01T00:00:00Z',
        labels: { x: 'y' },
      },
    }));
    expect(object.metadata).toMatchObject({
      uid: p.metadata.uid,
      creationTimestamp: p.metadata.creationTimestamp,
      labels: { x: 'y' },
      resourceVersion: '2',
    });
    const stale = await statusOf(
      store.guaranteedUpdate(R.pods, 'default', 'a', () => ({
        ...p,
        metadata: { ...p.metadata, labels: { z: '1' } },
      })),
    );
    expect(stale.toStatus()).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again',
    });
    expect((await statusOf(store.guaranteedUpdate(R.pods, 'default', 'nope', (c) => c!))).code).toBe(404);
  });

  it('is a no-op (same RV, no event) when nothing changed', async () => {
    const p = await store.create(R.pods, pod('a'));
    const ev = events();
    const w = await store.watch(R.pods, { resourceVersion: p.metadata.resourceVersion }, ev.on);
    const { object } = await store.guaranteedUpdate(R.pods, 'default', 'a', (cur) => {
      // Same content, different key order.
      const { spec, metadata, ...rest } = cur!;
      return { spec, ...rest, metadata };
    });
    expect(object.metadata.resourceVersion).toBe(p.metadata.resourceVersion);
    expect(backend.currentRevision()).toBe(1);
    await settle();
    expect(ev.got).toHaveLength(0);
    w.stop();
  });

  it('bumps generation only for changes outside metadata and status', async () => {
    await store.create(R.deployments, { metadata: { name: 'd', namespace: 'n' }, spec: { replicas: 1 } });
    const up = (f: (o: KubeObject) => KubeObject) =>
      store.guaranteedUpdate(R.deployments, 'n', 'd', (c) => f(c!));
    expect((await up((o) => ({ ...o, status: { replicas: 1 } }))).object.metadata.generation).toBe(1);
    expect(
      (await up((o) => ({ ...o, metadata: { ...o.metadata, labels: { a: 'b' } } }))).object.metadata
        .generation,
    ).toBe(1);
    expect((await up((o) => ({ ...o, spec: { replicas: 3 } }))).object.metadata.generation).toBe(2);
    expect(
      (await up((o) => ({ ...o, metadata: { ...o.metadata, generation: 99 } }))).object.metadata.generation,
    ).toBe(2);
  });

  it('creates when allowed and retries conflicting writers', async () => {
    const r = await store.guaranteedUpdate(
      R.leases,
      'kube-node-lease',
      'n1',
      (cur) => cur ?? { metadata: {}, spec: { count: 0 } },
      { allowCreate: true },
    );
    expect(r.created).toBe(true);
    expect(r.object.metadata).toMatchObject({ name: 'n1', namespace: 'kube-node-lease' });
    const inc = () =>
      store.guaranteedUpdate(R.leases, 'kube-node-lease', 'n1', async (cur) => {
        await new Promise((res) => setTimeout(res, 1));
        const spec = cur!.spec as { count: number };
        return {
          ...cur!,
          metadata: { ...cur!.metadata, resourceVersion: undefined },
          spec: { count: spec.count + 1 },
        };
      });
    await Promise.all(Array.from({ length: 10 }, inc));
    expect(((await store.get(R.leases, 'kube-node-lease', 'n1')).spec as { count: number }).count).toBe(10);
  });

  it('deletes an object whose last finalizer is removed after deletion was requested', async () => {
    await store.create(
      R.pods,
      pod('f', 'default', {}, { metadata: { name: 'f', namespace: 'default', finalizers: ['x/y'] } }),
    );
    const marked = await store.delete(R.pods, 'default', 'f');
    expect(marked.metadata.deletionTimestamp).toBe('2025-01-01T12:00:00Z');
    const r = await store.guaranteedUpdate(R.pods, 'default', 'f', (c) => ({
      ...c!,
      metadata: { ...c!.metadata, finalizers: [] },
    }));
    expect(r.object.metadata.deletionTimestamp).toBeDefined();
    expect((await statusOf(store.get(R.pods, 'default', 'f'))).code).toBe(404);
  });

  it('dry-run update writes nothing', async () => {
    await store.create(R.pods, pod('a'));
    const r = await store.guaranteedUpdate(
      R.pods,
      'default',
      'a',
      (c) => ({ ...c!, metadata: { ...c!.metadata, labels: { d: 'r' } } }),
      { dryRun: true },
    );
    expect(r.object.metadata.labels).toEqual({ d: 'r' });
    expect((await store.get(R.pods, 'default', 'a')).metadata.labels).toEqual({});
  });
});

describe('delete', () => {
  it('checks preconditions', async () => {
    const p = await store.create(R.pods, pod('a'));
    const uid = await statusOf(store.delete(R.pods, 'default', 'a', { preconditions: { uid: 'x' } }));
    expect(uid.toStatus()).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on pods "a": Precondition failed: UID in precondition: x, UID in object meta: ${p.metadata.uid}`,
    });
    expect(
      (await statusOf(store.delete(R.pods, 'default', 'a', { preconditions: { resourceVersion: '99' } })))
        .code,
    ).toBe(409);
    const gone = await store.delete(R.pods, 'default', 'a', { preconditions: { uid: p.metadata.uid } });
    expect(gone.metadata.name).toBe('a');
    expect((await statusOf(store.get(R.pods, 'default', 'a'))).code).toBe(404);
    expect((await statusOf(store.delete(R.pods, 'default', 'a'))).code).toBe(404);
  });

  it('marks objects with finalizers, and applies the propagation policy', async () => {
    await store.create(R.replicasets, { metadata: { name: 'rs', namespace: 'n' } });
    const fg = await store.delete(R.replicasets, 'n', 'rs', { propagationPolicy: 'Foreground' });
    expect(fg.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(fg.metadata.deletionTimestamp).toBeDefined();
    expect(fg.metadata.generation).toBe(2);
    expect((await store.get(R.replicasets, 'n', 'rs')).metadata.deletionTimestamp).toBeDefined();

    await store.create(R.replicasets, { metadata: { name: 'o', namespace: 'n' } });
    expect(
      (await store.delete(R.replicasets, 'n', 'o', { propagationPolicy: 'Orphan' })).metadata.finalizers,
    ).toEqual(['orphan']);

    // Background on an object that only carries GC finalizers deletes it.
    await store.delete(R.replicasets, 'n', 'o', { propagationPolicy: 'Background' });
    expect((await statusOf(store.get(R.replicasets, 'n', 'o'))).code).toBe(404);
  });

  it('graceful deletion sets deletionTimestamp = now + grace, and a later delete with 0 removes it', async () => {
    await store.create(R.pods, pod('g'));
    const marked = await store.delete(R.pods, 'default', 'g', { gracePeriodSeconds: 30 });
    expect(marked.metadata.deletionTimestamp).toBe('2025-01-01T12:00:30Z');
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(30);
    // A status update during termination does not delete it.
    await store.guaranteedUpdate(R.pods, 'default', 'g', (c) => ({ ...c!, status: { phase: 'Running' } }));
    expect((await store.get(R.pods, 'default', 'g')).metadata.deletionTimestamp).toBeDefined();
    // A longer grace period never extends it.
    const again = await store.delete(R.pods, 'default', 'g', { gracePeriodSeconds: 60 });
    expect(again.metadata.deletionGracePeriodSeconds).toBe(30);
    await store.delete(R.pods, 'default', 'g', { gracePeriodSeconds: 0 });
    expect((await statusOf(store.get(R.pods, 'default', 'g'))).code).toBe(404);
  });

  it('dry-run delete writes nothing', async () => {
    await store.create(R.pods, pod('a'));
    await store.delete(R.pods, 'default', 'a', { dryRun: true });
    await store.delete(R.pods, 'default', 'a', { dryRun: true, gracePeriodSeconds: 10 });
    const p = await store.get(R.pods, 'default', 'a');
    expect(p.metadata.deletionTimestamp).toBeUndefined();
  });
});

describe('watch', () => {
  it('without a resourceVersion sends ADDED for current objects, then changes', async () => {
    await store.create(R.pods, pod('a'));
    await store.create(R.pods, pod('b', 'other'));
    const ev = events();
    const w = await store.watch(R.pods, { namespace: 'default' }, ev.on);
    const p = await store.guaranteedUpdate(R.pods, 'default', 'a', (c) => ({
      ...c!,
      status: { phase: 'Running' },
    }));
    await store.create(R.pods, pod('c'));
    await store.delete(R.pods, 'default', 'c');
    expect(summary(await ev.next(4))).toEqual(['ADDED a 1', 'MODIFIED a 3', 'ADDED c 4', 'DELETED c 5']);
    expect(p.object.metadata.resourceVersion).toBe('3');
    const deleted = ev.got[3].object;
    expect(deleted.metadata.name).toBe('c');
    expect(deleted.kind).toBe('Pod');
    w.stop();
    await store.create(R.pods, pod('d'));
    await settle();
    expect(ev.got).toHaveLength(4);
  });

  it('from a resourceVersion replays later changes only', async () => {
    const a = await store.create(R.pods, pod('a'));
    await store.create(R.pods, pod('b'));
    const ev = events();
    await store.watch(R.pods, { resourceVersion: a.metadata.resourceVersion }, ev.on);
    expect(summary(await ev.next(1))).toEqual(['ADDED b 2']);
    await settle();
    expect(ev.got).toHaveLength(1);
  });

  it('applies selectors with Kubernetes semantics: leaving the selection is DELETED, entering is ADDED', async () => {
    await store.create(R.pods, pod('a', 'default', { app: 'web' }));
    const ev = events();
    const w = await store.watch(
      R.pods,
      { labelSelector: 'app=web', fieldSelector: 'metadata.namespace=default', resourceVersion: '1' },
      ev.on,
    );
    const relabel = (app: string) =>
      store.guaranteedUpdate(R.pods, 'default', 'a', (c) => ({
        ...c!,
        metadata: { ...c!.metadata, labels: { app } },
      }));
    await relabel('db'); // rv 2: leaves
    await relabel('web'); // rv 3: enters
    await store.guaranteedUpdate(R.pods, 'default', 'a', (c) => ({ ...c!, status: { phase: 'Running' } })); // rv 4
    await store.create(R.pods, pod('x', 'default', { app: 'db' })); // never matches
    const evs = await ev.next(3);
    expect(summary(evs)).toEqual(['DELETED a 2', 'ADDED a 3', 'MODIFIED a 4']);
    expect(evs[0].object.metadata.labels).toEqual({ app: 'web' }); // the last matching state
    await settle();
    expect(ev.got).toHaveLength(3);
    w.stop();
  });

  it('answers 410 Expired for a compacted resourceVersion', async () => {
    await store.create(R.pods, pod('a'));
    await store.create(R.pods, pod('b'));
    await store.create(R.pods, pod('c'));
    await backend.compact(2);
    const err = await statusOf(store.watch(R.pods, { resourceVersion: '1' }, () => undefined));
    expect(err.toStatus()).toMatchObject({
      code: 410,
      reason: 'Expired',
      message: 'too old resource version: 1 (2)',
    });
    const ok = await store.watch(R.pods, { resourceVersion: '2' }, () => undefined);
    ok.stop();
    expect((await statusOf(store.watch(R.pods, { resourceVersion: 'abc' }, () => undefined))).code).toBe(400);
  });

  it('sends BOOKMARKs when allowed, carrying the latest revision', async () => {
    await store.create(R.pods, pod('a'));
    const ev = events();
    const w = await store.watch(
      R.pods,
      { resourceVersion: '1', allowBookmarks: true, namespace: 'other' },
      ev.on,
    );
    await store.create(R.pods, pod('b')); // rv 2 in another namespace: no event, but progress
    await settle();
    clock.advance(60_000);
    expect(ev.got).toEqual([
      { type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '2' } } },
    ]);
    clock.advance(60_000);
    expect(ev.got).toHaveLength(2);
    w.stop();
    clock.advance(60_000);
    expect(ev.got).toHaveLength(2);
  });
});

describe('performance', () => {
  it('lists 10,000 pods quickly once parsed', async () => {
    const big = {
      containers: [
        {
          name: 'c',
          image: 'busybox',
          env: Array.from({ length: 10 }, (_, i) => ({ name: `E${i}`, value: 'x'.repeat(40) })),
        },
      ],
    };
    await Promise.all(
      Array.from({ length: 10_000 }, (_, i) =>
        backend.create(
          `/registry/pods/default/p${String(i).padStart(5, '0')}`,
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: `p${i}`, namespace: 'default', labels: { app: 'x' } },
            spec: big,
          }),
        ),
      ),
    );
    await store.list(R.pods); // warms the parse cache
    const t0 = performance.now();
    const l = await store.list(R.pods, { namespace: 'default', labelSelector: 'app=x' });
    const ms = performance.now() - t0;
    expect(l.items).toHaveLength(10_000);
    expect(ms).toBeLessThan(150);
    const t1 = performance.now();
    let pages = 0;
    let cont: string | undefined;
    do {
      const page = await store.list(R.pods, { limit: 500, continue: cont });
      cont = page.metadata.continue;
      pages++;
    } while (cont);
    expect(pages).toBe(20);
    expect(performance.now() - t1).toBeLessThan(500);
  });
});

describe('durability through the WAL backend', () => {
  it('objects and resourceVersions survive a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-os-'));
    try {
      const b1 = new WalBackend(dir, { compactionIntervalMs: 0 });
      await b1.start();
      const s1 = new ObjectStore(b1);
      const p = await s1.create(R.pods, pod('a'));
      await s1.create(R.deployments, { metadata: { name: 'd', namespace: 'n' }, spec: { replicas: 2 } });
      await b1.close();
      const b2 = new WalBackend(dir, { compactionIntervalMs: 0 });
      await b2.start();
      const s2 = new ObjectStore(b2);
      expect(await s2.get(R.pods, 'default', 'a')).toEqual(p);
      expect((await s2.list(R.deployments)).items.map((d) => d.metadata.name)).toEqual(['d']);
      await b2.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('store write failures', () => {
  /** A store whose disk says `code` to every write. */
  class FailingBackend extends MemoryBackend {
    constructor(private readonly code: string) {
      super({ compactionIntervalMs: 0 });
    }
    override async create(): Promise<never> {
      throw new StoreWriteError(this.code, '/data/store/wal.log', new Error(this.code));
    }
  }

  it('a full disk is 507 InsufficientStorage, a read-only one a 500 naming EROFS', async () => {
    const full = await statusOf(new ObjectStore(new FailingBackend('ENOSPC')).create(R.pods, pod('a')));
    expect(full.toStatus()).toMatchObject({
      code: 507,
      reason: 'InsufficientStorage',
      message: expect.stringContaining('cannot write /data/store/wal.log: no space left on device (ENOSPC)'),
      details: { retryAfterSeconds: 5 },
    });
    const ro = await statusOf(new ObjectStore(new FailingBackend('EROFS')).create(R.pods, pod('a')));
    expect(ro.toStatus()).toMatchObject({
      code: 500,
      reason: 'InternalError',
      message: expect.stringContaining('the file system is read-only (EROFS); the write was not made'),
    });
  });
});
