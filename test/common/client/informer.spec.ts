import { describe, expect, it } from 'vitest';
import { KubeClient } from '../../../src-main/common/client/client';
import { Informer, keyOf, type InformerOptions } from '../../../src-main/common/client/informer';
import type {
  StreamResponse,
  Transport,
  TransportRequest,
  TransportResponse,
} from '../../../src-main/common/client/transport';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { FakeApi, FakeClock, settle } from '../../control-plane/helpers/fake-api';

/**
 * The shared fake API behind a transport that logs lists and watches and can hold the next
 * watch open without delivering anything (a partitioned connection), so a test decides what
 * the informer misses.
 */
class Wire implements Transport {
  readonly lists: string[] = [];
  readonly watches: string[] = [];
  private held?: () => void;
  holdNextWatch = false;
  /** The next watch request fails as a broken connection would (the transport throws). */
  breakNextWatch = false;
  /** The next watch request is answered with this HTTP status and Status body instead. */
  refuseNextWatch?: { status: number; body: string };
  /** The next watch delivers these events (JSON lines) and then ends, instead of the API's. */
  scriptNextWatch?: object[];
  /** Lists are served in pages of this many items (limit/continue), like a real API server. */
  pageSize?: number;
  constructor(readonly api: FakeApi) {}
  async request(req: TransportRequest): Promise<TransportResponse> {
    this.lists.push(req.path);
    const res = await this.api.request(req);
    if (!this.pageSize || req.method !== 'GET' || res.status !== 200) return res;
    const list = JSON.parse(res.body) as { items: unknown[]; metadata: Record<string, unknown> };
    const from = Number(new URL(req.path, 'http://x').searchParams.get('continue') ?? 0);
    const next = from + this.pageSize;
    const page = {
      ...list,
      items: list.items.slice(from, next),
      metadata: { ...list.metadata, continue: next < list.items.length ? String(next) : undefined },
    };
    return { ...res, body: JSON.stringify(page) };
  }
  async stream(req: TransportRequest): Promise<StreamResponse> {
    this.watches.push(req.path);
    if (this.breakNextWatch) {
      this.breakNextWatch = false;
      throw new Error('socket hang up');
    }
    const refused = this.refuseNextWatch;
    if (refused) {
      this.refuseNextWatch = undefined;
      return {
        status: refused.status,
        headers: {},
        chunks: (async function* () {
          yield refused.body;
        })(),
      };
    }
    const script = this.scriptNextWatch;
    if (script) {
      this.scriptNextWatch = undefined;
      const held = new Promise<void>((r) => (this.held = r));
      return {
        status: 200,
        headers: {},
        chunks: (async function* () {
          for (const ev of script) yield JSON.stringify(ev) + '\n';
          await held; // then stays open until released, like a quiet healthy watch
        })(),
      };
    }
    if (!this.holdNextWatch) return this.api.stream(req);
    this.holdNextWatch = false;
    const released = new Promise<void>((r) => (this.held = r));
    return {
      status: 200,
      headers: {},
      chunks: (async function* () {
        await released;
        yield* []; // ends with nothing delivered
      })(),
    };
  }
  /** Ends the held watch as a server would end a healthy one. */
  release(): void {
    this.held?.();
  }
}

const cm = (name: string, data: Record<string, string> = {}): KubeObject =>
  ({ metadata: { name, namespace: 'default' }, data }) as KubeObject;
const rvOf = (path: string) => new URL(path, 'http://x').searchParams.get('resourceVersion');

