import { afterEach, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject, Node, Pod } from '../../../src-main/common/types';
import { SCHEDULING_ANNOTATION, parseSchedulingDecision } from '../../../src-main/common/scheduling-decision';
import { Scheduler } from '../../../src-main/control-plane/scheduler/scheduler';
import { FakeApi, FakeClock, settle } from '../helpers/fake-api';

const node = (name: string, memory: string): Node & KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: {} },
  spec: {},
  status: {
    allocatable: { cpu: '2', memory, pods: '110' },
    conditions: [{ type: 'Ready', status: 'True' }],
  },
});

describe('skiff.dev/scheduling annotation', () => {
  let sched: Scheduler | undefined;
  afterEach(async () => {
    await sched?.stop();
    sched = undefined;
  });

  it('publishes memory numbers once per outcome, and removes the annotation once bound', async () => {
    const clock = new FakeClock();
    const api = new FakeApi(clock);
    api.seed(R.nodes, node('n1', '1Gi'));
    sched = new Scheduler(api.client, { clock, holderIdentity: 't' });
    sched.start();
    await settle();
    api.seed(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'big', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { memory: '2Gi' } } }] },
    } as Pod & KubeObject);
    await settle();
    const p = api.getObject<Pod & KubeObject>(R.pods, 'default', 'big')!;
    const d = parseSchedulingDecision(p.metadata.annotations![SCHEDULING_ANNOTATION]);
    expect(d.nodes).toEqual([
      {
        node: 'n1',
        fit: false,
        reasons: [
          {
            plugin: 'NodeResourcesFit',
            message: 'Insufficient memory',
            resource: 'memory',
            requested: 2 ** 31,
            allocatable: 2 ** 30,
            used: 0,
          },
        ],
      },
    ]);
    const patches = () => api.writesOf('patch', 'pods').length;
    expect(patches()).toBe(1);
    await clock.advance(5000);
    await settle();
    expect(patches()).toBe(1);
    api.seed(R.nodes, node('n2', '8Gi'));
    await settle();
    const bound = api.getObject<Pod & KubeObject>(R.pods, 'default', 'big')!;
    expect(bound.spec!.nodeName).toBe('n2');
    expect(bound.metadata.annotations?.[SCHEDULING_ANNOTATION]).toBeUndefined();
  });

  it('refuses malformed annotations with the field named', () => {
    expect(() => parseSchedulingDecision('{')).toThrow(/not JSON/);
    expect(() =>
      parseSchedulingDecision(
        JSON.stringify({
          version: 1,
          attemptTime: '2026-01-01T00:00:00Z',
          message: '',
          nodes: [{ node: 'n', fit: 'no', reasons: [] }],
        }),
      ),
    ).toThrow(/nodes\[0\]\.fit must be a boolean/);
  });
});
