import { describe, expect, it } from 'vitest';
import { SortedView, naturalCompare } from '../../../src-renderer/models/sorted-view';

interface Row {
  name: string;
  n: number;
}
const rows = (k: number): Row[] => Array.from({ length: k }, (_v, i) => ({ name: `pod-${i}`, n: i % 7 }));
const byN = { id: 'n', value: (r: Row) => r.n };
const reference = (rs: Row[]) =>
  [...rs].sort((a, b) => a.n - b.n || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((r) => r.name);

describe('SortedView', () => {
  it('compares naturally and case-insensitively', () => {
    expect(['pod-10', 'pod-9', 'Pod-1', 'pod-09a'].sort(naturalCompare)).toEqual([
      'Pod-1',
      'pod-9',
      'pod-09a',
      'pod-10',
    ]);
  });

  it('re-places only changed rows and matches a full sort', () => {
    const view = new SortedView<Row>(
      (r) => r.name,
      (r) => r.name,
    );
    let data = rows(5000);
    expect(view.update(data, byN).map((r) => r.name)).toEqual(reference(data));
    expect(view.lastUpdate).toBe('full');
    // One changed, one gone, one new: incremental, same result as sorting everything.
    data = data.filter((r) => r.name !== 'pod-3');
    const i10 = data.findIndex((r) => r.name === 'pod-10');
    data[i10] = { name: 'pod-10', n: 6 };
    data.push({ name: 'pod-x', n: 0 });
    const out = view.update(data, byN);
    expect(view.lastUpdate).toBe('incremental');
    expect(out.map((r) => r.name)).toEqual(reference(data));
    expect(out.find((r) => r.name === 'pod-10')).toBe(data[i10]);
  });

  it('stays equal to a full sort over many rounds of changes, removals and returns', () => {
    const view = new SortedView<Row>(
      (r) => r.name,
      (r) => r.name,
    );
    let data = rows(400);
    view.update(data, byN);
    let seed = 7;
    const rnd = (k: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % k;
    const gone: Row[] = [];
    for (let round = 0; round < 60; round++) {
      data = [...data];
      for (let c = 0; c < 5; c++) {
        const i = rnd(data.length);
        const op = rnd(3);
        if (op === 0) data[i] = { ...data[i]!, n: rnd(7) };
        else if (op === 1) gone.push(...data.splice(i, 1));
        else if (gone.length) data.push(gone.splice(rnd(gone.length), 1)[0]!);
      }
      const out = view.update(data, byN);
      expect(out.map((r) => r.name)).toEqual(reference(data));
    }
    // A page of many new rows at once is merged in.
    data = [...data, ...Array.from({ length: 600 }, (_v, i) => ({ name: `new-${i}`, n: i % 5 }))];
    expect(view.update(data, byN).map((r) => r.name)).toEqual(reference(data));
    expect(view.lastUpdate).toBe('merged');
    // Unchanged input: the same order, nothing re-placed.
    expect(view.update(data, byN).map((r) => r.name)).toEqual(reference(data));
  });

  it('sorts in full on a new order and descends on the value only', () => {
    const view = new SortedView<Row>(
      (r) => r.name,
      (r) => r.name,
    );
    const data = rows(20);
    view.update(data, byN);
    const out = view.update(data, { id: 'n-desc', value: (r) => r.n, descending: true });
    expect(view.lastUpdate).toBe('full');
    expect(out[0]!.n).toBe(6);
    expect(out.filter((r) => r.n === 6).map((r) => r.name)).toEqual(['pod-13', 'pod-6']);
  });
});
