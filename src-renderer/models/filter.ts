/**
 * List filters: free text (every whitespace-separated term must occur in the row's text) and
 * a label selector in kubectl's syntax (`app=web,tier!=db,env in (a,b),!legacy,track`).
 * Pure functions, shared by every list page.
 */

/** One requirement of a label selector. */
export type LabelRequirement =
  | { op: '='; key: string; value: string }
  | { op: '!='; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | '!exists'; key: string };

/** Parses a label selector; throws an Error with a readable message on bad syntax. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const key = '[A-Za-z0-9][-A-Za-z0-9_./]*';
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) continue;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^(${key})\\s*!=\\s*(\\S*)$`).exec(p)))
      out.push({ op: '!=', key: m[1], value: m[2] });
    else if ((m = new RegExp(`^(${key})\\s*==?\\s*(\\S*)$`).exec(p)))
      out.push({ op: '=', key: m[1], value: m[2] });
    else if ((m = new RegExp(`^(${key})\\s+(in|notin)\\s*\\(([^)]*)\\)$`).exec(p)))
      out.push({
        op: m[2] as 'in' | 'notin',
        key: m[1],
        values: m[3]
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      });
    else if ((m = new RegExp(`^!\\s*(${key})$`).exec(p))) out.push({ op: '!exists', key: m[1] });
    else if ((m = new RegExp(`^(${key})$`).exec(p))) out.push({ op: 'exists', key: m[1] });
    else throw new Error(`not a label selector term: “${p}”`);
  }
  return out;
}

/** True when `labels` satisfy every requirement. */
export function matchesLabels(
  labels: Record<string, string> | undefined,
  reqs: readonly LabelRequirement[],
): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case '=':
        return has && l[r.key] === r.value;
      case '!=':
        return !has || l[r.key] !== r.value;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
      case 'exists':
        return has;
      case '!exists':
        return !has;
    }
    return false;
  });
}

/**
 * Text filter: every term must occur in `hay` (lowercased), except `key=value` / `key!=value`
 * terms, which are label requirements (so `app=web` in the text box works too).
 */
export function matchesText(
  hay: string,
  labels: Record<string, string> | undefined,
  filter: string,
): boolean {
  const terms = filter.split(/\s+/).filter(Boolean);
  return terms.every((t) => {
    if (/^[\w./-]+!?==?.*$/.test(t) && t.includes('=')) {
      try {
        return matchesLabels(labels, parseLabelSelector(t));
      } catch {
        return hay.includes(t.toLowerCase());
      }
    }
    return hay.includes(t.toLowerCase());
  });
}
