import { describe, expect, it } from 'vitest';
import { DEFAULT_VIEWPORT, rowWindow, scrollTopFor } from '../../../src-renderer/models/row-window';

const geometry = { viewport: 400, rowHeight: 30, headerHeight: 40 };

describe('rowWindow', () => {
  it('renders the rows under the viewport at the top', () => {
    const w = rowWindow({ ...geometry, scrollTop: 0, total: 50_000 });
    expect(w.first).toBe(0);
    // (400 - 40) / 30 = 12 rows fit, plus one partly visible.
    expect(w.count).toBe(13);
    expect(w.shift).toBe(0);
    expect(w.totalHeight).toBe(40 + 50_000 * 30);
    expect(w.windowHeight).toBe(400);
  });

  it('starts at the row scrolled to, shifted by the part scrolled past', () => {
    const w = rowWindow({ ...geometry, scrollTop: 30 * 1000 + 7, total: 50_000 });
    expect(w.first).toBe(1000);
    expect(w.shift).toBe(7);
    expect(w.count).toBe(13);
  });

  it('clamps a scrollTop past the end and renders the last rows', () => {
    const w = rowWindow({ ...geometry, scrollTop: 10_000_000, total: 100 });
    const maxScroll = 40 + 100 * 30 - 400;
    expect(w.first).toBe(Math.floor(maxScroll / 30));
    expect(w.first + w.count).toBe(100);
    expect(w.shift).toBe(maxScroll - w.first * 30);
  });

  it('renders every row when they fit, in a window no taller than they are', () => {
    const w = rowWindow({ ...geometry, scrollTop: 0, total: 3 });
    expect(w).toEqual({ first: 0, count: 3, shift: 0, totalHeight: 130, windowHeight: 130 });
  });

  it('renders nothing for an empty table', () => {
    const w = rowWindow({ ...geometry, scrollTop: 50, total: 0 });
    expect(w.count).toBe(0);
    expect(w.first).toBe(0);
    expect(w.totalHeight).toBe(40);
  });

  it('assumes a screenful before layout', () => {
    const w = rowWindow({ ...geometry, viewport: 0, scrollTop: 0, total: 1000 });
    expect(w.count).toBe(Math.ceil((DEFAULT_VIEWPORT - 40) / 30) + 1);
  });
});

describe('scrollTopFor', () => {
  const at = (scrollTop: number) => ({
    ...rowWindow({ ...geometry, scrollTop, total: 1000 }),
    ...geometry,
    scrollTop,
    total: 1000,
  });

  it('keeps the scroll when the row is already in view', () => {
    expect(scrollTopFor(5, at(0))).toBe(0);
  });

  it('scrolls up to a row above the viewport', () => {
    expect(scrollTopFor(10, at(900))).toBe(300);
  });

  it('scrolls down just far enough to show a row below the viewport', () => {
    // Row 20 ends at 630; 360 px of rows are visible under the header.
    expect(scrollTopFor(20, at(0))).toBe(630 - 360);
  });
});