function setup(opts: InformerOptions = {}) {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  const wire = new Wire(api);
  const errors: unknown[] = [];
  const syncs: number[] = [];
  const inf = new Informer<KubeObject>(new KubeClient(wire), R.configmaps, {
    clock,
    onError: (e) => errors.push(e),
    onSync: () => syncs.push(wire.lists.length),
    ...opts,
  });
  const seen: string[] = [];
  inf.addHandler({
    add: (o) => seen.push(`add ${o.metadata.name}`),
    update: (o, old) =>
      seen.push(`update ${o.metadata.name} ${JSON.stringify(old.data)}->${JSON.stringify(o.data)}`),
    delete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  return { clock, api, wire, inf, seen, errors, syncs };
}

const names = (inf: Informer<KubeObject>) => inf.list().map(keyOf).sort();

describe('Informer', () => {
  it('lists, then watches from the list resourceVersion and applies events in order', async () => {
    const { api, wire, inf, seen } = setup();
    api.seed(R.configmaps, cm('a'));
    inf.start();
    await inf.waitForSync();
    await settle();
    expect(names(inf)).toEqual(['default/a']);
    expect(wire.lists).toHaveLength(1);
    expect(rvOf(wire.watches[0])).toBe(inf.lastResourceVersion);

    await api.client.create(R.configmaps, cm('b'));
    api.mutate(R.configmaps, 'default', 'a', (o) => ((o as { data?: object }).data = { k: 'v' }));
    await api.client.delete(R.configmaps, 'b', 'default');
    await settle();
    expect(seen).toEqual(['add a', 'add b', 'update a {}->{"k":"v"}', 'delete b']);
    expect(names(inf)).toEqual(['default/a']);
    expect(inf.get('default/a')?.metadata.resourceVersion).toBe(
      api.getObject(R.configmaps, 'default', 'a')!.metadata.resourceVersion,
    );
    inf.stop();
  });

  it('resumes a watch the server closed from the last resourceVersion it saw, without re-listing', async () => {
    const { api, wire, inf, seen } = setup();
    inf.start();
    await inf.waitForSync();
    await settle();
    await api.client.create(R.configmaps, cm('a'));
    await settle();
    const lastSeen = inf.lastResourceVersion;
    expect(lastSeen).toBe(api.getObject(R.configmaps, 'default', 'a')!.metadata.resourceVersion);

    api.closeWatches();
    await settle();
    expect(wire.watches).toHaveLength(2);
    expect(rvOf(wire.watches[1])).toBe(lastSeen);
    expect(wire.lists).toHaveLength(1);

    await api.client.create(R.configmaps, cm('b'));
    await settle();
    expect(seen).toEqual(['add a', 'add b']);
    inf.stop();
  });

  it('a watch answered 410 Gone (compacted) re-lists and replays what it missed as add/update/delete', async () => {
    const { clock, api, wire, inf, seen, errors } = setup();
    api.seed(R.configmaps, cm('keep'));
    api.seed(R.configmaps, cm('change'));
    api.seed(R.configmaps, cm('drop'));
    inf.start();
    await inf.waitForSync();
    await settle();
    expect(names(inf)).toEqual(['default/change', 'default/drop', 'default/keep']);
    const before = inf.lastResourceVersion;

    // The connection stalls; meanwhile the world changes and the watch cache is compacted.
    wire.holdNextWatch = true;
    api.closeWatches();
    await settle();
    await api.client.create(R.configmaps, cm('new'));
    api.mutate(R.configmaps, 'default', 'change', (o) => ((o as { data?: object }).data = { v: '2' }));
    await api.client.delete(R.configmaps, 'drop', 'default');
    api.compact();
    seen.length = 0;

    // The stalled watch ends; the informer watches again from `before`, which is compacted.
    wire.release();
    await settle();
    expect(rvOf(wire.watches.at(-1)!)).toBe(before);
    expect(errors.at(-1)).toMatchObject({ code: 410 });
    expect(wire.lists).toHaveLength(1);
    await clock.advance(200); // the informer's retry backoff, on the injected clock
    expect(wire.lists).toHaveLength(2);
    expect(seen.sort()).toEqual(['add new', 'delete drop', 'update change {}->{"v":"2"}']);
    expect(names(inf)).toEqual(['default/change', 'default/keep', 'default/new']);

    // And it watches on from the new list: later events arrive.
    expect(rvOf(wire.watches.at(-1)!)).toBe(inf.lastResourceVersion);
    await api.client.create(R.configmaps, cm('later'));
    await settle();
    expect(names(inf)).toContain('default/later');
    inf.stop();
  });

  it('ignores a handler that throws (reported to onError) and keeps the cache right', async () => {
    const { api, inf, errors } = setup();
    inf.addHandler({
      add: () => {
        throw new Error('handler bug');
      },
    });
    inf.start();
    await inf.waitForSync();
    await api.client.create(R.configmaps, cm('a'));
    await settle();
    expect(names(inf)).toEqual(['default/a']);
    expect(errors).toEqual([expect.objectContaining({ message: 'handler bug' })]);
    inf.stop();
  });
  it('follows list pages (limit and continue) before it is synced, and watches from the last page', async () => {
    const { api, wire, inf, seen, syncs } = setup();
    for (const n of ['a', 'b', 'c', 'd', 'e']) api.seed(R.configmaps, cm(n));
    wire.pageSize = 2;
    inf.start();
    await inf.waitForSync();
    expect(syncs).toEqual([3]); // synced once, after the third page
    const params = wire.lists.map((p) => new URL(p, 'http://x').searchParams);
    expect(params.map((q) => [q.get('limit'), q.get('continue')])).toEqual([
      ['500', null],
      ['500', '2'],
      ['500', '4'],
    ]);
    expect(names(inf)).toHaveLength(5);
    expect(seen).toHaveLength(5);
    await settle();
    expect(rvOf(wire.watches[0])).toBe(inf.lastResourceVersion);
    inf.stop();
  });

  it('asks for laterPageSize objects after the first page', async () => {
    const { api, wire, inf } = setup({ pageSize: 2, laterPageSize: 3, pagedInitialList: true });
    for (const n of ['a', 'b', 'c', 'd', 'e']) api.seed(R.configmaps, cm(n));
    wire.pageSize = 2;
    inf.start();
    await inf.waitForSync();
    const params = wire.lists.map((p) => new URL(p, 'http://x').searchParams);
    expect(params.map((q) => [q.get('limit'), q.get('continue')])).toEqual([
      ['2', null],
      ['3', '2'],
      ['3', '4'],
    ]);
    expect(names(inf)).toHaveLength(5);
    inf.stop();
  });

  it('transforms listed and watched objects before caching and handing them on', async () => {
    const strip = (o: KubeObject): KubeObject => {
      const { managedFields: _m, ...metadata } = o.metadata as KubeObject['metadata'] & {
        managedFields?: unknown;
      };
      return { ...o, metadata };
    };
    const { api, inf } = setup({ transform: strip });
    const withFields = (name: string) =>
      ({ ...cm(name), metadata: { ...cm(name).metadata, managedFields: [{ manager: 'x' }] } }) as KubeObject;
    api.seed(R.configmaps, withFields('a'));
    const handed: unknown[] = [];
    inf.addHandler({ add: (o) => handed.push((o.metadata as { managedFields?: unknown }).managedFields) });
    inf.start();
    await inf.waitForSync();
    await settle();
    await api.client.create(R.configmaps, withFields('b'));
    await settle();
    expect(names(inf)).toEqual(['default/a', 'default/b']);
    expect(handed).toEqual([undefined, undefined]);
    for (const o of inf.list()) expect(o.metadata).not.toHaveProperty('managedFields');
    inf.stop();
  });

  it('replays its cache as adds to a handler added after the first list', async () => {
    const { api, inf } = setup();
    api.seed(R.configmaps, cm('a'));
    api.seed(R.configmaps, cm('b'));
    inf.start();
    await inf.waitForSync();
    const late: string[] = [];
    inf.addHandler({ add: (o) => late.push(o.metadata.name!) });
    expect(late.sort()).toEqual(['a', 'b']);
    await api.client.create(R.configmaps, cm('c'));
    await settle();
    expect(late.sort()).toEqual(['a', 'b', 'c']);
    inf.stop();
  });

  it('a broken watch re-lists after its backoff (a resync): only real differences are replayed', async () => {
    const { clock, api, wire, inf, seen, errors, syncs } = setup();
    api.seed(R.configmaps, cm('same'));
    api.seed(R.configmaps, cm('change'));
    inf.start();
    await inf.waitForSync();
    await settle();
    expect(syncs).toEqual([1]);
    seen.length = 0;

    wire.breakNextWatch = true;
    wire.holdNextWatch = true;
    api.closeWatches(); // the open watch ends; the next one cannot connect
    await settle();
    expect(errors.at(-1)).toMatchObject({ message: 'socket hang up' });
    api.mutate(R.configmaps, 'default', 'change', (o) => ((o as { data?: object }).data = { v: '2' }));
    await api.client.create(R.configmaps, cm('new'));
    expect(wire.lists).toHaveLength(1);

    await clock.advance(199); // the backoff is 200 ms, on the injected clock
    expect(wire.lists).toHaveLength(1);
    await clock.advance(1);
    expect(wire.lists).toHaveLength(2);
    expect(syncs).toEqual([1, 2]);
    // 'same' did not change: a re-list does not report it again.
    expect(seen.sort()).toEqual(['add new', 'update change {}->{"v":"2"}']);
    expect(names(inf)).toEqual(['default/change', 'default/new', 'default/same']);
    inf.stop();
  });

  it('a watch refused with 410 Expired (resourceVersion too old) re-lists', async () => {
    const { clock, api, wire, inf, seen, errors } = setup();
    api.seed(R.configmaps, cm('a'));
    inf.start();
    await inf.waitForSync();
    await settle();
    seen.length = 0;
    wire.refuseNextWatch = {
      status: 410,
      body: JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: 410,
        reason: 'Expired',
        message: 'too old resource version: 1 (5)',
      }),
    };
    api.closeWatches();
    await settle();
    expect(errors.at(-1)).toMatchObject({ code: 410, reason: 'Expired' });
    await api.client.delete(R.configmaps, 'a', 'default');
    await clock.advance(200);
    expect(wire.lists).toHaveLength(2);
    expect(seen).toEqual(['delete a']);
    expect(names(inf)).toEqual([]);
    inf.stop();
  });

  it('a BOOKMARK moves the resume resourceVersion and reports nothing', async () => {
    const { api, wire, inf, seen } = setup();
    inf.start();
    await inf.waitForSync();
    await settle();
    const start = Number(inf.lastResourceVersion);
    wire.scriptNextWatch = [
      {
        type: 'BOOKMARK',
        object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: String(start + 7) } },
      },
    ];
    api.closeWatches();
    await settle();
    expect(inf.lastResourceVersion).toBe(String(start + 7));
    expect(seen).toEqual([]);
    expect(names(inf)).toEqual([]);
    wire.release(); // that watch ends; the next one resumes from the bookmark
    await settle();
    expect(rvOf(wire.watches.at(-1)!)).toBe(String(start + 7));
    expect(wire.lists).toHaveLength(1);
    inf.stop();
  });
});
