// @vitest-environment happy-dom
/**
 * The idle-release timer of the resource stores: a page switch (release then acquire) keeps
 * the watch; a store nobody has used for `idleReleaseMs` closes its watch, and a user coming
 * back within the window cancels the timer.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { KubeClient, type StreamResponse, type Transport } from '@common/client';
import { usePodsStore } from '../../../src-renderer/stores/pods';
import { resourceStoreConfig } from '../../../src-renderer/stores/resource-store';

/** A transport with an empty pod list and watches that stay open until aborted. */
function transport() {
  const watches: { aborted: boolean }[] = [];
  const t: Transport = {
    async request() {
      return {
        status: 200,
        headers: {},
        body: JSON.stringify({ metadata: { resourceVersion: '1' }, items: [] }),
      };
    },
    async stream(req): Promise<StreamResponse> {
      const w = { aborted: false };
      watches.push(w);
      let wake: (() => void) | undefined;
      req.signal?.addEventListener('abort', () => {
        w.aborted = true;
        wake?.();
      });
      async function* chunks(): AsyncGenerator<string> {
        while (!w.aborted) await new Promise<void>((r) => (wake = r));
        yield* []; // nothing is ever sent on this watch
        throw new DOMException('aborted', 'AbortError');
      }
      return { status: 200, headers: {}, chunks: chunks() };
    },
  };
  return { t, open: () => watches.filter((w) => !w.aborted).length, total: () => watches.length };
}

const IDLE = 120_000;

describe('resource store idle release', () => {
  let saved: number;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    setActivePinia(createPinia());
    saved = resourceStoreConfig.idleReleaseMs;
    resourceStoreConfig.idleReleaseMs = IDLE;
  });
  afterEach(() => {
    resourceStoreConfig.idleReleaseMs = saved;
    vi.useRealTimers();
  });

  it('keeps watching for idleReleaseMs after the last user leaves, then closes the watch', async () => {
    const f = transport();
    const s = usePodsStore();
    s.bind(new KubeClient(f.t));
    s.acquire();
    await vi.advanceTimersByTimeAsync(10);
    expect(s.status).toBe('ready');
    expect(f.open()).toBe(1);

    s.release();
    await vi.advanceTimersByTimeAsync(IDLE - 1_000);
    expect(s.watching()).toBe(true);
    expect(f.open()).toBe(1);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(s.watching()).toBe(false);
    expect(f.open()).toBe(0);
  });

  it('a user coming back within the window keeps the same watch (no re-list, no new connection)', async () => {
    const f = transport();
    const s = usePodsStore();
    s.bind(new KubeClient(f.t));
    s.acquire();
    await vi.advanceTimersByTimeAsync(10);
    s.release();
    await vi.advanceTimersByTimeAsync(IDLE / 2);
    s.acquire(); // the next page uses the same kind
    await vi.advanceTimersByTimeAsync(IDLE * 2);
    expect(s.watching()).toBe(true);
    expect(f.total()).toBe(1);
    expect(f.open()).toBe(1);

    // Two users: the watch stays until both are gone and the window has passed.
    s.acquire();
    s.release();
    await vi.advanceTimersByTimeAsync(IDLE * 2);
    expect(s.watching()).toBe(true);
    s.release();
    await vi.advanceTimersByTimeAsync(IDLE);
    expect(s.watching()).toBe(false);
  });

  it('releases at once when idleReleaseMs is 0', async () => {
    resourceStoreConfig.idleReleaseMs = 0;
    const f = transport();
    const s = usePodsStore();
    s.bind(new KubeClient(f.t));
    s.acquire();
    await vi.advanceTimersByTimeAsync(10);
    s.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.watching()).toBe(false);
    expect(f.open()).toBe(0);
  });
});
