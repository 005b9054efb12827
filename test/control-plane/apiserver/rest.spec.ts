import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, isAlreadyExists, isConflict, isNotFound } from '../../../src-main/common/client';
import { R } from '../../../src-main/common/resources';
import type { KubeObject, WatchEvent } from '../../../src-main/common/types';
import { deployment, pod, startApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startApi();
});
afterAll(async () => {
  await t?.stop();
});

async function fails(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('REST: create, get, update, delete', () => {
  it('creates a pod with defaults, uid, timestamps and Pending status', async () => {
    const created = await t.client.create(R.pods, pod('web'));
    expect(created.metadata.uid).toBeTruthy();
    expect(created.metadata.creationTimestamp).toBeTruthy();
    expect(created.metadata.resourceVersion).toBeTruthy();
    const spec = created.spec as Record<string, any>;
    expect(spec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: 30,
      serviceAccountName: 'default',
      enableServiceLinks: true,
      priority: 0,
      securityContext: {},
    });
    expect(spec.containers[0]).toMatchObject({
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      resources: {},
    });
    expect(created.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    const got = await t.client.get(R.pods, 'web', 'default');
    expect(got).toEqual(created);
    expect(got.kind).toBe('Pod');
    expect(got.apiVersion).toBe('v1');
  });

  it('defaults imagePullPolicy Always for :latest and untagged images, and port protocols', async () => {
    const p = pod('latest');
    (p.spec.containers as any[]).push(
      { name: 'b', image: 'nginx', ports: [{ containerPort: 80 }] },
      { name: 'c', image: 'registry:5000/x:latest' },
    );
    const c = await t.client.create(R.pods, p as KubeObject);
    const cs = (c.spec as any).containers;
    expect(cs.map((x: any) => x.imagePullPolicy)).toEqual(['IfNotPresent', 'Always', 'Always']);
    expect(cs[1].ports[0].protocol).toBe('TCP');
  });

  it('409 AlreadyExists on duplicate create; 404 on a missing object', async () => {
    const err = await fails(t.client.create(R.pods, pod('web')));
    expect(isAlreadyExists(err)).toBe(true);
    expect(err.message).toBe('pods "web" already exists');
    const nf = await fails(t.client.get(R.pods, 'nope', 'default'));
    expect(isNotFound(nf)).toBe(true);
    expect(nf.message).toBe('pods "nope" not found');
    const dnf = await fails(t.client.get(R.deployments, 'nope', 'default'));
    expect(dnf.message).toBe('deployments.apps "nope" not found');
    expect(dnf.status.details).toMatchObject({ name: 'nope', kind: 'deployments', group: 'apps' });
  });

  it('creates into a missing namespace → 404 namespaces "x" not found', async () => {
    const p = pod('a');
    p.metadata.namespace = 'ghost';
    const err = await fails(t.client.create(R.pods, p as KubeObject));
    expect(err.code).toBe(404);
    expect(err.message).toBe('namespaces "ghost" not found');
  });

  it('honours generateName', async () => {
    const p = pod('');
    delete p.metadata.name;
    p.metadata.generateName = 'gen-';
    const c = await t.client.create(R.pods, p as KubeObject);
    expect(c.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
  });

  it('PUT with a stale resourceVersion → 409 Conflict; a no-op PUT keeps the resourceVersion', async () => {
    const cur = await t.client.get(R.pods, 'web', 'default');
    const same = await t.client.update(R.pods, cur);
    expect(same.metadata.resourceVersion).toBe(cur.metadata.resourceVersion);
    const changed = structuredClone(cur);
    changed.metadata.labels = { app: 'web', tier: 'front' };
    const upd = await t.client.update(R.pods, changed);
    expect(upd.metadata.resourceVersion).not.toBe(cur.metadata.resourceVersion);
    const err = await fails(t.client.update(R.pods, changed));
    expect(isConflict(err)).toBe(true);
    expect(err.message).toContain('Operation cannot be fulfilled on pods "web"');
  });

  it('main-resource writes keep status; /status writes change only status', async () => {
    const cur = await t.client.get(R.pods, 'web', 'default');
    const w = structuredClone(cur);
    w.status = { phase: 'Running' };
    const after = await t.client.update(R.pods, w);
    expect((after.status as any).phase).toBe('Pending');
    const st = structuredClone(after);
    st.status = { phase: 'Running', podIP: '10.0.0.5' };
    st.metadata.labels = { hacked: 'yes' };
    const s2 = await t.client.updateStatus(R.pods, st);
    expect((s2.status as any).podIP).toBe('10.0.0.5');
    expect(s2.metadata.labels).toEqual(after.metadata.labels);
    const sp = await t.client.patch(
      R.pods,
      'web',
      'default',
      { status: { phase: 'Running', podIP: '10.0.0.6' } },
      'merge',
      { subresource: 'status' },
    );
    expect((sp.status as any).podIP).toBe('10.0.0.6');
  });

  it('bumps metadata.generation on spec changes only', async () => {
    const d = await t.client.create(R.deployments, deployment('gen'));
    expect(d.metadata.generation).toBe(1);
    const l = await t.client.patch(R.deployments, 'gen', 'default', { metadata: { labels: { x: 'y' } } });
    expect(l.metadata.generation).toBe(1);
    const s = await t.client.patch(R.deployments, 'gen', 'default', { spec: { replicas: 5 } });
    expect(s.metadata.generation).toBe(2);
  });

  it('dryRun=All does not persist', async () => {
    const c = await t.client.create(R.pods, pod('dry'), { dryRun: true });
    expect(c.metadata.name).toBe('dry');
    expect(isNotFound(await fails(t.client.get(R.pods, 'dry', 'default')))).toBe(true);
  });

  it('deletes unbound pods at once and bound pods gracefully', async () => {
    await t.client.create(R.pods, pod('gone'));
    const del = await t.client.delete(R.pods, 'gone', 'default');
    expect(del.metadata.name).toBe('gone');
    expect(isNotFound(await fails(t.client.get(R.pods, 'gone', 'default')))).toBe(true);

    await t.client.create(R.pods, pod('bound'));
    await t.client.create(
      R.pods,
      {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'bound' },
        target: { kind: 'Node', name: 'node-1' },
      } as KubeObject,
      {
        namespace: 'default',
        subresource: 'binding',
        name: 'bound',
      },
    );
    const b = await t.client.get(R.pods, 'bound', 'default');
    expect((b.spec as any).nodeName).toBe('node-1');
    expect((b.status as any).conditions[0]).toMatchObject({ type: 'PodScheduled', status: 'True' });
    const again = await fails(
      t.client.create(
        R.pods,
        {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: 'bound' },
          target: { kind: 'Node', name: 'node-2' },
        } as KubeObject,
        {
          namespace: 'default',
          subresource: 'binding',
          name: 'bound',
        },
      ),
    );
    expect(again.code).toBe(409);
    const marked = await t.client.delete(R.pods, 'bound', 'default');
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(30);
    const forced = await t.client.delete(R.pods, 'bound', 'default', { gracePeriodSeconds: 0 });
    expect(forced.metadata.name).toBe('bound');
  });

  it('refuses to delete system namespaces; a deleted namespace is Terminating until finalized', async () => {
    const err = await fails(t.client.delete(R.namespaces, 'default'));
    expect(err.code).toBe(403);
    await t.client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tmp' } });
    const p = pod('inside');
    p.metadata.namespace = 'tmp';
    await t.client.create(R.pods, p as KubeObject);
    const marked = await t.client.delete(R.namespaces, 'tmp');
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    expect(marked.status).toEqual({ phase: 'Terminating' });
    expect(marked.spec).toEqual({ finalizers: ['kubernetes'] });
    // Contents are the namespace controller's to delete; new content is refused meanwhile.
    expect((await t.client.get(R.pods, 'inside', 'tmp')).metadata.name).toBe('inside');
    const p2 = pod('late');
    p2.metadata.namespace = 'tmp';
    const refused = await fails(t.client.create(R.pods, p2 as KubeObject));
    expect(refused.code).toBe(403);
    expect(refused.message).toBe(
      'pods "late" is forbidden: unable to create new content in namespace tmp because it is being terminated',
    );
    // A status write while Terminating keeps it; emptying spec.finalizers removes it.
    const ns = await t.client.get(R.namespaces, 'tmp');
    const st = await t.client.updateStatus(R.namespaces, {
      ...ns,
      status: { phase: 'Terminating', conditions: [{ type: 'NamespaceContentRemaining', status: 'True' }] },
    });
    expect(st.metadata.deletionTimestamp).toBeTruthy();
    await t.client.update(R.namespaces, { ...st, spec: { finalizers: [] } }, { subresource: 'finalize' });
    expect(isNotFound(await fails(t.client.get(R.namespaces, 'tmp')))).toBe(true);
  });
});

