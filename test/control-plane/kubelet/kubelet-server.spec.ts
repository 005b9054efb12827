// The kubelet's HTTP server on a scripted runtime (no Docker): query parsing of logs and exec, port-forward over WebSocket channels, the exec Status/close order; starts only its own servers on 127.0.0.1.
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { silentLogger } from '../../../src-main/common/logger';
import type { LogOptions, StreamSession } from '../../../src-main/control-plane/kubelet/runtime/runtime';
import { KubeletServer } from '../../../src-main/control-plane/kubelet/server';
import { serveRemoteCommandWebSocket } from '../../../src-main/control-plane/kubelet/streaming/remote-command';

const TOKEN = 'kubelet-token';

/** The runtime calls the server made, in order. */
const calls: { op: string; opts: unknown }[] = [];

/** The pod's ports: 80 echoes, 81 greets and closes, anything else refuses the connection. */
const podPorts = new Map<number, number>();
const podServers: net.Server[] = [];

const runtime = {
  async portForward(_sandbox: string, port: number) {
    calls.push({ op: 'portForward', opts: port });
    // A port nothing listens on: port 1 on loopback refuses.
    return net.connect({ host: '127.0.0.1', port: podPorts.get(port) ?? 1 });
  },
  async containerLogs(_id: string, opts: LogOptions) {
    calls.push({ op: 'logs', opts });
    return Readable.from([Buffer.from('hello\n')]);
  },
  async exec(_id: string, opts: unknown): Promise<StreamSession> {
    calls.push({ op: 'exec', opts });
    const stdout = new PassThrough();
    setImmediate(() => stdout.end('out\n'));
    return {
      stdout,
      resize: async () => undefined,
      done: Promise.resolve({ exitCode: 0 }),
      close: () => undefined,
    };
  },
};

const resolver = {
  async resolveLogTarget() {
    return { id: 'c1' };
  },
  async resolveStreamTarget() {
    return { id: 'c1' };
  },
  async resolvePortForwardTarget() {
    return { sandboxId: 's1', desc: 'web_default' };
  },
  statsSummary: () => ({}),
  statsHistory: () => ({}),
};

let server: KubeletServer;
let base: string;

beforeAll(async () => {
  server = new KubeletServer(resolver, runtime as never, {
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    logger: silentLogger,
  });
  base = `127.0.0.1:${await server.start()}`;
  const listen = (port: number, onConn: (s: net.Socket) => void) =>
    new Promise<void>((resolve) => {
      const srv = net.createServer(onConn).listen(0, '127.0.0.1', () => {
        podPorts.set(port, (srv.address() as net.AddressInfo).port);
        resolve();
      });
      podServers.push(srv);
    });
  await listen(80, (sock) => sock.pipe(sock));
  await listen(81, (sock) => sock.end('hi from 81'));
});
afterAll(async () => {
  await server?.stop();
  for (const s of podServers) s.close();
});

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(`http://${base}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('boolean query parameters (as kube-apiserver reads them: only 0/false are false)', () => {
  it('container logs: True, t and yes are true; False is false', async () => {
    calls.length = 0;
    const ok = await get('/containerLogs/default/web/app?follow=True&timestamps=t&previous=False');
    expect(ok).toEqual({ status: 200, body: 'hello\n' });
    expect(calls[0]).toMatchObject({ op: 'logs', opts: { follow: true, timestamps: true } });
    calls.length = 0;
    expect((await get('/containerLogs/default/web/app?timestamps=yes&follow=0')).status).toBe(200);
    expect(calls[0]).toMatchObject({ op: 'logs', opts: { follow: false, timestamps: true } });
  });

  it('exec: stdout=false sends no output; stdout=True runs with it', async () => {
    const open = (q: string) =>
      new Promise<{ status: number; body: string; frames: Buffer[] }>((resolve) => {
        const ws = new WebSocket(
          `ws://${base}/exec/default/web/app?command=true&${q}`,
          ['v5.channel.k8s.io'],
          {
            headers: { Authorization: `Bearer ${TOKEN}` },
          },
        );
        const frames: Buffer[] = [];
        ws.on('message', (d: Buffer) => frames.push(d));
        ws.on('close', () => resolve({ status: 101, body: '', frames }));
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, frames }));
        });
        ws.on('error', () => undefined);
      });
    const quiet = await open('stdout=false&stdin=false');
    expect(quiet.frames.some((f) => f[0] === 1)).toBe(false);
    const good = await open('stdout=True');
    expect(good.status).toBe(101);
    expect(good.frames.map((f) => [f[0], f.subarray(1).toString()])).toEqual([
      [1, 'out\n'],
      [3, '{"metadata":{},"status":"Success"}'],
    ]);
  });
});

