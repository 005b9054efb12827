// The engine's container event stream, reconnecting with backoff; only reads the engine.
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { LABELS, type RuntimeEvent } from '../runtime';

/**
 * Calls `onEvent` for every container event of containers labelled `managedBy`, reconnecting
 * (500 ms doubling to 10 s) when the stream ends or cannot be opened. Returns the stop function.
 */
export function watchContainerEvents(
  docker: Docker,
  managedBy: string,
  onEvent: (event: RuntimeEvent) => void,
): () => void {
  let closed = false;
  let current: NodeJS.ReadableStream | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let delay = 500;
  const connect = async (): Promise<void> => {
    if (closed) return;
    try {
      const stream = (await docker.getEvents({
        filters: { type: ['container'], label: [`${LABELS.managedBy}=${managedBy}`] },
      })) as NodeJS.ReadableStream;
      if (closed) {
        (stream as Readable).destroy();
        return;
      }
      current = stream;
      delay = 500;
      let buf = '';
      stream.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          try {
            const ev = JSON.parse(line) as {
              Action?: string;
              id?: string;
              Actor?: { ID?: string; Attributes?: Record<string, string> };
            };
            const action = (ev.Action ?? '').split(':')[0]!;
            const containerId = ev.Actor?.ID ?? ev.id ?? '';
            onEvent({ action, containerId, podUid: ev.Actor?.Attributes?.[LABELS.podUid] });
          } catch {
            // A torn line from a dying connection: the relist covers whatever it said.
          }
        }
      });
      const again = () => {
        current = undefined;
        schedule();
      };
      stream.on('end', again);
      stream.on('error', again);
    } catch {
      schedule();
    }
  };
  const schedule = () => {
    if (closed || timer) return;
    // Reconnect with a growing delay so a stopped engine is not hammered.
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    delay = Math.min(delay * 2, 10_000);
  };
  void connect();
  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    (current as Readable | undefined)?.destroy();
  };
}
