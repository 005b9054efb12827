/**
 * LimitRanger and ResourceQuota admission over HTTPS, in the shape of Kubernetes' docs tasks
 * ("Configure Default CPU Requests and Limits", "Configure Minimum and Maximum CPU Constraints",
 * "Configure Memory and CPU Quotas", "Configure a Pod Quota").
 */
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

async function fails(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

async function ns(name: string): Promise<void> {
  await t.client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

const pod = (namespace: string, name: string, resources?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace },
  spec: { containers: [{ name: 'app', image: 'skiff-test/busybox:1', ...(resources ? { resources } : {}) }] },
});

describe('LimitRanger', () => {
  it('defaults container requests and limits from a LimitRange', async () => {
    await ns('default-cpu-example');
    const lr = (await t.client.create(R.limitranges, {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'cpu-limit-range', namespace: 'default-cpu-example' },
      spec: { limits: [{ default: { cpu: 1 }, defaultRequest: { cpu: 0.5 }, type: 'Container' }] },
    })) as Obj;
    expect(lr.spec.limits[0]).toMatchObject({ default: { cpu: 1 }, defaultRequest: { cpu: 0.5 } });
    const p = (await t.client.create(R.pods, pod('default-cpu-example', 'default-cpu-demo'))) as Obj;
    expect(p.spec.containers[0].resources).toEqual({ limits: { cpu: 1 }, requests: { cpu: 0.5 } });
    expect(p.metadata.annotations!['kubernetes.io/limit-ranger']).toBe(
      'LimitRanger plugin set: cpu request for container app; cpu limit for container app',
    );
  });

  it('defaults a LimitRange item from max/min and enforces them', async () => {
    await ns('constraints-cpu-example');
    const lr = (await t.client.create(R.limitranges, {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'cpu-min-max-demo-lr', namespace: 'constraints-cpu-example' },
      spec: { limits: [{ max: { cpu: '800m' }, min: { cpu: '200m' }, type: 'Container' }] },
    })) as Obj;
    expect(lr.spec.limits[0]).toMatchObject({ default: { cpu: '800m' }, defaultRequest: { cpu: '800m' } });
    const ok = (await t.client.create(
      R.pods,
      pod('constraints-cpu-example', 'constraints-cpu-demo', {
        limits: { cpu: '800m' },
        requests: { cpu: '500m' },
      }),
    )) as Obj;
    expect(ok.spec.containers[0].resources.requests.cpu).toBe('500m');
    const tooBig = await fails(
      t.client.create(
        R.pods,
        pod('constraints-cpu-example', 'constraints-cpu-demo-2', {
          limits: { cpu: '1.5' },
          requests: { cpu: '500m' },
        }),
      ),
    );
    expect(tooBig.code).toBe(403);
    expect(tooBig.message).toBe(
      'pods "constraints-cpu-demo-2" is forbidden: maximum cpu usage per Container is 800m, but limit is 1500m',
    );
    const tooSmall = await fails(
      t.client.create(
        R.pods,
        pod('constraints-cpu-example', 'constraints-cpu-demo-3', {
          limits: { cpu: '800m' },
          requests: { cpu: '100m' },
        }),
      ),
    );
    expect(tooSmall.message).toContain('minimum cpu usage per Container is 200m, but request is 100m');
  });
});

describe('ResourceQuota admission', () => {
  it('refuses a pod beyond the pod count', async () => {
    await ns('quota-pod-example');
    await t.client.create(R.resourcequotas, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'pod-demo', namespace: 'quota-pod-example' },
      spec: { hard: { pods: '2' } },
    });
    await t.client.create(R.pods, pod('quota-pod-example', 'p1'));
    await t.client.create(R.pods, pod('quota-pod-example', 'p2'));
    const err = await fails(t.client.create(R.pods, pod('quota-pod-example', 'p3')));
    expect(err.code).toBe(403);
    expect(err.status.reason).toBe('Forbidden');
    expect(err.message).toBe(
      'pods "p3" is forbidden: exceeded quota: pod-demo, requested: pods=1, used: pods=2, limited: pods=2',
    );
    // Finished pods stop counting.
    await t.client.patch(R.pods, 'p1', 'quota-pod-example', { status: { phase: 'Succeeded' } }, 'merge', {
      subresource: 'status',
    });
    await t.client.create(R.pods, pod('quota-pod-example', 'p3'));
  });

  it('requires requests for tracked compute resources and sums them', async () => {
    await ns('quota-mem-cpu-example');
    await t.client.create(R.resourcequotas, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'mem-cpu-demo', namespace: 'quota-mem-cpu-example' },
      spec: {
        hard: { 'requests.cpu': '1', 'requests.memory': '1Gi', 'limits.cpu': '2', 'limits.memory': '2Gi' },
      },
    });
    const bare = await fails(t.client.create(R.pods, pod('quota-mem-cpu-example', 'bare')));
    expect(bare.message).toBe(
      'pods "bare" is forbidden: failed quota: mem-cpu-demo: must specify limits.cpu for: app; limits.memory for: app; requests.cpu for: app; requests.memory for: app',
    );
    const res = (mem: string) => ({
      limits: { memory: '800Mi', cpu: '800m' },
      requests: { memory: mem, cpu: '400m' },
    });
    await t.client.create(R.pods, pod('quota-mem-cpu-example', 'quota-mem-cpu-demo', res('600Mi')));
    const err = await fails(
      t.client.create(R.pods, pod('quota-mem-cpu-example', 'quota-mem-cpu-demo-2', res('700Mi'))),
    );
    expect(err.message).toBe(
      'pods "quota-mem-cpu-demo-2" is forbidden: exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=600Mi, limited: requests.memory=1Gi',
    );
  });

  it('counts objects of other kinds (count/<resource>, services, configmaps)', async () => {
    await ns('quota-object-example');
    await t.client.create(R.resourcequotas, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'object-quota-demo', namespace: 'quota-object-example' },
      spec: { hard: { configmaps: '1', 'services.nodeports': '0', 'count/jobs.batch': '0' } },
    });
    const cm = (n: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: n, namespace: 'quota-object-example' },
    });
    await t.client.create(R.configmaps, cm('a'));
    const e1 = await fails(t.client.create(R.configmaps, cm('b')));
    expect(e1.message).toContain(
      'exceeded quota: object-quota-demo, requested: configmaps=1, used: configmaps=1, limited: configmaps=1',
    );
    const e2 = await fails(
      t.client.create(R.services, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'np', namespace: 'quota-object-example' },
        spec: { type: 'NodePort', ports: [{ port: 80 }] },
      }),
    );
    expect(e2.message).toContain('requested: services.nodeports=1');
    const e3 = await fails(
      t.client.create(R.jobs, {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'j', namespace: 'quota-object-example' },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } } },
      }),
    );
    expect(e3.message).toContain('requested: count/jobs.batch=1');
  });
});
