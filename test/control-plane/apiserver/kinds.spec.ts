/**
 * The issue-3 kinds over HTTPS: defaults visible on read, validation causes, Tables, field
 * selectors, bootstrap objects and the autoscaling v1 ↔ v2 conversion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-main/common/client';
import { R, type ResourceType } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { parseCron } from '../../../src-main/common/cron';
import { startApi, type TestApi } from './helpers';

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

type Obj = KubeObject & Record<string, any>;

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

async function table(
  path: string,
): Promise<{ columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[] }[] }> {
  const res = await t.request({ method: 'GET', path, headers: { Accept: TABLE } });
  expect(res.status).toBe(200);
  return JSON.parse(res.body);
}

const columns = (tb: { columnDefinitions: { name: string; priority: number }[] }, wide = false) =>
  tb.columnDefinitions.filter((c) => wide || c.priority === 0).map((c) => c.name);

const container = { name: 'app', image: 'skiff-test/busybox:1', command: ['sleep', '3600'] };

describe('bootstrap objects', () => {
  it('serves the kubernetes Service at 10.96.0.1 with Endpoints to the API server', async () => {
    const svc = (await t.client.get(R.services, 'kubernetes', 'default')) as Obj;
    expect(svc.spec).toMatchObject({
      clusterIP: '10.96.0.1',
      type: 'ClusterIP',
      ports: [{ name: 'https', port: 443 }],
    });
    const ep = (await t.client.get(R.endpoints, 'kubernetes', 'default')) as Obj;
    const port = Number(new URL(t.url).port);
    expect(ep.subsets[0].ports[0].port).toBe(port);
  });

  it('creates the default StorageClass and prints it with (default)', async () => {
    const sc = (await t.client.get(R.storageclasses, 'standard')) as Obj;
    expect(sc).toMatchObject({
      provisioner: 'skiff.dev/local-volume',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
      metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    });
    const tb = await table('/apis/storage.k8s.io/v1/storageclasses');
    expect(tb.rows.map((r) => r.cells[0])).toContain('standard (default)');
  });
});

describe('Services', () => {
  it('defaults type, targetPort, protocol, sessionAffinity, ipFamilies and allocates a clusterIP', async () => {
    const svc = (await t.client.create(R.services, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    })) as Obj;
    expect(svc.spec).toMatchObject({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    });
    const ip = svc.spec.clusterIP as string;
    const [a, b] = ip.split('.').map(Number);
    expect(a).toBe(10);
    expect(b).toBeGreaterThanOrEqual(96);
    expect(b).toBeLessThanOrEqual(111);
    expect(ip).not.toBe('10.96.0.1');
    expect(svc.spec.clusterIPs).toEqual([ip]);
    expect(svc.status).toEqual({ loadBalancer: {} });
  });

  it('allocates nodePorts in 30000-32767 and rejects a taken clusterIP', async () => {
    const np = (await t.client.create(R.services, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'np', namespace: 'default' },
      spec: { type: 'NodePort', selector: { app: 'np' }, ports: [{ port: 80, targetPort: 8080 }] },
    })) as Obj;
    const nodePort = np.spec.ports[0].nodePort as number;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(nodePort).toBeLessThanOrEqual(32767);
    expect(np.spec.externalTrafficPolicy).toBe('Cluster');
    const err = await fails(
      t.client.create(R.services, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'dup', namespace: 'default' },
        spec: { clusterIP: np.spec.clusterIP, ports: [{ port: 80 }] },
      }),
    );
    expect(err.code).toBe(422);
    expect(err.status.details?.causes?.[0].message).toContain('provided IP is already allocated');
  });

  it('validates ports and keeps clusterIP immutable', async () => {
    const err = await fails(
      t.client.create(R.services, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'bad', namespace: 'default' },
        spec: { ports: [{ port: 0 }, { port: 70000, protocol: 'HTTP' }] },
      }),
    );
    expect(err.code).toBe(422);
    const fields = err.status.details!.causes!.map((c) => c.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'spec.ports[0].name',
        'spec.ports[0].port',
        'spec.ports[1].port',
        'spec.ports[1].protocol',
      ]),
    );
    const noPorts = await fails(
      t.client.create(R.services, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'np2', namespace: 'default' },
        spec: {},
      }),
    );
    expect(noPorts.status.details!.causes![0]).toMatchObject({
      reason: 'FieldValueRequired',
      field: 'spec.ports',
    });
    const web = (await t.client.get(R.services, 'web', 'default')) as Obj;
    const imm = await fails(
      t.client.update(R.services, {
        ...web,
        spec: { ...web.spec, clusterIP: '10.96.0.77', clusterIPs: ['10.96.0.77'] },
      }),
    );
    expect(imm.code).toBe(422);
    expect(imm.message).toContain('field is immutable');
    // An update that leaves clusterIP out keeps it.
    const { clusterIP: _c, clusterIPs: _cs, ...rest } = web.spec;
    const kept = (await t.client.update(R.services, { ...web, spec: rest })) as Obj;
    expect(kept.spec.clusterIP).toBe(web.spec.clusterIP);
  });

  it('allocates node ports when the type changes and drops them when it changes back', async () => {
    const np = (await t.client.patch(R.services, 'web', 'default', { spec: { type: 'NodePort' } })) as Obj;
    const port = np.spec.ports[0].nodePort as number;
    expect(port).toBeGreaterThanOrEqual(30000);
    const same = (await t.client.patch(R.services, 'web', 'default', {
      metadata: { labels: { x: 'y' } },
    })) as Obj;
    expect(same.spec.ports[0].nodePort).toBe(port);
    const back = (await t.client.patch(R.services, 'web', 'default', { spec: { type: 'ClusterIP' } })) as Obj;
    expect(back.spec.ports[0].nodePort).toBeUndefined();
    const bad = await fails(
      t.client.create(R.services, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'cip-np', namespace: 'default' },
        spec: { ports: [{ port: 80, nodePort: 30080 }] },
      }),
    );
    expect(bad.status.details!.causes![0]).toMatchObject({
      reason: 'FieldValueForbidden',
      field: 'spec.ports[0].nodePort',
    });
    const taken = await fails(
      t.client.patch(R.services, 'web', 'default', {
        spec: {
          type: 'NodePort',
          ports: [
            {
              port: 80,
              nodePort: (await t.client.get<Obj>(R.services, 'np', 'default')).spec.ports[0].nodePort,
            },
          ],
        },
      }),
    );
    expect(taken.message).toContain('provided port is already allocated');
  });

  it('prints the kubectl columns', async () => {
    const tb = await table('/api/v1/namespaces/default/services');
    expect(columns(tb)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age']);
    expect(columns(tb, true)).toContain('Selector');
    const np = tb.rows.find((r) => r.cells[0] === 'np')!;
    expect(np.cells[1]).toBe('NodePort');
    expect(np.cells[3]).toBe('<none>');
    expect(np.cells[4]).toMatch(/^80:3\d{4}\/TCP$/);
    expect(np.cells[6]).toBe('app=np');
  });
});

describe('ConfigMaps and Secrets', () => {
  it('merges stringData into base64 data, defaults type Opaque, validates base64', async () => {
    const s = (await t.client.create(R.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's1', namespace: 'default' },
      data: { a: Buffer.from('x').toString('base64') },
      stringData: { b: 'hello' },
    } as KubeObject)) as Obj;
    expect(s.type).toBe('Opaque');
    expect(s.stringData).toBeUndefined();
    expect(Buffer.from(s.data.b, 'base64').toString()).toBe('hello');
    const err = await fails(
      t.client.create(R.secrets, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's2', namespace: 'default' },
        data: { 'bad key!': 'not base64!' },
      } as KubeObject),
    );
    expect(err.code).toBe(422);
    expect(err.status.details!.causes!.map((c) => c.field)).toEqual(
      expect.arrayContaining(['data', 'data[bad key!]']),
    );
    const tls = await fails(
      t.client.create(R.secrets, {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name: 's3', namespace: 'default' },
        data: {},
      } as KubeObject),
    );
    expect(tls.status.details!.causes!.map((c) => c.field)).toEqual(['data[tls.crt]', 'data[tls.key]']);
  });

  it('selects secrets by type and prints Name, Type, Data, Age', async () => {
    await t.client.create(R.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'example.com/custom',
      metadata: { name: 'custom', namespace: 'default' },
      stringData: { k: 'v' },
    } as KubeObject);
    const list = await t.client.list(R.secrets, {
      namespace: 'default',
      fieldSelector: 'type=example.com/custom',
    });
    expect(list.items.map((i) => i.metadata.name)).toEqual(['custom']);
    const tb = await table('/api/v1/namespaces/default/secrets');
    expect(columns(tb)).toEqual(['Name', 'Type', 'Data', 'Age']);
    expect(tb.rows.find((r) => r.cells[0] === 's1')!.cells.slice(1, 3)).toEqual(['Opaque', 2]);
  });

  it('configmaps: Data count column and immutable data', async () => {
    const cm = (await t.client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'default' },
      data: { a: '1', b: '2' },
      immutable: true,
    } as KubeObject)) as Obj;
    const tb = await table('/api/v1/namespaces/default/configmaps');
    expect(columns(tb)).toEqual(['Name', 'Data', 'Age']);
    expect(tb.rows.find((r) => r.cells[0] === 'cfg')!.cells[1]).toBe(2);
    const err = await fails(t.client.update(R.configmaps, { ...cm, data: { a: 'changed' } }));
    expect(err.code).toBe(422);
  });
});

describe('batch', () => {
  const job = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } }, ...extra },
  });

  it('defaults a Job and generates its selector from the uid', async () => {
    const j = (await t.client.create(R.jobs, job('pi'))) as Obj;
    const uid = j.metadata.uid;
    expect(j.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
    });
    expect(j.spec.template.metadata.labels).toMatchObject({
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': uid,
      'job-name': 'pi',
    });
    const err = await fails(
      t.client.update(R.jobs, { ...j, spec: { ...j.spec, selector: { matchLabels: { a: 'b' } } } }),
    );
    expect(err.code).toBe(422);
    expect(err.status.details!.causes!.map((c) => c.field)).toContain('spec.selector');
  });

  it('requires restartPolicy Never or OnFailure', async () => {
    const none = job('np');
    delete ((none.spec as Obj).template.spec as Obj).restartPolicy;
    const e1 = await fails(t.client.create(R.jobs, none));
    expect(e1.status.details!.causes!).toContainEqual(
      expect.objectContaining({ reason: 'FieldValueRequired', field: 'spec.template.spec.restartPolicy' }),
    );
    const always = job('always');
    ((always.spec as Obj).template.spec as Obj).restartPolicy = 'Always';
    const e2 = await fails(t.client.create(R.jobs, always));
    expect(e2.status.details!.causes!).toContainEqual(
      expect.objectContaining({
        reason: 'FieldValueNotSupported',
        field: 'spec.template.spec.restartPolicy',
      }),
    );
  });

  it('prints jobs like kubectl', async () => {
    const tb = await table('/apis/batch/v1/namespaces/default/jobs');
    expect(columns(tb)).toEqual(['Name', 'Status', 'Completions', 'Duration', 'Age']);
    expect(columns(tb, true).slice(5)).toEqual(['Containers', 'Images', 'Selector']);
    expect(tb.rows[0].cells.slice(0, 4)).toEqual(['pi', 'Running', '0/1', '']);
  });

  it('defaults and validates CronJobs', async () => {
    const cj = (await t.client.create(R.cronjobs, {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'hello', namespace: 'default' },
      spec: {
        schedule: '*/5 * * * *',
        jobTemplate: {
          spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [container] } } },
        },
      },
    })) as Obj;
    expect(cj.spec).toMatchObject({
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
    });
    const bad = await fails(
      t.client.create(R.cronjobs, {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'bad', namespace: 'default' },
        spec: {
          schedule: '61 * * * *',
          timeZone: 'Mars/Base',
          jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } },
        },
      }),
    );
    expect(bad.status.details!.causes!.map((c) => c.field)).toEqual(['spec.schedule', 'spec.timeZone']);
    const tb = await table('/apis/batch/v1/namespaces/default/cronjobs');
    expect(columns(tb)).toEqual([
      'Name',
      'Schedule',
      'Timezone',
      'Suspend',
      'Active',
      'Last Schedule',
      'Age',
    ]);
    expect(tb.rows[0].cells.slice(0, 6)).toEqual(['hello', '*/5 * * * *', '<none>', 'False', 0, '<none>']);
  });

  it('parses cron schedules like robfig/cron', () => {
    expect([...parseCron('0 */6 * * 1-5').hours]).toEqual([0, 6, 12, 18]);
    expect([...parseCron('@daily').minutes]).toEqual([0]);
    expect([...parseCron('0 0 * jan,dec sun').months]).toEqual([1, 12]);
    expect(() => parseCron('* * * *')).toThrow(/exactly 5 fields/);
    expect(() => parseCron('TZ=UTC * * * * *')).toThrow(/timeZone/);
  });
});

