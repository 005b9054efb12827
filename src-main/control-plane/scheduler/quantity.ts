/**
 * resource.Quantity parsing for the scheduler's accounting: CPU in millicores, everything
 * else in base units (bytes, pods).
 */

const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
};

/** Parses a Quantity string ("100m", "1.5", "128Mi", "1e3", 2) into a number; NaN if invalid. */
export function parseQuantity(q: string | number | undefined): number {
  if (q === undefined || q === null) return 0;
  if (typeof q === 'number') return q;
  const m = q
    .trim()
    .match(/^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/);
  if (!m) return NaN;
  const base = Number(m[1]);
  if (m[2]) return base * Math.pow(10, Number(m[2].slice(1)));
  return base * SUFFIX[m[3] ?? ''];
}

/** CPU quantity in millicores, rounded up like Quantity.MilliValue. */
export function milliCpu(q: string | number | undefined): number {
  const v = parseQuantity(q);
  return Number.isFinite(v) ? Math.ceil(Math.round(v * 1e9) / 1e6) : 0;
}

/** A byte/count quantity as an integer, rounded up like Quantity.Value. */
export function quantityValue(q: string | number | undefined): number {
  const v = parseQuantity(q);
  return Number.isFinite(v) ? Math.ceil(v - 1e-9) : 0;
}
