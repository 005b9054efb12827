import type Docker from 'dockerode';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import {
  CLUSTER_NETWORK_SLOTS,
  cidrsOverlap,
  clusterNetworkForSlot,
  intToIp,
  parseCidr,
  type ClusterNetwork,
} from '../../../../common/network';
import { LABELS, type NetworkAgentStatus } from '../runtime';

/** The port netd listens on inside its container (published on 127.0.0.1 at an ephemeral port). */
export const AGENT_CONTAINER_PORT = 7070;
/** The role label value of the network agent container. */
export const AGENT_ROLE = 'skiff-netd';

/**
 * The cluster network on a Docker engine: a user-defined bridge network per cluster whose IPAM
 * follows `clusterNetworkForSlot` (pods get IPs from `podRange` only, so the Service half stays
 * free for netd), plus the netd container that owns the Service half. Docker refuses a subnet
 * that overlaps another network's ("Pool overlaps…"); we then move to the next slot. Slots that
 * overlap an address of this machine are skipped before asking, so a pod never shadows the
 * user's VPN or LAN.
 */
export async function ensureClusterNetwork(
  docker: Docker,
  name: string,
  preferred?: { slot: number },
): Promise<ClusterNetwork> {
  const existing = await inspectNetwork(docker, name);
  if (existing) return adopt(existing, name);
  const start = preferred?.slot ?? 0;
  if (!Number.isInteger(start) || start < 0 || start >= CLUSTER_NETWORK_SLOTS) {
    throw new Error(`network slot must be an integer in 0..${CLUSTER_NETWORK_SLOTS - 1}, got ${start}`);
  }
  const tried: string[] = [];
  let host = hostAddresses();
  for (let i = 0; i < CLUSTER_NETWORK_SLOTS; i++) {
    const plan = clusterNetworkForSlot((start + i) % CLUSTER_NETWORK_SLOTS, name);
    if (host.some((a) => cidrsOverlap(a.cidr, plan.subnet))) continue;
    let created: Docker.Network;
    try {
      created = await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        IPAM: {
          Driver: 'default',
          Config: [{ Subnet: plan.subnet, IPRange: plan.podRange, Gateway: plan.gateway }],
        },
        Labels: { [LABELS.managedBy]: name, [LABELS.network]: name, [LABELS.networkSlot]: String(plan.slot) },
      });
    } catch (err) {
      const msg = errText(err);
      if (/overlap/i.test(msg)) {
        tried.push(plan.subnet);
        continue;
      }
      // Another process created it between our inspect and create: adopt theirs.
      if (statusOf(err) === 409 || /already exists/i.test(msg)) {
        const raced = await inspectNetwork(docker, name);
        if (raced) return adopt(raced, name);
      }
      throw new Error(`cannot create the cluster network ${name} (${plan.subnet}): ${msg}`);
    }
    // The engine only knows its own networks: another engine on this machine (a second dockerd,
    // a rootless one, a VPN that came up meanwhile) may have taken the same subnet at the same
    // moment. Two interfaces with one subnet split the host's routes between them, and published
    // ports then reach nothing, so give this slot up and move on a random stride (two engines
    // that raced once must not race again on the next slot).
    const ours = `br-${created.id.slice(0, 12)}`;
    host = hostAddresses();
    const rival = host.find((a) => a.iface !== ours && cidrsOverlap(a.cidr, plan.subnet));
    if (rival) {
      tried.push(`${plan.subnet} (also on ${rival.iface})`);
      await created.remove().catch(() => undefined);
      i += Math.floor(Math.random() * 8);
      continue;
    }
    return plan;
  }
  throw new Error(
    `no free /20 in 10.96.0.0/12 for the cluster network ${name}: every slot overlaps an engine network or a host address` +
      (tried.length ? ` (tried ${tried.slice(0, 4).join(', ')}…)` : ''),
  );
}

/** Removes the cluster's netd container(s), then the Docker network (missing ones are ignored). */
export async function removeClusterNetwork(docker: Docker, network: ClusterNetwork): Promise<void> {
  const agents = await docker.listContainers({
    all: true,
    filters: { label: [`${LABELS.role}=${AGENT_ROLE}`, `${LABELS.network}=${network.name}`] },
  });
  await Promise.all(
    agents.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch((err: unknown) => {
          if (statusOf(err) !== 404) throw err;
        }),
    ),
  );
  try {
    await docker.getNetwork(network.name).remove();
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
}

/**
 * Starts or adopts the network agent of `network`: container `<network>-netd` running
 * `/netd <serviceCidr> 7070 <gateway>` from `image` (only the gateway may connect to 7070), at `agentIP`, NET_ADMIN (for its local route),
 * restarted with the engine. Anything else under that name with our labels (another image, a
 * different CIDR, no published port) is replaced.
 */