describe('apps', () => {
  const tmpl = { metadata: { labels: { app: 'db' } }, spec: { containers: [container] } };

  it('defaults a StatefulSet and forbids changing other spec fields', async () => {
    const sts = (await t.client.create(R.statefulsets, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default' },
      spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: tmpl },
    })) as Obj;
    expect(sts.spec).toMatchObject({
      replicas: 1,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      serviceName: 'db',
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    });
    const err = await fails(
      t.client.update(R.statefulsets, { ...sts, spec: { ...sts.spec, serviceName: 'other' } }),
    );
    expect(err.code).toBe(422);
    expect(err.message).toContain('updates to statefulset spec for fields other than');
    const scaled = (await t.client.patch(R.statefulsets, 'db', 'default', { spec: { replicas: 3 } })) as Obj;
    expect(scaled.spec.replicas).toBe(3);
    const scale = (await t.client.get(R.statefulsets, 'db', 'default', 'scale')) as Obj;
    expect(scale).toMatchObject({ kind: 'Scale', spec: { replicas: 3 }, status: { selector: 'app=db' } });
    const tb = await table('/apis/apps/v1/namespaces/default/statefulsets');
    expect(columns(tb)).toEqual(['Name', 'Ready', 'Age']);
    expect(tb.rows[0].cells[1]).toBe('0/3');
  });

  it('defaults a DaemonSet and prints its columns', async () => {
    const ds = (await t.client.create(R.daemonsets, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'db' } },
        template: { ...tmpl, spec: { ...tmpl.spec, nodeSelector: { disk: 'ssd' } } },
      },
    })) as Obj;
    expect(ds.spec.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    expect(ds.spec.revisionHistoryLimit).toBe(10);
    const tb = await table('/apis/apps/v1/namespaces/default/daemonsets');
    expect(columns(tb)).toEqual([
      'Name',
      'Desired',
      'Current',
      'Ready',
      'Up-to-date',
      'Available',
      'Node Selector',
      'Age',
    ]);
    expect(tb.rows[0].cells.slice(0, 7)).toEqual(['agent', 0, 0, 0, 0, 0, 'disk=ssd']);
    const mismatch = await fails(
      t.client.create(R.daemonsets, {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'bad', namespace: 'default' },
        spec: { selector: { matchLabels: { app: 'other' } }, template: tmpl },
      }),
    );
    expect(mismatch.status.details!.causes![0].field).toBe('spec.template.metadata.labels');
  });
});

