import { afterEach, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject, Node, Pod } from '../../../src-main/common/types';
import {
  buildNodeInfos,
  filterNode,
  fitErrorMessage,
  podRequests,
  scoreNode,
} from '../../../src-main/control-plane/scheduler/filters';
import { Scheduler } from '../../../src-main/control-plane/scheduler/scheduler';
import { FakeApi, FakeClock, settle } from '../helpers/fake-api';

function node(
  name: string,
  opts: {
    cpu?: string;
    memory?: string;
    pods?: string;
    ready?: boolean;
    labels?: Record<string, string>;
    unschedulable?: boolean;
    taints?: any[];
  } = {},
): Node & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: { unschedulable: opts.unschedulable, taints: opts.taints },
    status: {
      allocatable: { cpu: opts.cpu ?? '2', memory: opts.memory ?? '4Gi', pods: opts.pods ?? '110' },
      capacity: { cpu: opts.cpu ?? '2', memory: opts.memory ?? '4Gi', pods: opts.pods ?? '110' },
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

function pod(
  name: string,
  res: { requests?: Record<string, string>; limits?: Record<string, string> } = {},
  extra: Record<string, unknown> = {},
): Pod & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: res }], ...extra },
  } as Pod & KubeObject;
}

describe('scheduler filters and scoring', () => {
  it('computes requests: limits default requests, init containers use the max rule', () => {
    const p: Pod = {
      spec: {
        containers: [
          { name: 'a', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
          { name: 'b', resources: { limits: { cpu: '200m', memory: '1Gi' } } },
        ],
        initContainers: [{ name: 'i', resources: { requests: { cpu: '500m' } } }],
      },
    };
    expect(podRequests(p)).toEqual({ milliCpu: 500, memory: 64 * 2 ** 20 + 2 ** 30, pods: 1 });
    expect(podRequests({ spec: { containers: [{ name: 'x' }] } }, true)).toEqual({
      milliCpu: 100,
      memory: 200 * 2 ** 20,
      pods: 1,
    });
  });

  it('filters on readiness, unschedulable, taints, nodeSelector, pods and resources, ignoring terminal pods', () => {
    const big = pod('big', { requests: { cpu: '3' } });
    const infos = buildNodeInfos([node('n1')], []);
    expect(filterNode(big, infos.get('n1')!)).toEqual({ reasons: ['Insufficient cpu'], unresolvable: false });
    const bound = {
      ...pod('x', { requests: { cpu: '1500m', memory: '3Gi' } }),
      spec: {
        ...pod('x').spec!,
        nodeName: 'n1',
        containers: pod('x', { requests: { cpu: '1500m', memory: '3Gi' } }).spec!.containers,
      },
    };
    const done = {
      ...bound,
      metadata: { name: 'done', namespace: 'default' },
      status: { phase: 'Succeeded' },
    };
    const i2 = buildNodeInfos([node('n1')], [bound as Pod, done as Pod]);
    expect(i2.get('n1')!.requested.milliCpu).toBe(1500);
    expect(
      filterNode(pod('p', { requests: { cpu: '600m', memory: '2Gi' } }), i2.get('n1')!)!.reasons,
    ).toEqual(['Insufficient cpu', 'Insufficient memory']);
    expect(filterNode(pod('p', { requests: { cpu: '500m' } }), i2.get('n1')!)).toBeUndefined();
    expect(
      filterNode(pod('p'), buildNodeInfos([node('n', { ready: false })], []).get('n')!)!.reasons,
    ).toEqual(['node(s) not ready']);
    expect(
      filterNode(pod('p'), buildNodeInfos([node('n', { unschedulable: true })], []).get('n')!)!.reasons,
    ).toEqual(['node(s) were unschedulable']);
    const tainted = buildNodeInfos(
      [node('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })],
      [],
    ).get('n')!;
    expect(filterNode(pod('p'), tainted)!.reasons).toEqual([
      'node(s) had untolerated taint {dedicated: gpu}',
    ]);
    expect(
      filterNode(
        pod(
          'p',
          {},
          { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] },
        ),
        tainted,
      ),
    ).toBeUndefined();
    expect(filterNode(pod('p', {}, { tolerations: [{ operator: 'Exists' }] }), tainted)).toBeUndefined();
    const sel = pod('p', {}, { nodeSelector: { disk: 'ssd' } });
    expect(filterNode(sel, buildNodeInfos([node('n')], []).get('n')!)!.reasons).toEqual([
      "node(s) didn't match Pod's node affinity/selector",
    ]);
    expect(
      filterNode(sel, buildNodeInfos([node('n', { labels: { disk: 'ssd' } })], []).get('n')!),
    ).toBeUndefined();
    const full = buildNodeInfos(
      [node('n', { pods: '1' })],
      [{ ...pod('o'), spec: { ...pod('o').spec!, nodeName: 'n' } }],
    ).get('n')!;
    expect(filterNode(pod('p'), full)!.reasons).toEqual(['Too many pods']);
  });

  it('filters on required node affinity (matchExpressions and matchFields metadata.name)', () => {
    const affinity = (terms: unknown[]) =>
      pod(
        'p',
        {},
        {
          affinity: {
            nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
          },
        },
      );
    const ssd = buildNodeInfos([node('n1', { labels: { disk: 'ssd' } })], []).get('n1')!;
    const hdd = buildNodeInfos([node('n2', { labels: { disk: 'hdd' } })], []).get('n2')!;
    const wantSsd = affinity([{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }]);
    expect(filterNode(wantSsd, ssd)).toBeUndefined();
    expect(filterNode(wantSsd, hdd)!.reasons).toEqual(["node(s) didn't match Pod's node affinity/selector"]);
    // A daemon pod pinned by matchFields fits only its own node.
    const pinned = affinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }]);
    expect(filterNode(pinned, hdd)).toBeUndefined();
    expect(filterNode(pinned, ssd)!.unresolvable).toBe(true);
    // Terms are ORed.
    const either = affinity([
      { matchExpressions: [{ key: 'disk', operator: 'In', values: ['nvme'] }] },
      { matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['ssd'] }] },
    ]);
    expect(filterNode(either, hdd)).toBeUndefined();
    expect(filterNode(either, ssd)).toBeDefined();
  });

  it('scores least-allocated nodes higher', () => {
    const infos = buildNodeInfos(
      [node('busy'), node('idle')],
      [
        {
          ...pod('o', { requests: { cpu: '1', memory: '2Gi' } }),
          spec: { ...pod('o', { requests: { cpu: '1', memory: '2Gi' } }).spec!, nodeName: 'busy' },
        },
      ],
    );
    const p = pod('p', { requests: { cpu: '200m', memory: '400Mi' } });
    expect(scoreNode(p, infos.get('idle')!)).toBeGreaterThan(scoreNode(p, infos.get('busy')!));
    expect(scoreNode(p, infos.get('idle')!)).toBe(
      Math.floor(((1800 / 2000) * 100 + ((4096 - 400) / 4096) * 100) / 2),
    );
  });

  it('words FitErrors like kube-scheduler', () => {
    expect(fitErrorMessage(1, [{ reasons: ['Insufficient cpu'], unresolvable: false }])).toBe(
      '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    );
    expect(
      fitErrorMessage(3, [
        { reasons: ['Insufficient cpu', 'Insufficient memory'], unresolvable: false },
        { reasons: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true },
        { reasons: ['Insufficient memory'], unresolvable: false },
      ]),
    ).toBe(
      "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    );
  });
});

