// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { KubeClient, type StreamResponse, type Transport, type TransportRequest } from '@common/client';
import type { Pod } from '../../../src-renderer/models/kube';
import { usePodsStore } from '../../../src-renderer/stores/pods';
import { resourceStoreConfig } from '../../../src-renderer/stores/resource-store';

function pod(name: string, rv: string, phase = 'Pending'): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: rv },
    status: { phase },
  };
}

/** A Transport whose list answer is settable and whose watch streams events pushed by the test. */
function fakeTransport() {
  let items: Pod[] = [];
  let listRv = '1';
  const watches: { push(ev: object): void; aborted: boolean }[] = [];
  const t: Transport = {
    async request(req: TransportRequest) {
      expect(req.path).toMatch(/^\/api\/v1\/pods\?limit=\d+/);
      return {
        status: 200,
        headers: {},
        body: JSON.stringify({ metadata: { resourceVersion: listRv }, items }),
      };
    },
    async stream(req: TransportRequest): Promise<StreamResponse> {
      expect(req.path).toContain('watch=true');
      const queue: string[] = [];
      let wake: (() => void) | undefined;
      const w = {
        aborted: false,
        push(ev: object) {
          queue.push(JSON.stringify(ev) + '\n');
          wake?.();
        },
      };
      watches.push(w);
      req.signal?.addEventListener('abort', () => {
        w.aborted = true;
        wake?.();
      });
      async function* chunks() {
        for (;;) {
          while (queue.length) yield queue.shift()!;
          if (w.aborted) throw new DOMException('aborted', 'AbortError');
          await new Promise<void>((r) => (wake = r));
        }
      }
      return { status: 200, headers: {}, chunks: chunks() };
    },
  };
  return {
    t,
    watches,
    setList(p: Pod[], rv: string) {
      items = p;
      listRv = rv;
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('resource store over the common Informer', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    resourceStoreConfig.idleReleaseMs = 0;
  });

  it('lists and watches only while acquired, applies watch events, and prunes deletions missed while away', async () => {
    const f = fakeTransport();
    const s = usePodsStore();
    s.bind(new KubeClient(f.t));
    f.setList([pod('a', '1'), pod('b', '1')], '1');
    await settle();
    expect(f.watches).toHaveLength(0); // nobody looks: no connection held
    expect(s.status).toBe('idle');

    s.acquire();
    await settle();
    expect(s.status).toBe('ready');
    expect(s.items.map((p) => p.metadata.name).sort()).toEqual(['a', 'b']);
    expect(f.watches).toHaveLength(1);

    f.watches[0].push({ type: 'MODIFIED', object: pod('a', '2', 'Running') });
    f.watches[0].push({ type: 'ADDED', object: pod('c', '3') });
    await settle();
    expect(s.get('a', 'default')?.status?.phase).toBe('Running');
    expect(s.count).toBe(3);

    s.release();
    await settle();
    expect(f.watches[0].aborted).toBe(true);
    // While away, b was deleted; cached data stays visible until the next list says so.
    f.setList([pod('a', '2', 'Running'), pod('c', '3')], '5');
    expect(s.count).toBe(3);
    s.acquire();
    await settle();
    expect(s.items.map((p) => p.metadata.name).sort()).toEqual(['a', 'c']);
    s.release();
  });
});
