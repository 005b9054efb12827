/**
 * The load test's checker (test/helpers/watch-history.ts) on hand-made histories: it derives the
 * events kube-apiserver sends for a scope and selector, and it catches a stream that loses,
 * repeats, reorders or garbles an event.
 */
import { describe, expect, it } from 'vitest';
import {
  ADDED,
  DELETED,
  EventLog,
  History,
  MODIFIED,
  matches,
  selectorString,
  type Event,
  type Scope,
} from '../helpers/watch-history';

const HOT = { app: 'load', tier: 'hot' };
const COLD = { app: 'load', tier: 'cold' };

function history(): History {
  const h = new History([
    { namespace: 'a', name: 'cm-0' },
    { namespace: 'a', name: 'cm-1' },
    { namespace: 'b', name: 'cm-2' },
  ]);
  // Recorded out of order, as acknowledgements of concurrent writes arrive.
  h.record({ rv: 12, obj: 0, op: 'update', seq: 3, labels: COLD });
  h.record({ rv: 10, obj: 0, op: 'create', seq: 1, labels: HOT });
  h.record({ rv: 11, obj: 1, op: 'create', seq: 2, labels: COLD });
  h.record({ rv: 13, obj: 2, op: 'create', seq: 4, labels: HOT });
  h.record({ rv: 14, obj: 0, op: 'update', seq: 5, labels: HOT });
  h.record({ rv: 15, obj: 0, op: 'delete' });
  h.record({ rv: 16, obj: 1, op: 'update', seq: 6, labels: COLD });
  return h;
}

const logOf = (events: Event[]) => {
  const log = new EventLog();
  for (const e of events) log.push(e);
  return log;
};

describe('watch history checks', () => {
  it('derives every event of an unfiltered namespace watch from the writes', () => {
    expect(history().expected({ namespace: 'a' }, 0)).toEqual([
      { rv: 10, obj: 0, type: ADDED, seq: 1 },
      { rv: 11, obj: 1, type: ADDED, seq: 2 },
      { rv: 12, obj: 0, type: MODIFIED, seq: 3 },
      { rv: 14, obj: 0, type: MODIFIED, seq: 5 },
      { rv: 15, obj: 0, type: DELETED, seq: 5 },
      { rv: 16, obj: 1, type: MODIFIED, seq: 6 },
    ]);
  });

  it('a selector watch sees ADDED when an object starts matching and DELETED (old value) when it stops', () => {
    const hot: Scope = { selector: [{ key: 'tier', value: 'hot' }] };
    expect(selectorString(hot)).toBe('tier=hot');
    expect(history().expected(hot, 10)).toEqual([
      { rv: 12, obj: 0, type: DELETED, seq: 1 },
      { rv: 13, obj: 2, type: ADDED, seq: 4 },
      { rv: 14, obj: 0, type: ADDED, seq: 5 },
      { rv: 15, obj: 0, type: DELETED, seq: 5 },
    ]);
    const notHot: Scope = { namespace: 'a', selector: [{ key: 'tier', value: 'hot', not: true }] };
    expect(selectorString(notHot)).toBe('tier!=hot');
    expect(matches(notHot, COLD)).toBe(true);
    expect(matches(notHot, HOT)).toBe(false);
  });

  it('the state as of a resourceVersion is what a list at that version holds', () => {
    const h = history();
    expect([...h.stateAt({ namespace: 'a' }, 13)]).toEqual([
      [0, { rv: 12, seq: 3 }],
      [1, { rv: 11, seq: 2 }],
    ]);
    expect([...h.stateAt({}, 16)]).toEqual([
      [1, { rv: 16, seq: 6 }],
      [2, { rv: 13, seq: 4 }],
    ]);
    expect(h.lastRv).toBe(16);
  });

  it('a faithful stream passes; lost, repeated, reordered and garbled events are each caught', () => {
    const h = history();
    const want = h.expected({}, 0);
    expect(h.compare(want, logOf(want))).toMatchObject({
      checked: 7,
      missing: 0,
      duplicated: 0,
      reordered: 0,
      unexpected: 0,
      wrong: 0,
    });

    const lost = h.compare(want, logOf(want.filter((e) => e.rv !== 14)));
    expect(lost.missing).toBe(1);
    expect(lost.examples[0]).toBe('a/cm-0: MODIFIED at 14 never arrived');

    const repeated = h.compare(want, logOf([...want.slice(0, 5), want[4]!, ...want.slice(5)]));
    expect(repeated.duplicated).toBe(1);

    const swapped = [...want];
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!]; // rv 12 and 13: different objects, fine
    expect(h.compare(want, logOf(swapped)).reordered).toBe(0);
    const perObject = [...want];
    [perObject[3], perObject[4]] = [perObject[4]!, perObject[3]!]; // cm-2 at 13 after cm-0 at 14
    expect(h.compare(want, logOf(perObject)).reordered).toBe(0);
    const backwards = [...want];
    [backwards[4], backwards[5]] = [backwards[5]!, backwards[4]!]; // cm-0: 15 before 14
    expect(h.compare(want, logOf(backwards)).reordered).toBe(1);

    const garbled = want.map((e) => (e.rv === 12 ? { ...e, seq: 99 } : e));
    expect(h.compare(want, logOf(garbled)).wrong).toBe(1);
    const wrongType = want.map((e) => (e.rv === 16 ? { ...e, type: ADDED as typeof ADDED } : e));
    expect(h.compare(want, logOf(wrongType)).wrong).toBe(1);

    const outOfScope = h.compare(h.expected({ namespace: 'b' }, 0), logOf(want));
    expect(outOfScope.unexpected).toBe(6);
  });

  it('refuses a history the server could not have acknowledged', () => {
    const twice = new History([{ namespace: 'a', name: 'x' }]);
    twice.record({ rv: 5, obj: 0, op: 'create', seq: 1, labels: HOT });
    twice.record({ rv: 5, obj: 0, op: 'update', seq: 2, labels: HOT });
    expect(() => twice.expected({}, 0)).toThrow('two acknowledged writes share resourceVersion 5');
    const absent = new History([{ namespace: 'a', name: 'x' }]);
    absent.record({ rv: 3, obj: 0, op: 'update', seq: 1, labels: HOT });
    expect(() => absent.lastRv).toThrow('a/x: update at 3 of an absent object');
  });
});