describe('REST: list, selectors, pagination', () => {
  beforeAll(async () => {
    await t.client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lists' } });
    for (let i = 0; i < 7; i++) {
      const p = pod(`p${i}`);
      p.metadata.namespace = 'lists';
      p.metadata.labels = { app: i % 2 ? 'odd' : 'even', idx: String(i) };
      await t.client.create(R.pods, p as KubeObject);
    }
  });

  it('lists with kind, apiVersion and resourceVersion', async () => {
    const l = await t.client.list(R.pods, { namespace: 'lists' });
    expect(l.kind).toBe('PodList');
    expect(l.apiVersion).toBe('v1');
    expect(l.metadata.resourceVersion).toBeTruthy();
    expect(l.items).toHaveLength(7);
  });

  it('filters by label and field selectors', async () => {
    const odd = await t.client.list(R.pods, { namespace: 'lists', labelSelector: 'app=odd' });
    expect(odd.items.map((p) => p.metadata.name).sort()).toEqual(['p1', 'p3', 'p5']);
    const notin = await t.client.list(R.pods, { namespace: 'lists', labelSelector: 'idx notin (0,1,2,3,4)' });
    expect(notin.items).toHaveLength(2);
    const byName = await t.client.list(R.pods, { namespace: 'lists', fieldSelector: 'metadata.name=p2' });
    expect(byName.items.map((p) => p.metadata.name)).toEqual(['p2']);
    const phase = await t.client.list(R.pods, {
      namespace: 'lists',
      fieldSelector: 'status.phase=Pending,spec.nodeName=',
    });
    expect(phase.items).toHaveLength(7);
    const bad = await fails(t.client.list(R.pods, { namespace: 'lists', labelSelector: 'a in (' }));
    expect(bad.code).toBe(400);
  });

  it('paginates with limit/continue', async () => {
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await t.client.list(R.pods, { namespace: 'lists', limit: 3, continue: cont });
      seen.push(...page.items.map((p) => p.metadata.name!));
      cont = page.metadata.continue || undefined;
      pages++;
    } while (cont);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
  });

  it('lists across namespaces', async () => {
    const all = await t.client.list(R.pods);
    expect(all.items.some((p) => p.metadata.namespace === 'lists')).toBe(true);
    expect(all.items.some((p) => p.metadata.namespace === 'default')).toBe(true);
  });

  it('deletecollection by label', async () => {
    const res = await t.request({
      method: 'DELETE',
      path: '/api/v1/namespaces/lists/pods?labelSelector=app%3Deven',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).items).toHaveLength(4);
    expect((await t.client.list(R.pods, { namespace: 'lists' })).items).toHaveLength(3);
  });
});

