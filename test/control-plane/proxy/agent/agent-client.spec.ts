/**
 * The network agent end to end on the real engine: DockerRuntime creates a cluster network and
 * its netd container, pods (runtime sandboxes + busybox) join it, and NetworkAgentClient drives
 * netd through its control port on 127.0.0.1 — the host never dials a bridge address.
 */
import Docker from 'dockerode';
import { execFileSync, spawnSync } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNetwork } from '../../../../src-main/common/network';
import { cidrContains, intToIp, ipToInt } from '../../../../src-main/common/network';
import { ensureClusterNetwork } from '../../../../src-main/control-plane/kubelet/runtime/docker/cluster-network';
import { DockerRuntime } from '../../../../src-main/control-plane/kubelet/runtime/docker/docker-runtime';
import {
  AgentError,
  NetworkAgentClient,
  type InboundConnection,
} from '../../../../src-main/control-plane/proxy/agent/agent-client';
import { dockerAvailable, eventually, removeManaged, testManagedBy } from '../../kubelet/helpers/docker';

const hasDocker = await dockerAvailable();
const managedBy = testManagedBy();

describe('NetworkAgentClient input checks', () => {
  it('rejects malformed addresses before touching the network', async () => {
    const c = new NetworkAgentClient();
    await expect(c.connect('nope')).rejects.toThrow(/host:port/);
    expect(() => c.dial('10.0.0', 80)).toThrow(/IPv4/);
    expect(() => c.dial('10.0.0.1', 0)).toThrow(/port/);
  });
  it('rejects an unreachable agent', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    await expect(new NetworkAgentClient().connect(`127.0.0.1:${port}`)).rejects.toThrow(
      /ECONNREFUSED|closed/,
    );
  });
});

