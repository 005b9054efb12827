/**
 * The dashboard server's kubeconfig proxy over HTTP: contexts of $KUBECONFIG listed (names and
 * servers, never a credential); /clusters/<ctx>/api/v1/pods reaches that context's server with
 * its credentials — a bearer token over http, client certificates over https with the
 * kubeconfig's CA — and never the page's own token; a watch streams chunk by chunk; an unknown
 * context is a 404 Status naming it; a broken kubeconfig is reported in the listing and the
 * server keeps answering. Fake API servers on 127.0.0.1 stand in for the clusters.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardServer } from '../../src-main/cli/dashboard-server';
import { makeEtcdCerts } from '../helpers/etcd';

const PAGE_TOKEN = 'page-token-123';
const CTX_TOKEN = 'ctx-token-abc';

interface Seen {
  path: string;
  authorization?: string;
  clientCn?: string;
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

/** A fake API server: /api/v1/pods lists one pod named after `tag`; ?watch=1 streams 2 events. */
function fakeApi(tag: string, seen: Seen[]) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const sock = req.socket as TLSSocket;
    const peer = typeof sock.getPeerCertificate === 'function' ? sock.getPeerCertificate() : undefined;
    seen.push({
      path: req.url ?? '',
      authorization: req.headers.authorization,
      clientCn: peer && 'subject' in peer ? String(peer.subject?.CN ?? '') || undefined : undefined,
    });
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/v1/pods' && url.searchParams.get('watch') === '1') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: `${tag}-a` } } }) + '\n');
      setTimeout(() => {
        res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: `${tag}-b` } } }) + '\n');
        setTimeout(() => res.end(), 50);
      }, 300);
      return;
    }
    if (url.pathname === '/api/v1/pods') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'PodList', items: [{ metadata: { name: `${tag}-pod` } }] }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', code: 404, message: 'not here' }));
  };
}

