// The pod-to-node matching rules the scheduler and the DaemonSet controller share.
import { describe, expect, it } from 'vitest';
import type { Node, NodeSelectorRequirement, PodSpec, Toleration } from 'kubernetes-types/core/v1';
import {
  matchesNodeSelectorAndAffinity,
  requirementMatches,
  tolerates,
  untoleratedTaint,
} from '../../src-main/common/scheduling';

const node = (labels: Record<string, string>, taints: Node['spec'] = {}): Node => ({
  metadata: { name: 'n1', labels },
  spec: taints,
});

describe('requirementMatches', () => {
  const rows: [NodeSelectorRequirement, string | undefined, boolean][] = [
    [{ key: 'k', operator: 'In', values: ['a', 'b'] }, 'b', true],
    [{ key: 'k', operator: 'In', values: ['a'] }, undefined, false],
    [{ key: 'k', operator: 'NotIn', values: ['a'] }, 'b', true],
    [{ key: 'k', operator: 'NotIn', values: ['a'] }, undefined, true],
    [{ key: 'k', operator: 'NotIn', values: ['a'] }, 'a', false],
    [{ key: 'k', operator: 'Exists' }, '', true],
    [{ key: 'k', operator: 'Exists' }, undefined, false],
    [{ key: 'k', operator: 'DoesNotExist' }, undefined, true],
    [{ key: 'k', operator: 'Gt', values: ['3'] }, '4', true],
    [{ key: 'k', operator: 'Gt', values: ['3'] }, '3', false],
    [{ key: 'k', operator: 'Lt', values: ['3'] }, '2', true],
    [{ key: 'k', operator: 'Bogus' }, 'x', false],
  ];
  it.each(rows)('%j on %s → %s', (r, v, want) => expect(requirementMatches(r, v)).toBe(want));
});

describe('tolerations', () => {
  const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const rows: [Toleration, boolean][] = [
    [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, true],
    [{ key: 'dedicated', operator: 'Equal', value: 'cpu', effect: 'NoSchedule' }, false],
    [{ key: 'dedicated', operator: 'Exists' }, true],
    [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, false],
    [{ operator: 'Exists' }, true],
    [{ operator: 'Equal', value: 'gpu' }, false],
  ];
  it.each(rows)('%j tolerates the taint: %s', (t, want) => expect(tolerates(t, taint)).toBe(want));

  it('only NoSchedule and NoExecute taints count', () => {
    const n = node({}, { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }, taint] });
    expect(untoleratedTaint([], n)).toEqual(taint);
    expect(untoleratedTaint([{ key: 'dedicated', operator: 'Exists' }], n)).toBeUndefined();
  });
});

describe('matchesNodeSelectorAndAffinity', () => {
  const aff = (terms: unknown[]): PodSpec =>
    ({
      containers: [],
      affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
      },
    }) as PodSpec;

  it('needs every nodeSelector label', () => {
    const spec = { containers: [], nodeSelector: { disk: 'ssd', zone: 'a' } };
    expect(matchesNodeSelectorAndAffinity(spec, node({ disk: 'ssd', zone: 'a' }))).toBe(true);
    expect(matchesNodeSelectorAndAffinity(spec, node({ disk: 'ssd' }))).toBe(false);
  });

  it('ORs terms, ANDs the requirements inside a term, and matches metadata.name by field', () => {
    const spec = aff([
      {
        matchExpressions: [
          { key: 'disk', operator: 'In', values: ['ssd'] },
          { key: 'zone', operator: 'Exists' },
        ],
      },
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
    ]);
    expect(matchesNodeSelectorAndAffinity(spec, node({ disk: 'ssd' }))).toBe(true); // by name
    const other = { ...node({ disk: 'ssd' }), metadata: { name: 'n2', labels: { disk: 'ssd' } } };
    expect(matchesNodeSelectorAndAffinity(spec, other)).toBe(false);
    expect(
      matchesNodeSelectorAndAffinity(spec, {
        ...other,
        metadata: { name: 'n2', labels: { disk: 'ssd', zone: 'b' } },
      }),
    ).toBe(true);
  });

  it('no spec, no terms: any node', () => {
    expect(matchesNodeSelectorAndAffinity(undefined, node({}))).toBe(true);
    expect(matchesNodeSelectorAndAffinity(aff([]), node({}))).toBe(true);
  });
});
