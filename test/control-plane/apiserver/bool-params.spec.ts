// Boolean query parameters read as kube-apiserver reads them (only 0/false are false): the table, watch, bookmarks, force, orphanDependents, the long-running checks and the kubelet's exec options; a test API server only.
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBool, queryBool } from '../../../src-main/common/parse-bool';
import { R } from '../../../src-main/common/resources';
import { boolParam } from '../../../src-main/control-plane/apiserver/http';
import { isLongRunning } from '../../../src-main/control-plane/apiserver/inflight';
import { isWatchUpgrade } from '../../../src-main/control-plane/apiserver/watch-websocket';
import { streamOptions } from '../../../src-main/control-plane/kubelet/streaming/remote-command';
import { startApi, type TestApi } from './helpers';

/** apimachinery's Convert_Slice_string_To_bool: only 0 and false (any case) are false. */
const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True', '', 'yes', 'on', 'y', '2', '-1', ' false', 'f', 'F'];
const FALSE = ['0', 'false', 'False', 'FALSE', 'fAlSe'];

describe('parseBool / boolParam (as kube-apiserver reads query booleans)', () => {
  it.each(TRUE)('%j is true', (v) => {
    expect(parseBool(v)).toBe(true);
    expect(boolParam(new URLSearchParams({ watch: v }), 'watch')).toBe(true);
  });
  it.each(FALSE)('%j is false', (v) => {
    expect(parseBool(v)).toBe(false);
    expect(boolParam(new URLSearchParams({ watch: v }), 'watch')).toBe(false);
  });
  it('an absent parameter is false; the first of repeated values counts', () => {
    expect(boolParam(new URLSearchParams(), 'watch')).toBe(false);
    expect(queryBool(new URLSearchParams('watch=false&watch=true'), 'watch')).toBe(false);
    expect(queryBool(new URLSearchParams('watch=1&watch=0'), 'watch')).toBe(true);
  });
  it('the long-running and watch-upgrade checks read the same way', () => {
    const req = (q: string) =>
      ({
        method: 'GET',
        url: `/api/v1/pods?${q}`,
        headers: { upgrade: 'websocket' },
      }) as unknown as IncomingMessage;
    for (const v of ['True', 't', '1', 'yes']) {
      expect(isLongRunning(req(`watch=${v}`), new URL(`https://x/api/v1/pods?watch=${v}`))).toBe(true);
      expect(isWatchUpgrade(req(`watch=${v}`))).toBe(true);
    }
    for (const v of FALSE) {
      expect(isLongRunning(req(`watch=${v}`), new URL(`https://x/api/v1/pods?watch=${v}`))).toBe(false);
      expect(isWatchUpgrade(req(`watch=${v}`))).toBe(false);
    }
  });
});

describe('the kubelet reads exec/attach options the same way', () => {
  it('takes any spelling, old and new names', () => {
    expect(streamOptions(new URLSearchParams('stdin=True&stdout=1&stderr=T'))).toEqual({
      stdin: true,
      stdout: true,
      stderr: true,
      tty: false,
    });
    // What kube-apiserver sends kubelets: input/output/error with "1".
    expect(streamOptions(new URLSearchParams('input=1&output=1&error=0&tty=TRUE'))).toEqual({
      stdin: true,
      stdout: true,
      stderr: false,
      tty: true,
    });
  });
  it('refuses nothing: only 0/false turn a stream off', () => {
    expect(streamOptions(new URLSearchParams('stdin=yes&stdout=false&stderr=&tty=0'))).toEqual({
      stdin: true,
      stdout: false,
      stderr: true,
      tty: false,
    });
  });
});

describe('over HTTP', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startApi();
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** Opens a watch and resolves with its first event (an ADDED for the object created meanwhile). */
  async function firstEvent(
    query: string,
  ): Promise<{ type: string; object: { metadata: { name: string } } }> {
    const ac = new AbortController();
    const list = await t.client.list(R.configmaps, { namespace: 'default' });
    const stream = await t.transport.stream({
      method: 'GET',
      path: `/api/v1/namespaces/default/configmaps?${query}&resourceVersion=${list.metadata.resourceVersion}`,
      signal: ac.signal,
    });
    expect(stream.status).toBe(200);
    const name = `cm-${Math.random().toString(36).slice(2, 8)}`;
    await t.client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default' },
    });
    let buf = '';
    try {
      for await (const chunk of stream.chunks) {
        buf += chunk;
        const nl = buf.indexOf('\n');
        if (nl >= 0) return JSON.parse(buf.slice(0, nl));
      }
    } finally {
      ac.abort();
    }
    throw new Error(`the watch ended without an event: ${buf}`);
  }

  it.each(['True', 'TRUE', 't', '1', 'yes', ''])('watch=%j streams events', async (v) => {
    const ev = await firstEvent(`watch=${v}&allowWatchBookmarks=True`);
    expect(ev.type).toBe('ADDED');
    expect(ev.object.metadata.name).toMatch(/^cm-/);
  });

  it('watch=False / FALSE / 0 lists', async () => {
    for (const v of ['False', 'FALSE', '0']) {
      const res = await t.request({
        method: 'GET',
        path: `/api/v1/namespaces/default/configmaps?watch=${v}`,
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).kind).toBe('ConfigMapList');
    }
  });

  it('force on server-side apply and orphanDependents on delete', async () => {
    const apply = (force: string) =>
      t.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/default/configmaps/applied?fieldManager=test&force=${force}`,
        headers: { 'Content-Type': 'application/apply-patch+yaml' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' } }),
      });
    expect((await apply('True')).status).toBe(201);
    expect((await apply('yes')).status).toBe(200);
    const del = await t.request({
      method: 'DELETE',
      path: '/api/v1/namespaces/default/configmaps/applied?orphanDependents=T',
    });
    expect(del.status).toBe(200);
  });
});