describe('dashboard server: kubeconfig contexts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-clusters-'));
  const seenToken: Seen[] = [];
  const seenCert: Seen[] = [];
  let tokenApi: http.Server;
  let certApi: https.Server;
  let dash: DashboardServer;
  let base = '';
  const kubeconfig = path.join(dir, 'config');
  const broken = path.join(dir, 'broken');

  beforeAll(async () => {
    const certs = makeEtcdCerts(dir);
    tokenApi = http.createServer(fakeApi('tok', seenToken));
    certApi = https.createServer(
      {
        cert: fs.readFileSync(certs.serverCertFile),
        key: fs.readFileSync(certs.serverKeyFile),
        ca: fs.readFileSync(certs.caFile),
        requestCert: true,
        rejectUnauthorized: true,
      },
      fakeApi('cert', seenCert),
    );
    const tp = await listen(tokenApi);
    const cp = await listen(certApi);
    fs.writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
current-context: by-cert
clusters:
  - name: t
    cluster: { server: 'http://127.0.0.1:${tp}' }
  - name: c
    cluster: { server: 'https://127.0.0.1:${cp}', certificate-authority: ca.crt }
users:
  - name: tu
    user: { token: ${CTX_TOKEN} }
  - name: cu
    user: { client-certificate: client.crt, client-key: client.key }
contexts:
  - name: by-token
    context: { cluster: t, user: tu, namespace: team }
  - name: by-cert
    context: { cluster: c, user: cu }
`,
    );
    fs.writeFileSync(broken, 'clusters: [ {name: x\n  : : oops');
    dash = new DashboardServer({
      staticDir: dir,
      apiUrl: 'https://127.0.0.1:1',
      caPem: fs.readFileSync(certs.caFile, 'utf8'),
      token: PAGE_TOKEN,
      dataDir: path.join(dir, 'data'),
      env: { KUBECONFIG: [kubeconfig, broken].join(path.delimiter), HOME: dir },
    });
    base = (await dash.start()).url;
  });

  afterAll(async () => {
    await dash?.stop();
    tokenApi?.close();
    certApi?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = (p: string, token = PAGE_TOKEN) =>
    fetch(base + p, { headers: { authorization: `Bearer ${token}` } });

  it('lists the contexts of $KUBECONFIG, the current one marked, without credentials', async () => {
    const res = await get('/dashboard/v1/clusters');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(CTX_TOKEN);
    const view = JSON.parse(text) as {
      items: { name: string; local: boolean; current?: boolean; auth?: string; namespace?: string }[];
      files: { path: string; error?: string }[];
    };
    expect(view.items.map((i) => i.name)).toEqual(['', 'by-token', 'by-cert']);
    expect(view.items[0].local).toBe(true);
    expect(view.items.find((i) => i.name === 'by-cert')?.current).toBe(true);
    expect(view.items.find((i) => i.name === 'by-token')).toMatchObject({ auth: 'token', namespace: 'team' });
    expect(view.items.find((i) => i.name === 'by-cert')?.auth).toBe('client-certificate');
    // The broken file is named with a readable parse error; the good one has none.
    expect(view.files.find((f) => f.path === kubeconfig)?.error).toBeUndefined();
    expect(view.files.find((f) => f.path === broken)?.error).toMatch(/\S/);
  });

  it('refuses the routes without the page token', async () => {
    expect((await get('/dashboard/v1/clusters', 'wrong')).status).toBe(401);
    expect((await get('/clusters/by-token/api/v1/pods', 'wrong')).status).toBe(401);
    expect(seenToken.length).toBe(0);
  });

  it('forwards to a token context with its token, not the page token', async () => {
    const res = await get('/clusters/by-token/api/v1/pods');
    expect(res.status).toBe(200);
    const list = (await res.json()) as { items: { metadata: { name: string } }[] };
    expect(list.items[0].metadata.name).toBe('tok-pod');
    const last = seenToken.at(-1)!;
    expect(last.path).toBe('/api/v1/pods');
    expect(last.authorization).toBe(`Bearer ${CTX_TOKEN}`);
  });

  it('forwards to a client-certificate context over TLS with its CA and certificate', async () => {
    const res = await get('/clusters/by-cert/api/v1/pods?limit=5');
    expect(res.status).toBe(200);
    const list = (await res.json()) as { items: { metadata: { name: string } }[] };
    expect(list.items[0].metadata.name).toBe('cert-pod');
    const last = seenCert.at(-1)!;
    expect(last.path).toBe('/api/v1/pods?limit=5');
    expect(last.clientCn).toBe('skiff');
    expect(last.authorization).toBeUndefined();
  });

  it('streams a watch as the upstream sends it', async () => {
    const res = await get('/clusters/by-token/api/v1/pods?watch=1');
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    const t0 = Date.now();
    const first = dec.decode((await reader.read()).value);
    const firstAt = Date.now() - t0;
    expect(first).toContain('tok-a');
    expect(first).not.toContain('tok-b');
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += dec.decode(value);
    }
    expect(rest).toContain('tok-b');
    // The first event came before the upstream's second one was even written.
    expect(firstAt).toBeLessThan(300);
  });

  it('answers 404 with a clear Status for an unknown context', async () => {
    const res = await get('/clusters/nope/api/v1/pods');
    expect(res.status).toBe(404);
    const s = (await res.json()) as { kind: string; reason: string; message: string };
    expect(s.kind).toBe('Status');
    expect(s.reason).toBe('NotFound');
    expect(s.message).toContain('"nope"');
  });

  it('refuses to add a broken kubeconfig in Settings with a readable error, and keeps serving', async () => {
    const res = await fetch(base + '/dashboard/v1/kubeconfigs', {
      method: 'POST',
      headers: { authorization: `Bearer ${PAGE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ path: broken }),
    });
    expect(res.status).toBe(400);
    const s = (await res.json()) as { message: string };
    expect(s.message).toContain(broken);
    expect((await get('/clusters/by-token/api/v1/pods')).status).toBe(200);
  });

  it('adds and removes a kubeconfig file in Settings', async () => {
    const extra = path.join(dir, 'extra');
    fs.writeFileSync(
      extra,
      'apiVersion: v1\nkind: Config\nclusters: [{name: e, cluster: {server: "http://127.0.0.1:9"}}]\ncontexts: [{name: extra-ctx, context: {cluster: e, user: x}}]\n',
    );
    const add = await fetch(base + '/dashboard/v1/kubeconfigs', {
      method: 'POST',
      headers: { authorization: `Bearer ${PAGE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ path: extra }),
    });
    expect(add.status).toBe(200);
    const view = (await add.json()) as {
      items: { name: string }[];
      files: { path: string; added: boolean }[];
    };
    expect(view.items.map((i) => i.name)).toContain('extra-ctx');
    expect(view.files.find((f) => f.path === extra)?.added).toBe(true);
    // An unreachable context's server is a 502 naming the context, not a crash.
    const down = await get('/clusters/extra-ctx/api/v1/pods');
    expect(down.status).toBe(502);
    expect(((await down.json()) as { message: string }).message).toContain('extra-ctx');
    const del = await fetch(base + `/dashboard/v1/kubeconfigs?path=${encodeURIComponent(extra)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${PAGE_TOKEN}` },
    });
    expect(del.status).toBe(200);
    const after = (await del.json()) as { items: { name: string }[] };
    expect(after.items.map((i) => i.name)).not.toContain('extra-ctx');
  });
});
