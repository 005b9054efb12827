/** Controller base and SharedInformers (sample-controller's shape); the folder's entry is index.ts. */
import type { KubeClient } from '../../common/client/client';
import { Informer, keyOf } from '../../common/client/informer';
import { realClock, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/logger';
import type { ResourceType } from '../../common/resources';
import type { KubeObject, OwnerReference } from '../../common/types';
import { WorkQueue } from './workqueue';

/** What a reconcile asks for besides success: look again after `requeueAfter` ms. */
export interface ReconcileResult {
  requeueAfter?: number;
}

/** Options every controller takes. */
export interface ControllerOptions {
  clock?: Clock;
  logger?: Logger;
  /** Parallel workers; a key is still never reconciled twice at once. */
  workers?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * One informer per resource type, shared by every controller of a process (client-go's
 * SharedInformerFactory), so the controller manager lists and watches each kind once.
 */
export class SharedInformers {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private started = false;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: { clock?: Clock; logger?: Logger } = {},
  ) {}

  /** The shared informer for `type` (cluster-wide), created on first use. */
  informerFor<T extends KubeObject>(type: ResourceType): Informer<T> {
    const id = `${type.group}/${type.plural}`;
    let inf = this.informers.get(id);
    if (!inf) {
      const log = this.opts.logger ?? silentLogger;
      inf = new Informer<KubeObject>(this.client, type, {
        clock: this.opts.clock,
        onError: (err) => log.warn(`informer ${type.plural}: ${(err as Error).message ?? err}`),
      });
      this.informers.set(id, inf);
      if (this.started) inf.start();
    }
    return inf as unknown as Informer<T>;
  }

  start(): void {
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  stop(): void {
    this.started = false;
    for (const inf of this.informers.values()) inf.stop();
  }

  /** Resolves once every informer created so far has listed. */
  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }
}

/** The controller owner reference of an object (controller: true), if any. */
export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

/**
 * The base of Skiff's level-triggered reconcilers (kubernetes/sample-controller): informer
 * handlers only enqueue `namespace/name` keys, and workers feed each key from a deduplicating,
 * rate-limited WorkQueue to `reconcile`. A reconcile that throws is retried with per-key
 * exponential backoff; one that returns `{ requeueAfter }` is looked at again after that delay;
 * one that succeeds has its backoff forgotten.
 */
export abstract class Controller {
  readonly queue: WorkQueue;
  protected readonly clock: Clock;
  protected readonly log: Logger;
  private readonly workers: number;
  private running = false;
  private active: Promise<void>[] = [];

  constructor(
    readonly name: string,
    opts: ControllerOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? silentLogger).child(name);
    this.workers = opts.workers ?? 2;
    this.queue = new WorkQueue({
      clock: this.clock,
      baseDelayMs: opts.baseDelayMs,
      maxDelayMs: opts.maxDelayMs,
    });
  }

  /** Brings the world in line with the desired state of the object named by `key`. */
  abstract reconcile(key: string): Promise<ReconcileResult | void>;

  /** Enqueues an object's own key. */
  enqueue(obj: KubeObject): void {
    this.queue.add(keyOf(obj));
  }

  /** Enqueues the key of the object's controller owner when it is of `kind`. */
  enqueueController(obj: KubeObject, kind: string): void {
    const ref = controllerRefOf(obj);
    if (ref && ref.kind === kind) this.queue.add(`${obj.metadata.namespace ?? ''}/${ref.name}`);
  }

  /** Starts the workers (call after the informers have synced). */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < this.workers; i++) this.active.push(this.worker());
  }

  /** Stops taking keys; resolves when in-flight reconciles have finished. */
  async stop(): Promise<void> {
    this.running = false;
    this.queue.shutDown();
    await Promise.all(this.active.splice(0));
  }

  /**
   * Reconciles one key with the queue's bookkeeping (forget on success, backoff on error,
   * requeueAfter). Returns what reconcile returned; rethrows nothing.
   */
  async processKey(key: string): Promise<ReconcileResult | void | Error> {
    try {
      const res = await this.reconcile(key);
      this.queue.forget(key);
      if (res?.requeueAfter !== undefined && res.requeueAfter >= 0)
        this.queue.addAfter(key, Math.max(1, res.requeueAfter));
      return res;
    } catch (err) {
      this.log.debug(`reconcile ${key} failed, retrying`, { error: (err as Error).message });
      this.queue.addRateLimited(key);
      return err as Error;
    } finally {
      this.queue.done(key);
    }
  }

  /** Drains whatever is queued right now, one key at a time (tests). Returns the keys handled. */
  async drain(max = 1000): Promise<string[]> {
    const handled: string[] = [];
    for (let i = 0; i < max; i++) {
      const key = this.queue.tryGet();
      if (key === undefined) break;
      handled.push(key);
      await this.processKey(key);
    }
    return handled;
  }

  private async worker(): Promise<void> {
    while (this.running) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.processKey(key);
    }
  }
}
