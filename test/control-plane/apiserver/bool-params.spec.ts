// Boolean query parameters read as Go's strconv.ParseBool: the spelling table, the API server's callers (watch, bookmarks, force, orphanDependents, pod log and exec options) and the kubelet's; a test API server only.
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { InvalidBoolError, parseBool, queryBool } from '../../../src-main/common/parse-bool';
import { R } from '../../../src-main/common/resources';
import { boolParam } from '../../../src-main/control-plane/apiserver/http';
import { isLongRunning } from '../../../src-main/control-plane/apiserver/inflight';
import { StatusError } from '../../../src-main/control-plane/apiserver/status';
import { isWatchUpgrade } from '../../../src-main/control-plane/apiserver/watch-websocket';
import { streamOptions } from '../../../src-main/control-plane/kubelet/streaming/remote-command';
import { pod, startApi, type TestApi } from './helpers';

/** strconv.ParseBool's whole table, and spellings it refuses. */
const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];
const INVALID = ['', 'yes', 'no', 'on', 'off', 'tRUE', 'fALSE', 'y', '2', '-1', ' true', 'true ', 'truE'];

describe('parseBool / boolParam (strconv.ParseBool)', () => {
  it.each(TRUE)('%j is true', (v) => {
    expect(parseBool(v)).toBe(true);
    expect(boolParam(new URLSearchParams({ watch: v }), 'watch')).toBe(true);
  });
  it.each(FALSE)('%j is false', (v) => {
    expect(parseBool(v)).toBe(false);
    expect(boolParam(new URLSearchParams({ watch: v }), 'watch')).toBe(false);
  });
  it.each(INVALID)('%j is refused with a 400 naming the parameter', (v) => {
    expect(parseBool(v)).toBeUndefined();
    let err: unknown;
    try {
      boolParam(new URLSearchParams({ follow: v }), 'follow');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(400);
    expect((err as StatusError).reason).toBe('BadRequest');
    expect((err as StatusError).message).toContain('query parameter follow');
    expect((err as StatusError).message).toContain(JSON.stringify(v));
  });
  it('an absent parameter is false; inherited object keys are not spellings', () => {
    expect(boolParam(new URLSearchParams(), 'watch')).toBe(false);
    expect(parseBool('constructor')).toBeUndefined();
    expect(parseBool('toString')).toBeUndefined();
  });
  it('the long-running and watch-upgrade checks take every true spelling and never throw', () => {
    const req = (q: string) =>
      ({
        method: 'GET',
        url: `/api/v1/pods?${q}`,
        headers: { upgrade: 'websocket' },
      }) as unknown as IncomingMessage;
    for (const v of TRUE) {
      expect(isLongRunning(req(`watch=${v}`), new URL(`https://x/api/v1/pods?watch=${v}`))).toBe(true);
      expect(isWatchUpgrade(req(`watch=${v}`))).toBe(true);
    }
    for (const v of [...FALSE, 'yes']) {
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
  it('throws InvalidBoolError (its 400) for a malformed one', () => {
    expect(() => streamOptions(new URLSearchParams('stdin=yes'))).toThrow(InvalidBoolError);
    expect(() => queryBool(new URLSearchParams('tty='), 'tty')).toThrow(/query parameter tty/);
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

  const expect400 = async (res: { status: number; body: string }, param: string) => {
    expect(res.status).toBe(400);
    const s = JSON.parse(res.body);
    expect(s).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    expect(s.message).toContain(`query parameter ${param}`);
  };

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

  it.each(['True', 'TRUE', 't', '1'])('watch=%s streams events', async (v) => {
    const ev = await firstEvent(`watch=${v}&allowWatchBookmarks=True`);
    expect(ev.type).toBe('ADDED');
    expect(ev.object.metadata.name).toMatch(/^cm-/);
  });

  it('watch=False / f / 0 lists', async () => {
    for (const v of ['False', 'f', '0']) {
      const res = await t.request({
        method: 'GET',
        path: `/api/v1/namespaces/default/configmaps?watch=${v}`,
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).kind).toBe('ConfigMapList');
    }
  });

  it('a malformed watch or allowWatchBookmarks is a 400 before any stream starts', async () => {
    await expect400(await t.request({ method: 'GET', path: '/api/v1/configmaps?watch=yes' }), 'watch');
    await expect400(await t.request({ method: 'GET', path: '/api/v1/configmaps?watch=' }), 'watch');
    await expect400(
      await t.request({ method: 'GET', path: '/api/v1/configmaps?watch=true&allowWatchBookmarks=maybe' }),
      'allowWatchBookmarks',
    );
  });

  it('force on server-side apply and orphanDependents on delete', async () => {
    const apply = (force: string) =>
      t.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/default/configmaps/applied?fieldManager=test&force=${force}`,
        headers: { 'Content-Type': 'application/apply-patch+yaml' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' } }),
      });
    await expect400(await apply('yes'), 'force');
    expect((await apply('True')).status).toBe(201);
    expect((await apply('F')).status).toBe(200);
    await expect400(
      await t.request({
        method: 'DELETE',
        path: '/api/v1/namespaces/default/configmaps/applied?orphanDependents=nah',
      }),
      'orphanDependents',
    );
    const del = await t.request({
      method: 'DELETE',
      path: '/api/v1/namespaces/default/configmaps/applied?orphanDependents=T',
    });
    expect(del.status).toBe(200);
  });

  it('pod log options', async () => {
    await t.client.create(R.pods, pod('logs'));
    for (const p of ['follow', 'previous', 'timestamps', 'insecureSkipTLSVerifyBackend'])
      await expect400(
        await t.request({ method: 'GET', path: `/api/v1/namespaces/default/pods/logs/log?${p}=sure` }),
        p,
      );
  });

  it('exec options: a malformed stdin/stdout/stderr/tty is the API server’s 400 on the upgrade', async () => {
    await t.client.create(R.pods, pod('shell'));
    for (const p of ['stdin', 'stdout', 'stderr', 'tty']) {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const ws = new WebSocket(
          `${t.url.replace('https', 'wss')}/api/v1/namespaces/default/pods/shell/exec?command=true&${p}=yes`,
          ['v5.channel.k8s.io'],
          { ca: t.caPem, headers: { Authorization: `Bearer ${t.token}` } },
        );
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        ws.on('open', () => reject(new Error('upgraded')));
        ws.on('error', () => undefined);
      });
      await expect400({ status, body }, p);
    }
  });
});