describe.skipIf(!hasDocker)('network agent on the real engine', () => {
  const rt = new DockerRuntime({ managedBy });
  const docker = new Docker();
  let network: ClusterNetwork;
  let address: string;
  let client: NetworkAgentClient;
  let web: { ip: string; id: string };
  let probe: { ip: string; id: string };

  /** A busybox "pod" on the cluster network via the runtime's sandbox API. */
  async function pod(name: string, command: string): Promise<{ ip: string; id: string }> {
    const sb = await rt.runPodSandbox({
      podUid: `uid-${name}`,
      podName: name,
      namespace: 'default',
      hostname: name,
      attempt: 0,
      ports: [],
      network: network.name,
    });
    const id = await rt.createContainer(sb.id, {
      podUid: `uid-${name}`,
      podName: name,
      namespace: 'default',
      name: 'main',
      attempt: 0,
      image: 'skiff-test/busybox:1',
      command: ['sh', '-c', command],
      env: [],
      resources: {},
    });
    await rt.startContainer(id);
    return { ip: sb.ip!, id };
  }

  /** Runs a command in a pod; resolves with stdout+stderr and the exit code. */
  async function run(id: string, cmd: string): Promise<{ out: string; code?: number }> {
    const s = await rt.exec(id, {
      command: ['sh', '-c', cmd],
      stdin: false,
      stdout: true,
      stderr: true,
      tty: false,
    });
    let out = '';
    s.stdout.on('data', (d: Buffer) => (out += d.toString()));
    s.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const { exitCode } = await s.done;
    return { out, code: exitCode };
  }

  beforeAll(async () => {
    network = await rt.ensureClusterNetwork();
    ({ address } = await rt.ensureNetworkAgent(network));
    client = new NetworkAgentClient();
    await client.connect(address);
    web = await pod(
      'web',
      'mkdir -p /w && echo hello-from-web > /w/index.html && exec httpd -f -p 8080 -h /w',
    );
    probe = await pod('probe', 'exec sleep 3600');
  });
  afterAll(async () => {
    client?.close();
    await removeManaged(managedBy);
    if (network) await rt.removeClusterNetwork(network);
  });

  it('creates the network by the contract and adopts it and the agent again', async () => {
    const inspect = await docker.getNetwork(network.name).inspect();
    expect(inspect.IPAM?.Config?.[0]).toMatchObject({
      Subnet: network.subnet,
      IPRange: network.podRange,
      Gateway: network.gateway,
    });
    expect(await rt.ensureClusterNetwork()).toEqual(network);
    const again = await rt.ensureNetworkAgent(network);
    expect(again.address).toBe(address);
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    const agent = await docker.getContainer(again.containerId).inspect();
    expect(agent.HostConfig.CapAdd).toContain('NET_ADMIN');
    expect(agent.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    expect(agent.NetworkSettings.Networks[network.name]!.IPAddress).toBe(network.agentIP);
    expect(cidrContains(network.podRange, web.ip)).toBe(true);
  });

  it('finds another slot when the preferred one is taken', async () => {
    const other = new DockerRuntime({ managedBy: `${managedBy}-b` });
    const second = await other.ensureClusterNetwork({ slot: network.slot });
    try {
      expect(second.slot).not.toBe(network.slot);
      expect(second.name).toBe(`${managedBy}-b`);
    } finally {
      await other.removeClusterNetwork(second);
    }
  });

  it.skipIf(process.getuid?.() !== 0)(
    'gives up a slot that another engine took at the same moment and moves on',
    async () => {
      // Another engine's bridge appears with the same subnet right after ours is created (what two
      // dockerds racing for one slot look like from here): a real second interface on the host.
      const rival = `skrival${process.pid % 10000}`;
      let raced = '';
      const racing = new Proxy(docker, {
        get(target, prop, receiver) {
          if (prop !== 'createNetwork') return Reflect.get(target, prop, receiver) as unknown;
          return async (opts: Docker.NetworkCreateOptions) => {
            const created = await target.createNetwork(opts);
            if (!raced) {
              raced = opts.IPAM!.Config![0]!.Subnet!;
              const gw = opts.IPAM!.Config![0]!.Gateway!;
              execFileSync('ip', ['link', 'add', rival, 'type', 'bridge']);
              execFileSync('ip', ['addr', 'add', `${gw}/20`, 'dev', rival]);
              // Up without carrier, like an idle Docker bridge: its route is live.
              execFileSync('ip', ['link', 'set', rival, 'up']);
            }
            return created;
          };
        },
      });
      const name = `${managedBy}-race`;
      try {
        const plan = await ensureClusterNetwork(racing, name, { slot: network.slot });
        expect(raced).not.toBe('');
        expect(plan.subnet).not.toBe(raced);
        expect(plan.subnet).not.toBe(network.subnet);
        const inspect = await docker.getNetwork(name).inspect();
        expect(inspect.IPAM?.Config?.[0]?.Subnet).toBe(plan.subnet);
      } finally {
        await docker
          .getNetwork(name)
          .remove()
          .catch(() => undefined);
        spawnSync('ip', ['link', 'del', rival]);
      }
    },
  );

  it('dials a pod port that is published nowhere, from the host', async () => {
    const s = await eventually(() => client.dial(web.ip, 8080).catch(() => undefined), 10_000);
    s.write('GET / HTTP/1.0\r\n\r\n');
    let text = '';
    for await (const c of s) text += String(c);
    expect(text).toMatch(/^HTTP\/1\.[01] 200/);
    expect(text).toContain('hello-from-web');
  });

  it('reports a refused dial as a readable ECONNREFUSED', async () => {
    const err = await client.dial(web.ip, 8081).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('ECONNREFUSED');
    expect((err as Error).message).toMatch(new RegExp(`dial ${web.ip}:8081`));
  });

  it('forwards a pod connection to a ClusterIP to another pod, and refuses unbound ClusterIPs', async () => {
    const ip = intToIp(ipToInt(network.serviceCidr.split('/')[0]!) + 100);
    const seen: InboundConnection[] = [];
    const l = await client.listenTcp(ip, 80, (c) => {
      seen.push(c);
      c.forwardTo(web.ip, 8080);
    });
    const r = await run(probe.id, `wget -qO- http://${ip}/`);
    expect(r.out).toContain('hello-from-web');
    expect(seen[0]!.remote.address).toBe(probe.ip);
    expect(seen[0]!.local).toEqual({ address: ip, port: 80 });
    // Another ClusterIP nobody listens on: refused at once, not a timeout.
    const t0 = Date.now();
    const refused = await run(probe.id, `wget -qO- http://${intToIp(ipToInt(ip) + 1)}/`);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/refused/i);
    expect(Date.now() - t0).toBeLessThan(3000);
    await l.close();
    const closed = await run(probe.id, `wget -qO- http://${ip}/`);
    expect(closed.out).toMatch(/refused/i);
  });

  it('brings an inbound connection to the host with accept, and resets it with reject', async () => {
    const ip = intToIp(ipToInt(network.serviceCidr.split('/')[0]!) + 101);
    let mode: 'accept' | 'reject' = 'accept';
    const l = await client.listenTcp(ip, 8443, (c) => {
      if (mode === 'reject') return c.reject();
      void c.accept().then((s) => {
        s.once('data', () => s.end('HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nfrom-host'));
      });
    });
    expect((await run(probe.id, `wget -qO- http://${ip}:8443/`)).out).toContain('from-host');
    mode = 'reject';
    const t0 = Date.now();
    const r = await run(probe.id, `wget -qO- http://${ip}:8443/`);
    expect(r.code).not.toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
    await l.close();
  });

  it('refuses a second listener on the same address and addresses outside the Service CIDR', async () => {
    const ip = intToIp(ipToInt(network.serviceCidr.split('/')[0]!) + 102);
    const l = await client.listenTcp(ip, 80, (c) => c.reject());
    const dup = await client.listenTcp(ip, 80, (c) => c.reject()).catch((e: unknown) => e);
    expect((dup as AgentError).code).toBe('EADDRINUSE');
    const outside = await client.listenTcp(web.ip, 80, (c) => c.reject()).catch((e: unknown) => e);
    expect((outside as AgentError).code).toBe('EADDRNOTAVAIL');
    await l.close();
  });

  it('carries UDP datagrams both ways (a DNS answer to nslookup in a pod)', async () => {
    const ip = intToIp(ipToInt(network.serviceCidr.split('/')[0]!) + 103);
    const froms: string[] = [];
    const l = await client.listenUdp(ip, 53, (msg, from, reply) => {
      froms.push(from.address);
      reply(dnsAnswer(msg, '10.1.2.3'));
    });
    const r = await run(probe.id, `nslookup -type=a answer.test ${ip}`);
    expect(r.out).toContain('10.1.2.3');
    expect(froms).toContain(probe.ip);
    await l.close();
  });

  it('lets only the engine (the gateway) drive it: a pod connecting to its port gets nothing', async () => {
    const request = `DIAL ${web.ip} 8080\nGET / HTTP/1.0\r\n\r\n`;
    // Positive control: the same bytes from the host (through the 127.0.0.1 publishing) are served.
    const [host, port] = address.split(':');
    const s = net.connect(Number(port), host);
    let hostOut = '';
    s.on('data', (d: Buffer) => (hostOut += d.toString()));
    s.on('error', () => undefined);
    s.write(request);
    await new Promise((r) => s.once('close', r));
    expect(hostOut).toContain('hello-from-web');
    const fromPod = await run(
      probe.id,
      `printf '${request.replace(/\n/g, '\\n').replace(/\r/g, '\\r')}' | nc -w 3 ${network.agentIP} 7070`,
    );
    expect(fromPod.out).not.toContain('hello-from-web');
  });

  it('survives garbage on its port and on a control connection', async () => {
    const [host, port] = address.split(':');
    for (const junk of ['HELLO\n', 'DIAL 1.2.3 99999\n', 'ATTACH 999999\n', 'x'.repeat(300)]) {
      const s = net.connect(Number(port), host);
      s.on('error', () => undefined);
      s.resume();
      s.write(junk);
      await new Promise((r) => s.once('close', r));
    }
    const raw = net.connect(Number(port), host);
    raw.on('error', () => undefined);
    raw.resume();
    raw.write('CTRL\n');
    raw.write(Buffer.from([0, 0, 0, 3, 0x99, 1, 2, 0xff, 0xff, 0xff, 0xff]));
    await new Promise((r) => raw.once('close', r));
    await client.ping();
    expect(client.connected).toBe(true);
  });

  it("emits 'disconnect' when the agent goes away, drops its listeners, and works after reconnecting", async () => {
    const ip = intToIp(ipToInt(network.serviceCidr.split('/')[0]!) + 104);
    await client.listenTcp(ip, 80, (c) => c.forwardTo(web.ip, 8080));
    const gone = new Promise<Error | undefined>((r) => client.on('disconnect', r));
    const agent = await rt.ensureNetworkAgent(network);
    await docker.getContainer(agent.containerId).restart({ t: 1 });
    expect(String(await gone)).toMatch(/closed/);
    expect(client.connected).toBe(false);
    const back = await rt.ensureNetworkAgent(network);
    await client.connect(back.address);
    // The old listener is gone with the old agent process; the same address binds again.
    const l = await client.listenTcp(ip, 80, (c) => c.forwardTo(web.ip, 8080));
    expect((await run(probe.id, `wget -qO- http://${ip}/`)).out).toContain('hello-from-web');
    await l.close();
    // A close asked for emits nothing.
    let events = 0;
    client.on('disconnect', () => events++);
    client.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toBe(0);
  });
});

/** A minimal DNS response to `query`: the question echoed with one A record (type A queries only). */
function dnsAnswer(query: Buffer, ip: string): Buffer {
  let end = 12;
  while (query[end] !== 0) end += query[end]! + 1;
  const question = query.subarray(12, end + 5);
  const isA = query.readUInt16BE(end + 1) === 1;
  const head = Buffer.alloc(12);
  query.copy(head, 0, 0, 2);
  head.writeUInt16BE(0x8180, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(isA ? 1 : 0, 6);
  const answer = Buffer.alloc(16);
  answer.writeUInt16BE(0xc00c, 0);
  answer.writeUInt16BE(1, 2);
  answer.writeUInt16BE(1, 4);
  answer.writeUInt32BE(30, 6);
  answer.writeUInt16BE(4, 10);
  answer.writeUInt32BE(ipToInt(ip), 12);
  return Buffer.concat([head, question, ...(isA ? [answer] : [])]);
}
