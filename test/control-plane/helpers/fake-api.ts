/**
 * A small in-memory Kubernetes API behind the client's Transport interface, so controller and
 * scheduler unit tests run the real KubeClient and Informer code without a server. It knows
 * just what those components need: get/list/watch (label and simple field selectors),
 * create (generateName, uid, resourceVersion, generation), update with resourceVersion
 * conflicts, the status and scale subresources, pods/binding, namespaces/finalize (a deleted
 * namespace with spec.finalizers is Terminating until they are gone), JSON merge patch, and
 * delete with preconditions and the foregroundDeletion/orphan finalizers, and watch history with
 * compaction (a watch from a compacted resourceVersion gets a 410 Gone ERROR event, as from the
 * real API server). It also serves the kubelet's unit tests: addPod / getPod / markDeleted /
 * list(plural) / forget and `history` of every stored version. The real API server is tested
 * over HTTP elsewhere; this exists only to make unit tests fast.
 */
import type { Clock } from '../../../src-main/common/clock';
import { KubeClient } from '../../../src-main/common/client/client';
import type {
  StreamResponse,
  Transport,
  TransportRequest,
  TransportResponse,
} from '../../../src-main/common/client/transport';
import { R, RESOURCES, apiVersionOf, type ResourceType } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';

/** A manual clock: timers fire only when the test advances time. */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  constructor(start = Date.UTC(2026, 0, 1, 12, 0, 0)) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time forward, firing due timers in order and letting promises settle in between. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
  pendingTimers(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.t);
  }
}

/** Lets pending promise chains and I/O callbacks run (no real-time sleeping). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** One write the fake received, for assertions. */
export interface FakeWrite {
  verb: 'create' | 'update' | 'patch' | 'delete';
  plural: string;
  namespace: string;
  name: string;
  subresource?: string;
  body?: any;
}

interface Watcher {
  type: ResourceType;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  push(line: string): void;
  close(): void;
}

/** Returns a response to short-circuit a request (error injection), or undefined. */
export type Reactor = (req: TransportRequest, parsed: ParsedPath) => TransportResponse | undefined;

interface ParsedPath {
  type: ResourceType;
  namespace: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The in-memory API. `client` is a real KubeClient talking to it. */
export class FakeApi implements Transport {
  readonly objects = new Map<string, KubeObject>();
  readonly writes: FakeWrite[] = [];
  readonly reactors: Reactor[] = [];
  readonly client: KubeClient;
  private rv = 100;
  private uidSeq = 0;
  private nameSeq = 0;
  /** Every version of every object stored (ADDED or MODIFIED), oldest first — for asserting on states that pass quickly. */
  readonly history: { plural: string; obj: KubeObject }[] = [];
  /** The watch cache: events after `compactedRv`, replayed to a watch that starts from a resourceVersion. */
  private watchLog: { rv: number; type: ResourceType; event: string; obj: KubeObject }[] = [];
  private compactedRv = 0;
  private watchers = new Set<Watcher>();

  constructor(readonly clock: Clock = new FakeClock()) {
    this.client = new KubeClient(this);
  }

  // ---- direct access for tests -------------------------------------------------------------

  /** Stores an object as if created through the API (defaults filled) and returns it. */
  seed<T extends KubeObject>(type: ResourceType, obj: T): T {
    return this.doCreate(type, structuredClone(obj), obj.metadata.namespace ?? '') as T;
  }

  getObject<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace: string,
    name: string,
  ): T | undefined {
    const o = this.objects.get(this.key(type, namespace, name));
    return o ? (structuredClone(o) as T) : undefined;
  }

  listObjects<T extends KubeObject = KubeObject>(type: ResourceType, namespace?: string): T[] {
    return [...this.objects.values()]
      .filter((o) => o.kind === type.kind && (namespace === undefined || o.metadata.namespace === namespace))
      .map((o) => structuredClone(o) as T);
  }

