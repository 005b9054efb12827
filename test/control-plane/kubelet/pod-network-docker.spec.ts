/**
 * The kubelet's side of the cluster network on the real engine: pods on the cluster network
 * reach each other by pod IP, resolv.conf follows dnsPolicy, /etc/hosts carries the subdomain
 * FQDN, Service variables are injected, and the network agent the kubelet runs (found through
 * the Node annotation) serves a ClusterIP to pods and dials pods for the host — which itself
 * only ever talks to 127.0.0.1.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import { cidrContains, intToIp, ipToInt, type ClusterNetwork } from '../../../src-main/common/network';
import { Kubelet } from '../../../src-main/control-plane/kubelet/kubelet';
import { NETWORK_AGENT_ANNOTATION } from '../../../src-main/control-plane/kubelet/node-status';
import { DockerRuntime } from '../../../src-main/control-plane/kubelet/runtime/docker/docker-runtime';
import { NetworkAgentClient } from '../../../src-main/control-plane/proxy/agent/agent-client';
import { FakeApi } from '../helpers/fake-api';
import { realClock } from '../../../src-main/common/clock';
import { dockerAvailable, eventually, removeManaged, testManagedBy } from './helpers/docker';

const hasDocker = await dockerAvailable();
const managedBy = testManagedBy();
const NODE = 'net-node';
const IMAGE = 'skiff-test/busybox:1';

describe.skipIf(!hasDocker)('kubelet on the cluster network (real Docker)', () => {
  const api = new FakeApi(realClock);
  const runtime = new DockerRuntime({ managedBy });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-netkubelet-'));
  const resolvConfPath = path.join(dir, 'resolv.conf');
  let network: ClusterNetwork;
  let kubelet: Kubelet;
  let agent: NetworkAgentClient | undefined;
  let webClusterIP: string;

  const status = (name: string) => api.getPod(name)?.status;
  async function running(name: string): Promise<string> {
    await eventually(() => status(name)?.phase === 'Running', 30_000).catch((err: unknown) => {
      throw new Error(`${String(err)}; pod ${name} status: ${JSON.stringify(status(name))}`);
    });
    return status(name).podIP as string;
  }
  /** Runs `cmd` in the pod's main container. */
  async function run(pod: string, cmd: string): Promise<string> {
    const uid = api.getPod(pod).metadata.uid!;
    const [c] = await runtime.listContainers({
      'io.kubernetes.pod.uid': uid,
      'io.kubernetes.container.name': 'main',
    });
    const s = await runtime.exec(c!.id, {
      command: ['sh', '-c', cmd],
      stdin: false,
      stdout: true,
      stderr: true,
      tty: false,
    });
    let out = '';
    s.stdout.on('data', (d: Buffer) => (out += d.toString()));
    s.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    await s.done;
    return out;
  }
  const addPod = (name: string, spec: Record<string, unknown>, command = 'exec sleep 3600') =>
    api.addPod({
      metadata: { name },
      spec: {
        nodeName: NODE,
        containers: [{ name: 'main', image: IMAGE, command: ['sh', '-c', command] }],
        ...spec,
      },
    });

  beforeAll(async () => {
    fs.writeFileSync(resolvConfPath, 'nameserver 127.0.0.53\nsearch corp.test\noptions edns0\n');
    network = await runtime.ensureClusterNetwork();
    webClusterIP = intToIp(ipToInt(network.kubernetesIP) + 19);
    await api.client.create(R.services, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default' },
      spec: { clusterIP: network.kubernetesIP, ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
    } as never);
    await api.client.create(R.services, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { clusterIP: webClusterIP, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    } as never);
    kubelet = new Kubelet(api.client, runtime, {
      nodeName: NODE,
      serverToken: 'net-token',
      relistIntervalMs: 500,
      network,
      resolvConfPath,
    });
    // Added before the kubelet starts, so its first list has them (the fake API's watch does
    // not replay events from a resourceVersion).
    addPod('web', {}, 'mkdir -p /w && echo hello-web > /w/index.html && exec httpd -f -p 8080 -h /w');
    addPod('client', {});
    addPod('none', {
      dnsPolicy: 'None',
      dnsConfig: {
        nameservers: ['192.0.2.53'],
        searches: ['a.test'],
        options: [{ name: 'ndots', value: '1' }],
      },
    });
    addPod('host-dns', { dnsPolicy: 'Default' });
    addPod('named', { hostname: 'db', subdomain: 'grp', enableServiceLinks: false });
    await kubelet.start();
  });
  afterAll(async () => {
    agent?.close();
    await kubelet?.stop();
    api.close();
    await removeManaged(managedBy);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the network agent and annotates the Node with its 127.0.0.1 address', async () => {
    const node = await eventually(() =>
      api.list('nodes').find((n) => n.metadata.annotations?.[NETWORK_AGENT_ANNOTATION]),
    );
    expect(node.metadata.annotations![NETWORK_AGENT_ANNOTATION]).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('gives pods IPs of the pod range; they reach each other by pod IP', async () => {
    const webIP = await running('web');
    const clientIP = await running('client');
    expect(cidrContains(network.podRange, webIP)).toBe(true);
    expect(cidrContains(network.podRange, clientIP)).toBe(true);
    expect(
      await eventually(async () =>
        (await run('client', `wget -qO- http://${webIP}:8080/`)).includes('hello-web'),
      ),
    ).toBe(true);
  });

  it('writes resolv.conf per dnsPolicy', async () => {
    await Promise.all(['client', 'none', 'host-dns'].map(running));
    expect(await run('client', 'cat /etc/resolv.conf')).toBe(
      `nameserver ${network.dnsIP}\nsearch default.svc.cluster.local svc.cluster.local cluster.local corp.test\noptions ndots:5\n`,
    );
    expect(await run('none', 'cat /etc/resolv.conf')).toBe(
      'nameserver 192.0.2.53\nsearch a.test\noptions ndots:1\n',
    );
    // Default: the engine's own resolution (Docker's embedded resolver on a user-defined network).
    expect(await run('host-dns', 'cat /etc/resolv.conf')).toMatch(/^nameserver 127\.0\.0\.11$/m);
  });

  it('puts the subdomain FQDN into /etc/hosts and sets the hostname', async () => {
    const ip = await running('named');
    expect(await run('named', 'hostname')).toBe('db\n');
    expect(await run('named', 'cat /etc/hosts')).toMatch(
      new RegExp(`^${ip.replace(/\./g, '\\.')}\\s+db\\.grp\\.default\\.svc\\.cluster\\.local\\s+db$`, 'm'),
    );
  });

  it('injects Service variables (only kubernetes with enableServiceLinks: false)', async () => {
    await Promise.all(['client', 'named'].map(running));
    const env = await run('client', 'env | sort');
    expect(env).toContain(`WEB_SERVICE_HOST=${webClusterIP}\n`);
    expect(env).toContain('WEB_SERVICE_PORT=80\n');
    expect(env).toContain('WEB_SERVICE_PORT_HTTP=80\n');
    expect(env).toContain(`WEB_PORT_80_TCP=tcp://${webClusterIP}:80\n`);
    expect(env).toContain(`KUBERNETES_SERVICE_HOST=${network.kubernetesIP}\n`);
    expect(env).toContain('KUBERNETES_PORT_443_TCP_PORT=443\n');
    const named = await run('named', 'env');
    expect(named).toContain(`KUBERNETES_SERVICE_HOST=${network.kubernetesIP}`);
    expect(named).not.toContain('WEB_SERVICE_HOST');
  });

  it('serves a ClusterIP through the agent: a pod reaches $WEB_SERVICE_HOST:$WEB_SERVICE_PORT, forwarded to the web pod', async () => {
    const webIP = await running('web');
    await running('client');
    const node = api.list('nodes').find((n) => n.metadata.name === NODE)!;
    agent = new NetworkAgentClient();
    await agent.connect(node.metadata.annotations![NETWORK_AGENT_ANNOTATION]!);
    const l = await agent.listenTcp(webClusterIP, 80, (c) => c.forwardTo(webIP, 8080));
    expect(await run('client', 'wget -qO- http://$WEB_SERVICE_HOST:$WEB_SERVICE_PORT/')).toContain(
      'hello-web',
    );
    await l.close();
  });

  it('dials an unpublished pod port from the host through the agent', async () => {
    const webIP = await running('web');
    const node = api.list('nodes').find((n) => n.metadata.name === NODE)!;
    const c = new NetworkAgentClient();
    await c.connect(node.metadata.annotations![NETWORK_AGENT_ANNOTATION]!);
    try {
      const s = await c.dial(webIP, 8080);
      s.end('GET / HTTP/1.0\r\n\r\n');
      let text = '';
      for await (const chunk of s) text += String(chunk);
      expect(text).toContain('hello-web');
    } finally {
      c.close();
    }
  });
});
