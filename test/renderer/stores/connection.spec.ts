// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useConnectionStore } from '../../../src-renderer/stores/connection';
import { takeTokenFromLocation } from '../../../src-renderer/api/session';

/** A fake API behind `fetch`: answers by path; `down` makes every request fail like a dead socket. */
function fakeApi() {
  const state = { down: false, token: 'good', calls: [] as string[], skiffContexts: ['other-skiff'] };
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetchFn = vi.fn(async (url: string, init?: RequestInit) => {
    state.calls.push(url);
    if (state.down) throw new TypeError('Failed to fetch');
    const full = url.replace(/^https?:\/\/[^/]+/, '');
    // A kubeconfig context is reached as /clusters/<context>/… on the dashboard server.
    const ctx = /^\/clusters\/([^/]+)(\/.*)$/.exec(full);
    const path = ctx ? ctx[2] : full;
    if (path.startsWith('/readyz'))
      return new Response('[+]ping ok\n[+]etcd ok\nreadyz check passed\n', { status: 200 });
    if (path === '/version') return json(200, { gitVersion: 'v1.32.4' });
    const auth = (init?.headers as Record<string, string> | undefined)?.Authorization;
    if (auth !== `Bearer ${state.token}`)
      return json(401, { kind: 'Status', code: 401, message: 'Unauthorized', reason: 'Unauthorized' });
    if (path === '/api') return json(200, { kind: 'APIVersions', versions: ['v1'] });
    if (path === '/skiff/v1/process' && (!ctx || state.skiffContexts.includes(ctx[1])))
      return json(200, { pid: 1, cpuSeconds: 1, rssBytes: 1 });
    return json(404, { kind: 'Status', code: 404, message: 'not found' });
  });
  return { state, fetchFn };
}

describe('connection store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    sessionStorage.clear();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('connects with a good token and reads readyz', async () => {
    const api = fakeApi();
    vi.stubGlobal('fetch', api.fetchFn);
    const c = useConnectionStore();
    expect(await c.connect('good')).toBe(true);
    expect(c.phase).toBe('connected');
    expect(c.serverVersion).toBe('v1.32.4');
    await vi.waitFor(() => expect(c.readyz?.checks.map((x) => x.name)).toEqual(['ping', 'etcd']));
    expect(sessionStorage.getItem('skiff.token')).toBe('good');
  });

  it('switches to a context through the dashboard proxy and probes whether it is a Skiff', async () => {
    const api = fakeApi();
    vi.stubGlobal('fetch', api.fetchFn);
    const c = useConnectionStore();
    expect(await c.connect('good')).toBe(true);
    expect(c.skiff).toBe(true);
    expect(await c.switchCluster('plain-k8s')).toBe(true);
    expect(c.baseUrl).toMatch(/\/clusters\/plain-k8s$/);
    expect(c.skiff).toBe(false);
    expect(api.state.calls.some((u) => u.endsWith('/clusters/plain-k8s/skiff/v1/process'))).toBe(true);
    expect(await c.switchCluster('other-skiff')).toBe(true);
    expect(c.skiff).toBe(true);
    expect(sessionStorage.getItem('skiff.cluster')).toBe('other-skiff');
    expect(await c.switchCluster('')).toBe(true);
    expect(c.skiff).toBe(true);
  });

  it('goes to unauthorized on 401', async () => {
    const api = fakeApi();
    vi.stubGlobal('fetch', api.fetchFn);
    const c = useConnectionStore();
    expect(await c.connect('wrong')).toBe(false);
    expect(c.phase).toBe('unauthorized');
    expect(c.error).toMatch(/401/);
  });

  it('shows unreachable when requests fail and recovers by itself when the API answers again', async () => {
    const api = fakeApi();
    vi.stubGlobal('fetch', api.fetchFn);
    const c = useConnectionStore();
    await c.connect('good');
    api.state.down = true;
    c.reportError(new TypeError('Failed to fetch'));
    expect(c.phase).toBe('unreachable');
    // The probe retries on a short backoff; still down after the first retries.
    await vi.advanceTimersByTimeAsync(3_000);
    expect(c.phase).toBe('unreachable');
    api.state.down = false;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(c.phase).toBe('connected');
    expect(c.readyz?.reachable).toBe(true);
  });

  it('takes the token out of the URL fragment', () => {
    const replaced: string[] = [];
    const loc = { hash: '#token=abc', pathname: '/', search: '' } as Location;
    const hist = {
      state: null,
      replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url),
    } as unknown as History;
    expect(takeTokenFromLocation(loc, hist)).toBe('abc');
    expect(replaced).toEqual(['/#/']);
    const loc2 = { hash: '#/pods?token=x%2By&x=1', pathname: '/', search: '' } as Location;
    expect(takeTokenFromLocation(loc2, hist)).toBe('x+y');
    expect(replaced[1]).toBe('/#/pods?x=1');
  });
});