/** A WebSocket port-forward session: every message, and how it ended. */
interface Session {
  ws: WebSocket;
  protocol: string;
  messages: (Buffer | string)[];
  closed: Promise<number>;
}

function portForward(query: string, protocols: string[]): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${base}/portForward/default/web?${query}`, protocols, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    const messages: (Buffer | string)[] = [];
    ws.on('message', (d: Buffer, isBinary: boolean) => messages.push(isBinary ? d : d.toString()));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('open', () => resolve({ ws, protocol: ws.protocol, messages, closed }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => reject(Object.assign(new Error(body), { status: res.statusCode })));
    });
    ws.on('error', () => undefined);
  });
}

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};
const frames = (s: Session) => s.messages.filter(Buffer.isBuffer).map((m) => [m[0], m.subarray(1)] as const);
const port = (p: number) => Buffer.from([p & 0xff, p >> 8]);

describe('port-forward over WebSocket channels (v4.channel.k8s.io)', () => {
  it('a pair of channels per port: the port first on each, data both ways', async () => {
    const s = await portForward('port=80,81', ['v4.channel.k8s.io']);
    expect(s.protocol).toBe('v4.channel.k8s.io');
    await until(() => frames(s).filter(([ch]) => ch === 2).length >= 2, 'the greeting of port 81');
    // The first message of each channel is its port, uint16 little endian.
    const first = new Map<number, Buffer>();
    for (const [ch, d] of frames(s)) if (!first.has(ch)) first.set(ch, d);
    expect([...first.entries()].sort(([a], [b]) => a - b)).toEqual([
      [0, port(80)],
      [1, port(80)],
      [2, port(81)],
      [3, port(81)],
    ]);
    expect(
      Buffer.concat(
        frames(s)
          .filter(([ch]) => ch === 2)
          .slice(1)
          .map(([, d]) => d),
      ).toString(),
    ).toBe('hi from 81');
    s.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping')]));
    await until(() => frames(s).filter(([ch]) => ch === 0).length >= 2, 'the echo');
    expect(
      frames(s)
        .filter(([ch]) => ch === 0)[1]![1]
        .toString(),
    ).toBe('ping');
    // Port 81's pod side closed, port 80's is open: the WebSocket stays up until the client goes.
    expect(s.ws.readyState).toBe(WebSocket.OPEN);
    s.ws.close();
    expect(await s.closed).toBe(1005);
  });

  it('a failed dial is reported on the error channel, then the WebSocket closes', async () => {
    const s = await portForward('port=9999', ['v4.channel.k8s.io']);
    expect(await s.closed).toBe(1000);
    const errors = frames(s).filter(([ch]) => ch === 1);
    expect(errors[0]![1]).toEqual(port(9999));
    expect(errors[1]![1].toString()).toMatch(
      /^error forwarding port 9999 to pod web_default: .*ECONNREFUSED/,
    );
  });

  it('the pod side closing ends the pair, and with the last pair the WebSocket', async () => {
    const s = await portForward('port=81', ['v4.channel.k8s.io']);
    expect(await s.closed).toBe(1000);
    expect(frames(s).map(([ch, d]) => [ch, d.toString('latin1')])).toEqual([
      [0, port(81).toString('latin1')],
      [1, port(81).toString('latin1')],
      [0, 'hi from 81'],
    ]);
  });

  it('v4.base64.channel.k8s.io: text frames, an ASCII channel digit and base64', async () => {
    const s = await portForward('port=80', ['v4.base64.channel.k8s.io']);
    expect(s.protocol).toBe('v4.base64.channel.k8s.io');
    s.ws.send(`0${Buffer.from('ping').toString('base64')}`);
    await until(() => s.messages.length >= 3, 'the echo');
    expect(s.messages).toEqual(['0UAA=', '1UAA=', `0${Buffer.from('ping').toString('base64')}`]);
    s.ws.close();
  });

  it('no subprotocol gets the binary framing; a client offering several gets its first channel protocol', async () => {
    const none = await portForward('port=81', []);
    expect(none.protocol).toBe('');
    expect(await none.closed).toBe(1000);
    expect(frames(none)[2]![1].toString()).toBe('hi from 81');
    // @kubernetes/client-node offers the remote-command list; v4.channel.k8s.io is the one that fits.
    const many = await portForward('port=81', ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io']);
    expect(many.protocol).toBe('v4.channel.k8s.io');
    await many.closed;
  });

  it('the SPDY tunnel wins when offered beside a channel protocol', async () => {
    const protocol = await new Promise<string | undefined>((resolve, reject) => {
      const req = http.request(`http://${base}/portForward/default/web?port=80`, {
        headers: {
          Authorization: `Bearer ${TOKEN}`,
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': Buffer.alloc(16, 1).toString('base64'),
          'Sec-WebSocket-Protocol': 'v4.channel.k8s.io, SPDY/3.1+portforward.k8s.io',
        },
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve(res.headers['sec-websocket-protocol']);
      });
      req.on('response', (res) => reject(new Error(`HTTP ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    expect(protocol).toBe('SPDY/3.1+portforward.k8s.io');
  });

  it('refuses a missing or bad port (400) and an unknown subprotocol (403, naming what is supported)', async () => {
    const fail = (q: string, protocols: string[]) =>
      portForward(q, protocols).then(
        () => {
          throw new Error('upgraded');
        },
        (err: Error & { status: number }) => ({ status: err.status, status_: JSON.parse(err.message) }),
      );
    expect(await fail('', ['v4.channel.k8s.io'])).toMatchObject({
      status: 400,
      status_: { reason: 'BadRequest', message: 'query parameter "port" is required' },
    });
    expect((await fail('port=http', ['v4.channel.k8s.io'])).status).toBe(400);
    expect((await fail('port=0', ['v4.channel.k8s.io'])).status_.message).toBe('port "0" must be > 0');
    expect((await fail('port=70000', ['v4.channel.k8s.io'])).status).toBe(400);
    const refused = await fail('port=80', ['portforward.k8s.io']);
    expect(refused.status).toBe(403);
    expect(refused.status_.message).toContain(
      'supported: [SPDY/3.1+portforward.k8s.io, v4.channel.k8s.io, v4.base64.channel.k8s.io]',
    );
  });
});

describe('exec over WebSocket: the final Status, then the close, as two writes', () => {
  it('closes only once the Status write has completed', async () => {
    const sent: { data: Buffer; done: () => void }[] = [];
    const closes: number[] = [];
    const ws = Object.assign(new EventEmitter(), {
      OPEN: 1,
      readyState: 1,
      send: (data: Buffer, _opts: unknown, done: () => void) => sent.push({ data, done }),
      close: (code: number) => closes.push(code),
      terminate: () => undefined,
    });
    const session: StreamSession = {
      stdout: Readable.from([]),
      resize: async () => undefined,
      done: Promise.resolve({ exitCode: 3 }),
      close: () => undefined,
    };
    serveRemoteCommandWebSocket(
      ws as never,
      'v5.channel.k8s.io',
      { stdin: false, stdout: true, stderr: false, tty: false },
      ['false'],
      async () => session,
      silentLogger,
    );
    await until(() => sent.length > 0, 'the Status');
    expect(sent[0]!.data[0]).toBe(3);
    expect(JSON.parse(sent[0]!.data.subarray(1).toString())).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    await new Promise((r) => setTimeout(r, 20));
    // Not in the same write: the close waits for the Status write's callback.
    expect(closes).toEqual([]);
    sent[0]!.done();
    expect(closes).toEqual([1000]);
  });

  it('over a real socket the client gets the Status message, then a 1000 close', async () => {
    const ws = new WebSocket(
      `ws://${base}/exec/default/web/app?command=true&stdout=1`,
      ['v5.channel.k8s.io'],
      {
        headers: { Authorization: `Bearer ${TOKEN}` },
      },
    );
    const events: string[] = [];
    ws.on('message', (d: Buffer) => events.push(`message ${d[0]}`));
    const code = await new Promise<number>((r) => ws.on('close', (c) => r(c)));
    expect(code).toBe(1000);
    expect(events).toEqual(['message 1', 'message 3']);
  });
});
