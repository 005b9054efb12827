// The etcd store backend: the Backend interface over a real etcd v3 cluster through the etcd3 client; imports only common/, ./backend, node:fs and npm packages (etcd3, cockatiel).
/**
 * Skiff's store on a real etcd, the way kube-apiserver uses one:
 *
 * - Keys live under a prefix (default `/registry/`, kube-apiserver's `--etcd-prefix`): the
 *   Backend key `/registry/pods/ns/a` is the etcd key `<prefix without its trailing slash>` +
 *   key, i.e. `/registry/registry/pods/ns/a` by default; `prefix: '/'` stores the keys as they
 *   are (kube-apiserver's own layout). Backend keys must start with `/`.
 * - create is a txn `create_revision(key) == 0 → put`; update and conditional delete compare
 *   `mod_revision` (and `create_revision > 0`, so a missing key never matches) and read the key
 *   on failure, so a lost race returns the current value; an unconditional delete is a plain
 *   DeleteRange. Every read is linearizable (serializable=false).
 * - Watches are etcd3 watchers (one shared gRPC stream that etcd3 re-establishes after a lost
 *   connection) with prev_kv. etcd3 resumes a watcher from the revision in the last response
 *   *header* + 1, which can skip events still being caught up (a header carries the store's
 *   revision, not the watcher's progress) and is moved by progress notifications, which
 *   etcd 3.4 before 3.4.25 may send early. So every watch pins its resume point to the last
 *   revision it delivered + 1 and drops any replayed event at or below it: across a reconnect
 *   nothing is lost or delivered twice. A watch that cannot resume ends through `onError`,
 *   never silently: with CompactedError when its history was compacted meanwhile, or with an
 *   Error when etcd stayed unreachable longer than `watchReconnectTimeoutMs` (30 s).
 * - etcd's compaction point (which it does not report directly) is found once at start by
 *   binary search over ranges at old revisions, then tracked: our compactions, the errors we
 *   see. A compaction by someone else is noticed when a read or watch runs into it, so
 *   `compactRevision()` may lag behind it, never run ahead. Watches from a revision at or below
 *   it are rejected (etcd itself would still accept the compaction revision itself).
 * - Like kube-apiserver (and the embedded store), the backend compacts etcd periodically
 *   (`compactionIntervalMs`, default 60 s; 0 = never), keeping at least the last
 *   `retainRevisions` (10,000) revisions and the last `retainMs` (5 min) of history.
 * - Writes are never retried by the client: a txn whose reply was lost may have been applied,
 *   so the error goes to the caller (the API server answers 500 and clients retry, as against
 *   kube-apiserver). Reads are retried twice on connection errors.
 */
import fs from 'node:fs';
import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  noop,
  type IDefaultPolicyContext,
  type IPolicy,
} from 'cockatiel';
import {
  Etcd3,
  GRPCDeadlineExceededError,
  isRecoverableError,
  type IKeyValue,
  type IOptions,
  type IRangeRequest,
  type IRangeResponse,
} from 'etcd3';
import { realClock, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/logger';
import {
  CompactedError,
  KeyExistsError,
  type Backend,
  type CondResult,
  type KeyValue,
  type ListResult,
  type StoreEvent,
  type Watcher,
} from './backend';
import type { EtcdBackendOptions, EtcdTlsFiles } from './etcd-options';
import { EtcdWatch, messageOf, seconds, type WatchContext } from './etcd-watch';

export type { EtcdBackendOptions, EtcdTlsFiles } from './etcd-options';

const COMPACTED = 'required revision has been compacted';
const FUTURE = 'required revision is a future revision';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const isCompacted = (err: unknown) => messageOf(err).includes(COMPACTED);

/** The first key after every key that starts with `prefix` (etcd's range_end for a prefix). */
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // every byte 0xff (or empty): to the end of the keyspace
}

/** Backend over etcd v3; see the module comment. */
export class EtcdBackend implements Backend {
  readonly endpoints: string[];
  /** The prefix without its trailing slash: etcd key = ns + Backend key. */
  private readonly ns: string;
  private readonly opts: Required<
    Omit<EtcdBackendOptions, 'clock' | 'logger' | 'tls' | 'endpoints' | 'prefix'>
  >;
  private readonly tls: EtcdTlsFiles;
  private readonly clock: Clock;
  private readonly log: Logger;
  private client?: Etcd3;
  private started = false;
  private closed = false;
  private compacted = 0;
  private readonly watches = new Set<EtcdWatch>();
  private compactionTimer?: unknown;
  private samples: { at: number; rev: number }[] = [];

