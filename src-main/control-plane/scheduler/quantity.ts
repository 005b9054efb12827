/**
 * resource.Quantity for the scheduler's accounting: CPU in millicores, everything else in base
 * units (bytes, pods); an absent or malformed quantity counts as 0.
 */
import { milliValue, parseQuantity as parse, quantityValue as value } from '../../common/quantity';

/** Parses a Quantity ("100m", "1.5", "128Mi", "1e3", 2); 0 when absent, NaN when malformed. */
export function parseQuantity(q: string | number | undefined): number {
  return q === undefined || q === null ? 0 : parse(q);
}

/** CPU quantity in millicores, rounded up like Quantity.MilliValue. */
export function milliCpu(q: string | number | undefined): number {
  const v = milliValue(q);
  return Number.isFinite(v) ? v : 0;
}

/** A byte/count quantity as an integer, rounded up like Quantity.Value. */
export function quantityValue(q: string | number | undefined): number {
  const v = value(q);
  return Number.isFinite(v) ? v : 0;
}
