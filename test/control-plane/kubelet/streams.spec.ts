/**
 * exec, attach, cp and port-forward with the real kubectl v1.32 through the API server's proxy to
 * the kubelet, on real Docker: WebSocket (v5 exec, SPDY-in-WebSocket port-forward) and the SPDY
 * fallbacks forced by KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false / KUBECTL_PORT_FORWARD_WEBSOCKETS=false;
 * plus port-forward over WebSocket channels (v4.channel.k8s.io) with `ws` and @kubernetes/client-node.
 */
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { dockerAvailable } from './helpers/docker';
import { kubectlAvailable, startTestCluster, type TestCluster } from './helpers/cluster';

const ready = (await dockerAvailable()) && (await kubectlAvailable());
const IMAGE = 'skiff-test/busybox:1';
const SPDY = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
const PF_SPDY = { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' };

function podYaml(name: string, container: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'app', image: IMAGE, imagePullPolicy: 'IfNotPresent', ...container }],
    },
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

describe.skipIf(!ready)('kubectl exec / attach / cp / port-forward', () => {
  let t: TestCluster;
  const k = (args: string[], opts?: Parameters<TestCluster['kubectl']>[1]) => t.kubectl(args, opts);

  beforeAll(async () => {
    t = await startTestCluster('streams-node');
    for (const [name, c] of [
      ['shell', { command: ['sh', '-c', 'echo started; exec sleep 3600'] }],
      [
        'web',
        {
          // One port published (declared), one bound to the pod's loopback only (not declared).
          command: [
            'sh',
            '-c',
            'mkdir -p /www /lo && echo hello-from-pod > /www/index.html && echo loopback-only > /lo/index.html && httpd -p 80 -h /www && httpd -p 127.0.0.1:8081 -h /lo && exec sleep 3600',
          ],
          ports: [{ containerPort: 80 }],
        },
      ],
      [
        'talk',
        { command: ['sh', '-c', 'read line; echo "got $line"; sleep 1'], stdin: true, stdinOnce: true },
      ],
    ] as const) {
      const r = await k(['apply', '-f', '-'], { input: podYaml(name, c) });
      expect(r.stderr).toBe('');
    }
    const w = await k(
      ['wait', '--for=condition=Ready', 'pod/shell', 'pod/web', 'pod/talk', '--timeout=90s'],
      {
        timeoutMs: 100_000,
      },
    );
    expect(w.code, w.stderr).toBe(0);
  });
  afterAll(async () => {
    await t?.stop();
  });

  for (const [label, env] of [
    ['WebSocket v5', {}],
    ['SPDY', SPDY],
  ] as const) {
    it(`exec prints output and exits with the command's code (${label})`, async () => {
      const r = await k(['exec', 'shell', '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3'], { env });
      expect(r.stdout).toBe('hi\n');
      expect(r.stderr).toContain('oops');
      expect(r.code).toBe(3);
      const ok = await k(['exec', 'shell', '-v=7', '--', 'hostname'], { env });
      expect(ok).toMatchObject({ code: 0, stdout: 'shell\n' });
      // The transport really was the one under test (no silent fallback).
      if (label === 'SPDY') expect(ok.stderr).toContain('X-Stream-Protocol-Version');
      else {
        expect(ok.stderr).toContain('Sec-Websocket-Protocol: v5.channel.k8s.io');
        expect(ok.stderr).not.toMatch(/fallback/i);
      }
    });

    it(`exec -i carries piped stdin to EOF (${label})`, async () => {
      const input = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n') + '\n';
      const r = await k(['exec', '-i', 'shell', '--', 'sh', '-c', 'wc -l; echo done'], { input, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split(/\s+/)).toEqual(['2000', 'done']);
    });

    it(`exec -it runs in a terminal (${label})`, async () => {
      const cmd = `kubectl --kubeconfig ${t.kubeconfig} exec -it shell -- sh -c 'tty; stty size; exit 4'`;
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn('script', ['-qec', cmd, '/dev/null'], {
          env: { ...process.env, ...env, KUBECONFIG: t.kubeconfig, COLUMNS: '100', LINES: '30' },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
      });
      expect(r.out).toMatch(/\/dev\/pts\/\d+/);
      expect(r.code).toBe(4);
    });
  }

  /** Raw WebSocket exec through the API server: channel messages until the server closes. */
  const wsExec = (query: string, protocol: string, send: (ws: WebSocket) => void = () => undefined) =>
    new Promise<{ protocol: string; frames: [number, string][]; code: number }>((resolve, reject) => {
      const url = `${t.cluster.apiUrl.replace('https', 'wss')}/api/v1/namespaces/default/pods/shell/exec?${query}`;
      const ws = new WebSocket(url, [protocol], {
        ca: t.cluster.caPem,
        headers: { Authorization: `Bearer ${t.cluster.token}` },
      });
      const frames: [number, string][] = [];
      ws.on('open', () => send(ws));
      ws.on('message', (d: Buffer) => frames.push([d[0]!, d.subarray(1).toString()]));
      ws.on('close', (code) => resolve({ protocol: ws.protocol, frames, code }));
      ws.on('error', reject);
      setTimeout(() => ws.terminate(), 20_000);
    });

  it('serves v4.channel.k8s.io too: channels 1/2 and the Status with the exit code on channel 3', async () => {
    const cmd = ['sh', '-c', 'echo out; echo err >&2; exit 2']
      .map((c) => `command=${encodeURIComponent(c)}`)
      .join('&');
    const r = await wsExec(`${cmd}&stdout=true&stderr=true`, 'v4.channel.k8s.io');
    expect(r.protocol).toBe('v4.channel.k8s.io');
    // The Status is the last message, and the server then closes normally.
    expect(r.frames.at(-1)![0]).toBe(3);
    expect(r.code).toBe(1000);
    expect(
      r.frames
        .filter(([ch]) => ch === 1)
        .map(([, d]) => d)
        .join(''),
    ).toBe('out\n');
    expect(
      r.frames
        .filter(([ch]) => ch === 2)
        .map(([, d]) => d)
        .join(''),
    ).toBe('err\n');
    const status = JSON.parse(r.frames.find(([ch]) => ch === 3)![1]);
    expect(status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '2' }] },
    });
  });

  it('v5 with a TTY: resize on channel 4 reaches the terminal, stdin on channel 0', async () => {
    const cmd = ['sh', '-c', 'sleep 0.5; stty size; read line; echo "got $line"']
      .map((c) => `command=${encodeURIComponent(c)}`)
      .join('&');
    const r = await wsExec(`${cmd}&stdin=true&stdout=true&tty=true`, 'v5.channel.k8s.io', (ws) => {
      ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":123,"Height":45}')]));
      setTimeout(() => ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('hello\r')])), 1000);
    });
    const out = r.frames
      .filter(([ch]) => ch === 1)
      .map(([, d]) => d)
      .join('');
    expect(out).toContain('45 123');
    expect(out).toContain('got hello');
    expect(JSON.parse(r.frames.find(([ch]) => ch === 3)![1])).toEqual({ metadata: {}, status: 'Success' });
  });

  it('cp copies a file into the pod and back out (tar through exec)', async () => {
    const dir = fs.mkdtempSync(path.join(t.dataDir, 'cp-'));
    const src = path.join(dir, 'in.bin');
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 8)) & 0xff;
    fs.writeFileSync(src, data);
    const up = await k(['cp', src, 'shell:/tmp/in.bin']);
    expect(up.code, up.stderr).toBe(0);
    const sum = await k(['exec', 'shell', '--', 'md5sum', '/tmp/in.bin']);
    const local = await new Promise<string>((resolve) =>
      execFile('md5sum', [src], (_e, out) => resolve(String(out).split(' ')[0]!)),
    );
    expect(sum.stdout.split(' ')[0]).toBe(local);
    const back = path.join(dir, 'out.bin');
    const down = await k(['cp', 'shell:/tmp/in.bin', back]);
    expect(down.code, down.stderr).toBe(0);
    expect(fs.readFileSync(back).equals(data)).toBe(true);
  });

  it('attach -i sends stdin to the main process and shows its output', async () => {
    const r = await k(['attach', '-i', 'talk'], { input: 'hello\n', timeoutMs: 30_000 });
    expect(r.stdout).toContain('got hello');
  });

  it('exec in a missing container fails with the API error', async () => {
    const r = await k(['exec', 'shell', '-c', 'nope', '--', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/container nope is not valid for pod shell/);
  });

  for (const [label, env] of [
    ['SPDY inside WebSocket', {}],
    ['plain SPDY', PF_SPDY],
  ] as const) {
    it(`port-forward serves HTTP fetches, several at once, published or loopback-only (${label})`, async () => {
      const [p1, p2] = [await freePort(), await freePort()];
      const child = spawn(
        'kubectl',
        ['--kubeconfig', t.kubeconfig, 'port-forward', 'pod/web', `${p1}:80`, `${p2}:8081`, '-v=6'],
        { env: { ...process.env, ...env, KUBECONFIG: t.kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      try {
        for (let i = 0; i < 100 && !out.includes(`127.0.0.1:${p2}`); i++)
          await new Promise((r) => setTimeout(r, 100));
        expect(out).toContain(`Forwarding from 127.0.0.1:${p1} -> 80`);
        const bodies = await Promise.all(
          Array.from({ length: 5 }, () => fetch(`http://127.0.0.1:${p1}/`).then((r) => r.text())),
        );
        expect(bodies).toEqual(Array(5).fill('hello-from-pod\n'));
        const lo = await fetch(`http://127.0.0.1:${p2}/`).then((r) => r.text());
        expect(lo).toBe('loopback-only\n');
        // A second round on the same connection: it stays usable.
        expect(await fetch(`http://127.0.0.1:${p1}/`).then((r) => r.status)).toBe(200);
        // The transport really was the one under test (no silent fallback).
        if (label === 'SPDY inside WebSocket') {
          expect(out).toContain('negotiated protocol: portforward.k8s.io');
          expect(out).not.toContain('fallback');
        } else expect(out).not.toContain('WebSocket');
      } finally {
        child.kill('SIGINT');
        await new Promise((r) => child.once('close', r));
      }
    });
  }

  it('port-forward over WebSocket channels (v4.channel.k8s.io): the port first on each channel, then the pod’s bytes', async () => {
    const url = `${t.cluster.apiUrl.replace('https', 'wss')}/api/v1/namespaces/default/pods/web/portforward?ports=80`;
    const ws = new WebSocket(url, ['v4.channel.k8s.io'], {
      ca: t.cluster.caPem,
      headers: { Authorization: `Bearer ${t.cluster.token}` },
    });
    const frames: [number, Buffer][] = [];
    ws.on('message', (d: Buffer) => frames.push([d[0]!, d.subarray(1)]));
    ws.on('open', () => ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET / HTTP/1.0\r\n\r\n')])));
    const timer = setTimeout(() => ws.terminate(), 20_000);
    // HTTP/1.0: httpd closes after the answer, which ends the only pair and so the WebSocket.
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    clearTimeout(timer);
    expect(ws.protocol).toBe('v4.channel.k8s.io');
    expect(code).toBe(1000);
    const data = frames.filter(([ch]) => ch === 0).map(([, d]) => d);
    expect(data[0]).toEqual(Buffer.from([80, 0]));
    expect(frames.find(([ch]) => ch === 1)![1]).toEqual(Buffer.from([80, 0]));
    const http = Buffer.concat(data.slice(1)).toString();
    expect(http).toMatch(/^HTTP\/1\.[01] 200/);
    expect(http).toContain('hello-from-pod');
  });

  it('@kubernetes/client-node’s PortForward (v4.channel.k8s.io) fetches from the pod', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(t.kubeconfig);
    let out = '';
    const output = new Writable({
      write(chunk, _enc, cb) {
        out += String(chunk);
        cb();
      },
    });
    const input = new PassThrough();
    const ws = (await new PortForward(kc).portForward('default', 'web', [80], output, null, input)) as {
      close(): void;
    };
    try {
      input.write('GET / HTTP/1.0\r\n\r\n');
      for (let i = 0; i < 100 && !out.includes('hello-from-pod'); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/^HTTP\/1\.[01] 200/);
      expect(out).toContain('hello-from-pod');
    } finally {
      ws.close();
    }
  });

  it('port-forward to a port nothing listens on reports the error and keeps forwarding', async () => {
    const p = await freePort();
    const child = spawn('kubectl', ['--kubeconfig', t.kubeconfig, 'port-forward', 'pod/web', `${p}:9999`], {
      env: { ...process.env, KUBECONFIG: t.kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 100 && !out.includes('Forwarding from'); i++)
        await new Promise((r) => setTimeout(r, 100));
      // The connection gets no answer (nothing listens in the pod); only kubectl's report counts.
      await fetch(`http://127.0.0.1:${p}/`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
      for (let i = 0; i < 100 && !out.includes('error forwarding port 9999'); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain('error forwarding port 9999 to pod web_default');
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const closed = new Promise((r) => child.once('close', r));
        child.kill('SIGINT');
        await closed;
      }
    }
  }, 60_000);
});