  constructor(opts: EtcdBackendOptions) {
    if (!opts.endpoints.length) throw new Error('store: etcd needs at least one endpoint');
    for (const e of opts.endpoints) {
      if (!/^https?:\/\/[^/\s]+$/.test(e))
        throw new Error(`store: bad etcd endpoint "${e}" (want http://host:port or https://host:port)`);
    }
    const schemes = new Set(opts.endpoints.map((e) => e.split(':')[0]));
    if (schemes.size > 1) throw new Error('store: etcd endpoints mix http and https');
    const prefix = opts.prefix ?? '/registry/';
    if (!prefix.startsWith('/'))
      throw new Error(`store: the etcd prefix must start with "/", got "${prefix}"`);
    this.endpoints = [...opts.endpoints];
    this.ns = prefix.replace(/\/+$/, '');
    this.tls = opts.tls ?? {};
    if (!!this.tls.certFile !== !!this.tls.keyFile)
      throw new Error('store: an etcd client certificate needs both a cert file and a key file');
    if ((this.tls.caFile || this.tls.certFile) && schemes.has('http'))
      throw new Error('store: etcd TLS files were given for http:// endpoints (use https)');
    this.opts = {
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      requestTimeoutMs: opts.requestTimeoutMs ?? 10_000,
      watchReconnectTimeoutMs: opts.watchReconnectTimeoutMs ?? 30_000,
      compactionIntervalMs: opts.compactionIntervalMs ?? 60_000,
      retainRevisions: opts.retainRevisions ?? 10_000,
      retainMs: opts.retainMs ?? 5 * 60_000,
    };
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? silentLogger).child('store');
  }

  /** The endpoints, for messages. */
  get where(): string {
    return this.endpoints.join(',');
  }

  /** Key prefix in etcd, with its trailing slash. */
  get prefix(): string {
    return `${this.ns}/`;
  }

  /** The etcd3 client options this backend uses (exposed for tests of the TLS pass-through). */
  clientOptions(): IOptions {
    const read = (what: string, file: string) => {
      try {
        return fs.readFileSync(file);
      } catch (err) {
        throw new Error(`store: cannot read the etcd ${what} ${file}: ${messageOf(err)}`);
      }
    };
    const { caFile, certFile, keyFile } = this.tls;
    const credentials =
      caFile || certFile
        ? {
            // grpc-js takes null for "the system roots"; etcd3's type wants a Buffer.
            rootCertificate: caFile ? read('CA file', caFile) : (null as unknown as Buffer),
            certChain: certFile ? read('certificate file', certFile) : undefined,
            privateKey: keyFile ? read('key file', keyFile) : undefined,
          }
        : undefined;
    const requestTimeout = this.opts.requestTimeoutMs;
    // One endpoint: no breaker (it would only delay recovery). Several: a failing one is skipped
    // for a second, so the next call goes to another member.
    const host: (h: string) => IPolicy<IDefaultPolicyContext> =
      this.endpoints.length > 1
        ? () =>
            circuitBreaker(handleWhen(isRecoverableError), {
              halfOpenAfter: 1000,
              breaker: new ConsecutiveBreaker(3),
            })
        : () => noop;
    return {
      hosts: this.endpoints,
      credentials,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + requestTimeout }),
      faultHandling: {
        host,
        // No blind retries (writes are not idempotent); reads retry in `read`.
        global: noop,
        // Reconnect watches quickly after an etcd restart; watchReconnectTimeoutMs bounds the total.
        // (etcd3 types this as an IBackoff but only calls next() on it, like on a factory.)
        watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }).next(),
      },
      grpcOptions: {
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 2000,
        // Notice a dead connection (no RST, e.g. a host gone) under an idle watch stream.
        // etcd's --grpc-keepalive-min-time defaults to 5 s; pinging more often gets us cut off.
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
      },
    };
  }

  async start(): Promise<void> {
    if (this.started) return;
    if (this.closed) throw new Error('store closed');
    const client = new Etcd3(this.clientOptions());
    this.client = client;
    const limit = this.opts.connectTimeoutMs;
    const deadline = Date.now() + limit;
    let current: number;
    try {
      for (;;) {
        try {
          current = Number((await client.kv.range(this.probe(), { deadline })).header.revision);
          break;
        } catch (err) {
          // Connection refused or a member still starting: try again until the deadline.
          const connectivity = isRecoverableError(err as Error) || err instanceof GRPCDeadlineExceededError;
          if (connectivity && Date.now() + 200 < deadline) {
            await delay(200);
            continue;
          }
          throw new Error(
            connectivity
              ? `store: cannot reach etcd at ${this.where} within ${seconds(limit)}: ${messageOf(err)}`
              : `store: etcd at ${this.where} refused the first request: ${messageOf(err)}`,
          );
        }
      }
      this.compacted = await this.findCompactRevision(current);
    } catch (err) {
      client.close();
      this.client = undefined;
      throw err;
    }
    this.started = true;
    this.log.info('connected to etcd', {
      endpoints: this.where,
      prefix: this.prefix,
      revision: current,
      compacted: this.compacted,
    });
    this.scheduleCompaction();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.compactionTimer !== undefined) this.clock.clearTimeout(this.compactionTimer);
    const ws = [...this.watches];
    this.watches.clear();
    // Cancel etcd3's watchers before closing the client, or its watch manager keeps trying to
    // reconnect them; bounded, since a cancel waits for etcd's answer.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(ws.map((w) => w.stop())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000))),
    ]);
    clearTimeout(timer);
    this.client?.close();
    this.client = undefined;
  }

  // ---- keys ---------------------------------------------------------------------------------

  private k(key: string): Buffer {
    if (!key.startsWith('/')) throw new Error(`store: keys start with "/", got "${key}"`);
    return Buffer.from(this.ns + key, 'utf8');
  }

  /** The etcd range [start, end) of a Backend prefix ('' = every key of this backend). */
  private span(prefix: string): { start: Buffer; end: Buffer } {
    if (prefix === '' && !this.ns) return { start: Buffer.from([0]), end: Buffer.from([0]) }; // all keys
    const start = prefix === '' ? Buffer.from(this.ns, 'utf8') : this.k(prefix);
    return { start, end: prefixEnd(start) };
  }

  /** A range over no data: its header says the current revision. */
  private probe(revision = 0): IRangeRequest {
    return { key: Buffer.from(`${this.ns}/`, 'utf8'), count_only: true, revision };
  }

  private kvOf(kv: IKeyValue): KeyValue {
    return {
      key: kv.key.toString('utf8').slice(this.ns.length),
      value: kv.value.toString('utf8'),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }

  /** The client, or a clear error if the backend is not serving. */
  private etcd(): Etcd3 {
    if (this.closed) throw new Error('store closed');
    if (!this.client) throw new Error('store not started');
    return this.client;
  }

  private fail(what: string, err: unknown): Error {
    return new Error(`store: etcd ${what} failed (${this.where}): ${messageOf(err)}`);
  }

  /** A read, retried on connection errors (reads are idempotent; writes never are retried). */
  private async read(req: IRangeRequest): Promise<IRangeResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.etcd().kv.range(req);
      } catch (err) {
        if (attempt >= 3 || this.closed || !isRecoverableError(err as Error)) throw err;
        await delay(100 * attempt);
      }
    }
  }

  // ---- reads --------------------------------------------------------------------------------

  async currentRevision(): Promise<number> {
    try {
      return Number((await this.read(this.probe())).header.revision);
    } catch (err) {
      throw this.fail('read', err);
    }
  }

  compactRevision(): number {
    return this.compacted;
  }

  async get(key: string): Promise<{ revision: number; kv?: KeyValue }> {
    let res: IRangeResponse;
    try {
      res = await this.read({ key: this.k(key) });
    } catch (err) {
      throw this.fail('get', err);
    }
    return { revision: Number(res.header.revision), kv: res.kvs[0] ? this.kvOf(res.kvs[0]) : undefined };
  }

  async list(prefix: string, startKey: string, limit: number, revision: number): Promise<ListResult> {
    const { start, end } = this.span(prefix);
    const from = startKey > prefix ? this.k(startKey) : start;
    if (revision > 0 && revision < this.compacted) throw new CompactedError(revision, this.compacted);
    let res: IRangeResponse;
    try {
      const toTheEnd = end.length === 1 && end[0] === 0; // etcd's "every key from here"
      if (!toTheEnd && Buffer.compare(from, end) >= 0) {
        // startKey is past the prefix: nothing to list (etcd would read key..end backwards).
        res = await this.read({ ...this.probe(revision) });
        return { revision: revision || Number(res.header.revision), kvs: [], more: false, count: 0 };
      }
      res = await this.read({ key: from, range_end: end, limit, revision });
    } catch (err) {
      throw await this.mapRevisionError(err, revision, 'list');
    }
    return {
      revision: revision || Number(res.header.revision),
      kvs: res.kvs.map((kv) => this.kvOf(kv)),
      more: res.more,
      count: Number(res.count),
    };
  }

  /** Compacted → CompactedError (with the compaction point found), future → a plain message. */
  private async mapRevisionError(err: unknown, revision: number, what: string): Promise<Error> {
    if (isCompacted(err)) {
      await this.refreshCompactRevision();
      return new CompactedError(revision, Math.max(this.compacted, revision + 1));
    }
    if (messageOf(err).includes(FUTURE))
      return new Error(`required revision ${revision} is a future revision`);
    return this.fail(what, err);
  }

  /**
   * etcd's compaction point: the lowest revision a range can still be read at. A range at r
   * fails iff r < compacted, so a binary search over [1, current] finds it in log2(current)
   * cheap reads (used at start and after running into a compaction, not per request).
   */
  private async findCompactRevision(current: number): Promise<number> {
    const readable = async (rev: number) => {
      try {
        await this.etcd().kv.range(this.probe(rev));
        return true;
      } catch (err) {
        if (isCompacted(err)) return false;
        throw this.fail('read', err);
      }
    };
    if (current <= 1 || (await readable(1))) return 0;
    let lo = 1; // not readable
    let hi = current; // readable (the current revision always is)
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await readable(mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  private async refreshCompactRevision(): Promise<void> {
    try {
      const found = await this.findCompactRevision(await this.currentRevision());
      if (found > this.compacted) this.compacted = found;
    } catch (err) {
      this.log.warn('could not find the etcd compaction revision', { err: messageOf(err) });
    }
  }

  // ---- writes -------------------------------------------------------------------------------

  async create(key: string, value: string): Promise<KeyValue> {
    const k = this.k(key);
    let res;
    try {
      res = await this.etcd().kv.txn({
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: k, value: Buffer.from(value, 'utf8') } }],
        failure: [],
      });
    } catch (err) {
      throw this.fail('create', err);
    }
    if (!res.succeeded) throw new KeyExistsError(key);
    const rev = Number(res.header.revision);
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<CondResult> {
    const k = this.k(key);
    let res;
    try {
      res = await this.etcd().kv.txn({
        compare: this.exists(k, expectedRevision),
        success: [{ request_put: { key: k, value: Buffer.from(value, 'utf8'), prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      });
    } catch (err) {
      throw this.fail('update', err);
    }
    const revision = Number(res.header.revision);
    if (!res.succeeded) return { ok: false, revision, kv: this.current(res.responses[0]?.response_range) };
    const prev = res.responses[0]?.response_put?.prev_kv;
    return {
      ok: true,
      revision,
      kv: {
        key,
        value,
        createRevision: prev ? Number(prev.create_revision) : revision,
        modRevision: revision,
      },
    };
  }

  async delete(key: string, expectedRevision: number): Promise<CondResult> {
    const k = this.k(key);
    try {
      if (expectedRevision === 0) {
        const res = await this.etcd().kv.deleteRange({ key: k, prev_kv: true });
        const prev = res.prev_kvs[0];
        return {
          ok: Number(res.deleted) > 0,
          revision: Number(res.header.revision),
          kv: prev ? this.kvOf(prev) : undefined,
        };
      }
      const res = await this.etcd().kv.txn({
        compare: this.exists(k, expectedRevision),
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      });
      const revision = Number(res.header.revision);
      if (!res.succeeded) return { ok: false, revision, kv: this.current(res.responses[0]?.response_range) };
      const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
      return { ok: true, revision, kv: prev ? this.kvOf(prev) : undefined };
    } catch (err) {
      throw this.fail('delete', err);
    }
  }

  /** "The key exists and was last written at `rev`" (a missing key has mod_revision 0 in etcd). */
  private exists(k: Buffer, rev: number) {
    return [
      { key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: rev },
      { key: k, target: 'Create' as const, result: 'Greater' as const, create_revision: 0 },
    ];
  }

  private current(range: IRangeResponse | undefined): KeyValue | undefined {
    const kv = range?.kvs[0];
    return kv ? this.kvOf(kv) : undefined;
  }

  // ---- compaction ---------------------------------------------------------------------------

  async compact(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    const target = Math.min(revision, await this.currentRevision());
    if (target <= this.compacted) return;
    try {
      await this.etcd().kv.compact({ revision: target });
    } catch (err) {
      // Someone else compacted further already: learn where.
      if (isCompacted(err)) return this.refreshCompactRevision();
      throw this.fail('compact', err);
    }
    if (target > this.compacted) this.compacted = target;
  }

  private scheduleCompaction(): void {
    const every = this.opts.compactionIntervalMs;
    if (every <= 0 || this.closed) return;
    this.compactionTimer = this.clock.setTimeout(() => {
      this.autoCompact()
        .catch((err) => this.log.warn('auto-compaction failed', { err: messageOf(err) }))
        .finally(() => this.scheduleCompaction());
    }, every);
    // Never keep the process alive just for compaction.
    (this.compactionTimer as { unref?: () => void }).unref?.();
  }

  /** Compacts to the older of (current - retainRevisions) and the revision of retainMs ago. */
  async autoCompact(): Promise<void> {
    if (this.closed) return;
    const now = this.clock.now();
    const current = await this.currentRevision();
    this.samples.push({ at: now, rev: current });
    let byTime = 0;
    while (this.samples.length > 0 && this.samples[0].at <= now - this.opts.retainMs) {
      byTime = this.samples[0].rev;
      this.samples.shift();
    }
    const target = Math.min(byTime, current - this.opts.retainRevisions);
    if (target > this.compacted) {
      await this.compact(target);
      this.log.debug('compacted etcd', { revision: target });
    }
  }

  // ---- watch --------------------------------------------------------------------------------

  async watch(
    prefix: string,
    fromRevision: number,
    onEvents: (events: StoreEvent[]) => void,
    onError?: (err: Error) => void,
  ): Promise<Watcher> {
    const client = this.etcd();
    let from = fromRevision;
    if (from <= 0) from = (await this.currentRevision()) + 1;
    else await this.checkWatchable(from);
    const w = new EtcdWatch(this.watchContext, client, prefix, this.span(prefix), from, onEvents, onError);
    this.watches.add(w);
    try {
      await w.open(this.opts.connectTimeoutMs);
    } catch (err) {
      this.watches.delete(w);
      throw err;
    }
    return { cancel: () => void w.stop() };
  }

  /** Rejects with CompactedError when `from` is at or below the compaction point. */
  private async checkWatchable(from: number): Promise<void> {
    if (from <= this.compacted) throw new CompactedError(from, this.compacted);
    if (from < 2) return;
    // A range at from-1 fails iff from-1 < compacted, i.e. iff from <= compacted.
    try {
      await this.read(this.probe(from - 1));
    } catch (err) {
      if (messageOf(err).includes(FUTURE)) return; // watching the future is fine
      if (!isCompacted(err)) throw this.fail('watch', err);
      await this.refreshCompactRevision();
      throw new CompactedError(from, Math.max(this.compacted, from));
    }
  }

  /** Why etcd cancelled a watch that had delivered up to `last`. */
  private async explainCancel(err: Error, prefix: string, last: number): Promise<Error> {
    if (last >= 1) {
      try {
        await this.read(this.probe(last));
      } catch (probeErr) {
        if (isCompacted(probeErr)) {
          await this.refreshCompactRevision();
          return new CompactedError(last + 1, Math.max(this.compacted, last + 1));
        }
      }
    }
    return new Error(
      `etcd (${this.where}) cancelled the watch of ${prefix}: ${err.message || 'no reason given'}`,
    );
  }

  /** What an EtcdWatch needs of its backend. */
  private readonly watchContext: WatchContext = {
    where: () => this.where,
    clock: () => this.clock,
    log: () => this.log,
    reconnectTimeoutMs: () => this.opts.watchReconnectTimeoutMs,
    kvOf: (kv) => this.kvOf(kv),
    explainCancel: (err, prefix, last) => this.explainCancel(err, prefix, last),
    forget: (w) => void this.watches.delete(w),
  };
}
