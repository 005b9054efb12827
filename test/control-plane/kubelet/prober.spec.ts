/**
 * ProbeManager handlers against real servers on 127.0.0.1 standing in for a pod's published
 * ports: gRPC health (h2c, SERVING / NOT_SERVING / unknown service), httpGet status codes and
 * tcpSocket refusals. (exec, and the netns route for unpublished ports, run on real Docker in
 * pod-semantics.spec.ts.)
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '../../../src-main/common/clock';
import { ProbeManager } from '../../../src-main/control-plane/kubelet/prober';
import type {
  ContainerRuntime,
  SandboxStatus,
} from '../../../src-main/control-plane/kubelet/runtime/runtime';

const listen = (server: net.Server) =>
  new Promise<number>((r) =>
    server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)),
  );

describe('probe handlers', () => {
  const grpc = http2.createServer();
  const web = http.createServer((req, res) => res.writeHead(req.url === '/ok' ? 200 : 503).end());
  let sb: SandboxStatus;
  let closedPort: number;
  const prober = new ProbeManager({} as ContainerRuntime, realClock, () => undefined);
  const spec = { name: 'app', ports: [{ name: 'web', containerPort: 8080 }] };

  beforeAll(async () => {
    grpc.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        expect(headers[':path']).toBe('/grpc.health.v1.Health/Check');
        const msg = Buffer.concat(chunks).subarray(5);
        const service = msg.length ? msg.subarray(2).toString() : '';
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        if (service === 'missing') {
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '5' }));
          stream.end();
          return;
        }
        const status = service === 'sick' ? 2 : 1;
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, status]));
      });
    });
    const [g, w] = [await listen(grpc as unknown as net.Server), await listen(web)];
    const tmp = net.createServer();
    closedPort = await listen(tmp);
    await new Promise((r) => tmp.close(r));
    const port = (containerPort: number, hostPort: number) => ({
      containerPort,
      hostPort,
      hostIp: '127.0.0.1',
      protocol: 'TCP' as const,
    });
    sb = {
      id: 'sb',
      podUid: 'u',
      podName: 'p',
      namespace: 'default',
      attempt: 0,
      state: 'ready',
      createdAt: 0,
      labels: {},
      ports: [port(50051, g), port(8080, w), port(9, closedPort)],
    };
  });
  afterAll(() => {
    grpc.close();
    web.close();
  });

  it('gRPC: SERVING passes, NOT_SERVING and a non-OK grpc-status fail', async () => {
    expect(await prober.probe('c', spec, { grpc: { port: 50051 } }, sb)).toEqual({ ok: true, message: '' });
    expect(await prober.probe('c', spec, { grpc: { port: 50051, service: 'sick' } }, sb)).toEqual({
      ok: false,
      message: 'service unhealthy (responded with "NOT_SERVING")',
    });
    expect(
      (await prober.probe('c', spec, { grpc: { port: 50051, service: 'missing' } }, sb)).message,
    ).toContain('grpc-status 5');
  });

  it('httpGet on a named port: 2xx passes, 503 fails; tcpSocket to a closed port fails', async () => {
    expect(await prober.probe('c', spec, { httpGet: { path: '/ok', port: 'web' } }, sb)).toEqual({
      ok: true,
      message: '',
    });
    expect(await prober.probe('c', spec, { httpGet: { path: '/', port: 8080 } }, sb)).toEqual({
      ok: false,
      message: 'HTTP probe failed with statuscode: 503',
    });
    const tcp = await prober.probe('c', spec, { tcpSocket: { port: 9 } }, sb);
    expect(tcp.ok).toBe(false);
    expect(tcp.message).toMatch(/ECONNREFUSED/);
  });
});
