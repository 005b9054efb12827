/**
 * The store's history as a load test knows it — every acknowledged write with its resourceVersion
 * — and the check of a watcher's stream against it (issue 12's sustained-load acceptance). From
 * the writes alone it derives, for any watch scope (a namespace or all, a label selector), the
 * events a correct API server must send after a given resourceVersion, with kube-apiserver's
 * etcd3 watcher rules: an object that starts matching the selector is ADDED, one that stops
 * matching is DELETED carrying its previous state at the new revision. Pure and in memory, so the
 * check itself is unit-tested (test/e2e/watch-history.spec.ts) with streams that lose, repeat
 * and reorder events.
 */

export const ADDED = 0;
export const MODIFIED = 1;
export const DELETED = 2;
export type EventType = typeof ADDED | typeof MODIFIED | typeof DELETED;
export const TYPE_NAMES = ['ADDED', 'MODIFIED', 'DELETED'] as const;

export type Labels = Readonly<Record<string, string>>;

/** One acknowledged write: the object's state after it (`undefined` for a delete). */
export interface Write {
  rv: number;
  obj: number;
  op: 'create' | 'update' | 'delete';
  /** The value written (create/update); a delete carries none. */
  seq?: number;
  labels?: Labels;
}

/** What a watch covers: one namespace (or all) and the equality-based selector terms. */
export interface Scope {
  namespace?: string;
  /** `key=value` and `key!=value` terms, all of which must hold. */
  selector?: { key: string; value: string; not?: boolean }[];
}

/** The `labelSelector` query value of a scope, or undefined. */
export function selectorString(scope: Scope): string | undefined {
  if (!scope.selector?.length) return undefined;
  return scope.selector.map((t) => `${t.key}${t.not ? '!=' : '='}${t.value}`).join(',');
}

export function matches(scope: Scope, labels: Labels): boolean {
  for (const t of scope.selector ?? []) {
    const has = labels[t.key] === t.value;
    if (has === !!t.not) return false;
  }
  return true;
}

/** One watch event of a known object, as the checks compare them. */
export interface Event {
  rv: number;
  obj: number;
  type: EventType;
  seq: number;
}

/**
 * A watcher's received events of known objects, packed four int32s per event (a 10-minute soak
 * at 200 writes/s keeps 12 M events across 100 watchers).
 */
export class EventLog {
  private buf = new Int32Array(4 * 1024);
  length = 0;

  push(e: Event): void {
    if ((this.length + 1) * 4 > this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    const i = this.length * 4;
    this.buf[i] = e.rv;
    this.buf[i + 1] = e.obj;
    this.buf[i + 2] = e.type;
    this.buf[i + 3] = e.seq;
    this.length++;
  }

  at(n: number): Event {
    const i = n * 4;
    return {
      rv: this.buf[i]!,
      obj: this.buf[i + 1]!,
      type: this.buf[i + 2]! as EventType,
      seq: this.buf[i + 3]!,
    };
  }
}

/** An object's state: the value and resourceVersion it holds. */
export interface ObjectState {
  rv: number;
  seq: number;
}

interface Step {
  rv: number;
  obj: number;
  before?: { seq: number; labels: Labels };
  after?: { seq: number; labels: Labels };
}

export interface Mismatch {
  checked: number;
  missing: number;
  duplicated: number;
  reordered: number;
  unexpected: number;
  wrong: number;
  /** The first few differences, worded for a failure message. */
  examples: string[];
}

export class History {
  private readonly writes: Write[] = [];
  private steps: Step[] | undefined;

  /** `objects[i]` is the namespace/name of object index i. */
  constructor(readonly objects: readonly { namespace: string; name: string }[]) {}

  record(w: Write): void {
    if (this.steps) throw new Error('History.record after the history was read');
    this.writes.push(w);
  }

  get size(): number {
    return this.writes.length;
  }

  get lastRv(): number {
    return this.ordered().at(-1)?.rv ?? 0;
  }