describe('Scheduler', () => {
  let sched: Scheduler | undefined;
  afterEach(async () => {
    await sched?.stop();
    sched = undefined;
  });

  async function setup(nodes: (Node & KubeObject)[]) {
    const clock = new FakeClock();
    const api = new FakeApi(clock);
    for (const n of nodes) api.seed(R.nodes, n);
    sched = new Scheduler(api.client, { clock, holderIdentity: 'test' });
    sched.start();
    await settle();
    return { api, clock, sched };
  }

  it('binds a pod to the least-allocated fitting node and records Scheduled', async () => {
    const { api } = await setup([
      node('a', { cpu: '1' }),
      node('b', { cpu: '4' }),
      node('c', { cpu: '8', ready: false }),
    ]);
    api.seed(R.pods, pod('web', { limits: { cpu: '500m', memory: '128Mi' } }));
    await settle();
    const binds = api.writesOf('create', 'pods', 'binding');
    expect(binds).toHaveLength(1);
    expect(binds[0].body).toMatchObject({
      kind: 'Binding',
      metadata: { name: 'web' },
      target: { kind: 'Node', name: 'b' },
    });
    expect(api.getObject<Pod & KubeObject>(R.pods, 'default', 'web')!.spec!.nodeName).toBe('b');
    const ev = api.listObjects(R.events, 'default');
    expect(ev.map((e) => [e.reason, e.message])).toContainEqual([
      'Scheduled',
      'Successfully assigned default/web to b',
    ]);
  });

  it('accounts for pods it just bound, so two pods do not overcommit a node', async () => {
    const { api } = await setup([node('a', { cpu: '1' }), node('b', { cpu: '1' })]);
    api.seed(R.pods, pod('p1', { requests: { cpu: '700m' } }));
    api.seed(R.pods, pod('p2', { requests: { cpu: '700m' } }));
    await settle();
    const nodesUsed = ['p1', 'p2'].map(
      (n) => api.getObject<Pod & KubeObject>(R.pods, 'default', n)!.spec!.nodeName,
    );
    expect(new Set(nodesUsed)).toEqual(new Set(['a', 'b']));
  });

  it('keeps an unschedulable pod Pending with a condition and FailedScheduling, then retries when a node appears', async () => {
    const { api, clock } = await setup([node('n1', { cpu: '1' })]);
    api.seed(R.pods, pod('huge', { requests: { cpu: '4' } }));
    await settle();
    const msg =
      '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
    const p = api.getObject<Pod & KubeObject>(R.pods, 'default', 'huge')!;
    expect(p.spec!.nodeName).toBeUndefined();
    expect(p.status!.phase).toBe('Pending');
    expect(p.status!.conditions).toContainEqual(
      expect.objectContaining({
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: msg,
      }),
    );
    const ev = api.listObjects(R.events, 'default').find((e) => e.reason === 'FailedScheduling')!;
    expect(ev).toMatchObject({
      type: 'Warning',
      message: msg,
      involvedObject: { kind: 'Pod', name: 'huge' },
    });
    // Our own status write does not cause a hot loop of status writes.
    const statusWrites = api.writesOf('update', 'pods', 'status').length;
    await clock.advance(1000);
    expect(api.writesOf('update', 'pods', 'status').length).toBe(statusWrites);
    expect(api.writesOf('create', 'pods', 'binding')).toHaveLength(0);
    api.seed(R.nodes, node('n2', { cpu: '8' }));
    await settle();
    expect(api.getObject<Pod & KubeObject>(R.pods, 'default', 'huge')!.spec!.nodeName).toBe('n2');
  });

  it('retries when a bound pod is deleted and frees room', async () => {
    const { api } = await setup([node('n1', { cpu: '1' })]);
    api.seed(R.pods, {
      ...pod('old', { requests: { cpu: '800m' } }),
      spec: { ...pod('old', { requests: { cpu: '800m' } }).spec!, nodeName: 'n1' },
    });
    api.seed(R.pods, pod('new', { requests: { cpu: '500m' } }));
    await settle();
    expect(api.getObject<Pod & KubeObject>(R.pods, 'default', 'new')!.spec!.nodeName).toBeUndefined();
    api.remove(R.pods, 'default', 'old');
    await settle();
    expect(api.getObject<Pod & KubeObject>(R.pods, 'default', 'new')!.spec!.nodeName).toBe('n1');
  });

  it('ignores pods of other schedulers and renews its Lease', async () => {
    const { api, clock } = await setup([node('n1')]);
    api.seed(R.pods, pod('other', {}, { schedulerName: 'my-scheduler' }));
    await settle();
    expect(api.writesOf('create', 'pods', 'binding')).toHaveLength(0);
    const lease = api.getObject<any>(R.leases, 'kube-system', 'kube-scheduler')!;
    expect(lease.spec).toMatchObject({ holderIdentity: 'test', leaseDurationSeconds: 15 });
    const first = lease.spec.renewTime;
    await clock.advance(10_000);
    const renewed = api.getObject<any>(R.leases, 'kube-system', 'kube-scheduler')!;
    expect(renewed.spec.renewTime).not.toBe(first);
    expect(Date.parse(renewed.spec.renewTime)).toBe(clock.now());
  });
});