describe('storage', () => {
  it('defaults a PVC to the default StorageClass and keeps its spec immutable', async () => {
    const pvc = (await t.client.create(R.persistentvolumeclaims, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    })) as Obj;
    expect(pvc.spec).toMatchObject({ storageClassName: 'standard', volumeMode: 'Filesystem' });
    expect(pvc.status).toEqual({ phase: 'Pending' });
    const grown = (await t.client.patch(R.persistentvolumeclaims, 'data', 'default', {
      spec: { resources: { requests: { storage: '2Gi' } } },
    })) as Obj;
    expect(grown.spec.resources.requests.storage).toBe('2Gi');
    const err = await fails(
      t.client.patch(R.persistentvolumeclaims, 'data', 'default', {
        spec: { accessModes: ['ReadWriteMany'] },
      }),
    );
    expect(err.code).toBe(422);
    const bad = await fails(
      t.client.create(R.persistentvolumeclaims, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'bad', namespace: 'default' },
        spec: { accessModes: ['Sometimes'], resources: { requests: { storage: 'lots' } } },
      }),
    );
    expect(bad.status.details!.causes!.map((c) => c.field)).toEqual([
      'spec.accessModes',
      'spec.resources[storage]',
    ]);
    const tb = await table('/api/v1/namespaces/default/persistentvolumeclaims');
    expect(columns(tb)).toEqual([
      'Name',
      'Status',
      'Volume',
      'Capacity',
      'Access Modes',
      'StorageClass',
      'VolumeAttributesClass',
      'Age',
    ]);
    expect(tb.rows[0].cells.slice(0, 7)).toEqual(['data', 'Pending', '', '', '', 'standard', '<unset>']);
  });
});

