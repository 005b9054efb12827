/**
 * Which list columns are shown: the user's choice per kind (from the column picker, persisted
 * in preferences), else the kind's `defaultHidden`. Pure, so it is unit-tested.
 */
import type { KindSpec } from './kinds';

/** Hidden column keys per kind id, as persisted. */
export type HiddenColumns = Readonly<Record<string, readonly string[]>>;

/** Keys hidden for `spec`: the saved choice, else the kind's default. Unknown keys are dropped. */
export function hiddenColumnsOf(spec: KindSpec, saved: HiddenColumns): string[] {
  const keys = new Set(spec.columns.map((c) => c.key));
  return (saved[spec.id] ?? spec.defaultHidden ?? []).filter((k) => keys.has(k));
}

/** The saved choices with `key` of `spec` shown (`visible`) or hidden. */
export function toggleColumn(
  spec: KindSpec,
  saved: HiddenColumns,
  key: string,
  visible: boolean,
): Record<string, string[]> {
  const hidden = new Set(hiddenColumnsOf(spec, saved));
  if (visible) hidden.delete(key);
  else hidden.add(key);
  const next: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(saved)) next[k] = [...v];
  next[spec.id] = spec.columns.map((c) => c.key).filter((k) => hidden.has(k));
  return next;
}

/** Parses what was stored; anything malformed is ignored (the defaults apply). */
export function parseHiddenColumns(text: string | null): Record<string, string[]> {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    const out: Record<string, string[]> = {};
    for (const [k, list] of Object.entries(v as Record<string, unknown>))
      if (Array.isArray(list)) out[k] = list.filter((x): x is string => typeof x === 'string');
    return out;
  } catch {
    return {};
  }
}
