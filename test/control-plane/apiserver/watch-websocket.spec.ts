/**
 * Watches over WebSocket against a real API server over HTTPS (the `ws` client with the
 * cluster CA): bearer token as subprotocol or header, one event per message, binary/base64/text
 * framing by subprotocol, real HTTP statuses for refused upgrades, and the shared Informer
 * watching through `openWatchSocket` (the browser's code path, with `ws` as the WebSocket).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Informer, KubeClient } from '../../../src-main/common/client';
import { bearerProtocol, openWatchSocket, type Transport } from '../../../src-main/common/client/transport';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { startApi, type TestApi } from './helpers';

let api: TestApi;

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.stop();
});

const wsUrl = (path: string) => api.url.replace(/^https/, 'wss') + path;

/** Opens a socket and collects its messages; resolves once open (or with the refusal). */
function open(
  path: string,
  protocols: string[],
  headers: Record<string, string> = {},
): Promise<{ ws: WebSocket; messages: string[]; binary: boolean[]; status?: number; body?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(path), protocols, { ca: api.caPem, headers });
    const messages: string[] = [];
    const binary: boolean[] = [];
    ws.on('message', (data, isBinary) => {
      messages.push(data.toString());
      binary.push(isBinary);
    });
    ws.on('open', () => resolve({ ws, messages, binary }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ ws, messages, binary, status: res.statusCode, body }));
    });
    ws.on('error', reject);
  });
}

async function until<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function cm(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default' },
    data: { a: '1' },
  } as never;
}

describe('watch over WebSocket', () => {
  it('authenticates with the bearer subprotocol, selects binary.k8s.io and sends one event per message', async () => {
    const s = await open('/api/v1/namespaces/default/configmaps?watch=true', [
      bearerProtocol(api.token),
      'binary.k8s.io',
    ]);
    expect(s.status).toBeUndefined();
    // The token protocol is never echoed back.
    expect(s.ws.protocol).toBe('binary.k8s.io');
    await api.client.create(R.configmaps, cm('ws-one'));
    await api.client.create(R.configmaps, cm('ws-two'));
    await until(() => (s.messages.length >= 2 ? true : undefined));
    const events = s.messages.map((m) => JSON.parse(m) as { type: string; object: KubeObject });
    expect(events.map((e) => [e.type, e.object.metadata.name, e.object.kind])).toEqual([
      ['ADDED', 'ws-one', 'ConfigMap'],
      ['ADDED', 'ws-two', 'ConfigMap'],
    ]);
    expect(s.binary).toEqual([true, true]);
    s.ws.close();
  });

  it('accepts the Authorization header with no subprotocol (text frames) and replays from a resourceVersion', async () => {
    const list = await api.client.list(R.configmaps, { namespace: 'default' });
    const s = await open(
      `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}`,
      [],
      { Authorization: `Bearer ${api.token}` },
    );
    expect(s.ws.protocol).toBe('');
    await api.client.delete(R.configmaps, 'ws-one', 'default');
    const msg = await until(() => s.messages[0]);
    expect(JSON.parse(msg)).toMatchObject({ type: 'DELETED', object: { metadata: { name: 'ws-one' } } });
    expect(s.binary[0]).toBe(false);
    s.ws.close();
  });

  it('base64.binary.k8s.io gets base64 text frames', async () => {
    const s = await open('/api/v1/namespaces/default/configmaps?watch=true', [
      bearerProtocol(api.token),
      'base64.binary.k8s.io',
    ]);
    expect(s.ws.protocol).toBe('base64.binary.k8s.io');
    await api.client.create(R.configmaps, cm('ws-three'));
    const msg = await until(() => s.messages[0]);
    expect(JSON.parse(Buffer.from(msg, 'base64').toString())).toMatchObject({ type: 'ADDED' });
    s.ws.close();
  });

  it('refuses a wrong or missing token with a real 401, an unknown resource with 404', async () => {
    const bad = await open('/api/v1/pods?watch=true', [bearerProtocol('wrong'), 'binary.k8s.io']);
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body!)).toMatchObject({ kind: 'Status', code: 401 });
    const none = await open('/api/v1/pods?watch=true', ['binary.k8s.io']);
    expect(none.status).toBe(401);
    const missing = await open('/api/v1/nothings?watch=true', [bearerProtocol(api.token)]);
    expect(missing.status).toBe(404);
  });

  it('a watch the server ends (timeoutSeconds) closes the socket normally', async () => {
    const s = await open('/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1', [
      bearerProtocol(api.token),
      'binary.k8s.io',
    ]);
    if (s.status !== undefined) throw new Error(`refused: ${s.status}`);
    const code = await new Promise<number>((r) => s.ws.on('close', (c) => r(c)));
    expect(code).toBe(1000);
  });

  it('a bad label selector ends the watch with an ERROR event (or a 400)', async () => {
    const s = await open('/api/v1/pods?watch=true&labelSelector=a%3D%3D%3Db', [
      bearerProtocol(api.token),
      'binary.k8s.io',
    ]);
    // The watch has started when the selector is parsed: one ERROR event, then a normal close.
    if (s.status === undefined) await new Promise((r) => s.ws.on('close', r));
    expect(s.status === 400 || JSON.parse(s.messages[0]).type === 'ERROR').toBe(true);
  });

  it('the shared Informer watches through openWatchSocket (the browser path)', async () => {
    class CaWebSocket extends WebSocket {
      constructor(url: string, protocols: string[]) {
        super(url, protocols, { ca: api.caPem });
      }
    }
    const g = globalThis as { WebSocket?: unknown };
    const had = g.WebSocket;
    g.WebSocket = CaWebSocket;
    let sockets = 0;
    const transport: Transport = {
      request: (req) => api.transport.request(req),
      stream: () => Promise.reject(new Error('the HTTP stream must not be used')),
      websocket: (req) => {
        sockets++;
        return openWatchSocket(wsUrl(req.path), api.token, req.signal);
      },
    };
    const errors: unknown[] = [];
    const inf = new Informer(new KubeClient(transport), R.configmaps, {
      namespace: 'default',
      websocket: true,
      onError: (e) => errors.push(e),
    });
    const names = new Set<string>();
    inf.addHandler({
      add: (o) => names.add(o.metadata.name!),
      delete: (o) => names.delete(o.metadata.name!),
    });
    try {
      inf.start();
      await inf.waitForSync();
      await api.client.create(R.configmaps, cm('ws-informer'));
      await until(() => (names.has('ws-informer') ? true : undefined));
      await api.client.delete(R.configmaps, 'ws-informer', 'default');
      await until(() => (names.has('ws-informer') ? undefined : true));
      expect(sockets).toBeGreaterThanOrEqual(1);
      expect(errors).toEqual([]);
    } finally {
      inf.stop();
      g.WebSocket = had;
    }
  });
});
