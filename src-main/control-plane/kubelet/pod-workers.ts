// Per-pod workers (upstream pod_workers.go): one sync at a time per pod UID, a wake-up during a
// sync reruns it, failed syncs back off; plus the kubelet's timers. Knows nothing about pods.
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';

interface Worker {
  running: Promise<void>;
  again: boolean;
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  /** Consecutive failed syncs per pod UID (for the retry backoff). */
  private readonly syncFailures = new Map<string, number>();
  private readonly timers = new Set<unknown>();
  private running = false;

  constructor(
    private readonly sync: (uid: string) => Promise<void>,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.running = true;
  }

  /** Cancels timers and waits for in-flight syncs, so no half-written state is left behind. */
  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.workers.values()].map((w) => w.running));
  }

  /** Runs `fn` every `ms` (after each run completes) until stop. */
  every(ms: number, fn: () => Promise<void>): void {
    const tick = () => {
      if (!this.running) return;
      fn()
        .catch((err: unknown) => this.log.warn('periodic task failed', { err: String(err) }))
        .finally(() => {
          if (this.running) this.timers.add(this.clock.setTimeout(tick, ms));
        });
    };
    this.timers.add(this.clock.setTimeout(tick, ms));
  }

  enqueueAfter(uid: string, ms: number): void {
    const t = this.clock.setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(uid);
    }, ms);
    this.timers.add(t);
  }

  /** Runs the sync for `uid`, never twice at once for the same pod; a request during a run reruns it. */
  enqueue(uid: string): void {
    if (!this.running) return;
    const w = this.workers.get(uid);
    if (w) {
      w.again = true;
      return;
    }
    const worker: Worker = { again: false, running: Promise.resolve() };
    worker.running = (async () => {
      do {
        worker.again = false;
        try {
          await this.sync(uid);
          this.syncFailures.delete(uid);
        } catch (err) {
          // Back off per pod (1 s doubling to 30 s) and drop pending wake-ups: with the engine
          // gone every relist would otherwise rerun the sync in a tight loop.
          const n = (this.syncFailures.get(uid) ?? 0) + 1;
          this.syncFailures.set(uid, n);
          const delay = Math.min(1000 * 2 ** (n - 1), 30_000);
          this.log.warn('pod sync failed; retrying', {
            uid,
            inMs: delay,
            err: String((err as Error)?.message ?? err),
          });
          worker.again = false;
          this.enqueueAfter(uid, delay);
        }
      } while (worker.again && this.running);
      this.workers.delete(uid);
    })();
    this.workers.set(uid, worker);
  }
}
