import { describe, expect, it } from 'vitest';
import {
  containerRows,
  fitsOnNodes,
  nodeAllocations,
  quotaLines,
  resourcesPatch,
  validateEdit,
} from '../../../src-renderer/models/resources';
import type { Node, Pod } from '../../../src-renderer/models/kube';

const node = (name: string, cpu: string, memory: string, extra: Partial<Node['spec']> = {}): Node => ({
  metadata: { name },
  spec: { ...extra },
  status: { allocatable: { cpu, memory, pods: '110' } },
});
const pod = (
  name: string,
  nodeName: string,
  res: Record<string, Record<string, string>>,
  status: object = {},
): Pod => ({
  metadata: { name, namespace: 'ns' },
  spec: { nodeName, containers: [{ name: 'app', image: 'x', resources: res }] },
  status: { phase: 'Running', ...status },
});

describe('resources model', () => {
  it('computes usage percentages of requests and limits, and flags', () => {
    const p = pod(
      'a',
      'n1',
      { requests: { cpu: '100m' }, limits: { cpu: '200m', memory: '64Mi' } },
      {
        containerStatuses: [
          {
            name: 'app',
            ready: true,
            restartCount: 2,
            image: 'x',
            imageID: '',
            lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
          },
        ],
      },
    );
    const metrics = new Map([
      [
        'ns/a',
        {
          metadata: { name: 'a', namespace: 'ns' },
          containers: [{ name: 'app', usage: { cpu: '190000000n', memory: '32768Ki' } }],
        },
      ],
    ]);
    const [r] = containerRows([p], metrics);
    expect(r.cpuOfRequest).toBeCloseTo(190);
    expect(r.cpuOfLimit).toBeCloseTo(95);
    expect(r.memOfLimit).toBeCloseTo(50);
    // memory request defaults to the limit
    expect(r.memOfRequest).toBeCloseTo(50);
    expect(r).toMatchObject({ oomKilled: true, throttled: true, noLimits: false, restarts: 2 });
    const [bare] = containerRows([pod('b', 'n1', {})], new Map());
    expect(bare.noLimits).toBe(true);
    expect(Number.isNaN(bare.cpuOfLimit)).toBe(true);
  });

  it('checks the fit as the scheduler would: allocatable minus others, replaced pods freed', () => {
    const nodes = [node('n1', '2', '1Gi'), node('n2', '1', '512Mi', { unschedulable: true })];
    const pods = [
      pod('a', 'n1', { requests: { cpu: '1', memory: '256Mi' } }),
      pod('b', 'n1', { limits: { cpu: '500m', memory: '256Mi' } }),
    ];
    // 500m and 512Mi left on n1; n2 is cordoned
    let r = fitsOnNodes(nodes, pods, { cpu: 0.25, memory: 128 * 2 ** 20 }, 2);
    expect(r.fits).toBe(true);
    expect(r.nodes[0].count).toBe(2);
    expect(r.nodes[1]).toMatchObject({ count: 0, reason: 'cordoned' });
    r = fitsOnNodes(nodes, pods, { cpu: 1, memory: 128 * 2 ** 20 }, 1);
    expect(r).toMatchObject({ fits: false, placeable: 0 });
    expect(r.nodes[0].reason).toBe('Insufficient cpu');
    // Replacing pod a (its template changes) frees its request.
    r = fitsOnNodes(nodes, pods, { cpu: 1, memory: 128 * 2 ** 20 }, 1, new Set(['ns/a']));
    expect(r.fits).toBe(true);
    const [alloc] = nodeAllocations(
      nodes,
      pods,
      new Map([['n1', { metadata: { name: 'n1' }, usage: { cpu: '250m', memory: '100Mi' } }]]),
    );
    expect(alloc).toMatchObject({
      pods: 2,
      requests: { cpu: 1.5, memory: 512 * 2 ** 20 },
      limits: { cpu: 0.5 },
      used: { cpu: 0.25 },
    });
  });

  it('patches resources by container name, clearing removed fields with null', () => {
    expect(
      resourcesPatch(
        'app',
        { cpuRequest: '100m', cpuLimit: '', memoryRequest: '', memoryLimit: '64Mi' },
        true,
      ),
    ).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                resources: { requests: { cpu: '100m', memory: null }, limits: { cpu: null, memory: '64Mi' } },
              },
            ],
          },
        },
      },
    });
    expect(validateEdit({ cpuRequest: '2', cpuLimit: '1', memoryRequest: 'x', memoryLimit: '1Mi' })).toEqual({
      cpuRequest: 'Must not exceed the limit.',
      memoryRequest: 'A memory quantity like 128Mi.',
      memoryLimit: 'Docker needs at least 6Mi.',
    });
  });

  it('turns quota status into bars', () => {
    expect(
      quotaLines({
        status: { hard: { 'requests.cpu': '2', pods: '10' }, used: { 'requests.cpu': '500m', pods: '3' } },
      }),
    ).toEqual([
      { resource: 'pods', used: 3, hard: 10, usedText: '3', hardText: '10', pct: 30 },
      { resource: 'requests.cpu', used: 0.5, hard: 2, usedText: '500m', hardText: '2', pct: 25 },
    ]);
  });
});
