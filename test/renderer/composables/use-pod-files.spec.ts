// @vitest-environment happy-dom
// Unit tests of the Files panel's composable over a fake fetch and XMLHttpRequest: the first
// listing, a missing path kept readable beside the folder shown, and uploads (the size limit
// refused before sending, the others PUT with the token, then the folder re-read).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { effectScope, ref } from 'vue';
import type { FileList } from '@common/pod-files';
import type { Pod } from '../../../src-renderer/models/kube';
import { MAX_UPLOAD_BYTES } from '../../../src-renderer/models/pod-files';
import { usePodFiles } from '../../../src-renderer/composables/use-pod-files';
import { useConnectionStore } from '../../../src-renderer/stores/connection';

const pod = {
  metadata: { name: 'web', namespace: 'ns' },
  spec: { containers: [{ name: 'app', image: 'x' }] },
} as Pod;
const listing = (path: string, names: string[]): FileList => ({
  kind: 'FileList',
  apiVersion: 'skiff.dev/v1',
  path,
  items: names.map((name) => ({ name, type: 'file', size: 1, mode: 0o644, mtime: '2026-12-06T12:00:00Z' })),
});

interface Put {
  url: string;
  headers: Record<string, string>;
  size: number;
}

function serve(folders: Record<string, string[]>): { gets: string[]; puts: Put[] } {
  const gets: string[] = [];
  const puts: Put[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      gets.push(url);
      const path = new URL(url, 'http://x').searchParams.get('path')!;
      const names = folders[path];
      if (!names)
        return new Response(
          JSON.stringify({ kind: 'Status', code: 404, message: `path "${path}" not found in the container` }),
          { status: 404, headers: { 'content-type': 'application/json' } },
        );
      return new Response(JSON.stringify(listing(path, names)), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }),
  );
  class FakeXhr {
    status = 0;
    responseText = '';
    upload: { onprogress?: (e: { loaded: number; total: number; lengthComputable: boolean }) => void } = {};
    onload?: () => void;
    onerror?: () => void;
    private url = '';
    private headers: Record<string, string> = {};
    open(_m: string, url: string) {
      this.url = url;
    }
    setRequestHeader(k: string, v: string) {
      this.headers[k] = v;
    }
    send(body: Blob) {
      puts.push({ url: this.url, headers: this.headers, size: body.size });
      const path = new URL(this.url, 'http://x').searchParams.get('path')!;
      const dir = path.slice(0, path.lastIndexOf('/')) || '/';
      folders[dir] = [...(folders[dir] ?? []), path.slice(path.lastIndexOf('/') + 1)];
      setTimeout(() => {
        this.upload.onprogress?.({ loaded: body.size, total: body.size, lengthComputable: true });
        this.status = 201;
        this.onload?.();
      }, 0);
    }
  }
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
  useConnectionStore().token = 'tok';
  return { gets, puts };
}

describe('usePodFiles', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.unstubAllGlobals());

  it('lists the root of the first container, then keeps a missing path readable', async () => {
    const { gets } = serve({ '/': ['etc'], '/etc': ['hosts'] });
    const scope = effectScope();
    const f = scope.run(() => usePodFiles(ref(pod)))!;
    await vi.waitFor(() => expect(f.status.value).toBe('ready'));
    expect(gets[0]).toBe('/apis/skiff.dev/v1/namespaces/ns/pods/web/files?container=app&path=%2F');
    expect(f.list.value?.items.map((e) => e.name)).toEqual(['etc']);

    await f.open('/nope');
    expect(f.status.value).toBe('error');
    expect(f.error.value).toBe('Path "/nope" not found in the container');
    expect(f.path.value).toBe('/');
    expect(f.list.value?.path).toBe('/');

    await f.open('/etc');
    expect(f.error.value).toBeNull();
    expect(f.path.value).toBe('/etc');
    scope.stop();
  });

  it('refuses a file over the limit before sending, uploads the others with the token, re-reads', async () => {
    const { puts } = serve({ '/': [], '/tmp': [] });
    const scope = effectScope();
    const f = scope.run(() => usePodFiles(ref(pod)))!;
    await vi.waitFor(() => expect(f.status.value).toBe('ready'));
    await f.open('/tmp');
    const small = new File(['hello'], 'a.txt');
    const big = new File(['x'], 'big.iso');
    Object.defineProperty(big, 'size', { value: MAX_UPLOAD_BYTES + 1 });
    await f.upload([small, big]);

    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({
      url: '/apis/skiff.dev/v1/namespaces/ns/pods/web/files?container=app&path=%2Ftmp%2Fa.txt',
      size: 5,
    });
    expect(puts[0].headers.Authorization).toBe('Bearer tok');
    const [a, b] = f.uploads.value;
    expect(a).toMatchObject({ name: 'a.txt', state: 'done', loaded: 5 });
    expect(b.state).toBe('error');
    expect(b.error).toMatch(/^big\.iso is 268,435,457 bytes; uploads are limited to 268,435,456 bytes/);
    expect(f.list.value?.items.map((e) => e.name)).toEqual(['a.txt']);
    scope.stop();
  });
});
