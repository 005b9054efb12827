import { describe, expect, it } from 'vitest';
import { KubeClient } from '../../../src-main/common/client/client';
import { Informer, keyOf } from '../../../src-main/common/client/informer';
import type { StreamResponse, Transport, TransportRequest } from '../../../src-main/common/client/transport';
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
  constructor(readonly api: FakeApi) {}
  request(req: TransportRequest) {
    this.lists.push(req.path);
    return this.api.request(req);
  }
  async stream(req: TransportRequest): Promise<StreamResponse> {
    this.watches.push(req.path);
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

function setup() {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  const wire = new Wire(api);
  const errors: unknown[] = [];
  const inf = new Informer<KubeObject>(new KubeClient(wire), R.configmaps, {
    clock,
    onError: (e) => errors.push(e),
  });
  const seen: string[] = [];
  inf.addHandler({
    add: (o) => seen.push(`add ${o.metadata.name}`),
    update: (o, old) =>
      seen.push(`update ${o.metadata.name} ${JSON.stringify(old.data)}->${JSON.stringify(o.data)}`),
    delete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  return { clock, api, wire, inf, seen, errors };
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
});
