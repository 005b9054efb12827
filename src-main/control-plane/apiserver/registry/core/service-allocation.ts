/**
 * Service address allocation at admission (kube-apiserver's ipallocator and portallocator):
 * random unused ClusterIPs from the network's serviceCidr and NodePorts from the default range.
 */
import type { Service } from 'kubernetes-types/core/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../../common/resources';
import {
  clusterNetworkForSlot,
  intToIp,
  ipToInt,
  isIPv4,
  parseCidr,
  type ClusterNetwork,
} from '../../../../common/network';
import type { KubeObject } from '../../../../common/types';
import { invalid } from '../../status';
import type { AdmissionContext } from '../strategy';

/** kube-apiserver's default --service-node-port-range. */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };

/** The network a server without one uses (slot 0; see common/network.ts). */
const DEFAULT_NETWORK = clusterNetworkForSlot(0, 'none');

/**
 * The ClusterIP range of a network (its serviceCidr, kube-apiserver's
 * --service-cluster-ip-range): never the network or broadcast address, nor the network agent's.
 */
function serviceRange(net: ClusterNetwork): {
  base: number;
  size: number;
  cidr: string;
  reserved: Set<string>;
} {
  const { base, size } = parseCidr(net.serviceCidr);
  return { base, size, cidr: net.serviceCidr, reserved: new Set([net.agentIP]) };
}

function inServiceRange(ip: string, net: ClusterNetwork): boolean {
  if (!isIPv4(ip)) return false;
  const r = serviceRange(net);
  const n = ipToInt(ip);
  return n > r.base && n < r.base + r.size - 1 && !r.reserved.has(ip);
}

async function usedServiceAddresses(
  ctx: AdmissionContext,
  self?: KubeObject,
): Promise<{ ips: Set<string>; nodePorts: Set<number> }> {
  const net = ctx.network ?? DEFAULT_NETWORK;
  const ips = new Set<string>([net.kubernetesIP, net.agentIP]);
  const nodePorts = new Set<number>();
  for (const s of (await ctx.storage.list(R.services)).items) {
    if (self && s.metadata.uid === self.metadata.uid) continue;
    const spec = (s as unknown as Service).spec;
    for (const ip of [spec?.clusterIP, ...(spec?.clusterIPs ?? [])]) if (ip) ips.add(ip);
    for (const p of spec?.ports ?? []) if (p.nodePort) nodePorts.add(p.nodePort);
  }
  return { ips, nodePorts };
}

/** Allocates clusterIP and nodePorts like kube-apiserver's service REST storage (random, unused). */
export async function admitService(obj: KubeObject, ctx: AdmissionContext, old?: KubeObject): Promise<void> {
  const svc = obj as unknown as Service;
  const spec = svc.spec!;
  const prev = (old as unknown as Service | undefined)?.spec;
  const name = obj.metadata.name ?? '';
  const { ips, nodePorts } = await usedServiceAddresses(ctx, old);
  const net = ctx.network ?? DEFAULT_NETWORK;
  const range = serviceRange(net);
  const causes: StatusCause[] = [];
  if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer')
    (spec.ports ?? []).forEach((p, i) => {
      if (p.nodePort)
        causes.push({
          reason: 'FieldValueForbidden',
          field: `spec.ports[${i}].nodePort`,
          message: `Forbidden: may not be used when \`type\` is '${spec.type ?? 'ClusterIP'}'`,
        });
    });
  if (spec.type !== 'ExternalName') {
    if (spec.clusterIP && spec.clusterIP !== 'None' && spec.clusterIP === prev?.clusterIP) {
      // Kept from before: nothing to allocate.
    } else if (spec.clusterIP && spec.clusterIP !== 'None') {
      if (!inServiceRange(spec.clusterIP, net))
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'spec.clusterIPs',
          message: `Invalid value: ["${spec.clusterIP}"]: failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${range.cidr}`,
        });
      else if (ips.has(spec.clusterIP))
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'spec.clusterIPs',
          message: `Invalid value: ["${spec.clusterIP}"]: failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`,
        });
    } else if (!spec.clusterIP) {
      // Random and unused, like kube-apiserver's bitmap allocator; .1 and the broadcast
      // address are never handed out, nor the agent's address (reserved above).
      if (ips.size >= range.size - 2)
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'spec.clusterIPs',
          message: `failed to allocate a serviceIP: range is full (${range.cidr})`,
        });
      else {
        let n: number;
        do n = range.base + 1 + Math.floor(Math.random() * (range.size - 2));
        while (ips.has(intToIp(n)));
        spec.clusterIP = intToIp(n);
      }
    }
    if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
  }
  if (
    spec.type === 'NodePort' ||
    (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false)
  ) {
    (spec.ports ?? []).forEach((p, i) => {
      if (p.nodePort && (prev?.ports ?? []).some((q) => q.nodePort === p.nodePort)) {
        nodePorts.add(p.nodePort);
        return;
      }
      if (p.nodePort) {
        if (p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max)
          causes.push({
            reason: 'FieldValueInvalid',
            field: `spec.ports[${i}].nodePort`,
            message: `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
          });
        else if (nodePorts.has(p.nodePort))
          causes.push({
            reason: 'FieldValueInvalid',
            field: `spec.ports[${i}].nodePort`,
            message: `Invalid value: ${p.nodePort}: provided port is already allocated`,
          });
        nodePorts.add(p.nodePort);
        return;
      }
      let port: number;
      do
        port =
          NODE_PORT_RANGE.min + Math.floor(Math.random() * (NODE_PORT_RANGE.max - NODE_PORT_RANGE.min + 1));
      while (nodePorts.has(port));
      nodePorts.add(port);
      (p as { nodePort?: number }).nodePort = port;
    });
  }
  if (causes.length) throw invalid('Service', name, '', causes);
}
