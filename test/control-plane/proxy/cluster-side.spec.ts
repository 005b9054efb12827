/**
 * The proxy's in-cluster side against a real API server and a fake network agent: every
 * ClusterIP:port is listened on, a pod's connection is forwarded to a ready endpoint or rejected
 * when there is none, a dropped agent is reconnected and everything is listened on again, and
 * the agent hooks (DNS) run after each connection.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import type {
  AgentClient,
  AgentListener,
  InboundConnection,
} from '../../../src-main/control-plane/proxy/agent/agent-client';
import { KubeProxy } from '../../../src-main/control-plane/proxy/kube-proxy';
import { clusterNetworkForSlot } from '../../../src-main/common/network';
import { startApi, type TestApi } from '../apiserver/helpers';

class FakeAgent implements AgentClient {
  static all: FakeAgent[] = [];
  connected = false;
  readonly listening = new Map<string, (c: InboundConnection) => void>();
  private readonly ev = new EventEmitter();
  constructor() {
    FakeAgent.all.push(this);
  }
  async connect(address: string): Promise<void> {
    expect(address).toBe('127.0.0.1:7777');
    this.connected = true;
  }
  close(): void {
    this.connected = false;
  }
  drop(): void {
    this.connected = false;
    this.listening.clear();
    this.ev.emit('disconnect', new Error('gone'));
  }
  on(ev: 'disconnect', fn: (err?: Error) => void): void {
    this.ev.on(ev, fn);
  }
  async listenTcp(ip: string, port: number, fn: (c: InboundConnection) => void): Promise<AgentListener> {
    this.listening.set(`${ip}:${port}`, fn);
    return { close: async () => void this.listening.delete(`${ip}:${port}`) };
  }
  async listenUdp(): Promise<AgentListener> {
    return { close: async () => undefined };
  }
  dial(): Promise<Socket> {
    return Promise.reject(new Error('not in this test'));
  }
}

/** An inbound connection that records the verdict. */
function inbound(from: string): InboundConnection & { verdict?: string } {
  const c: InboundConnection & { verdict?: string } = {
    remote: { address: from, port: 40000 },
    local: { address: '', port: 0 },
    forwardTo(ip, port) {
      c.verdict = `forward ${ip}:${port}`;
    },
    accept: () => Promise.reject(new Error('no')),
    reject() {
      c.verdict = 'reject';
    },
  };
  return c;
}

async function until<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 5000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

let t: TestApi;
let proxy: KubeProxy;
let hooks = 0;
beforeAll(async () => {
  t = await startApi();
  await t.client.create(R.nodes, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', annotations: { 'skiff.dev/network-agent': '127.0.0.1:7777' } },
  } as KubeObject);
  proxy = new KubeProxy(t.client, {
    nodeName: 'n1',
    network: clusterNetworkForSlot(0, 'test'),
    agentFactory: () => new FakeAgent(),
  });
  proxy.onAgent(() => hooks++);
  await proxy.run();
});
afterAll(async () => {
  await proxy?.shutdown();
  await t?.stop();
});

describe('in-cluster side', () => {
  it('listens on the ClusterIP, forwards to ready endpoints round-robin, rejects without one', async () => {
    const svc = (await t.client.create(R.services, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    } as KubeObject)) as KubeObject & { spec: { clusterIP: string } };
    const id = `${svc.spec.clusterIP}:80`;
    const agent = await until(() => FakeAgent.all.find((a) => a.listening.has(id)));
    const c0 = inbound('10.96.8.50');
    agent.listening.get(id)!(c0);
    expect(c0.verdict).toBe('reject');
    await t.client.create(R.endpointslices, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['10.96.8.2'], conditions: { ready: true } },
        { addresses: ['10.96.8.3'], conditions: { ready: true } },
        { addresses: ['10.96.8.4'], conditions: { ready: false } },
      ],
    } as KubeObject);
    const verdicts = await until(() => {
      const vs = [1, 2, 3, 4].map(() => {
        const c = inbound('10.96.8.50');
        agent.listening.get(id)!(c);
        return c.verdict;
      });
      return vs[0] !== 'reject' && vs;
    });
    expect(new Set(verdicts)).toEqual(new Set(['forward 10.96.8.2:8080', 'forward 10.96.8.3:8080']));
    expect(hooks).toBe(1);
  });

  it('reconnects to a dropped agent and listens again', async () => {
    const first = FakeAgent.all.find((a) => a.listening.size)!;
    const keys = [...first.listening.keys()];
    first.drop();
    const second = await until(
      () => FakeAgent.all.find((a) => a !== first && keys.every((k) => a.listening.has(k))),
      8000,
    );
    expect(second.connected).toBe(true);
    expect(hooks).toBe(2);
  });
});
