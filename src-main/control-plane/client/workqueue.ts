import { realClock, type Clock } from '../../common/clock';

/** Tuning of a WorkQueue's per-key exponential backoff. */
export interface WorkQueueOptions {
  clock?: Clock;
  /** First retry delay after a failure, in ms (client-go: 5 ms). */
  baseDelayMs?: number;
  /** Upper bound of the retry delay, in ms (client-go: 1000 s). */
  maxDelayMs?: number;
}

/**
 * A deduplicating, rate-limited work queue of string keys, shaped like client-go's
 * `workqueue.RateLimitingInterface`:
 * - a key waiting in the queue is stored once however often it is added ("dirty" set);
 * - a key is never handed to two workers at once: adding a key that is being processed marks
 *   it dirty, and `done` puts it back so it is processed again afterwards;
 * - `addRateLimited` re-adds a key after a per-key exponential backoff (base·2^failures, capped)
 *   until `forget` clears its failure count;
 * - `addAfter` delays an add; only the earliest pending delay per key is kept.
 * All timing comes from the injected Clock, so tests advance time instead of sleeping.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  private waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly clock: Clock;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(opts: WorkQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 1_000_000;
  }

  /** Adds a key now. No-op when it is already waiting; deferred when it is being processed. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const w = this.waiters.shift();
    if (w) {
      // Hand it straight to a parked worker.
      this.dirty.delete(key);
      this.processing.add(key);
      w(key);
      return;
    }
    this.queue.push(key);
  }

  /** Adds a key after `ms`. An earlier pending delay for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending) {
      if (pending.at <= at) return;
      this.clock.clearTimeout(pending.handle);
    }
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  /** Re-adds a key after its backoff delay and counts one more failure for it. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.when(key));
  }

  /** The delay the next `addRateLimited` would use, and counts the failure. */
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // Cap the exponent too, so 2^n never overflows to Infinity for a key failing forever.
    const delay = this.baseDelayMs * Math.pow(2, Math.min(n, 40));
    return Math.min(delay, this.maxDelayMs);
  }

  /** Clears a key's failure count (call after it was processed successfully). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many times a key has failed since it was last forgotten. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /**
   * Waits for the next key and marks it as processing; undefined once the queue shuts down.
   * Every key received must be passed to `done`.
   */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Takes the next key without waiting (tests, synchronous drains); undefined if empty. */
  tryGet(): string | undefined {
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  /** Marks a key as processed; if it was added meanwhile, it goes back into the queue. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /** Number of keys waiting (not counting delayed or processing ones). */
  get length(): number {
    return this.queue.length;
  }

  /** Keys waiting right now, in order (tests and diagnostics). */
  pending(): string[] {
    return [...this.queue];
  }

  /** Whether a key has a delayed add pending, and when it fires. */
  delayedUntil(key: string): number | undefined {
    return this.delayed.get(key)?.at;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  /** Stops the queue: parked workers get undefined, pending delays are dropped. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const d of this.delayed.values()) this.clock.clearTimeout(d.handle);
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }
}
