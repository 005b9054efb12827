import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  cidrsOverlap,
  clusterNetworkForSlot,
  intToIp,
  ipToInt,
  parseCidr,
} from '../../src-main/common/network';

describe('clusterNetworkForSlot', () => {
  it('slot 0 is the plan of the contract', () => {
    expect(clusterNetworkForSlot(0, 'skiff-x')).toEqual({
      name: 'skiff-x',
      slot: 0,
      subnet: '10.96.0.0/20',
      serviceCidr: '10.96.0.0/21',
      podRange: '10.96.8.0/21',
      gateway: '10.96.15.254',
      kubernetesIP: '10.96.0.1',
      dnsIP: '10.96.0.10',
      agentIP: '10.96.7.254',
      clusterDomain: 'cluster.local',
    });
  });

  it('slots step by /20 and the last slot ends at 10.111.255.255', () => {
    const one = clusterNetworkForSlot(1, 'n');
    expect([one.subnet, one.serviceCidr, one.podRange, one.gateway, one.agentIP]).toEqual([
      '10.96.16.0/20',
      '10.96.16.0/21',
      '10.96.24.0/21',
      '10.96.31.254',
      '10.96.23.254',
    ]);
    const last = clusterNetworkForSlot(255, 'n');
    expect(last.subnet).toBe('10.111.240.0/20');
    expect(last.gateway).toBe('10.111.255.254');
    expect(last.dnsIP).toBe('10.111.240.10');
  });

  it('every address sits where it belongs', () => {
    for (const slot of [0, 7, 128, 255]) {
      const n = clusterNetworkForSlot(slot, 'n');
      for (const ip of [n.kubernetesIP, n.dnsIP, n.agentIP])
        expect(cidrContains(n.serviceCidr, ip)).toBe(true);
      expect(cidrContains(n.podRange, n.gateway)).toBe(true);
      expect(cidrsOverlap(n.serviceCidr, n.podRange)).toBe(false);
      expect(cidrContains(n.subnet, intToIp(ipToInt(n.gateway) + 1))).toBe(true); // broadcast stays in
    }
  });

  it('rejects slots outside 0..255', () => {
    for (const bad of [-1, 256, 1.5, Number.NaN])
      expect(() => clusterNetworkForSlot(bad, 'n')).toThrow(/slot/);
  });
});

describe('address helpers', () => {
  it('round-trips addresses', () => {
    expect(ipToInt('10.96.0.1')).toBe(0x0a600001);
    expect(intToIp(0xffffffff)).toBe('255.255.255.255');
    expect(intToIp(ipToInt('192.168.1.20'))).toBe('192.168.1.20');
  });
  it('rejects malformed addresses and CIDRs', () => {
    for (const bad of ['', '1.2.3', '1.2.3.256', 'a.b.c.d', '1.2.3.4.5', '01234.1.1.1']) {
      expect(() => ipToInt(bad)).toThrow(/IPv4/);
    }
    for (const bad of ['10.0.0.0', '10.0.0.0/33', 'x/8']) expect(() => parseCidr(bad)).toThrow(/IPv4/);
  });
  it('masks host bits and tests containment and overlap', () => {
    expect(parseCidr('10.96.3.7/21')).toEqual({ base: ipToInt('10.96.0.0'), size: 2048, prefix: 21 });
    expect(cidrContains('10.96.0.0/21', '10.96.7.255')).toBe(true);
    expect(cidrContains('10.96.0.0/21', '10.96.8.0')).toBe(false);
    expect(cidrsOverlap('10.0.0.0/8', '10.96.0.0/20')).toBe(true);
    expect(cidrsOverlap('10.96.0.0/21', '10.96.8.0/21')).toBe(false);
  });
});
