// core/v1 ReplicationControllers over HTTPS (defaults, validation causes, Table, /scale, discovery, OpenAPI) and with the real kubectl 1.32 (get rc, scale rc); writes only temp dirs.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-main/common/client';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { writeKubeconfig } from '../../../src-main/control-plane/apiserver/kubeconfig';
import { startApi, type TestApi } from './helpers';

let t: TestApi;
let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  t = await startApi();
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-rc-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server: t.url, caPem: t.caPem, token: t.token }, { merge: false });
  env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: path.join(dir, 'cache'), HOME: dir };
});
afterAll(async () => {
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Obj = KubeObject & Record<string, any>;
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

async function fails(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const container = { name: 'app', image: 'skiff-test/busybox:1', command: ['sleep', '3600'] };

function rc(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name, namespace: 'default' }, spec };
}

describe('ReplicationControllers', () => {
  it('defaults the selector and labels from the template and replicas to 1', async () => {
    const created = (await t.client.create(
      R.replicationcontrollers,
      rc('web', { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } } }),
    )) as Obj;
    expect(created.spec.selector).toEqual({ app: 'web' });
    expect(created.spec.replicas).toBe(1);
    expect(created.metadata.labels).toEqual({ app: 'web' });
    expect(created.status).toEqual({ replicas: 0 });
    expect(created.spec.template.spec.restartPolicy).toBe('Always');
    const list = await t.client.list(R.replicationcontrollers, { namespace: 'default' });
    expect(list.items.map((i) => i.metadata.name)).toEqual(['web']);
  });

  it('rejects a selector that does not match the template labels, and a missing template', async () => {
    const err = await fails(
      t.client.create(
        R.replicationcontrollers,
        rc('bad', {
          selector: { app: 'other' },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } },
        }),
      ),
    );
    expect(err.code).toBe(422);
    expect(err.status.details!.causes).toContainEqual(
      expect.objectContaining({ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels' }),
    );
    const none = await fails(t.client.create(R.replicationcontrollers, rc('bad2', { replicas: -1 })));
    expect(none.code).toBe(422);
    const fields = none.status.details!.causes!.map((c) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['spec.replicas', 'spec.selector', 'spec.template']));
  });

  it('prints NAME DESIRED CURRENT READY AGE and serves /scale with the selector string', async () => {
    const res = await t.request({
      method: 'GET',
      path: '/api/v1/namespaces/default/replicationcontrollers',
      headers: { Accept: TABLE },
    });
    const tb = JSON.parse(res.body);
    expect(tb.columnDefinitions.filter((c: any) => c.priority === 0).map((c: any) => c.name)).toEqual([
      'Name',
      'Desired',
      'Current',
      'Ready',
      'Age',
    ]);
    expect(tb.rows[0].cells.slice(0, 4)).toEqual(['web', 1, 0, 0]);
    const scale = JSON.parse(
      (
        await t.request({
          method: 'GET',
          path: '/api/v1/namespaces/default/replicationcontrollers/web/scale',
        })
      ).body,
    );
    expect(scale).toMatchObject({ kind: 'Scale', spec: { replicas: 1 }, status: { selector: 'app=web' } });
  });

  it('is in discovery and in /openapi/v3/api/v1', async () => {
    const list = JSON.parse((await t.request({ method: 'GET', path: '/api/v1' })).body);
    expect(list.resources).toContainEqual(
      expect.objectContaining({
        name: 'replicationcontrollers',
        kind: 'ReplicationController',
        shortNames: ['rc'],
      }),
    );
    const names = list.resources.map((r: { name: string }) => r.name);
    expect(names).toEqual(
      expect.arrayContaining(['replicationcontrollers/status', 'replicationcontrollers/scale']),
    );
    const doc = JSON.parse((await t.request({ method: 'GET', path: '/openapi/v3/api/v1' })).body);
    expect(doc.components.schemas['io.k8s.api.core.v1.ReplicationController']).toBeTruthy();
  });

  it('kubectl get rc and kubectl scale rc', async () => {
    const scaled = await kubectl('scale', 'rc', 'web', '--replicas=3');
    expect(scaled.stderr).toBe('');
    expect(scaled.stdout).toContain('replicationcontroller/web scaled');
    const got = await kubectl('get', 'rc');
    expect(got.code).toBe(0);
    const lines = got.stdout.trim().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    expect(lines[1].split(/\s+/).slice(0, 4)).toEqual(['web', '3', '0', '0']);
  });
});
