/**
 * Which rows of a long table to render (virtualized rows): the table component owns the vertical
 * scroll over a spacer as tall as every row, and renders only the rows under the viewport in a
 * sticky window, shifted by the part of a row scrolled past. The table library then only ever
 * sees a screenful of rows, so a publish over 50,000 objects costs it as much as one over 30.
 */

/** The scroll state and geometry a window is computed from (pixels). */
export interface WindowInput {
  /** scrollTop of the scroll container. */
  scrollTop: number;
  /** Visible height of the scroll container (0 = not laid out yet: a default is assumed). */
  viewport: number;
  /** Height of one row (every row has it). */
  rowHeight: number;
  /** Height of the table header above the rows. */
  headerHeight: number;
  /** Rows in the table. */
  total: number;
}

/** The rows to render and where. */
export interface RowWindow {
  /** Index of the first rendered row. */
  first: number;
  /** Rows rendered from `first` (fewer near the end). */
  count: number;
  /** Pixels the rendered rows are moved up: the part of row `first` scrolled past. */
  shift: number;
  /** Height of the spacer: header plus every row. */
  totalHeight: number;
  /** Height of the sticky window: the viewport, or less when every row fits. */
  windowHeight: number;
}

/** Viewport assumed before layout (tests, a hidden tab): about a screenful. */
export const DEFAULT_VIEWPORT = 600;

export function rowWindow(input: WindowInput): RowWindow {
  const rowHeight = Math.max(1, input.rowHeight);
  const header = Math.max(0, input.headerHeight);
  const total = Math.max(0, Math.floor(input.total));
  const viewport = input.viewport > 0 ? input.viewport : DEFAULT_VIEWPORT;
  const totalHeight = header + total * rowHeight;
  const windowHeight = Math.min(viewport, totalHeight);
  const maxScroll = Math.max(0, totalHeight - viewport);
  const scrollTop = Math.min(Math.max(0, input.scrollTop), maxScroll);
  const first = Math.min(Math.floor(scrollTop / rowHeight), Math.max(0, total - 1));
  const shift = total ? scrollTop - first * rowHeight : 0;
  // Rows under the viewport below the header, plus one for the partly scrolled-in row.
  const fit = Math.ceil(Math.max(0, viewport - header) / rowHeight) + 1;
  const count = Math.max(0, Math.min(fit, total - first));
  return { first, count, shift, totalHeight, windowHeight };
}

/** scrollTop that brings row `index` fully into view (unchanged when it already is). */
export function scrollTopFor(index: number, current: RowWindow & WindowInput): number {
  const rowHeight = Math.max(1, current.rowHeight);
  const viewport = current.viewport > 0 ? current.viewport : DEFAULT_VIEWPORT;
  const top = index * rowHeight; // row top relative to the first row, in scroll coordinates
  const visibleRows = viewport - Math.max(0, current.headerHeight);
  if (top < current.scrollTop) return top;
  if (top + rowHeight > current.scrollTop + visibleRows) return top + rowHeight - visibleRows;
  return current.scrollTop;
}
