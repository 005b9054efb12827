/**
 * Server-side apply with field ownership over HTTPS: managedFields per manager, conflicts with
 * FieldManagerConflict causes, force, shared ownership, removal of fields a manager stops
 * applying, associative lists, Update ownership from ordinary writes, no-op applies; and the
 * real kubectl's --server-side / --force-conflicts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { writeKubeconfig } from '../../../src-main/control-plane/apiserver/kubeconfig';
import { startApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startApi();
});
afterAll(async () => {
  await t?.stop();
});

type Obj = KubeObject & Record<string, any>;

async function apply(
  manager: string,
  body: unknown,
  opts: { force?: boolean; name?: string } = {},
): Promise<{ status: number; body: Obj }> {
  const name = opts.name ?? 'web';
  const res = await t.request({
    method: 'PATCH',
    path: `/apis/apps/v1/namespaces/default/deployments/${name}?fieldManager=${manager}${opts.force ? '&force=true' : ''}`,
    headers: { 'Content-Type': 'application/apply-patch+yaml' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: JSON.parse(res.body) };
}

const deploy = (spec: Record<string, unknown>, labels: Record<string, string> = { team: 'a' }) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'skiff-test/busybox:1' }] },
    },
    ...spec,
  },
});

const entry = (o: Obj, manager: string) =>
  (o.metadata.managedFields as { manager: string; operation: string; fieldsV1: any }[]).find(
    (m) => m.manager === manager,
  );

describe('server-side apply', () => {
  it('records the applied fields for the manager', async () => {
    const r = await apply('alice', deploy({ replicas: 2 }));
    expect(r.status).toBe(201);
    const e = entry(r.body, 'alice')!;
    expect(e.operation).toBe('Apply');
    expect(e.fieldsV1['f:spec']['f:replicas']).toEqual({});
    expect(e.fieldsV1['f:metadata']['f:labels']['f:team']).toEqual({});
    expect(e.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"app"}']).toEqual({
      '.': {},
      'f:image': {},
      'f:name': {},
    });
    // Defaults are nobody's.
    expect(e.fieldsV1['f:spec']['f:progressDeadlineSeconds']).toBeUndefined();
  });

  it('a no-op apply keeps the resourceVersion', async () => {
    const before = (await t.client.get(R.deployments, 'web', 'default')) as Obj;
    const r = await apply('alice', deploy({ replicas: 2 }));
    expect(r.status).toBe(200);
    expect(r.body.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('conflicts when another manager changes an owned value; shares equal values', async () => {
    const c = await apply('bob', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 5 },
    });
    expect(c.status).toBe(409);
    expect(c.body.reason).toBe('Conflict');
    expect(c.body.message).toBe('Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
    expect(c.body.details.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "alice"',
        field: '.spec.replicas',
      },
    ]);
    const same = await apply('bob', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 2 },
    });
    expect(same.status).toBe(200);
    expect(entry(same.body, 'alice')!.fieldsV1['f:spec']['f:replicas']).toEqual({});
    expect(entry(same.body, 'bob')!.fieldsV1['f:spec']['f:replicas']).toEqual({});
  });

  it('force takes the ownership over', async () => {
    const f = await apply(
      'bob',
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 5 } },
      { force: true },
    );
    expect(f.status).toBe(200);
    expect(f.body.spec.replicas).toBe(5);
    expect(entry(f.body, 'alice')!.fieldsV1['f:spec']['f:replicas']).toBeUndefined();
    // Now alice's old value conflicts with bob.
    const back = await apply('alice', deploy({ replicas: 2 }));
    expect(back.status).toBe(409);
    expect(back.body.details.causes[0]).toMatchObject({
      field: '.spec.replicas',
      message: 'conflict with "bob"',
    });
  });

  it('removes fields a manager stops applying unless someone else owns them', async () => {
    const r = await apply('alice', deploy({}, {}));
    expect(r.status).toBe(200);
    // alice dropped the label and replicas: the label goes, replicas stays (bob owns it).
    expect(r.body.metadata.labels?.team).toBeUndefined();
    expect(r.body.spec.replicas).toBe(5);
  });

  it('merges associative lists by key across managers', async () => {
    const r = await apply('carol', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'skiff-test/busybox:2' }] } } },
    });
    expect(r.status).toBe(200);
    expect(r.body.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual([
      'app',
      'sidecar',
    ]);
    const img = await apply('carol', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'skiff-test/busybox:2' }] } } },
    });
    expect(img.status).toBe(409);
    expect(img.body.details.causes[0].field).toBe('.spec.template.spec.containers[name="app"].image');
    // carol stops applying its sidecar: it goes.
    const gone = await apply('carol', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
    });
    expect(gone.status, JSON.stringify(gone.body)).toBe(200);
    expect(gone.body.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['app']);
  });

  it('ordinary writes own what they change (operation Update)', async () => {
    const p = (await t.client.patch(
      R.deployments,
      'web',
      'default',
      { spec: { minReadySeconds: 3 } },
      'merge',
      {
        fieldManager: 'kubectl-edit',
      } as never,
    )) as Obj;
    const e = entry(p, 'kubectl-edit')!;
    expect(e.operation).toBe('Update');
    expect(e.fieldsV1).toEqual({ 'f:spec': { 'f:minReadySeconds': {} } });
    const c = await apply('alice', deploy({ minReadySeconds: 10 }, {}));
    expect(c.status).toBe(409);
    expect(c.body.message).toMatch(
      /^Apply failed with 1 conflict: conflict with "kubectl-edit" using apps\/v1 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: \.spec\.minReadySeconds$/,
    );
    // An update takes ownership without conflicts.
    const q = (await t.client.patch(R.deployments, 'web', 'default', { spec: { replicas: 1 } }, 'merge', {
      fieldManager: 'kubectl-scale',
    } as never)) as Obj;
    expect(entry(q, 'bob')).toBeUndefined();
    expect(entry(q, 'kubectl-scale')!.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
  });

  it('creates record Update ownership of every field for the creator', async () => {
    const res = await t.request({
      method: 'POST',
      path: '/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'owned', labels: { a: 'b' } },
        data: { k: 'v' },
      }),
    });
    const cm = JSON.parse(res.body) as Obj;
    expect(cm.metadata.managedFields).toEqual([
      expect.objectContaining({
        manager: 'kubectl-create',
        operation: 'Update',
        fieldsV1: { 'f:data': { 'f:k': {} }, 'f:metadata': { 'f:labels': { 'f:a': {} } } },
      }),
    ]);
  });
});

describe('kubectl apply --server-side', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const kubectl = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('kubectl', args, { env, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-ssa-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, { server: t.url, caPem: t.caPem, token: t.token }, { merge: false });
    env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: path.join(dir, 'cache'), HOME: dir };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('moves from client-side to server-side apply without conflicts', async () => {
    const f = path.join(dir, 'csa.yaml');
    writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: csa}\ndata: {color: blue}\n');
    expect((await kubectl('apply', '-f', f)).code).toBe(0);
    writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: csa}\ndata: {color: green}\n');
    const s = await kubectl('apply', '--server-side', '-f', f);
    expect(s.stderr).toBe('');
    expect(s.stdout).toContain('configmap/csa serverside-applied');
    const g = await kubectl('get', 'cm', 'csa', '-o', 'jsonpath={.data.color}');
    expect(g.stdout).toBe('green');
    // kubectl then migrated the client-side owner's fields to itself.
    const mf = await kubectl(
      'get',
      'cm',
      'csa',
      '--show-managed-fields',
      '-o',
      'jsonpath={.metadata.managedFields[*].manager}',
    );
    expect(mf.stdout.split(' ')).toContain('kubectl');
    expect(mf.stdout).not.toContain('kubectl-client-side-apply');
  });

  it('reports conflicts and takes over with --force-conflicts', async () => {
    const f = path.join(dir, 'cm.yaml');
    writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {color: blue}\n');
    const a = await kubectl('apply', '--server-side', '--field-manager=team-a', '-f', f);
    expect(a.stdout).toContain('configmap/ssa serverside-applied');
    writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {color: red}\n');
    const b = await kubectl('apply', '--server-side', '--field-manager=team-b', '-f', f);
    expect(b.code).not.toBe(0);
    expect(b.stderr).toContain('Apply failed with 1 conflict: conflict with "team-a": .data.color');
    const c = await kubectl('apply', '--server-side', '--field-manager=team-b', '--force-conflicts', '-f', f);
    expect(c.code).toBe(0);
    const g = await kubectl('get', 'cm', 'ssa', '-o', 'jsonpath={.data.color}');
    expect(g.stdout).toBe('red');
    const mf = await kubectl(
      'get',
      'cm',
      'ssa',
      '--show-managed-fields',
      '-o',
      'jsonpath={.metadata.managedFields[*].manager}',
    );
    expect(mf.stdout).toBe('team-b');
  });
});

describe('server-side apply of a Job', () => {
  it('creates it with a selector generated from its own uid', async () => {
    const res = await t.request({
      method: 'PATCH',
      path: '/apis/batch/v1/namespaces/default/jobs/ssa-job?fieldManager=kubectl',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: JSON.stringify({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'ssa-job' },
        spec: {
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'skiff-test/busybox:1' }] },
          },
        },
      }),
    });
    expect(res.status).toBe(201);
    const job = JSON.parse(res.body) as Obj;
    expect(job.spec.selector.matchLabels['batch.kubernetes.io/controller-uid']).toBe(job.metadata.uid);
  });
});

describe('client-set managedFields', () => {
  it('a write that rewrites managedFields keeps them as written; [{}] clears them', async () => {
    await t.request({
      method: 'POST',
      path: '/api/v1/namespaces/default/configmaps?fieldManager=kubectl-client-side-apply',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'upgrade' },
        data: { a: '1' },
      }),
    });
    // What kubectl's csaupgrade sends: the same fields, now owned by "kubectl" with Apply.
    const moved = (await t.client.patch(
      R.configmaps,
      'upgrade',
      'default',
      [
        {
          op: 'replace',
          path: '/metadata/managedFields',
          value: [
            {
              manager: 'kubectl',
              operation: 'Apply',
              apiVersion: 'v1',
              fieldsType: 'FieldsV1',
              fieldsV1: { 'f:data': { 'f:a': {} } },
            },
          ],
        },
      ],
      'json',
    )) as Obj;
    expect(moved.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: 'kubectl', operation: 'Apply' }),
    ]);
    const cleared = (await t.client.patch(R.configmaps, 'upgrade', 'default', {
      metadata: { managedFields: [{}] },
    })) as Obj;
    expect(cleared.metadata.managedFields).toBeUndefined();
  });
});
