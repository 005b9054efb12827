// A watch client that stops reading is cut off once MAX_UNSENT_WATCH_BYTES are queued for it,
// and writers are never held up by it; a client that keeps reading gets every event. Real API
// server over HTTPS on 127.0.0.1.
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import { MAX_UNSENT_WATCH_BYTES } from '../../../src-main/control-plane/apiserver/handlers/watch';
import { startApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startApi();
});
afterAll(async () => {
  await t?.stop();
});

/** Opens a raw watch of ConfigMaps in `ns`; resolves with the response (not yet read). */
function openWatch(ns: string): Promise<IncomingMessage> {
  const u = new URL(`/api/v1/namespaces/${ns}/configmaps?watch=true`, t.url);
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        ca: t.caPem,
        headers: { Authorization: `Bearer ${t.token}` },
      },
      resolve,
    );
    req.on('error', reject);
  });
}

const VALUE = 'v'.repeat(900 * 1024);
// Enough events to pass the limit with room for the socket buffers on both sides.
const WRITES = Math.ceil((MAX_UNSENT_WATCH_BYTES * 1.5) / VALUE.length) + 8;

describe('slow watch clients', () => {
  it('a client that stops reading is cut off; the writes all land meanwhile', async () => {
    await t.client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'slow' } });
    const res = await openWatch('slow');
    expect(res.statusCode).toBe(200);
    res.pause();
    let closed = false;
    res.socket.on('close', () => (closed = true));
    const t0 = Date.now();
    for (let i = 0; i < WRITES; i++)
      await t.client.create(R.configmaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${i}`, namespace: 'slow' },
        data: { v: VALUE },
      });
    const writeMs = Date.now() - t0;
    // Reading now drains what was sent before the cut, then the stream ends early.
    let lines = 0;
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      buf += c;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        lines++;
        buf = buf.slice(nl + 1);
      }
    });
    res.resume();
    await new Promise<void>((resolve) => {
      if (closed) resolve();
      res.socket.on('close', () => resolve());
      res.on('error', () => resolve());
    });
    expect(lines).toBeLessThan(WRITES);
    expect(writeMs).toBeLessThan(30_000);
    const list = await t.client.list(R.configmaps, { namespace: 'slow' });
    expect(list.items).toHaveLength(WRITES);
  }, 60_000);

  it('a client that keeps reading gets every event', async () => {
    await t.client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fast' } });
    const res = await openWatch('fast');
    let lines = 0;
    let buf = '';
    res.setEncoding('utf8');
    const all = new Promise<void>((resolve) =>
      res.on('data', (c: string) => {
        buf += c;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          lines++;
          buf = buf.slice(nl + 1);
        }
        if (lines === 30) resolve();
      }),
    );
    for (let i = 0; i < 30; i++)
      await t.client.create(R.configmaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${i}`, namespace: 'fast' },
        data: { v: 'x'.repeat(200 * 1024) },
      });
    await all;
    expect(lines).toBe(30);
    res.destroy();
  }, 60_000);
});