describe('autoscaling v2 and v1 share one storage', () => {
  it('converts between versions on read and write', async () => {
    const v1 = (await t.client.create(R.horizontalpodautoscalersV1, {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        maxReplicas: 5,
        targetCPUUtilizationPercentage: 50,
      },
    })) as Obj;
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toMatchObject({ minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
    const v2 = (await t.client.get(R.horizontalpodautoscalers, 'web', 'default')) as Obj;
    expect(v2.apiVersion).toBe('autoscaling/v2');
    expect(v2.spec.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
      },
    ]);
    // A v2-only metric survives a v1 round trip (carried in an annotation).
    const pods = {
      type: 'Pods',
      pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } },
    };
    await t.client.patch(R.horizontalpodautoscalers, 'web', 'default', {
      spec: { metrics: [...v2.spec.metrics, pods] },
    });
    const back = (await t.client.get(R.horizontalpodautoscalersV1, 'web', 'default')) as Obj;
    expect(back.metadata.annotations!['autoscaling.alpha.kubernetes.io/metrics']).toContain('qps');
    const rv = back.metadata.resourceVersion;
    const same = (await t.client.update(R.horizontalpodautoscalersV1, back)) as Obj;
    expect(same.metadata.resourceVersion).toBe(rv);
    const again = (await t.client.get(R.horizontalpodautoscalers, 'web', 'default')) as Obj;
    expect(again.spec.metrics).toHaveLength(2);
    expect(again.metadata.annotations).toBeUndefined();
    const tb = await table('/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers');
    expect(columns(tb)).toEqual(['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
    expect(tb.rows[0].cells.slice(0, 6)).toEqual([
      'web',
      'Deployment/web',
      'cpu: <unknown>/50%, <unknown>/10',
      '1',
      5,
      0,
    ]);
    const list = await t.client.list(R.horizontalpodautoscalersV1, { namespace: 'default' });
    expect(list.items[0].apiVersion).toBe('autoscaling/v1');
  });

  it('lists autoscaling v2 first in discovery', async () => {
    const res = await t.request({ method: 'GET', path: '/apis/autoscaling' });
    const g = JSON.parse(res.body);
    expect(g.preferredVersion.version).toBe('v2');
    expect(g.versions.map((v: { version: string }) => v.version)).toEqual(['v2', 'v1']);
  });
});