  /** Mutates a stored object in place (bumping resourceVersion) — e.g. a kubelet's status. */
  mutate<T extends KubeObject>(type: ResourceType, namespace: string, name: string, fn: (o: T) => void): T {
    const k = this.key(type, namespace, name);
    const o = this.objects.get(k) as T | undefined;
    if (!o) throw new Error(`no ${type.plural} ${namespace}/${name}`);
    const copy = structuredClone(o);
    fn(copy);
    return this.store(type, copy, 'MODIFIED') as T;
  }

  /** Removes an object as the API would on a final delete. */
  remove(type: ResourceType, namespace: string, name: string): void {
    const k = this.key(type, namespace, name);
    const o = this.objects.get(k);
    if (!o) return;
    this.objects.delete(k);
    this.emit(type, 'DELETED', { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rv) } });
  }

  clearWrites(): void {
    this.writes.length = 0;
  }

  /** Writes of one verb/resource, for terse assertions. */
  writesOf(verb: FakeWrite['verb'], plural?: string, subresource?: string): FakeWrite[] {
    return this.writes.filter(
      (w) =>
        w.verb === verb &&
        (!plural || w.plural === plural) &&
        (subresource === undefined || w.subresource === subresource),
    );
  }

  /** Ends every open watch (the informers watch again from their last resourceVersion). */
  closeWatches(): void {
    for (const w of [...this.watchers]) w.close();
  }

  /** Ends every open watch (test teardown; the kubelet tests' name for closeWatches). */
  close(): void {
    this.closeWatches();
  }

  /** Compacts the watch cache up to the current resourceVersion: older watches get 410 Gone. */
  compact(): void {
    this.compactTo(this.rv + 1);
  }

  /** Removes an object without a watch event, as if its deletion had been missed by every watch. */
  forget(type: ResourceType, namespace: string, name: string): void {
    this.objects.delete(this.key(type, namespace, name));
  }

  /** Stored objects of a resource (by plural, e.g. 'nodes', 'events'), any namespace. */
  list(plural: string): KubeObject[] {
    const t = RESOURCES.find((r) => r.plural === plural);
    if (!t) throw new Error(`fake api: unknown resource ${plural}`);
    return this.listObjects(t);
  }

  /** Adds a pod as the API server would after scheduling it (kubelet tests): defaults filled, Pending. */
  addPod(pod: KubeObject): KubeObject {
    const copy = structuredClone(pod) as KubeObject & { spec: any; status?: any };
    copy.spec.restartPolicy ??= 'Always';
    copy.spec.terminationGracePeriodSeconds ??= 30;
    for (const c of copy.spec.containers ?? [])
      c.imagePullPolicy ??= String(c.image).endsWith(':latest') ? 'Always' : 'IfNotPresent';
    copy.status ??= { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] };
    return this.seed(R.pods, { ...copy, metadata: { namespace: 'default', ...copy.metadata } });
  }

  /**
   * The stored pod (a copy). Typed as present, like the kubelet tests' former fake, so they can
   * read `api.getPod('web').metadata` tersely; it is undefined when the pod is gone.
   */
  getPod(name: string, namespace = 'default'): KubeObject & { spec?: any; status?: any } {
    return this.getObject(R.pods, namespace, name)!;
  }

  /** Starts a graceful deletion like the API server: deletionTimestamp plus grace period. */
  markDeleted(name: string, namespace = 'default', grace?: number): void {
    this.mutate<KubeObject & { spec?: any }>(R.pods, namespace, name, (pod) => {
      pod.metadata = {
        ...pod.metadata,
        deletionTimestamp: new Date(this.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
        deletionGracePeriodSeconds: grace ?? pod.spec?.terminationGracePeriodSeconds ?? 30,
      };
    });
  }

  // ---- Transport -----------------------------------------------------------------------------

  async request(req: TransportRequest): Promise<TransportResponse> {
    await Promise.resolve();
    const p = this.parse(req.path);
    if (!p) return this.status(404, 'NotFound', `no route ${req.path}`);
    for (const r of this.reactors) {
      const res = r(req, p);
      if (res) return res;
    }
    try {
      return this.handle(req, p);
    } catch (err) {
      if (err instanceof HttpError) return this.status(err.code, err.reason, err.message);
      throw err;
    }
  }

  async stream(req: TransportRequest): Promise<StreamResponse> {
    const p = this.parse(req.path);
    if (!p) return { status: 404, headers: {}, chunks: (async function* () {})() };
    const buf: string[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const w: Watcher = {
      type: p.type,
      namespace: p.namespace || undefined,
      labelSelector: p.query.get('labelSelector') ?? undefined,
      fieldSelector: p.query.get('fieldSelector') ?? undefined,
      push: (line) => {
        buf.push(line);
        wake?.();
      },
      close: () => {
        closed = true;
        this.watchers.delete(w);
        wake?.();
      },
    };
    const from = Number(p.query.get('resourceVersion') || 0);
    if (from) {
      if (from < this.compactedRv) {
        // Like the API server: the watch opens, then ends with an ERROR event carrying 410 Gone.
        const gone = statusBody(410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`);
        return {
          status: 200,
          headers: {},
          chunks: (async function* () {
            yield line('ERROR', gone as unknown as KubeObject);
          })(),
        };
      }
      for (const h of this.watchLog)
        if (h.rv > from && this.matchesWatcher(w, h.type, h.obj)) w.push(line(h.event, h.obj));
    }
    this.watchers.add(w);
    req.signal?.addEventListener('abort', () => w.close());
    async function* chunks(): AsyncIterable<string> {
      for (;;) {
        while (buf.length) yield buf.shift()!;
        if (closed) return;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    }
    return { status: 200, headers: {}, chunks: chunks() };
  }

  // ---- internals -----------------------------------------------------------------------------

  private handle(req: TransportRequest, p: ParsedPath): TransportResponse {
    const { type, namespace, name, subresource } = p;
    const body = req.body ? (JSON.parse(req.body) as any) : undefined;
    switch (req.method) {
      case 'GET': {
        if (name) {
          const o = this.objects.get(this.key(type, namespace, name));
          if (!o) throw new HttpError(404, 'NotFound', `${type.plural} "${name}" not found`);
          if (subresource === 'scale') return this.ok(toScale(o));
          return this.ok(o);
        }
        const ls = p.query.get('labelSelector') ?? undefined;
        const fs = p.query.get('fieldSelector') ?? undefined;
        const items = [...this.objects.values()].filter(
          (o) =>
            o.kind === type.kind &&
            (!namespace || o.metadata.namespace === namespace) &&
            matchLabels(ls, o) &&
            matchFields(fs, o),
        );
        return this.ok({
          apiVersion: apiVersionOf(type),
          kind: type.listKind,
          metadata: { resourceVersion: String(this.rv) },
          items,
        });
      }
      case 'POST': {
        if (subresource === 'binding') {
          this.writes.push({
            verb: 'create',
            plural: type.plural,
            namespace,
            name: name!,
            subresource,
            body,
          });
          const pod = this.objects.get(this.key(type, namespace, name!));
          if (!pod) throw new HttpError(404, 'NotFound', `pods "${name}" not found`);
          const spec = (pod.spec ?? {}) as { nodeName?: string };
          if (spec.nodeName)
            throw new HttpError(
              409,
              'Conflict',
              `pod ${name} is already assigned to node "${spec.nodeName}"`,
            );
          const copy = structuredClone(pod);
          (copy.spec as any).nodeName = body.target.name;
          this.store(type, copy, 'MODIFIED');
          return this.ok({ kind: 'Status', apiVersion: 'v1', status: 'Success', code: 201 }, 201);
        }
        this.writes.push({
          verb: 'create',
          plural: type.plural,
          namespace,
          name: body?.metadata?.name ?? body?.metadata?.generateName,
          body,
        });
        return this.ok(this.doCreate(type, body, namespace || body.metadata?.namespace || ''), 201);
      }
      case 'PUT': {
        this.writes.push({ verb: 'update', plural: type.plural, namespace, name: name!, subresource, body });
        if (subresource === 'scale') {
          const cur = this.objects.get(this.key(type, namespace, name!));
          if (!cur) throw new HttpError(404, 'NotFound', `${type.plural} "${name}" not found`);
          const next = structuredClone(cur);
          (next.spec as any).replicas = body.spec?.replicas ?? 0;
          (next.metadata as any).resourceVersion = body.metadata?.resourceVersion;
          return this.ok(toScale(this.doUpdate(type, namespace, name!, next)));
        }
        if (subresource === 'finalize') {
          // Namespaces: only spec.finalizers change; none left on a deleted namespace removes it.
          const cur = this.objects.get(this.key(type, namespace, name!));
          if (!cur) throw new HttpError(404, 'NotFound', `${type.plural} "${name}" not found`);
          const next = structuredClone(cur);
          (next as any).spec = { ...(next.spec as object), finalizers: body.spec?.finalizers ?? [] };
          (next.metadata as any).resourceVersion = body.metadata?.resourceVersion;
          return this.ok(this.doUpdate(type, namespace, name!, next, 'finalize'));
        }
        return this.ok(this.doUpdate(type, namespace, name!, body, subresource));
      }
      case 'PATCH': {
        this.writes.push({ verb: 'patch', plural: type.plural, namespace, name: name!, subresource, body });
        const cur = this.objects.get(this.key(type, namespace, name!));
        if (!cur) throw new HttpError(404, 'NotFound', `${type.plural} "${name}" not found`);
        const ct = req.headers?.['Content-Type'] ?? '';
        if (!ct.includes('merge-patch')) throw new HttpError(415, 'UnsupportedMediaType', `fake api: ${ct}`);
        const merged = mergePatch(structuredClone(cur), body) as KubeObject;
        (merged.metadata as any).resourceVersion = cur.metadata.resourceVersion;
        return this.ok(this.doUpdate(type, namespace, name!, merged, subresource));
      }
      case 'DELETE': {
        this.writes.push({ verb: 'delete', plural: type.plural, namespace, name: name!, body });
        return this.ok(this.doDelete(type, namespace, name!, body ?? {}));
      }
    }
  }

  private doCreate(type: ResourceType, obj: KubeObject, namespace: string): KubeObject {
    obj.apiVersion = apiVersionOf(type);
    obj.kind = type.kind;
    const m: any = obj.metadata ?? (obj.metadata = {});
    if (type.namespaced) m.namespace = namespace || m.namespace || 'default';
    if (!m.name && m.generateName) {
      let s = '';
      let n = ++this.nameSeq * 7919;
      for (let i = 0; i < 5; i++) {
        s += ALPHABET[n % ALPHABET.length];
        n = Math.floor(n / ALPHABET.length) + i * 13;
      }
      m.name = m.generateName + s;
    }
    if (!m.name) throw new HttpError(422, 'Invalid', 'name or generateName is required');
    if (this.objects.has(this.key(type, m.namespace ?? '', m.name)))
      throw new HttpError(409, 'AlreadyExists', `${type.plural} "${m.name}" already exists`);
    m.uid = m.uid ?? `uid-${++this.uidSeq}`;
    m.creationTimestamp =
      m.creationTimestamp ?? new Date(this.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    m.generation = 1;
    delete m.deletionTimestamp;
    if (type.kind === 'Pod') {
      const st = ((obj as any).status ??= {});
      st.phase ??= 'Pending';
    }
    if (type.kind === 'Namespace') {
      (obj as any).spec ??= { finalizers: ['kubernetes'] };
      (obj as any).status ??= { phase: 'Active' };
    }
    return this.store(type, obj, 'ADDED');
  }

  private doUpdate(
    type: ResourceType,
    namespace: string,
    name: string,
    obj: KubeObject,
    sub?: string,
  ): KubeObject {
    const cur = this.objects.get(this.key(type, namespace, name));
    if (!cur) throw new HttpError(404, 'NotFound', `${type.plural} "${name}" not found`);
    if (obj.metadata?.resourceVersion && obj.metadata.resourceVersion !== cur.metadata.resourceVersion)
      throw new HttpError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${type.plural} "${name}": the object has been modified`,
      );
    let next: KubeObject;
    if (sub === 'status') {
      next = { ...structuredClone(cur), status: structuredClone(obj.status) };
    } else if (sub === 'finalize') {
      next = structuredClone(obj);
    } else {
      next = structuredClone(obj);
      next.apiVersion = cur.apiVersion;
      next.kind = cur.kind;
      // Like the real registry: identity fields are kept, status is ignored on the main resource.
      next.metadata = {
        ...next.metadata,
        uid: cur.metadata.uid,
        namespace: cur.metadata.namespace,
        name: cur.metadata.name,
        creationTimestamp: cur.metadata.creationTimestamp,
        deletionTimestamp: cur.metadata.deletionTimestamp,
        generation: cur.metadata.generation,
      };
      if (cur.status !== undefined) next.status = structuredClone(cur.status);
      if (JSON.stringify(cur.spec) !== JSON.stringify(next.spec))
        (next.metadata as any).generation = (cur.metadata.generation ?? 1) + 1;
    }
    // A no-op write does not change the object (kubectl-wire G8).
    if (
      JSON.stringify({ ...next, metadata: { ...next.metadata, resourceVersion: '' } }) ===
      JSON.stringify({ ...cur, metadata: { ...cur.metadata, resourceVersion: '' } })
    )
      return cur;
    const specFinalizers = type.kind === 'Namespace' ? ((next.spec as any)?.finalizers ?? []) : [];
    if (
      next.metadata.deletionTimestamp &&
      !(next.metadata.finalizers ?? []).length &&
      !specFinalizers.length
    ) {
      this.objects.delete(this.key(type, namespace, name));
      (next.metadata as any).resourceVersion = String(++this.rv);
      this.emit(type, 'DELETED', next);
      return next;
    }
    return this.store(type, next, 'MODIFIED');
  }

  private doDelete(type: ResourceType, namespace: string, name: string, opts: any): KubeObject {
    const cur = this.objects.get(this.key(type, namespace, name));
    if (!cur) throw new HttpError(404, 'NotFound', `${type.plural} "${name}" not found`);
    if (opts.preconditions?.uid && opts.preconditions.uid !== cur.metadata.uid)
      throw new HttpError(
        409,
        'Conflict',
        `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${cur.metadata.uid}`,
      );
    const next = structuredClone(cur);
    const fin = new Set(next.metadata.finalizers ?? []);
    if (opts.propagationPolicy === 'Foreground') fin.add('foregroundDeletion');
    if (opts.propagationPolicy === 'Orphan') fin.add('orphan');
    // Namespaces with spec.finalizers pending turn Terminating (like the real server).
    if (type.kind === 'Namespace' && ((next.spec as any)?.finalizers ?? []).length) {
      if (next.metadata.deletionTimestamp) return cur;
      (next.metadata as any).deletionTimestamp = new Date(this.clock.now())
        .toISOString()
        .replace(/\.\d+Z$/, 'Z');
      (next as any).status = { ...(next.status as object), phase: 'Terminating' };
      return this.store(type, next, 'MODIFIED');
    }
    if (fin.size) {
      (next.metadata as any).finalizers = [...fin];
      (next.metadata as any).deletionTimestamp ??= new Date(this.clock.now())
        .toISOString()
        .replace(/\.\d+Z$/, 'Z');
      return this.store(type, next, 'MODIFIED');
    }
    this.objects.delete(this.key(type, namespace, name));
    (next.metadata as any).resourceVersion = String(++this.rv);
    this.emit(type, 'DELETED', next);
    return next;
  }

  private store(type: ResourceType, obj: KubeObject, event: string): KubeObject {
    (obj.metadata as any).resourceVersion = String(++this.rv);
    this.objects.set(this.key(type, obj.metadata.namespace ?? '', obj.metadata.name!), obj);
    this.emit(type, event, obj);
    return obj;
  }

  private emit(type: ResourceType, event: string, obj: KubeObject): void {
    const snapshot = structuredClone(obj);
    this.watchLog.push({ rv: Number(obj.metadata.resourceVersion), type, event, obj: snapshot });
    if (this.watchLog.length > 5000) this.compactTo(this.watchLog[1000].rv);
    if (event !== 'DELETED') {
      this.history.push({ plural: type.plural, obj: snapshot });
      if (this.history.length > 20000) this.history.splice(0, 5000);
    }
    for (const w of this.watchers) if (this.matchesWatcher(w, type, snapshot)) w.push(line(event, snapshot));
  }

  private matchesWatcher(w: Watcher, type: ResourceType, obj: KubeObject): boolean {
    return (
      w.type === type &&
      (!w.namespace || obj.metadata.namespace === w.namespace) &&
      matchLabels(w.labelSelector, obj) &&
      matchFields(w.fieldSelector, obj)
    );
  }

  private compactTo(rv: number): void {
    this.compactedRv = Math.max(this.compactedRv, rv - 1);
    this.watchLog = this.watchLog.filter((h) => h.rv > this.compactedRv);
  }

  private key(type: ResourceType, namespace: string, name: string): string {
    return `${type.group}/${type.plural}/${type.namespaced ? namespace : ''}/${name}`;
  }

  private parse(path: string): ParsedPath | undefined {
    const [p, q = ''] = path.split('?');
    const seg = p.split('/').filter(Boolean).map(decodeURIComponent);
    let group = '';
    let version: string;
    let rest: string[];
    if (seg[0] === 'api') {
      version = seg[1];
      rest = seg.slice(2);
    } else {
      group = seg[1];
      version = seg[2];
      rest = seg.slice(3);
    }
    let namespace = '';
    // `/namespaces/x/status|finalize` is the namespace's own subresource, not a collection.
    const nsSub = rest[0] === 'namespaces' && rest.length === 3 && ['status', 'finalize'].includes(rest[2]);
    if (rest[0] === 'namespaces' && rest.length >= 3 && !nsSub) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const type = RESOURCES.find((t) => t.group === group && t.version === version && t.plural === rest[0]);
    if (!type) return undefined;
    return { type, namespace, name: rest[1], subresource: rest[2], query: new URLSearchParams(q) };
  }

  private ok(obj: unknown, code = 200): TransportResponse {
    return { status: code, headers: { 'content-type': 'application/json' }, body: JSON.stringify(obj) };
  }

  private status(code: number, reason: string, message: string): TransportResponse {
    return this.ok({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }, code);
  }
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The autoscaling/v1 Scale view of an object with spec.replicas and a label selector. */
function toScale(o: KubeObject): KubeObject {
  const sel = ((o.spec as any)?.selector?.matchLabels ?? {}) as Record<string, string>;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      resourceVersion: o.metadata.resourceVersion,
    },
    spec: { replicas: (o.spec as any)?.replicas ?? 0 },
    status: {
      replicas: (o.status as any)?.replicas ?? 0,
      selector: Object.entries(sel)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  };
}

function statusBody(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message };
}

function line(type: string, obj: KubeObject): string {
  return JSON.stringify({ type, object: obj }) + '\n';
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Equality-based and set-based label selector terms (`a=b`, `a!=b`, `a in (x,y)`, `!a`, `a`). */
function matchLabels(sel: string | undefined, obj: KubeObject): boolean {
  if (!sel) return true;
  const labels = obj.metadata.labels ?? {};
  const terms = sel.match(/([^,(]+(\([^)]*\))?)/g) ?? [];
  return terms.every((raw) => {
    const t = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = t.match(/^(\S+)\s+(in|notin)\s+\((.*)\)$/))) {
      const vals = m[3].split(',').map((s) => s.trim());
      const has = m[1] in labels && vals.includes(labels[m[1]]);
      return m[2] === 'in' ? has : !has;
    }
    if ((m = t.match(/^(.+?)\s*!=\s*(.*)$/))) return labels[m[1]] !== m[2];
    if ((m = t.match(/^(.+?)\s*==?\s*(.*)$/))) return labels[m[1]] === m[2];
    if (t.startsWith('!')) return !(t.slice(1) in labels);
    return t in labels;
  });
}

function matchFields(sel: string | undefined, obj: KubeObject): boolean {
  if (!sel) return true;
  return sel.split(',').every((t) => {
    const m = t.match(/^([^!=]+)(!=|==|=)(.*)$/);
    if (!m) return true;
    let cur: any = obj;
    for (const part of m[1].split('.')) cur = cur?.[part];
    const v = cur === undefined || cur === null ? '' : String(cur);
    return m[2] === '!=' ? v !== m[3] : v === m[3];
  });
}
