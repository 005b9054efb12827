/**
 * The command palette's model: what can be jumped to or done (pages, objects by name,
 * actions such as "Deploy a container" or "Switch namespace"), and a small fuzzy ranking —
 * prefix beats word start beats substring beats subsequence; shorter labels win ties.
 */

/** One entry of the palette. */
export interface PaletteItem {
  id: string;
  label: string;
  group: 'Pages' | 'Objects' | 'Actions' | 'Namespaces';
  /** Secondary text (kind and namespace of an object, what an action does). */
  hint?: string;
  /** Extra words that should match (kind names, aliases like "svc"). */
  keywords?: string;
}

/** Score of `query` against `text` (higher is better), or -1 when it does not match. */
export function fuzzyScore(text: string, query: string): number {
  const t = text.toLowerCase();
  const q = query.toLowerCase().trim();
  if (!q) return 0;
  if (t === q) return 1000;
  if (t.startsWith(q)) return 800 - t.length;
  const wordStart = new RegExp(`(^|[\\s/\\-_.:])${q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  if (wordStart.test(t)) return 600 - t.length;
  const i = t.indexOf(q);
  if (i >= 0) return 400 - i - t.length / 10;
  // Subsequence: every query character in order.
  let pos = 0;
  let gaps = 0;
  for (const ch of q) {
    const next = t.indexOf(ch, pos);
    if (next < 0) return -1;
    gaps += next - pos;
    pos = next + 1;
  }
  return 200 - gaps - t.length / 10;
}

/** Items matching `query`, best first (all of them, in given order, for an empty query). */
export function rankItems(items: readonly PaletteItem[], query: string, limit = 60): PaletteItem[] {
  const q = query.trim();
  if (!q) return items.slice(0, limit);
  const scored: { item: PaletteItem; score: number }[] = [];
  for (const item of items) {
    const s = Math.max(
      fuzzyScore(item.label, q),
      item.keywords ? fuzzyScore(item.keywords, q) - 50 : -1,
      item.hint ? fuzzyScore(`${item.hint} ${item.label}`, q) - 100 : -1,
    );
    if (s >= 0)
      scored.push({ item, score: s + (item.group === 'Pages' ? 30 : item.group === 'Actions' ? 20 : 0) });
  }
  scored.sort((a, b) => b.score - a.score || a.item.label.localeCompare(b.item.label));
  return scored.slice(0, limit).map((s) => s.item);
}
