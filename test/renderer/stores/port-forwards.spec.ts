// @vitest-environment happy-dom
// Unit tests of the dashboard's port-forwards store over a fake fetch: the list, a start that is
// listed at once, a refused start that throws the server's message, Stop, and a dashboard server
// without port-forwards (the controls then hide).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { PortForwardView } from '../../../src-renderer/models/port-forward';
import { usePortForwardsStore } from '../../../src-renderer/stores/port-forwards';
import { useConnectionStore } from '../../../src-renderer/stores/connection';

const view = (id: string, port: number): PortForwardView => ({
  id,
  cluster: '',
  namespace: 'ns',
  kind: 'pod',
  name: 'web',
  port,
  pod: 'web',
  podPort: port,
  localPort: 40000 + port,
  url: `http://127.0.0.1:${40000 + port}/`,
  connections: 0,
  activeConnections: 0,
  bytesIn: 0,
  bytesOut: 0,
  startedAt: '2026-12-06T12:00:00.000Z',
});

type Call = { method: string; url: string; auth?: string; body?: unknown };
function serve(handler: (method: string, url: string, body: unknown) => [number, unknown]): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ method, url, auth: (init?.headers as Record<string, string>)?.Authorization, body });
      const [status, doc] = handler(method, url, body);
      return new Response(JSON.stringify(doc), { status, headers: { 'content-type': 'application/json' } });
    }),
  );
  useConnectionStore().token = 'tok';
  return calls;
}

describe('port-forwards store', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.unstubAllGlobals());

  it('lists, starts (listed at once), refuses in words and stops', async () => {
    let items = [view('a', 8080)];
    const calls = serve((method, url, body) => {
      if (method === 'POST') {
        const b = body as { port: number; localPort: number };
        if (b.localPort === 22)
          return [409, { kind: 'Status', code: 409, message: 'local port 22 is in use' }];
        items = [...items, view('b', b.port)];
        return [201, items[1]];
      }
      if (method === 'DELETE') {
        items = items.filter((f) => !url.endsWith(`/${f.id}`));
        return [200, { items }];
      }
      return [200, { items }];
    });
    const s = usePortForwardsStore();
    s.ensure();
    await vi.waitFor(() => expect(s.status).toBe('ready'));
    expect(s.available).toBe(true);
    expect(s.items.map((f) => f.id)).toEqual(['a']);
    expect(calls[0]).toMatchObject({ method: 'GET', url: '/dashboard/v1/port-forwards', auth: 'Bearer tok' });

    const req = { cluster: '', namespace: 'ns', kind: 'pod' as const, name: 'web', port: 9090 };
    const started = await s.start({ ...req, localPort: 0 });
    expect(started.id).toBe('b');
    expect(s.items.map((f) => f.id)).toContain('b');
    await expect(s.start({ ...req, localPort: 22 })).rejects.toThrow('local port 22 is in use');

    expect(await s.stop('a')).toBe(true);
    expect(s.items.map((f) => f.id)).toEqual(['b']);
    expect(calls.some((c) => c.method === 'DELETE' && c.url === '/dashboard/v1/port-forwards/a')).toBe(true);
  });

  it('marks port-forwards unavailable when the dashboard server has no such routes', async () => {
    serve(() => [404, { kind: 'Status', code: 404, message: 'GET /dashboard/v1/port-forwards not found' }]);
    const s = usePortForwardsStore();
    await s.load();
    expect(s.available).toBe(false);
    expect(s.error).toBe('GET /dashboard/v1/port-forwards not found');
  });

  it('asks once per token', async () => {
    const calls = serve(() => [200, { items: [] }]);
    const s = usePortForwardsStore();
    s.ensure();
    s.ensure();
    await vi.waitFor(() => expect(s.status).toBe('ready'));
    s.ensure();
    expect(calls).toHaveLength(1);
    useConnectionStore().token = 'other';
    s.ensure();
    await vi.waitFor(() => expect(calls).toHaveLength(2));
  });
});
