/**
 * Session port-forwards ("Open on localhost"), kept by the dashboard server
 * (`/dashboard/v1/port-forwards`: a listener on 127.0.0.1 per forward, stopped with the server)
 * and listed here for the Port forwards page and the port buttons. The server has no watch for
 * them: the list is read when a page that shows forwards opens, after every start and stop, and
 * on Refresh. `available` turns false when the server has no such routes (a dashboard served
 * without the local token): the controls then hide instead of failing.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { dashboardApi } from '../api/session';
import { errorMessage } from '../models/format';
import type { PortForwardRequest, PortForwardView } from '../models/port-forward';
import { useConnectionStore } from './connection';
import type { LoadStatus } from './resource-store';

export const usePortForwardsStore = defineStore('port-forwards', () => {
  const items = shallowRef<PortForwardView[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  /** Unknown until the first answer; false when the dashboard server serves no port-forwards. */
  const available = ref<boolean | null>(null);
  /** When the list was last read (ms), for the page's "as of". */
  const readAt = ref(0);
  let inflight: Promise<void> | undefined;

  async function load(): Promise<void> {
    if (inflight) return inflight;
    inflight = (async () => {
      if (status.value === 'idle') status.value = 'loading';
      try {
        const doc = await dashboardApi<{ items: PortForwardView[] }>(
          useConnectionStore().token,
          'GET',
          'port-forwards',
        );
        items.value = doc.items;
        status.value = 'ready';
        error.value = null;
        available.value = true;
        readAt.value = Date.now();
      } catch (err) {
        status.value = 'error';
        error.value = errorMessage(err);
        if (available.value === null) available.value = false;
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  }

  let triedToken: string | null | undefined;
  /** Reads the list once per token (the first page or button that needs it). */
  function ensure(): void {
    const token = useConnectionStore().token;
    if (!token || token === triedToken || inflight) return;
    triedToken = token;
    void load();
  }

  /** Starts a forward; throws the server's message (port in use, no ready pod…). */
  async function start(r: PortForwardRequest): Promise<PortForwardView> {
    const v = await dashboardApi<PortForwardView>(useConnectionStore().token, 'POST', 'port-forwards', r);
    items.value = [...items.value.filter((f) => f.id !== v.id), v];
    void load();
    return v;
  }

  /** Stops a forward (its listener closes, open connections end). */
  async function stop(id: string): Promise<boolean> {
    try {
      const doc = await dashboardApi<{ items: PortForwardView[] }>(
        useConnectionStore().token,
        'DELETE',
        `port-forwards/${encodeURIComponent(id)}`,
      );
      items.value = doc.items;
      error.value = null;
      readAt.value = Date.now();
      return true;
    } catch (err) {
      error.value = errorMessage(err);
      void load();
      return false;
    }
  }

  return { items, status, error, available, readAt, load, ensure, start, stop };
});