describe('REST: watch', () => {
  it('streams events from a resourceVersion and stops on abort', async () => {
    await t.client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'w' } });
    const list = await t.client.list(R.pods, { namespace: 'w' });
    const abort = new AbortController();
    const events: WatchEvent[] = [];
    const done = (async () => {
      for await (const ev of t.client.watch(R.pods, {
        namespace: 'w',
        resourceVersion: list.metadata.resourceVersion,
        signal: abort.signal,
      })) {
        events.push(ev);
        if (events.length === 3) abort.abort();
      }
    })();
    const p = pod('w1');
    p.metadata.namespace = 'w';
    await t.client.create(R.pods, p as KubeObject);
    await t.client.patch(R.pods, 'w1', 'w', { metadata: { labels: { x: '1' } } });
    await t.client.delete(R.pods, 'w1', 'w');
    await done.catch(() => undefined);
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect((events[0].object as KubeObject).kind).toBe('Pod');
  });

  it('a delete answers the object at the resourceVersion of its DELETED event, the same for every watcher', async () => {
    await t.client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wd' } });
    const cm = await t.client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'wd' },
      data: { a: '1' },
    } as KubeObject);
    const abort = new AbortController();
    const streams: WatchEvent[][] = [[], []];
    const done = streams.map(async (events) => {
      for await (const ev of t.client.watch(R.configmaps, {
        namespace: 'wd',
        resourceVersion: cm.metadata.resourceVersion,
        signal: abort.signal,
      }))
        events.push(ev);
    });
    await t.client.update(R.configmaps, { ...cm, data: { a: '2' } } as KubeObject);
    const gone = await t.client.delete<KubeObject & { data?: Record<string, string> }>(
      R.configmaps,
      'c',
      'wd',
    );
    for (let i = 0; i < 100 && streams.some((s) => s.length < 2); i++)
      await new Promise((r) => setTimeout(r, 20));
    abort.abort();
    await Promise.all(done.map((d) => d.catch(() => undefined)));
    expect(gone.data).toEqual({ a: '2' });
    expect(streams[0]!.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
    expect(streams[0]![1]!.object.metadata.resourceVersion).toBe(gone.metadata.resourceVersion);
    expect(streams[1]).toEqual(streams[0]);
    expect(Object.keys(streams[0]![0]!.object).slice(0, 2)).toEqual(['apiVersion', 'kind']);
  });

  it('ends the watch after timeoutSeconds', async () => {
    const res = await t.request({
      method: 'GET',
      path: '/api/v1/namespaces/w/pods?watch=true&timeoutSeconds=1',
    });
    expect(res.status).toBe(200);
  });

  it('sends an ERROR 410 event for a compacted resourceVersion', async () => {
    const before = (await t.client.list(R.pods, { namespace: 'w' })).metadata.resourceVersion!;
    await t.client.create(R.pods, { ...pod('w2'), metadata: { name: 'w2', namespace: 'w' } } as KubeObject);
    await t.backend.compact(await t.backend.currentRevision());
    const res = await t.request({
      method: 'GET',
      path: `/api/v1/namespaces/w/pods?watch=true&resourceVersion=${before}`,
    });
    const ev = JSON.parse(res.body.trim().split('\n')[0]);
    expect(ev.type).toBe('ERROR');
    expect(ev.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('sends one-row Tables when Accept asks for them', async () => {
    const res = await t.request({
      method: 'GET',
      path: '/api/v1/namespaces/w/pods?watch=true&timeoutSeconds=1',
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    });
    const ev = JSON.parse(res.body.trim().split('\n')[0]);
    expect(ev.type).toBe('ADDED');
    expect(ev.object.kind).toBe('Table');
    expect(ev.object.rows).toHaveLength(1);
    expect(ev.object.columnDefinitions[0].name).toBe('Name');
  });
});

describe('REST: Tables', () => {
  const TABLE =
    'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

  it('lists pods as a Table with the real columns and PartialObjectMetadata rows', async () => {
    const res = await t.request({
      method: 'GET',
      path: '/api/v1/namespaces/default/pods?limit=500',
      headers: { Accept: TABLE },
    });
    expect(res.headers['content-type']).toBe('application/json;as=Table;v=v1;g=meta.k8s.io');
    const table = JSON.parse(res.body);
    expect(table.kind).toBe('Table');
    expect(table.metadata.resourceVersion).toBeTruthy();
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP',
      'Node',
      'Nominated Node',
      'Readiness Gates',
    ]);
    expect(table.columnDefinitions.filter((c: any) => c.priority === 1).map((c: any) => c.name)).toEqual([
      'IP',
      'Node',
      'Nominated Node',
      'Readiness Gates',
    ]);
    const web = table.rows.find((r: any) => r.cells[0] === 'web');
    expect(web.cells.slice(1, 4)).toEqual(['0/1', 'Running', '0']);
    expect(web.object.kind).toBe('PartialObjectMetadata');
    const none = JSON.parse(
      (
        await t.request({
          method: 'GET',
          path: '/api/v1/namespaces/default/pods?includeObject=None',
          headers: { Accept: TABLE },
        })
      ).body,
    );
    expect(none.rows[0].object).toBeUndefined();
    const full = JSON.parse(
      (
        await t.request({
          method: 'GET',
          path: '/api/v1/namespaces/default/pods?includeObject=Object',
          headers: { Accept: TABLE },
        })
      ).body,
    );
    expect(full.rows[0].object.kind).toBe('Pod');
  });

  it('carries continue tokens in Tables', async () => {
    const res = JSON.parse(
      (
        await t.request({
          method: 'GET',
          path: '/api/v1/namespaces/lists/pods?limit=1',
          headers: { Accept: TABLE },
        })
      ).body,
    );
    expect(res.metadata.continue).toBeTruthy();
  });

  it('renders deployments, nodes, namespaces, events and leases', async () => {
    const d = JSON.parse(
      (
        await t.request({
          method: 'GET',
          path: '/apis/apps/v1/namespaces/default/deployments',
          headers: { Accept: TABLE },
        })
      ).body,
    );
    expect(d.columnDefinitions.map((c: any) => c.name)).toEqual([
      'Name',
      'Ready',
      'Up-to-date',
      'Available',
      'Age',
      'Containers',
      'Images',
      'Selector',
    ]);
    expect(d.rows[0].cells).toEqual(expect.arrayContaining(['gen', '0/5', 'app', 'nginx:1.27', 'app=gen']));
    await t.client.create(R.nodes, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-1', labels: { 'node-role.kubernetes.io/control-plane': '' } },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        nodeInfo: { kubeletVersion: 'v1.32.4-skiff' },
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      },
    } as KubeObject);
    const n = JSON.parse(
      (await t.request({ method: 'GET', path: '/api/v1/nodes', headers: { Accept: TABLE } })).body,
    );
    expect(n.rows[0].cells.slice(0, 3)).toEqual(['node-1', 'Ready,SchedulingDisabled', 'control-plane']);
    expect(n.rows[0].cells[4]).toBe('v1.32.4-skiff');
    const ns = JSON.parse(
      (await t.request({ method: 'GET', path: '/api/v1/namespaces/default', headers: { Accept: TABLE } }))
        .body,
    );
    expect(ns.rows[0].cells.slice(0, 2)).toEqual(['default', 'Active']);
    await t.client.create(R.events, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
      reason: 'Scheduled',
      message: 'Successfully assigned default/web to node-1',
      type: 'Normal',
      count: 1,
    } as KubeObject);
    const ev = JSON.parse(
      (
        await t.request({
          method: 'GET',
          path: '/api/v1/namespaces/default/events',
          headers: { Accept: TABLE },
        })
      ).body,
    );
    expect(ev.columnDefinitions.filter((c: any) => c.priority === 0).map((c: any) => c.name)).toEqual([
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Message',
    ]);
    expect(ev.rows[0].cells).toEqual(expect.arrayContaining(['Normal', 'Scheduled', 'pod/web']));
    const evs = await t.client.list(R.events, {
      namespace: 'default',
      fieldSelector: 'involvedObject.name=web,involvedObject.namespace=default,involvedObject.kind=Pod',
    });
    expect(evs.items).toHaveLength(1);
  });
});

describe('REST: scale subresource', () => {
  it('GET/PUT/PATCH autoscaling/v1 Scale', async () => {
    const s = await t.client.get(R.deployments, 'gen', 'default', 'scale');
    expect(s).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 5 },
      status: { replicas: 0, selector: 'app=gen' },
    });
    const p = await t.client.patch(R.deployments, 'gen', 'default', { spec: { replicas: 4 } }, 'merge', {
      subresource: 'scale',
    });
    expect((p.spec as any).replicas).toBe(4);
    const put = await t.client.update(R.deployments, { ...p, spec: { replicas: 2 } } as KubeObject, {
      subresource: 'scale',
    });
    expect((put.spec as any).replicas).toBe(2);
    expect(((await t.client.get(R.deployments, 'gen', 'default')).spec as any).replicas).toBe(2);
    const stale = await fails(
      t.client.update(R.deployments, { ...p, spec: { replicas: 3 } } as KubeObject, { subresource: 'scale' }),
    );
    expect(stale.code).toBe(409);
    const neg = await fails(
      t.client.patch(R.deployments, 'gen', 'default', { spec: { replicas: -1 } }, 'merge', {
        subresource: 'scale',
      }),
    );
    expect(neg.code).toBe(422);
  });
});
