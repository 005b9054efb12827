import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../../src-renderer/models/kube';
import {
  nodeImagePull,
  nodeReadiness,
  nodeRequests,
  nodeStatusText,
  percentOf,
} from '../../../src-renderer/models/node';
import { formatAge, formatBytes, formatCpu, parseQuantity } from '../../../src-renderer/models/format';

const node: Node = {
  metadata: { name: 'n1' },
  spec: { unschedulable: true },
  status: {
    allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    conditions: [
      { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'Docker is not reachable' },
    ],
  },
};

function pod(
  name: string,
  nodeName: string,
  phase: string,
  res: { requests?: Record<string, string>; limits?: Record<string, string> },
): Pod {
  return {
    metadata: { name, namespace: 'd' },
    spec: { nodeName, containers: [{ name: 'c', resources: res }] },
    status: { phase },
  };
}

describe('node model', () => {
  it('says NotReady with the reason, and SchedulingDisabled like kubectl', () => {
    expect(nodeReadiness(node)).toMatchObject({
      ready: false,
      label: 'NotReady',
      reason: 'KubeletNotReady',
      message: 'Docker is not reachable',
      tone: 'error',
    });
    expect(nodeStatusText(node)).toBe('NotReady,SchedulingDisabled');
  });

  it('sums requests of live pods on the node, limits standing in for missing requests', () => {
    const pods = [
      pod('a', 'n1', 'Running', { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1' } }),
      pod('b', 'n1', 'Pending', { limits: { cpu: '500m', memory: '256Mi' } }),
      pod('c', 'n1', 'Succeeded', { requests: { cpu: '1', memory: '1Gi' } }),
      pod('d', 'other', 'Running', { requests: { cpu: '1' } }),
    ];
    const r = nodeRequests(node, pods);
    expect(r.pods).toBe(2);
    expect(r.cpu).toBeCloseTo(0.75);
    expect(r.memory).toBe(384 * 2 ** 20);
    expect(percentOf(r.cpu, '2')).toBe('38%');
    expect(percentOf(r.memory, '4Gi')).toBe('9%');
  });

  it('parses and formats quantities and ages', () => {
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(Number.isNaN(parseQuantity('12 MB'))).toBe(true);
    expect(formatCpu('1900m')).toBe('1.90 cores');
    expect(formatCpu('250m')).toBe('250m');
    expect(formatBytes('16318936Ki')).toBe('15.6 GiB');
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatAge('2026-01-01T11:59:15Z', now)).toBe('45s');
    expect(formatAge('2026-01-01T11:55:30Z', now)).toBe('4m30s');
    expect(formatAge('2026-01-01T09:00:00Z', now)).toBe('3h');
    expect(formatAge('2025-12-29T12:00:00Z', now)).toBe('3d');
  });
});

describe('node image pull mode', () => {
  const withMode = (v?: string): Node => ({
    metadata: { name: 'n', annotations: v ? { 'skiff.dev/image-pull': v } : {} },
  });
  it('reads the kubelet annotation and says how to change it', () => {
    expect(nodeImagePull(withMode('fallback')).mode).toBe('fallback');
    expect(nodeImagePull(withMode('fallback')).summary).toContain('runs that image');
    expect(nodeImagePull(withMode('strict')).mode).toBe('strict');
    expect(nodeImagePull(withMode('strict')).summary).toContain('ErrImagePull');
    expect(nodeImagePull(withMode('strict')).howToChange).toContain('--image-pull strict');
    expect(nodeImagePull(withMode('weird')).mode).toBe('unknown');
    expect(nodeImagePull(withMode()).mode).toBe('unknown');
    expect(nodeImagePull(undefined).mode).toBe('unknown');
  });
});
