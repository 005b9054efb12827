/**
 * resource.Quantity parsing ("100m", "1Gi", "2e3") to a number, for validating resources and
 * comparing limits with requests.
 */
import { parseQuantity as parse } from '../../../common/quantity';
/** The numeric value of a quantity, or undefined when it does not parse. Numbers pass through. */
export function parseQuantity(q: unknown): number | undefined {
  const v = parse(q);
  return Number.isNaN(v) ? undefined : v;
}
