import { describe, expect, it } from 'vitest';
import {
  containerResources,
  expandVars,
  parseQuantity,
  pullPolicy,
  qosClass,
} from '../../../src-main/control-plane/kubelet/pod-spec';

describe('pod-spec helpers', () => {
  it('parses quantities', () => {
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('128Mi')).toBe(128 * 2 ** 20);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('12x')).toBeNaN();
  });
  it('maps resources like kuberuntime', () => {
    expect(containerResources({ name: 'a', resources: { limits: { cpu: '250m', memory: '64Mi' } } })).toEqual(
      {
        memoryBytes: 64 * 2 ** 20,
        nanoCpus: 250_000_000,
        cpuShares: 256,
      },
    );
    expect(containerResources({ name: 'a' })).toEqual({ cpuShares: 2 });
  });
  it('expands $(VAR) like Kubernetes', () => {
    const vars = new Map([['A', 'x']]);
    expect(expandVars('$(A)-$(B)-$$(A)-$', vars)).toBe('x-$(B)-$(A)-$');
  });
  it('derives QoS class and pull policy', () => {
    const pod = (resources: object) => ({ metadata: {}, spec: { containers: [{ name: 'a', resources }] } });
    expect(qosClass(pod({}))).toBe('BestEffort');
    expect(qosClass(pod({ limits: { cpu: '1', memory: '1Gi' } }))).toBe('Guaranteed');
    expect(qosClass(pod({ requests: { cpu: '1' } }))).toBe('Burstable');
    expect(pullPolicy({ name: 'a', image: 'busybox' })).toBe('Always');
    expect(pullPolicy({ name: 'a', image: 'localhost:5000/busybox:1' })).toBe('IfNotPresent');
  });
});
