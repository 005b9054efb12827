// @vitest-environment happy-dom
// Unit tests of the dashboard's backups store over a fake fetch: list, save on top, readable errors for a failed save and for an older Skiff without the endpoint.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { markRaw } from 'vue';
import { FetchTransport, KubeClient } from '@common/client';
import type { SnapshotEntry } from '@common/snapshot-api';
import { useBackupsStore } from '../../../src-renderer/stores/backups';
import { useConnectionStore } from '../../../src-renderer/stores/connection';

const entry = (name: string, revision: number): SnapshotEntry => ({
  name,
  file: `/data/backups/${name}`,
  revision,
  objects: 12,
  bytes: 4096,
  createdAt: `2026-01-0${revision}T00:00:00.000Z`,
});

function serve(handler: (method: string, path: string) => [number, unknown]) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const [status, body] = handler(init?.method ?? 'GET', url);
      return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    }),
  );
  useConnectionStore().client = markRaw(new KubeClient(new FetchTransport('', 't')));
}

describe('backups store', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.unstubAllGlobals());

  it('lists, then puts a new save on top as the latest', async () => {
    serve((method) =>
      method === 'POST'
        ? [201, entry('skiff-b.snap', 2)]
        : [200, { kind: 'SnapshotList', items: [entry('skiff-a.snap', 1)] }],
    );
    const s = useBackupsStore();
    await s.load();
    expect(s.status).toBe('ready');
    expect(s.latest?.name).toBe('skiff-a.snap');
    await s.save();
    expect(s.items.map((e) => e.name)).toEqual(['skiff-b.snap', 'skiff-a.snap']);
    expect(s.latest?.revision).toBe(2);
    expect(s.saving).toBe(false);
  });

  it('keeps the server message of a failed save, and explains an older Skiff without the endpoint', async () => {
    serve((method) =>
      method === 'POST'
        ? [
            500,
            {
              kind: 'Status',
              code: 500,
              reason: 'InternalError',
              message: 'Internal error occurred: ENOSPC',
            },
          ]
        : [
            404,
            {
              kind: 'Status',
              code: 404,
              reason: 'NotFound',
              message: 'the server could not find the requested resource',
              details: {},
            },
          ],
    );
    const s = useBackupsStore();
    expect(await s.save()).toBeUndefined();
    expect(s.saveError).toBe('Internal error occurred: ENOSPC');
    await s.load();
    expect(s.status).toBe('error');
    expect(s.error).toMatch(/does not serve snapshots.*skiff snapshot save FILE/);
  });
});
