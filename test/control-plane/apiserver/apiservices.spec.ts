// apiregistration.k8s.io/v1 APIServices over HTTPS: stored only (Skiff does not aggregate), cluster-scoped, validation causes, the Name, Service, Available, Age Table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-main/common/client';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { startApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startApi();
});
afterAll(async () => {
  await t?.stop();
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

function apiService(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name },
    spec,
  } as KubeObject;
}

describe('APIServices', () => {
  it('stores one (service port defaulted) and prints Name, Service, Available, Age', async () => {
    const created = (await t.client.create(
      R.apiservices,
      apiService('v1beta1.metrics.k8s.io', {
        service: { name: 'metrics-server', namespace: 'kube-system' },
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        insecureSkipTLSVerify: true,
        groupPriorityMinimum: 100,
        versionPriority: 100,
      }),
    )) as Obj;
    expect(created.metadata.namespace).toBeUndefined();
    expect(created.spec.service.port).toBe(443);
    const got = (await t.client.get(R.apiservices, 'v1beta1.metrics.k8s.io')) as Obj;
    expect(got.metadata.uid).toBe(created.metadata.uid);
    const res = await t.request({
      method: 'GET',
      path: '/apis/apiregistration.k8s.io/v1/apiservices',
      headers: { Accept: TABLE },
    });
    const tb = JSON.parse(res.body);
    expect(tb.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Service', 'Available', 'Age']);
    expect(tb.rows[0].cells.slice(0, 3)).toEqual([
      'v1beta1.metrics.k8s.io',
      'kube-system/metrics-server',
      'Unknown',
    ]);
  });

  it('rejects a name other than version.group and out-of-range priorities', async () => {
    const err = await fails(
      t.client.create(
        R.apiservices,
        apiService('wrong.example.com', {
          group: 'example.com',
          version: 'v1',
          groupPriorityMinimum: 0,
          versionPriority: 2000,
        }),
      ),
    );
    expect(err.code).toBe(422);
    expect(err.status.details!.causes!.map((c) => c.field)).toEqual([
      'metadata.name',
      'spec.groupPriorityMinimum',
      'spec.versionPriority',
    ]);
  });

  it('is discovered as a cluster-scoped resource with a status subresource', async () => {
    const list = JSON.parse(
      (await t.request({ method: 'GET', path: '/apis/apiregistration.k8s.io/v1' })).body,
    );
    expect(list.resources.map((r: any) => [r.name, r.namespaced])).toEqual([
      ['apiservices', false],
      ['apiservices/status', false],
    ]);
  });
});