export async function ensureNetworkAgent(
  docker: Docker,
  network: ClusterNetwork,
  opts: { image: string; managedBy: string },
): Promise<NetworkAgentStatus> {
  const name = `${network.name}-netd`;
  // Only the gateway (where the engine's 127.0.0.1 port publishing connects from) may drive it.
  const cmd = ['/netd', network.serviceCidr, String(AGENT_CONTAINER_PORT), network.gateway];
  const c = docker.getContainer(name);
  let info: Docker.ContainerInspectInfo | undefined;
  try {
    info = await c.inspect();
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
  if (info) {
    const netInfo = info.NetworkSettings.Networks?.[network.name];
    const current =
      info.Config.Image === opts.image &&
      JSON.stringify(info.Config.Cmd) === JSON.stringify(cmd) &&
      info.Config.Labels?.[LABELS.role] === AGENT_ROLE &&
      (netInfo?.IPAddress === network.agentIP || !info.State.Running);
    if (!current) {
      await c.remove({ force: true });
      info = undefined;
    } else if (!info.State.Running) {
      await c.start().catch((err: unknown) => {
        if (statusOf(err) !== 304) throw err;
      });
    }
  }
  if (!info) {
    const portKey = `${AGENT_CONTAINER_PORT}/tcp`;
    const created = await docker.createContainer({
      name,
      Image: opts.image,
      Cmd: cmd,
      Labels: {
        [LABELS.managedBy]: opts.managedBy,
        [LABELS.role]: AGENT_ROLE,
        [LABELS.network]: network.name,
      },
      ExposedPorts: { [portKey]: {} },
      HostConfig: {
        NetworkMode: network.name,
        CapAdd: ['NET_ADMIN'],
        PortBindings: { [portKey]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
        // Comes back with the engine (and after a crash) without the kubelet.
        RestartPolicy: { Name: 'unless-stopped' },
        Memory: 256 * 1024 * 1024,
      },
      NetworkingConfig: {
        EndpointsConfig: { [network.name]: { IPAMConfig: { IPv4Address: network.agentIP } } },
      },
    });
    await created.start();
  }
  const fresh = await c.inspect();
  const hostPort = Number(fresh.NetworkSettings.Ports?.[`${AGENT_CONTAINER_PORT}/tcp`]?.[0]?.HostPort);
  if (!hostPort) throw new Error(`network agent ${name} has no published control port`);
  const address = `127.0.0.1:${hostPort}`;
  await waitAgentReady(hostPort, name, docker);
  return { address, containerId: fresh.Id };
}

/**
 * Waits until netd answers its handshake through the published port (docker-proxy accepts
 * connections before netd listens, so a bare connect proves nothing).
 */
async function waitAgentReady(port: number, name: string, docker: Docker): Promise<void> {
  const end = Date.now() + 10_000;
  let last = '';
  while (Date.now() < end) {
    try {
      await handshake(port);
      return;
    } catch (err) {
      last = errText(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const logs = await docker
    .getContainer(name)
    .logs({ stdout: true, stderr: true, tail: 5 })
    .then((b) =>
      String(b)
        .replace(/[^\t\n\x20-\x7e]/g, '')
        .trim(),
    )
    .catch(() => '');
  throw new Error(
    `network agent ${name} did not answer on 127.0.0.1:${port}: ${last}${logs ? `; its log: ${logs}` : ''}`,
  );
}

function handshake(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = '';
    const timer = setTimeout(() => done(new Error('no answer')), 1000);
    const done = (err?: Error): void => {
      clearTimeout(timer);
      s.destroy();
      if (err) reject(err);
      else resolve();
    };
    s.on('connect', () => s.write('CTRL\n'));
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.startsWith('OK\n')) done();
      else if (got.includes('\n')) done(new Error(got.trim()));
    });
    s.on('error', (err) => done(err));
    s.on('close', () => done(new Error('connection closed')));
  });
}

/** Reads the slot back from an existing network, which must carry one of our plans. */
function adopt(info: Docker.NetworkInspectInfo, name: string): ClusterNetwork {
  const subnet = info.IPAM?.Config?.[0]?.Subnet ?? '';
  let slot = -1;
  try {
    const c = parseCidr(subnet);
    const s = (c.base - parseCidr('10.96.0.0/12').base) / 4096;
    if (c.prefix === 20 && Number.isInteger(s) && s >= 0 && s < CLUSTER_NETWORK_SLOTS) slot = s;
  } catch {
    slot = -1;
  }
  if (slot < 0) {
    throw new Error(
      `Docker network ${name} exists with subnet ${subnet || '(none)'}, not a Skiff cluster network (a /20 of 10.96.0.0/12); remove it or rename the cluster`,
    );
  }
  return clusterNetworkForSlot(slot, name);
}

async function inspectNetwork(docker: Docker, name: string): Promise<Docker.NetworkInspectInfo | undefined> {
  try {
    const info = (await docker.getNetwork(name).inspect()) as Docker.NetworkInspectInfo;
    // Docker matches network names by prefix of an id too; only an exact name is ours.
    return info.Name === name ? info : undefined;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

/**
 * This machine's IPv4 networks, with the interface holding each: its interface addresses plus,
 * on Linux, every non-default route. The routes matter because `os.networkInterfaces()` leaves
 * out interfaces without carrier, and an idle Docker bridge (no container attached) has none —
 * yet its route is live and would split the host's traffic with ours.
 */
function hostAddresses(): { iface: string; cidr: string }[] {
  const out: { iface: string; cidr: string }[] = [];
  for (const [iface, list] of Object.entries(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal && a.cidr) out.push({ iface, cidr: a.cidr });
    }
  }
  return [...out, ...linuxRoutes()];
}

/** Non-default IPv4 routes from /proc/net/route (hex, little-endian); [] where there is none. */
function linuxRoutes(): { iface: string; cidr: string }[] {
  let text: string;
  try {
    text = fs.readFileSync('/proc/net/route', 'utf8');
  } catch {
    return [];
  }
  const le = (hex: string): number => Buffer.from(hex, 'hex').readUInt32LE(0);
  const out: { iface: string; cidr: string }[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [iface, dest, , , , , , mask] = line.trim().split(/\s+/);
    if (!iface || !/^[0-9A-Fa-f]{8}$/.test(dest ?? '') || !/^[0-9A-Fa-f]{8}$/.test(mask ?? '')) continue;
    const m = le(mask!);
    if (m === 0) continue; // the default route
    const prefix = m.toString(2).replace(/0+$/, '').length;
    out.push({ iface, cidr: `${intToIp(le(dest!))}/${prefix}` });
  }
  return out;
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

function errText(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return e.json?.message ?? e.message ?? String(err);
}
