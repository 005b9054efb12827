/**
 * A live log stream of one container (`GET …/pods/NAME/log?follow=true`), split into lines.
 * The stream restarts when the container, follow mode or the container's instance (its
 * containerID, which changes on restart) changes; while the container is still starting the
 * server's reason is shown and the stream opens as soon as the kubelet reports it running.
 * Lines are kept as plain strings: the panel renders them as text, never as HTML.
 */
import { onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue';
import { useConnectionStore } from '../stores/connection';
import type { LoadStatus } from '../stores/resource-store';
import { errorMessage } from '../models/format';

/** Lines kept in memory per panel; older ones are dropped (the server keeps the full log). */
export const MAX_LOG_LINES = 5000;
const TAIL_LINES = 1000;

/** Appends a chunk to the line buffer; returns the new lines array and the trailing partial line. */
export function appendChunk(
  lines: readonly string[],
  partial: string,
  chunk: string,
  max = MAX_LOG_LINES,
): { lines: string[]; partial: string } {
  const text = partial + chunk;
  const parts = text.split('\n');
  const rest = parts.pop() ?? '';
  const next = parts.length ? [...lines, ...parts.map((l) => l.replace(/\r$/, ''))] : [...lines];
  return { lines: next.length > max ? next.slice(next.length - max) : next, partial: rest };
}

export function usePodLogs(opts: {
  namespace: Ref<string>;
  name: Ref<string>;
  container: Ref<string | undefined>;
  follow: Ref<boolean>;
  /** Show the previous (terminated) instance of the container instead; never follows. */
  previous?: Ref<boolean>;
  /** Prefix each line with the kubelet's RFC 3339 timestamp. */
  timestamps?: Ref<boolean>;
  /** Changes when the container instance changes (containerID); restarts the stream. */
  instance: Ref<string | undefined>;
}) {
  const conn = useConnectionStore();
  const lines = shallowRef<string[]>([]);
  const partial = ref('');
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  /** True while the follow stream is open. */
  const streaming = ref(false);
  let abort: AbortController | undefined;

  async function open(): Promise<void> {
    abort?.abort();
    const ac = new AbortController();
    abort = ac;
    const client = conn.client;
    const container = opts.container.value;
    if (!client || !container || !opts.name.value) {
      status.value = 'idle';
      return;
    }
    lines.value = [];
    partial.value = '';
    status.value = 'loading';
    error.value = null;
    try {
      const stream = client.podLogs(opts.namespace.value, opts.name.value, {
        container,
        follow: opts.follow.value && !opts.previous?.value,
        previous: opts.previous?.value || undefined,
        timestamps: opts.timestamps?.value || undefined,
        tailLines: TAIL_LINES,
        signal: ac.signal,
      });
      streaming.value = opts.follow.value && !opts.previous?.value;
      let first = true;
      for await (const chunk of stream) {
        if (ac.signal.aborted) return;
        if (first) {
          status.value = 'ready';
          first = false;
        }
        const next = appendChunk(lines.value, partial.value, chunk);
        lines.value = next.lines;
        partial.value = next.partial;
      }
      if (partial.value) {
        lines.value = [...lines.value, partial.value];
        partial.value = '';
      }
      status.value = 'ready';
    } catch (err) {
      if (ac.signal.aborted) return;
      status.value = 'error';
      error.value = errorMessage(err);
    } finally {
      if (abort === ac) streaming.value = false;
    }
  }

  watch(
    [
      opts.namespace,
      opts.name,
      opts.container,
      opts.follow,
      opts.instance,
      () => opts.previous?.value,
      () => opts.timestamps?.value,
      () => conn.client,
    ],
    () => void open(),
    { immediate: true },
  );

  onScopeDispose(() => abort?.abort());

  return { lines, partial, status, error, streaming, reload: open };
}
