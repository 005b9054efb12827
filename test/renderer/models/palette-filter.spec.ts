/** Pure models behind the palette, list filters, kind columns, workloads and the status bar. */
import { describe, expect, it } from 'vitest';
import { fuzzyScore, rankItems, type PaletteItem } from '../../../src-renderer/models/palette';
import { matchesLabels, matchesText, parseLabelSelector } from '../../../src-renderer/models/filter';
import { KINDS, percent } from '../../../src-renderer/models/kinds';
import { objectRoute } from '../../../src-renderer/models/kinds-routes';
import {
  drainablePods,
  restartPatch,
  revisionsOf,
  rollbackPatch,
  workloadSummary,
} from '../../../src-renderer/models/workload';
import { cpuPercent } from '../../../src-renderer/stores/process';
import type { KubeObject, Pod, ReplicaSet, Service } from '../../../src-renderer/models/kube';

describe('palette ranking', () => {
  const items: PaletteItem[] = [
    { id: 'page:pods', label: 'Pods', group: 'Pages' },
    { id: 'obj:web', label: 'web-7d9f', group: 'Objects', hint: 'Pod · default' },
    { id: 'obj:db', label: 'db', group: 'Objects', hint: 'StatefulSet · data' },
    { id: 'act:deploy', label: 'Deploy a container', group: 'Actions', keywords: 'new create run' },
  ];
  it('prefers exact, then prefix, then substring, then subsequence; misses are dropped', () => {
    expect(fuzzyScore('db', 'db')).toBeGreaterThan(fuzzyScore('dbx', 'db'));
    expect(fuzzyScore('deploy', 'dep')).toBeGreaterThan(fuzzyScore('my-deploy', 'dep'));
    expect(fuzzyScore('web-7d9f', '79')).toBeGreaterThanOrEqual(0);
    expect(fuzzyScore('web', 'xyz')).toBe(-1);
    expect(rankItems(items, 'db').map((i) => i.id)[0]).toBe('obj:db');
    expect(rankItems(items, 'create').map((i) => i.id)).toEqual(['act:deploy']);
    expect(rankItems(items, 'pod').map((i) => i.id)[0]).toBe('page:pods');
    expect(rankItems(items, '')).toHaveLength(4);
  });
});

describe('list filters', () => {
  it('parses kubectl label selectors and matches them', () => {
    const reqs = parseLabelSelector('app=web, tier!=db,env in (a, b),!legacy,track');
    expect(reqs).toHaveLength(5);
    expect(matchesLabels({ app: 'web', env: 'a', track: 'x' }, reqs)).toBe(true);
    expect(matchesLabels({ app: 'web', env: 'c', track: 'x' }, reqs)).toBe(false);
    expect(matchesLabels({ app: 'web', env: 'a', track: 'x', legacy: '1' }, reqs)).toBe(false);
    expect(() => parseLabelSelector('app=(')).not.toThrow();
    expect(() => parseLabelSelector('=x')).toThrow(/not a label selector/);
  });
  it('text terms all match; key=value terms are label terms', () => {
    expect(matchesText('web default running', { app: 'web' }, 'web run')).toBe(true);
    expect(matchesText('web default running', { app: 'web' }, 'web app=db')).toBe(false);
    expect(matchesText('web default running', { app: 'web' }, 'app=web')).toBe(true);
  });
});

describe('kinds', () => {
  it('service columns; the address column waits for the proxy, never guesses from the spec', () => {
    const svc = {
      metadata: { name: 's', namespace: 'd' },
      spec: {
        type: 'NodePort',
        clusterIP: '10.96.0.9',
        ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }],
      },
    } as Service;
    const cols = Object.fromEntries(KINDS.services.columns.map((c) => [c.key, c.value(svc, { now: 0 })]));
    expect(cols).toMatchObject({
      type: 'NodePort',
      clusterip: '10.96.0.9',
      ports: '80:30080/TCP',
      externalip: '<none>',
    });
    expect(cols.reachable).toBe('127.0.0.1:30080 (waiting)');
    const reachable = KINDS.services.columns.find((c) => c.key === 'reachable')!;
    const clusterIp = { ...svc, spec: { ...svc.spec, type: 'ClusterIP' } } as Service;
    expect(reachable.value(clusterIp, { now: 0 })).toBe('');
    const listening = {
      ...svc,
      metadata: {
        ...svc.metadata,
        annotations: {
          'skiff.dev/host-listeners': JSON.stringify([
            {
              port: 80,
              kind: 'NodePort',
              address: '127.0.0.1:30080',
              url: 'http://127.0.0.1:30080/',
              state: 'Listening',
            },
          ]),
        },
      },
    } as Service;
    expect(reachable.value(listening, { now: 0 })).toBe('http://127.0.0.1:30080/');
    expect(reachable.chips!(listening)[0].url).toBe('http://127.0.0.1:30080/');
  });
  it('pod %CPU/R and %MEM/L from usage', () => {
    const pod = {
      metadata: { name: 'p', namespace: 'd' },
      spec: {
        containers: [
          { name: 'a', resources: { requests: { cpu: '100m' }, limits: { cpu: '200m', memory: '64Mi' } } },
        ],
      },
    } as unknown as Pod;
    const ctx = { now: 0, podUsage: new Map([['d/p', { cpu: 0.05, memory: 32 * 2 ** 20 }]]) };
    const col = (k: string) => KINDS.pods.columns.find((c) => c.key === k)!.value(pod, ctx);
    expect([col('cpuR'), col('cpuL'), col('memR'), col('memL')]).toEqual(['50%', '25%', '50%', '50%']);
    expect(percent(1, 0)).toBe('');
  });
  it('routes objects to their pages', () => {
    expect(objectRoute('Deployment', 'd', 'w')).toEqual({
      name: 'deployment',
      params: { namespace: 'd', name: 'w' },
    });
    expect(objectRoute('ConfigMap', 'd', 'c')).toEqual({
      name: 'object',
      params: { plural: 'configmaps', namespace: 'd', name: 'c' },
    });
    expect(objectRoute('Node', undefined, 'n')).toEqual({ name: 'node', params: { name: 'n' } });
  });
});