  /**
   * The writes in resourceVersion order with each object's state before and after. Fails when
   * two writes share a resourceVersion or a write does not fit the object's state then (an
   * update of an absent object): the server acknowledged something impossible.
   */
  private ordered(): Step[] {
    if (this.steps) return this.steps;
    const sorted = [...this.writes].sort((a, b) => a.rv - b.rv);
    const cur = new Map<number, { seq: number; labels: Labels }>();
    const steps: Step[] = [];
    let prevRv = 0;
    for (const w of sorted) {
      if (w.rv === prevRv) throw new Error(`two acknowledged writes share resourceVersion ${w.rv}`);
      prevRv = w.rv;
      const before = cur.get(w.obj);
      const name = this.name(w.obj);
      if (w.op === 'create' && before) throw new Error(`${name}: created at ${w.rv} while it existed`);
      if (w.op !== 'create' && !before) throw new Error(`${name}: ${w.op} at ${w.rv} of an absent object`);
      let after: Step['after'];
      if (w.op === 'delete') cur.delete(w.obj);
      else {
        if (w.seq === undefined || !w.labels) throw new Error(`${name}: ${w.op} at ${w.rv} without a value`);
        after = { seq: w.seq, labels: w.labels };
        cur.set(w.obj, after);
      }
      steps.push({ rv: w.rv, obj: w.obj, before, after });
    }
    return (this.steps = steps);
  }

  name(obj: number): string {
    const o = this.objects[obj];
    return o ? `${o.namespace}/${o.name}` : `object #${obj}`;
  }

  private inScope(scope: Scope, obj: number): boolean {
    return scope.namespace === undefined || this.objects[obj]?.namespace === scope.namespace;
  }

  /** The objects in `scope` and their state as of resourceVersion `rv` (what a list at `rv` returns). */
  stateAt(scope: Scope, rv: number): Map<number, ObjectState> {
    const out = new Map<number, ObjectState>();
    for (const s of this.ordered()) {
      if (s.rv > rv) break;
      if (!this.inScope(scope, s.obj)) continue;
      if (s.after && matches(scope, s.after.labels)) out.set(s.obj, { rv: s.rv, seq: s.after.seq });
      else out.delete(s.obj);
    }
    return out;
  }

  /** The events a watch of `scope` from resourceVersion `fromRv` must deliver, in order. */
  expected(scope: Scope, fromRv: number): Event[] {
    const out: Event[] = [];
    for (const s of this.ordered()) {
      if (s.rv <= fromRv || !this.inScope(scope, s.obj)) continue;
      const was = s.before !== undefined && matches(scope, s.before.labels);
      const is = s.after !== undefined && matches(scope, s.after.labels);
      if (was && is) out.push({ rv: s.rv, obj: s.obj, type: MODIFIED, seq: s.after!.seq });
      else if (is) out.push({ rv: s.rv, obj: s.obj, type: ADDED, seq: s.after!.seq });
      else if (was) out.push({ rv: s.rv, obj: s.obj, type: DELETED, seq: s.before!.seq });
    }
    return out;
  }

  /**
   * Compares a received stream with the expected events object by object: per object the
   * resourceVersions must strictly increase (else reordered or duplicated), every expected event
   * must be there (else missing), nothing else may be (unexpected), and type and value must match.
   */
  compare(expected: Event[], log: EventLog): Mismatch {
    const r: Mismatch = {
      checked: log.length,
      missing: 0,
      duplicated: 0,
      reordered: 0,
      unexpected: 0,
      wrong: 0,
      examples: [],
    };
    const note = (s: string) => {
      if (r.examples.length < 5) r.examples.push(s);
    };
    const want = new Map<number, Event>();
    for (const e of expected) want.set(e.rv, e);
    const seen = new Set<number>();
    const lastRv = new Map<number, number>();
    for (let i = 0; i < log.length; i++) {
      const e = log.at(i);
      const name = this.name(e.obj);
      const last = lastRv.get(e.obj) ?? 0;
      if (seen.has(e.rv)) {
        r.duplicated++;
        note(`${name}: ${TYPE_NAMES[e.type]} at ${e.rv} received twice`);
        continue;
      }
      seen.add(e.rv);
      if (e.rv <= last) {
        r.reordered++;
        note(`${name}: ${TYPE_NAMES[e.type]} at ${e.rv} arrived after ${last}`);
      }
      lastRv.set(e.obj, Math.max(last, e.rv));
      const w = want.get(e.rv);
      if (!w) {
        r.unexpected++;
        note(`${name}: ${TYPE_NAMES[e.type]} at ${e.rv} matches no acknowledged write in this watch's scope`);
      } else if (w.obj !== e.obj || w.type !== e.type || w.seq !== e.seq) {
        r.wrong++;
        note(
          `${name}: at ${e.rv} got ${TYPE_NAMES[e.type]} value ${e.seq}, the write was ${this.name(w.obj)} ${TYPE_NAMES[w.type]} value ${w.seq}`,
        );
      }
    }
    for (const e of expected) {
      if (seen.has(e.rv)) continue;
      r.missing++;
      note(`${this.name(e.obj)}: ${TYPE_NAMES[e.type]} at ${e.rv} never arrived`);
    }
    return r;
  }
}
