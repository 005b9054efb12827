/**
 * The stern-like workload log: lines of several pods merged by the kubelet's timestamps, each
 * pod with its own colour, and the label selector that picks the pods.
 */
import { splitTimestamp, timestampMs } from './log';

/** One line of one pod in the merged view. */
export interface MergedLine {
  /** Milliseconds since the epoch (arrival time when the line had no timestamp). */
  t: number;
  ts?: string;
  pod: string;
  container: string;
  text: string;
  /** Arrival order, to keep equal times stable. */
  seq: number;
}

/** Distinct, readable-on-dark colours for pod names (stern's idea). */
export const POD_COLORS = [
  '#60a5fa',
  '#f472b6',
  '#4ade80',
  '#facc15',
  '#c084fc',
  '#fb923c',
  '#22d3ee',
  '#f87171',
];

/** The colour of the i-th pod. */
export function podColor(i: number): string {
  return POD_COLORS[((i % POD_COLORS.length) + POD_COLORS.length) % POD_COLORS.length];
}

/** Turns a raw `timestamps=true` line into a merged line. */
export function toMergedLine(
  raw: string,
  pod: string,
  container: string,
  seq: number,
  now = Date.now(),
): MergedLine {
  const { ts, text } = splitTimestamp(raw);
  const t = timestampMs(ts);
  return { t: Number.isNaN(t) ? now : t, ts, pod, container, text, seq };
}

/** Index after the last line with (t, seq) ≤ the given ones (binary search). */
function upperBound(lines: readonly MergedLine[], l: MergedLine): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const m = lines[mid];
    if (m.t < l.t || (m.t === l.t && m.seq <= l.seq)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Merges `incoming` into the time-ordered `lines` (a new array); keeps the newest `max`.
 * Appending in order (the common case while following) costs one comparison per line.
 */
export function mergeLines(
  lines: readonly MergedLine[],
  incoming: readonly MergedLine[],
  max = 5000,
): MergedLine[] {
  const out = [...lines];
  for (const l of incoming) {
    const last = out[out.length - 1];
    if (!last || last.t < l.t || (last.t === l.t && last.seq <= l.seq)) out.push(l);
    else out.splice(upperBound(out, l), 0, l);
  }
  return out.length > max ? out.slice(out.length - max) : out;
}

/** One requirement of a label selector string. */
export interface SelectorTerm {
  key: string;
  op: '=' | '!=' | 'exists' | '!exists' | 'in' | 'notin';
  values: string[];
}

/** Parses `app=web,tier!=db,env in (a,b),!legacy`; throws on a malformed term. */
export function parseSelector(s: string): SelectorTerm[] {
  const terms: SelectorTerm[] = [];
  const parts = s.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) continue;
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
    if (m) {
      terms.push({
        key: m[1],
        op: m[2] as 'in' | 'notin',
        values: m[3]
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      });
      continue;
    }
    m = /^([\w./-]+)\s*(!=|==|=)\s*([\w.-]*)$/.exec(p);
    if (m) {
      terms.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]] });
      continue;
    }
    m = /^(!?)([\w./-]+)$/.exec(p);
    if (m) {
      terms.push({ key: m[2], op: m[1] ? '!exists' : 'exists', values: [] });
      continue;
    }
    throw new Error(`Not a label selector term: "${p}"`);
  }
  return terms;
}

/** True when the labels satisfy every term (an empty selector matches everything). */
export function matchesSelector(
  labels: Record<string, string> | undefined,
  terms: readonly SelectorTerm[],
): boolean {
  const l = labels ?? {};
  return terms.every((t) => {
    const has = Object.prototype.hasOwnProperty.call(l, t.key);
    switch (t.op) {
      case '=':
        return has && l[t.key] === t.values[0];
      case '!=':
        return !has || l[t.key] !== t.values[0];
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case 'in':
        return has && t.values.includes(l[t.key]);
      case 'notin':
        return !has || !t.values.includes(l[t.key]);
    }
    return false;
  });
}

/** A workload's `spec.selector` (matchLabels + matchExpressions) as a selector string. */
export function selectorString(
  sel:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined,
): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