describe('workloads', () => {
  const dep = {
    metadata: {
      name: 'web',
      namespace: 'd',
      uid: 'u1',
      annotations: { 'deployment.kubernetes.io/revision': '2' },
    },
    spec: { replicas: 3 },
    status: { readyReplicas: 1, updatedReplicas: 3, availableReplicas: 1 },
  } as unknown as KubeObject;
  const rs = (rev: string, image: string) =>
    ({
      metadata: {
        name: `web-${rev}`,
        namespace: 'd',
        uid: `rs${rev}`,
        annotations: { 'deployment.kubernetes.io/revision': rev },
        ownerReferences: [{ uid: 'u1', controller: true, kind: 'Deployment', name: 'web' }],
      },
      spec: {
        template: {
          metadata: { labels: { app: 'web', 'pod-template-hash': 'h' + rev } },
          spec: { containers: [{ name: 'a', image }] },
        },
      },
      status: { replicas: rev === '2' ? 3 : 0 },
    }) as unknown as ReplicaSet;
  it('summarises rollout progress', () => {
    expect(workloadSummary('Deployment', dep)).toMatchObject({
      desired: 3,
      ready: 1,
      state: 'Updating',
      tone: 'warning',
      progress: 33,
    });
  });
  it('lists revisions newest first and rolls back with the old template minus pod-template-hash', () => {
    const revs = revisionsOf('Deployment', dep, [rs('1', 'img:1'), rs('2', 'img:2')], []);
    expect(revs.map((r) => [r.revision, r.current, r.images[0]])).toEqual([
      [2, true, 'img:2'],
      [1, false, 'img:1'],
    ]);
    const patch = rollbackPatch(revs[1].template) as { value: { metadata: { labels: object } } }[];
    expect(patch[0].value.metadata.labels).toEqual({ app: 'web' });
    expect(restartPatch(new Date(0))).toEqual({
      spec: {
        template: {
          metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '1970-01-01T00:00:00.000Z' } },
        },
      },
    });
  });
  it('drain skips DaemonSet, mirror and finished pods', () => {
    const p = (name: string, extra: object = {}) =>
      ({
        metadata: { name, namespace: 'd' },
        spec: { nodeName: 'n1', containers: [] },
        status: { phase: 'Running' },
        ...extra,
      }) as unknown as Pod;
    const pods = [
      p('keep'),
      p('ds', { metadata: { name: 'ds', ownerReferences: [{ kind: 'DaemonSet', controller: true }] } }),
      p('done', { status: { phase: 'Succeeded' } }),
      { ...p('other'), spec: { nodeName: 'n2', containers: [] } } as Pod,
    ];
    expect(drainablePods('n1', pods).map((x) => x.metadata.name)).toEqual(['keep']);
  });
});

describe('process CPU', () => {
  it('is the cpuUsage delta over wall time', () => {
    const a = {
      pid: 1,
      uptimeSeconds: 1,
      cpuUserMicros: 0,
      cpuSystemMicros: 0,
      rssBytes: 1,
      heapUsedBytes: 1,
      sampledAt: '2024-01-01T00:00:00.000Z',
    };
    const b = {
      ...a,
      cpuUserMicros: 400_000,
      cpuSystemMicros: 100_000,
      sampledAt: '2024-01-01T00:00:05.000Z',
    };
    expect(cpuPercent(a, b)).toBeCloseTo(10);
    expect(cpuPercent(undefined, b)).toBeUndefined();
    expect(cpuPercent({ ...a, pid: 2 }, b)).toBeUndefined();
  });
});
