/**
 * DockerRuntime's stream primitives on the real engine: exec (exit codes, stdin EOF, TTY),
 * and portForward through the sandbox's /relay — to published and loopback-only ports, and
 * through a helper container for sandboxes of another image.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import { DockerRuntime } from '../../../src-main/control-plane/kubelet/runtime/docker/docker-runtime';
import type { SandboxStatus } from '../../../src-main/control-plane/kubelet/runtime/runtime';
import { dockerAvailable, removeManaged, testManagedBy } from './helpers/docker';

const hasDocker = await dockerAvailable();
const managedBy = testManagedBy();
const IMAGE = 'skiff-test/busybox:1';

function collect(s: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    s.on('data', (c: Buffer) => (out += c.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

async function httpGet(conn: Duplex, path = '/'): Promise<string> {
  const body = collect(conn);
  conn.end(`GET ${path} HTTP/1.0\r\nHost: x\r\n\r\n`);
  return body;
}

describe.skipIf(!hasDocker)('DockerRuntime exec and port-forward', () => {
  const rt = new DockerRuntime({ managedBy });
  let sb: SandboxStatus;
  let app: string;

  beforeAll(async () => {
    sb = await rt.runPodSandbox({
      podUid: 'uid-streams',
      podName: 'streams',
      namespace: 'default',
      hostname: 'streams',
      attempt: 0,
      ports: [{ containerPort: 80, protocol: 'TCP', hostIp: '127.0.0.1' }],
    });
    app = await rt.createContainer(sb.id, {
      podUid: 'uid-streams',
      podName: 'streams',
      namespace: 'default',
      name: 'app',
      attempt: 0,
      image: IMAGE,
      command: [
        'sh',
        '-c',
        'mkdir -p /a /b && echo pub > /a/index.html && echo lo > /b/index.html && httpd -p 80 -h /a && httpd -p 127.0.0.1:8081 -h /b && exec sleep 3600',
      ],
      env: [],
      resources: {},
    });
    await rt.startContainer(app);
  });
  afterAll(() => removeManaged(managedBy));

  it('bounds each container log (json-file, 10m × 5)', async () => {
    const info = await new Docker().getContainer(app).inspect();
    expect(info.HostConfig.LogConfig).toEqual({
      Type: 'json-file',
      Config: { 'max-size': '10m', 'max-file': '5' },
    });
  });

  it('exec returns output and the exit code; stdin EOF reaches the process', async () => {
    const s = await rt.exec(app, {
      command: ['sh', '-c', 'cat; echo err >&2; exit 5'],
      stdin: true,
      stdout: true,
      stderr: true,
      tty: false,
    });
    const [out, err] = [collect(s.stdout), collect(s.stderr!)];
    s.stdin!.end('piped\n');
    expect(await out).toBe('piped\n');
    expect(await err).toBe('err\n');
    expect((await s.done).exitCode).toBe(5);
  });

  it('exec with a TTY merges output and honours resize', async () => {
    const s = await rt.exec(app, {
      command: ['sh', '-c', 'sleep 0.3; stty size'],
      stdin: true,
      stdout: true,
      stderr: false,
      tty: true,
    });
    const out = collect(s.stdout);
    await s.resize(120, 40);
    expect(await out).toContain('40 120');
    expect((await s.done).exitCode).toBe(0);
    s.close();
  });

  it('portForward reaches published and loopback-only ports; a closed port is an error', async () => {
    // Give httpd a moment to bind.
    for (let i = 0; i < 50; i++) {
      const r = await httpGet(await rt.portForward(sb.id, 80)).catch(() => '');
      if (r.includes('pub')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await httpGet(await rt.portForward(sb.id, 80))).toMatch(/^HTTP\/1\.[01] 200[\s\S]*\r\n\r\npub\n$/);
    expect(await httpGet(await rt.portForward(sb.id, 8081))).toMatch(/\r\n\r\nlo\n$/);
    const closed = await rt.portForward(sb.id, 9999);
    await expect(collect(closed)).rejects.toThrow(/localhost:9999.*connection refused/);
  });
});
