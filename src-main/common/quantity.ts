/**
 * Kubernetes resource.Quantity ("500m", "1.5", "128Mi", "2G", "1e3") as plain numbers: the one
 * parser the API server's validation, the scheduler, the controllers, the kubelet and the
 * dashboard share.
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
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** The value of a quantity in base units (cores, bytes, count); NaN when absent or malformed. */
export function parseQuantity(q: unknown): number {
  if (typeof q === 'number') return Number.isFinite(q) ? q : NaN;
  if (typeof q !== 'string') return NaN;
  const m = QUANTITY.exec(q.trim());
  if (!m) return NaN;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * SUFFIX[m[3] ?? ''];
}

/** True for a syntactically valid quantity. */
export function isQuantity(q: unknown): boolean {
  return !Number.isNaN(parseQuantity(q));
}

/** A quantity in milli-units, rounded up like Quantity.MilliValue (CPU in millicores). NaN if malformed. */
export function milliValue(q: unknown): number {
  const v = parseQuantity(q);
  return Number.isNaN(v) ? NaN : Math.ceil(Math.round(v * 1e9) / 1e6);
}

/** A quantity as an integer, rounded up like Quantity.Value (bytes, counts). NaN if malformed. */
export function quantityValue(q: unknown): number {
  const v = parseQuantity(q);
  return Number.isNaN(v) ? NaN : Math.ceil(v - 1e-9);
}
