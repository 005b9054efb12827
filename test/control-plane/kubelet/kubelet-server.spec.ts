// The kubelet's HTTP server on a scripted runtime (no Docker): query parsing of logs and exec; starts only its own server on 127.0.0.1.
import http from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { silentLogger } from '../../../src-main/common/logger';
import type { LogOptions, StreamSession } from '../../../src-main/control-plane/kubelet/runtime/runtime';
import { KubeletServer } from '../../../src-main/control-plane/kubelet/server';

const TOKEN = 'kubelet-token';

/** The runtime calls the server made, in order. */
const calls: { op: string; opts: unknown }[] = [];

const runtime = {
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
});
afterAll(async () => {
  await server?.stop();
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

describe('boolean query parameters (strconv.ParseBool)', () => {
  it('container logs: any true spelling, and a 400 naming a malformed one', async () => {
    calls.length = 0;
    const ok = await get('/containerLogs/default/web/app?follow=True&timestamps=t&previous=F');
    expect(ok).toEqual({ status: 200, body: 'hello\n' });
    expect(calls[0]).toMatchObject({ op: 'logs', opts: { follow: true, timestamps: true } });
    for (const p of ['follow', 'previous', 'timestamps']) {
      const bad = await get(`/containerLogs/default/web/app?${p}=yes`);
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.body)).toMatchObject({ reason: 'BadRequest' });
      expect(JSON.parse(bad.body).message).toContain(`query parameter ${p}`);
    }
  });

  it('exec: a malformed stream flag is a 400 on the upgrade; a good one runs', async () => {
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
    const bad = await open('stdout=yes');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).message).toContain('query parameter stdout');
    const good = await open('stdout=True');
    expect(good.status).toBe(101);
    expect(good.frames.map((f) => [f[0], f.subarray(1).toString()])).toEqual([
      [1, 'out\n'],
      [3, '{"metadata":{},"status":"Success"}'],
    ]);
  });
});
