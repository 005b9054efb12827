import { describe, expect, it } from 'vitest';
import {
  matchesSelector,
  mergeLines,
  parseSelector,
  podColor,
  selectorString,
  toMergedLine,
} from '../../../src-renderer/models/log-merge';

describe('workload log merge', () => {
  it('merges lines of several pods by timestamp, stable for equal times, capped', () => {
    let seq = 0;
    const a = ['2024-01-01T00:00:01Z a1', '2024-01-01T00:00:03Z a3'].map((l) =>
      toMergedLine(l, 'a', 'c', seq++),
    );
    const b = ['2024-01-01T00:00:02Z b2', '2024-01-01T00:00:03Z b3', '2024-01-01T00:00:04Z b4'].map((l) =>
      toMergedLine(l, 'b', 'c', seq++),
    );
    let merged = mergeLines([], a);
    merged = mergeLines(merged, b);
    expect(merged.map((l) => l.text)).toEqual(['a1', 'b2', 'a3', 'b3', 'b4']);
    expect(mergeLines(merged, [], 2).map((l) => l.text)).toEqual(['b3', 'b4']);
    // A line without a timestamp takes its arrival time.
    expect(toMergedLine('plain', 'p', 'c', 9, 1234).t).toBe(1234);
  });

  it('gives pods distinct colours and cycles', () => {
    expect(podColor(0)).not.toBe(podColor(1));
    expect(podColor(8)).toBe(podColor(0));
  });

  it('parses and matches label selectors like kubectl', () => {
    const t = parseSelector('app=web, tier!=db,env in (a,b),!legacy,track');
    expect(matchesSelector({ app: 'web', env: 'a', track: 'x' }, t)).toBe(true);
    expect(matchesSelector({ app: 'web', env: 'c', track: 'x' }, t)).toBe(false);
    expect(matchesSelector({ app: 'web', env: 'a', track: 'x', legacy: '1' }, t)).toBe(false);
    expect(matchesSelector({ app: 'web', env: 'a', track: 'x', tier: 'db' }, t)).toBe(false);
    expect(matchesSelector({}, parseSelector(''))).toBe(true);
    expect(() => parseSelector('a=b=c')).toThrow(/label selector/);
    expect(
      selectorString({
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'x', operator: 'In', values: ['1', '2'] }],
      }),
    ).toBe('app=web,x in (1,2)');
  });
});
