/**
 * Skiff's container files endpoint (`/apis/skiff.dev/v1/namespaces/{ns}/pods/{name}/files`)
 * over HTTPS against a real `skiff serve` and real Docker: list a directory (entries, types,
 * modes), download a regular file as its bytes, upload random binary bytes and read them back
 * identical (also into a folder of an image with no shell and no `tar`), a missing path → 404
 * Status, a relative or traversing path → 400, an unknown container → 400, a completed pod and an
 * unscheduled pod → 400 with the reason in words, a pod that does not exist → 404.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileEntry, FileList } from '../../src-main/common/pod-files';
import { DEFAULT_SANDBOX_IMAGE } from '../../src-main/control-plane/kubelet/runtime/docker/pause-image';
import { docker, dockerAvailable } from '../helpers/docker';
import { eventually, kubectl, startSkiff, type SkiffProcess } from '../helpers/skiff-process';

const hasDocker = dockerAvailable();
const NS = `files-${Date.now().toString(36)}`;

const podsYaml = `apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: v1
kind: Pod
metadata: { name: box, namespace: ${NS} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: skiff-test/busybox:1
      imagePullPolicy: IfNotPresent
      command: [sh, -c, 'mkdir -p /data/sub && printf hello > /data/hello.txt && chmod 640 /data/hello.txt && ln -s hello.txt /data/link && mkfifo /data/pipe && exec sleep 3600']
    - name: side
      image: skiff-test/busybox:1
      imagePullPolicy: IfNotPresent
      command: [sleep, '3600']
---
apiVersion: v1
kind: Pod
metadata: { name: bare, namespace: ${NS} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    # One static binary, no shell and no tar: what kubectl cp cannot reach.
    - name: main
      image: ${DEFAULT_SANDBOX_IMAGE}
      imagePullPolicy: Never
---
apiVersion: v1
kind: Pod
metadata: { name: done, namespace: ${NS} }
spec:
  restartPolicy: Never
  containers:
    - name: main
      image: skiff-test/busybox:1
      imagePullPolicy: IfNotPresent
      command: ['true']
---
apiVersion: v1
kind: Pod
metadata: { name: nowhere, namespace: ${NS} }
spec:
  nodeSelector: { skiff.dev/no-such-node: 'yes' }
  containers:
    - name: main
      image: skiff-test/busybox:1
`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

describe.skipIf(!hasDocker)('pods/files over the API server (real Docker)', () => {
  let skiff: SkiffProcess;
  let ca: Buffer | undefined;

  /** One request to the API server with the admin token (TLS with the cluster's CA). */
  function call(method: 'GET' | 'PUT' | 'POST', pathAndQuery: string, body?: Buffer): Promise<Answer> {
    const url = new URL(pathAndQuery, skiff.apiUrl);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ca,
          timeout: 30_000,
          headers: {
            authorization: `Bearer ${skiff.token}`,
            ...(body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : {}),
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${pathAndQuery}`)));
      req.end(body);
    });
  }

  const files = (pod: string, q: Record<string, string>) =>
    `/apis/skiff.dev/v1/namespaces/${NS}/pods/${pod}/files?${new URLSearchParams(q)}`;

  /** A Status answer: its code, reason and message. */
  function statusOf(a: Answer): { code: number; reason: string; message: string } {
    expect(a.headers['content-type']).toMatch(/application\/json/);
    const s = JSON.parse(a.body.toString('utf8')) as {
      kind: string;
      code: number;
      reason: string;
      message: string;
    };
    expect(s.kind).toBe('Status');
    expect(s.code).toBe(a.status);
    return s;
  }

  beforeAll(async () => {
    skiff = await startSkiff({ extraArgs: ['--ingress-port', '0'] });
    const m = /certificate-authority-data: (\S+)/.exec(fs.readFileSync(skiff.kubeconfig, 'utf8'));
    ca = m ? Buffer.from(m[1]!, 'base64') : undefined;
    const applied = await kubectl(skiff.kubeconfig, ['apply', '-f', '-'], { input: podsYaml });
    expect(applied.code, applied.stderr).toBe(0);
    const ready = await kubectl(
      skiff.kubeconfig,
      ['wait', '--for=condition=Ready', 'pod/box', 'pod/bare', '-n', NS, '--timeout=90s'],
      { timeoutMs: 100_000 },
    );
    expect(ready.code, ready.stderr).toBe(0);
    await eventually(
      async () => {
        const r = await kubectl(skiff.kubeconfig, [
          'get',
          'pod/done',
          '-n',
          NS,
          '-o',
          'jsonpath={.status.phase}',
        ]);
        return r.stdout === 'Succeeded';
      },
      90_000,
      'pod done to succeed',
    );
  }, 240_000);

  afterAll(async () => {
    if (skiff) {
      await kubectl(skiff.kubeconfig, ['delete', 'namespace', NS, '--wait=false']);
      await skiff.destroy();
    }
    if (hasDocker) {
      const left = docker('ps', '-aq', '--filter', `label=io.kubernetes.pod.namespace=${NS}`)
        .split('\n')
        .filter(Boolean);
      if (left.length) docker('rm', '-f', ...left);
    }
  }, 120_000);

  it('lists a directory: entries with type, size, mode and mtime, directories first', async () => {
    const a = await call('GET', files('box', { container: 'main', path: '/data' }));
    expect(a.status, a.body.toString()).toBe(200);
    const list = JSON.parse(a.body.toString('utf8')) as FileList;
    expect(list).toMatchObject({ kind: 'FileList', apiVersion: 'skiff.dev/v1', path: '/data' });
    expect(list.items.map((e) => e.name)).toEqual(['sub', 'hello.txt', 'link', 'pipe']);
    const byName = new Map(list.items.map((e) => [e.name, e] as [string, FileEntry]));
    expect(byName.get('sub')).toMatchObject({ type: 'directory', size: 0 });
    expect(byName.get('hello.txt')).toMatchObject({ type: 'file', size: 5, mode: 0o640 });
    expect(byName.get('link')).toMatchObject({ type: 'symlink', linkTarget: 'hello.txt' });
    expect(byName.get('pipe')).toMatchObject({ type: 'other', size: 0 });
    for (const e of list.items) expect(Date.parse(e.mtime)).toBeGreaterThan(Date.parse('2020-01-01'));
  });

  it('lists the root and a symlinked directory, and normalizes the path', async () => {
    const root = await call('GET', files('box', { container: 'main', path: '/' }));
    expect(root.status, root.body.toString()).toBe(200);
    const names = (JSON.parse(root.body.toString()) as FileList).items.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['bin', 'data', 'etc', 'proc', 'tmp']));
    const messy = await call('GET', files('box', { container: 'main', path: '//data/' }));
    expect(messy.status).toBe(200);
    expect((JSON.parse(messy.body.toString()) as FileList).path).toBe('/data');
  });

  it('downloads a regular file as its bytes, also through a symlink', async () => {
    const a = await call('GET', files('box', { container: 'main', path: '/data/hello.txt' }));
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/octet-stream');
    expect(a.headers['content-disposition']).toContain("filename*=UTF-8''hello.txt");
    expect(a.body.toString('utf8')).toBe('hello');
    const viaLink = await call('GET', files('box', { container: 'main', path: '/data/link' }));
    expect(viaLink.status).toBe(200);
    expect(viaLink.body.toString('utf8')).toBe('hello');
  });

  it('uploads binary bytes and reads them back identical; the listing shows the new file', async () => {
    const bytes = crypto.randomBytes(300_000);
    // Every byte value, NULs and CR/LF included.
    for (let i = 0; i < 256; i++) bytes[i] = i;
    const put = await call('PUT', files('box', { container: 'main', path: '/data/sub/blob.bin' }), bytes);
    expect(put.status, put.body.toString()).toBe(201);
    expect(JSON.parse(put.body.toString())).toMatchObject({
      name: 'blob.bin',
      type: 'file',
      size: bytes.length,
    });
    const back = await call('GET', files('box', { container: 'main', path: '/data/sub/blob.bin' }));
    expect(back.status).toBe(200);
    expect(back.body.length).toBe(bytes.length);
    expect(back.body.equals(bytes)).toBe(true);
    const list = await call('GET', files('box', { container: 'main', path: '/data/sub' }));
    expect((JSON.parse(list.body.toString()) as FileList).items).toEqual([
      expect.objectContaining({ name: 'blob.bin', type: 'file', size: bytes.length }),
    ]);
    // The container itself sees the same bytes.
    const id = docker(
      'ps',
      '-q',
      '--filter',
      `label=io.kubernetes.pod.namespace=${NS}`,
      '--filter',
      'label=io.kubernetes.container.name=main',
      '--filter',
      'label=io.kubernetes.pod.name=box',
    ).trim();
    const sum = docker('exec', id, 'md5sum', '/data/sub/blob.bin').split(' ')[0];
    expect(sum).toBe(crypto.createHash('md5').update(bytes).digest('hex'));
  });

  it('works in an image with no shell and no tar (one static binary)', async () => {
    const root = await call('GET', files('bare', { path: '/' }));
    expect(root.status, root.body.toString()).toBe(200);
    const items = (JSON.parse(root.body.toString()) as FileList).items;
    expect(items).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'pause', type: 'file' })]));
    expect(items.some((e) => e.name === 'bin' || e.name === 'sh')).toBe(false);
    const bytes = crypto.randomBytes(4096);
    const put = await call('PUT', files('bare', { path: '/dropped.bin' }), bytes);
    expect(put.status, put.body.toString()).toBe(201);
    const back = await call('GET', files('bare', { path: '/dropped.bin' }));
    expect(back.body.equals(bytes)).toBe(true);
  });

  it('overwrites an existing file and accepts an empty one; a second container is its own', async () => {
    const first = await call('PUT', files('box', { container: 'main', path: '/tmp/x' }), Buffer.from('one'));
    expect(first.status).toBe(201);
    const second = await call('PUT', files('box', { container: 'main', path: '/tmp/x' }), Buffer.from('2'));
    expect(second.status).toBe(201);
    expect((await call('GET', files('box', { container: 'main', path: '/tmp/x' }))).body.toString()).toBe(
      '2',
    );
    const empty = await call('PUT', files('box', { container: 'main', path: '/tmp/empty' }), Buffer.alloc(0));
    expect(empty.status, empty.body.toString()).toBe(201);
    const got = await call('GET', files('box', { container: 'main', path: '/tmp/empty' }));
    expect(got.status).toBe(200);
    expect(got.body.length).toBe(0);
    const side = await call('GET', files('box', { container: 'side', path: '/tmp/x' }));
    expect(side.status).toBe(404);
  });

  it('a missing path is 404 NotFound; uploading into a missing folder is 404; onto a folder 409', async () => {
    const missing = statusOf(await call('GET', files('box', { container: 'main', path: '/no/such/file' })));
    expect(missing).toMatchObject({ code: 404, reason: 'NotFound' });
    expect(missing.message).toContain('/no/such/file');
    const intoMissing = statusOf(
      await call('PUT', files('box', { container: 'main', path: '/nope/a.bin' }), Buffer.from('x')),
    );
    expect(intoMissing).toMatchObject({ code: 404, reason: 'NotFound' });
    expect(intoMissing.message).toContain('/nope');
    const ontoDir = statusOf(
      await call('PUT', files('box', { container: 'main', path: '/data/sub' }), Buffer.from('x')),
    );
    expect(ontoDir).toMatchObject({ code: 409, reason: 'Conflict' });
  });

  it('a bad path is 400 BadRequest with the reason', async () => {
    for (const [path, words] of [
      ['etc/passwd', 'absolute'],
      ['/etc/../root', '".."'],
      ['/etc/./passwd', '"."'],
    ] as const) {
      const s = statusOf(await call('GET', files('box', { container: 'main', path })));
      expect(s, path).toMatchObject({ code: 400, reason: 'BadRequest' });
      expect(s.message).toContain(words);
    }
    const noPath = statusOf(await call('GET', files('box', { container: 'main' })));
    expect(noPath).toMatchObject({ code: 400 });
    expect(noPath.message).toContain('path parameter is required');
    const root = statusOf(
      await call('PUT', files('box', { container: 'main', path: '/' }), Buffer.from('x')),
    );
    expect(root.code).toBe(400);
    const fifo = statusOf(await call('GET', files('box', { container: 'main', path: '/data/pipe' })));
    expect(fifo.code).toBe(400);
    expect(fifo.message).toContain('not a regular file');
  });

  it('the container must be named when there are two, and must exist', async () => {
    const unnamed = statusOf(await call('GET', files('box', { path: '/' })));
    expect(unnamed.code).toBe(400);
    expect(unnamed.message).toMatch(/container name must be specified/);
    const wrong = statusOf(await call('GET', files('box', { container: 'nope', path: '/' })));
    expect(wrong.code).toBe(400);
    expect(wrong.message).toContain('nope');
  });

  it('a completed pod, an unscheduled pod and a missing pod answer a clear 4xx', async () => {
    const done = statusOf(await call('GET', files('done', { path: '/' })));
    expect(done).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(done.message).toContain('Succeeded');
    const nowhere = statusOf(await call('GET', files('nowhere', { path: '/' })));
    expect(nowhere).toMatchObject({ code: 400 });
    expect(nowhere.message).toContain('does not have a host assigned');
    const ghost = statusOf(await call('GET', files('ghost', { path: '/' })));
    expect(ghost).toMatchObject({ code: 404, reason: 'NotFound' });
    const post = statusOf(await call('POST', files('box', { container: 'main', path: '/tmp' })));
    expect(post.code).toBe(405);
  });
});