describe('discovery of the new kinds', () => {
  it('reports short names and categories like the real server', async () => {
    const core = JSON.parse((await t.request({ method: 'GET', path: '/api/v1' })).body);
    const byName = (
      l: { resources: { name: string; shortNames?: string[]; categories?: string[] }[] },
      n: string,
    ) => l.resources.find((r) => r.name === n)!;
    expect(byName(core, 'services')).toMatchObject({ shortNames: ['svc'], categories: ['all'] });
    expect(byName(core, 'persistentvolumeclaims').shortNames).toEqual(['pvc']);
    expect(byName(core, 'pods/ephemeralcontainers')).toBeTruthy();
    const batch = JSON.parse((await t.request({ method: 'GET', path: '/apis/batch/v1' })).body);
    expect(byName(batch, 'jobs').shortNames).toBeUndefined();
    expect(byName(batch, 'cronjobs').shortNames).toEqual(['cj']);
    const crd = JSON.parse((await t.request({ method: 'GET', path: '/apis/apiextensions.k8s.io/v1' })).body);
    expect(byName(crd, 'customresourcedefinitions').shortNames).toEqual(['crd', 'crds']);
  });

  it('field-selects events.k8s.io events by regarding.*', async () => {
    const ev = (name: string, kind: string) => ({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace: 'default' },
      eventTime: '2025-01-01T00:00:00.000000Z',
      reportingController: 'test',
      reportingInstance: 'test-1',
      action: 'Testing',
      reason: 'Tested',
      regarding: { kind, name: 'x', namespace: 'default' },
      type: 'Normal',
      note: 'hello',
    });
    await t.client.create(R.eventsV1, ev('e1', 'Pod'));
    await t.client.create(R.eventsV1, ev('e2', 'Node'));
    const list = await t.client.list(R.eventsV1, {
      namespace: 'default',
      fieldSelector: 'regarding.kind=Node',
    });
    expect(list.items.map((i) => i.metadata.name)).toEqual(['e2']);
    expect(list.items[0]).toMatchObject({ apiVersion: 'events.k8s.io/v1', note: 'hello' });
    // One storage with core/v1 Events, converted both ways.
    const core = (await t.client.get(R.events, 'e2', 'default')) as Obj;
    expect(core).toMatchObject({
      apiVersion: 'v1',
      message: 'hello',
      involvedObject: { kind: 'Node' },
      reportingComponent: 'test',
    });
    await t.client.create(R.events, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'c1', namespace: 'default' },
      involvedObject: { kind: 'Node', name: 'n1' },
      reason: 'Started',
      message: 'from core',
      type: 'Normal',
      count: 2,
    } as KubeObject);
    const v1 = (await t.client.get(R.eventsV1, 'c1', 'default')) as Obj;
    expect(v1).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      note: 'from core',
      regarding: { name: 'n1' },
      deprecatedCount: 2,
    });
    const nodes = await t.client.list(R.eventsV1, {
      namespace: 'default',
      fieldSelector: 'regarding.kind=Node',
    });
    expect(nodes.items.map((i) => i.metadata.name).sort()).toEqual(['c1', 'e2']);
    const bad = await fails(
      t.client.create(R.eventsV1, { ...ev('e3', 'Pod'), reportingController: undefined } as KubeObject),
    );
    expect(bad.status.details!.causes!.map((c) => c.field)).toEqual(['reportingController']);
  });
});

