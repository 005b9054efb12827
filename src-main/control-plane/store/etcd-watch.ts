// One Backend watch over an etcd3 watcher for the etcd store backend (etcd-backend.ts): resume pinned to the last delivered revision, reconnect timeout, cancellation explained; imports only common/, ./backend and etcd3.
import type { IKeyValue, IWatchResponse, Etcd3, Watcher as EtcdWatcher } from 'etcd3';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import type { KeyValue, StoreEvent } from './backend';

export const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
/** 1500 → "1.5 s", 30000 → "30 s". */
export const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** The backend as one of its watches sees it. */
export interface WatchContext {
  where(): string;
  clock(): Clock;
  log(): Logger;
  reconnectTimeoutMs(): number;
  kvOf(kv: IKeyValue): KeyValue;
  explainCancel(err: Error, prefix: string, last: number): Promise<Error>;
  forget(w: EtcdWatch): void;
}

/** One Backend watch on an etcd3 watcher, with a pinned resume revision (see the module comment). */
export class EtcdWatch {
  private watcher?: EtcdWatcher;
  /** Last revision handed to onEvents; the watch resumes at last + 1. */
  private last: number;
  private done = false;
  private connected = false;
  private downTimer?: unknown;
  private downSince = 0;

  constructor(
    private readonly ctx: WatchContext,
    private readonly client: Etcd3,
    private readonly prefix: string,
    private readonly range: { start: Buffer; end: Buffer },
    from: number,
    private readonly onEvents: (events: StoreEvent[]) => void,
    private readonly onError: ((err: Error) => void) | undefined,
  ) {
    this.last = from - 1;
  }

  /** Creates the etcd3 watcher; resolves once etcd has accepted it. */
  open(timeoutMs: number): Promise<void> {
    const clock = this.ctx.clock();
    return new Promise<void>((resolve, reject) => {
      let opening = true;
      const timer = clock.setTimeout(() => {
        if (!opening) return;
        opening = false;
        void this.stop();
        reject(
          new Error(
            `store: etcd at ${this.ctx.where()} did not accept a watch of ${this.prefix} within ${seconds(timeoutMs)}`,
          ),
        );
      }, timeoutMs);
      // watcher() (rather than create()) lets every listener be attached before etcd can answer.
      const w = this.client
        .watch()
        .inRange(this.range)
        .startRevision(String(this.last + 1))
        .withPreviousKV()
        .watcher();
      this.watcher = w;
      // Not relied upon (see the module comment); only asked for on the first attach, if at all.
      w.request.progress_notify = false;
      w.on('connected', () => {
        this.pin();
        this.connected = true;
        if (this.downTimer !== undefined) {
          clock.clearTimeout(this.downTimer);
          this.downTimer = undefined;
          this.ctx.log().info('etcd watch resumed', {
            prefix: this.prefix,
            from: this.last + 1,
            downMs: clock.now() - this.downSince,
          });
        }
        if (opening) {
          opening = false;
          clock.clearTimeout(timer);
          resolve();
        }
      });
      w.on('data', (res) => this.onData(res));
      w.on('disconnected', (err) => this.onDisconnected(err));
      // etcd cancelled the watch (compacted, permissions, ...): etcd3 has dropped it for good.
      w.on('error', (err) => {
        void this.ctx.explainCancel(err, this.prefix, this.last).then((why) => {
          if (opening) {
            opening = false;
            clock.clearTimeout(timer);
            this.done = true;
            this.ctx.forget(this);
            reject(why);
          } else this.end(why);
        });
      });
    });
  }

  /** Makes etcd3 resume this watcher right after the last delivered revision. */
  private pin(): void {
    if (this.watcher) this.watcher.request.start_revision = String(this.last + 1);
  }

  private onData(res: IWatchResponse): void {
    // etcd3's own listener (registered first) has just moved start_revision to header + 1.
    this.pin();
    if (this.done || !res.events?.length) return;
    const kvOf = (kv: IKeyValue) => this.ctx.kvOf(kv);
    const seen = this.last;
    const batch: StoreEvent[] = [];
    for (const ev of res.events) {
      const rev = Number(ev.kv.mod_revision);
      if (rev <= seen) continue; // replayed after a reconnect: delivered already
      const prevKv = ev.prev_kv ? kvOf(ev.prev_kv) : undefined;
      if (ev.type === 'Delete') {
        const key = kvOf(ev.kv).key;
        batch.push({
          type: 'DELETE',
          kv: { key, value: '', createRevision: prevKv?.createRevision ?? 0, modRevision: rev },
          prevKv,
        });
      } else {
        const kv = kvOf(ev.kv);
        batch.push(prevKv ? { type: 'PUT', kv, prevKv } : { type: 'PUT', kv });
      }
      if (rev > this.last) this.last = rev;
    }
    this.pin();
    if (!batch.length) return;
    try {
      this.onEvents(batch);
    } catch (err) {
      // etcd3 would rethrow a listener's error as an uncaught exception; one bad watcher must
      // not take the process (and every other watch) down.
      this.ctx.log().error('watch callback failed', { err: messageOf(err) });
    }
  }

  private onDisconnected(err: Error): void {
    if (this.done) return;
    this.connected = false;
    const clock = this.ctx.clock();
    const reconnectTimeoutMs = this.ctx.reconnectTimeoutMs();
    if (this.downTimer !== undefined) return; // every failed reconnect attempt reports again
    this.downSince = clock.now();
    this.ctx
      .log()
      .warn('etcd watch disconnected; reconnecting', { prefix: this.prefix, err: messageOf(err) });
    this.downTimer = clock.setTimeout(() => {
      this.downTimer = undefined;
      if (this.connected) return;
      this.end(
        new Error(
          `lost the etcd watch of ${this.prefix}: etcd at ${this.ctx.where()} unreachable for ${seconds(reconnectTimeoutMs)}`,
        ),
      );
    }, reconnectTimeoutMs);
  }

  /** The watch ended on its own: tell the owner once. */
  private end(err: Error): void {
    if (this.done) return;
    void this.stop();
    const log = this.ctx.log();
    log.warn('etcd watch ended', { prefix: this.prefix, err: err.message });
    if (!this.onError) return;
    try {
      this.onError(err);
    } catch (cbErr) {
      log.error('watch error callback failed', { err: messageOf(cbErr) });
    }
  }

  /** Stops delivery at once and cancels the etcd3 watcher. */
  async stop(): Promise<void> {
    this.done = true;
    this.ctx.forget(this);
    if (this.downTimer !== undefined) {
      this.ctx.clock().clearTimeout(this.downTimer);
      this.downTimer = undefined;
    }
    const w = this.watcher;
    this.watcher = undefined;
    if (w) await w.cancel().catch(() => undefined);
  }
}