/** A quick existence check for every kind the registry lists: create via the generic path works. */
describe('every kind is served', () => {
  const cases: [ResourceType, Record<string, unknown>][] = [
    [R.serviceaccounts, {}],
    [R.limitranges, { spec: { limits: [{ type: 'Container', default: { cpu: '500m' } }] } }],
    [R.resourcequotas, { spec: { hard: { pods: '10' } } }],
    [R.controllerrevisions, { revision: 1, data: {} }],
    [R.poddisruptionbudgets, { spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } }],
    [
      R.ingresses,
      {
        spec: {
          rules: [
            {
              host: 'web.local',
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'web', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      },
    ],
    [R.networkpolicies, { spec: { podSelector: {} } }],
    [R.endpointslices, { addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }] }],
    [R.priorityclasses, { value: 1000 }],
    [
      R.persistentvolumes,
      {
        spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/x' } },
      },
    ],
  ];
  it.each(cases.map(([type, body]) => [type.plural, type, body] as const))('%s', async (_n, type, body) => {
    const apiVersion = type.group ? `${type.group}/${type.version}` : type.version;
    const obj = {
      apiVersion,
      kind: type.kind,
      metadata: { name: 'x1', ...(type.namespaced ? { namespace: 'default' } : {}) },
      ...body,
    };
    const created = (await t.client.create(type, obj as KubeObject)) as Obj;
    expect(created.metadata.uid).toBeTruthy();
    const res = await t.request({
      method: 'GET',
      path: `/${type.group ? `apis/${type.group}` : 'api'}/${type.version}${type.namespaced ? '/namespaces/default' : ''}/${type.plural}`,
      headers: { Accept: TABLE },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).rows).toHaveLength(1);
  });
});

describe('pods/ephemeralcontainers', () => {
  it('adds ephemeral containers and refuses changing them', async () => {
    await t.client.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debugme', namespace: 'default' },
      spec: { containers: [container] },
    });
    const path = '/api/v1/namespaces/default/pods/debugme/ephemeralcontainers';
    const dbg = {
      name: 'debugger',
      image: 'skiff-test/busybox:2',
      targetContainerName: 'app',
      stdin: true,
      tty: true,
    };
    const res = await t.request({
      method: 'PATCH',
      path,
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
      body: JSON.stringify({ spec: { ephemeralContainers: [dbg] } }),
    });
    expect(res.status).toBe(200);
    const pod = JSON.parse(res.body) as Obj;
    expect(pod.spec.ephemeralContainers[0]).toMatchObject({
      ...dbg,
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
    });
    const got = await t.request({ method: 'GET', path });
    expect(JSON.parse(got.body).spec.ephemeralContainers).toHaveLength(1);
    const change = await t.request({
      method: 'PATCH',
      path,
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
      body: JSON.stringify({ spec: { ephemeralContainers: [{ ...dbg, image: 'other' }] } }),
    });
    expect(change.status).toBe(422);
    const dup = await t.request({
      method: 'PATCH',
      path,
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
      body: JSON.stringify({ spec: { ephemeralContainers: [{ name: 'app', image: 'x' }] } }),
    });
    expect(dup.status).toBe(422);
    expect(JSON.parse(dup.body).details.causes[0]).toMatchObject({ reason: 'FieldValueDuplicate' });
  });
});

describe('more field selectors', () => {
  it('replicasets by status.replicas, jobs by status.successful', async () => {
    const rs = await t.client.list(R.replicasets, {
      namespace: 'default',
      fieldSelector: 'status.replicas=0',
    });
    expect(rs.items).toEqual([]);
    const jobs = await t.client.list(R.jobs, { namespace: 'default', fieldSelector: 'status.successful=0' });
    expect(jobs.items.map((j) => j.metadata.name)).toContain('pi');
    const none = await t.client.list(R.jobs, { namespace: 'default', fieldSelector: 'status.successful=1' });
    expect(none.items).toEqual([]);
  });
});
