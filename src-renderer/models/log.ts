/**
 * Log line helpers: splitting a line into plain and matching segments for search highlight.
 * Segments are rendered as text (interpolation), so a line is never interpreted as HTML.
 */

/** A piece of a log line; `match` pieces are highlighted. */
export interface LogSegment {
  text: string;
  match: boolean;
}

/** Splits `line` around case-insensitive occurrences of `query` (plain text, not a regex). */
export function splitMatches(line: string, query: string): LogSegment[] {
  if (!query) return [{ text: line, match: false }];
  const hay = line.toLowerCase();
  const needle = query.toLowerCase();
  const out: LogSegment[] = [];
  let at = 0;
  for (;;) {
    const i = hay.indexOf(needle, at);
    if (i < 0) break;
    if (i > at) out.push({ text: line.slice(at, i), match: false });
    out.push({ text: line.slice(i, i + needle.length), match: true });
    at = i + needle.length;
  }
  if (at < line.length || out.length === 0) out.push({ text: line.slice(at), match: false });
  return out;
}

/** Number of lines containing `query` (case-insensitive). */
export function countMatchingLines(lines: readonly string[], query: string): number {
  if (!query) return 0;
  const q = query.toLowerCase();
  let n = 0;
  for (const l of lines) if (l.toLowerCase().includes(q)) n++;
  return n;
}

/** A compiled search: plain text (case-insensitive) or a regular expression. */
export interface LogSearch {
  re?: RegExp;
  /** Why the regex did not compile (shown at the search box). */
  error?: string;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles the search box: an empty query matches nothing; a bad regex reports its error. */
export function compileSearch(query: string, regex = false, caseSensitive = false): LogSearch {
  if (!query) return {};
  try {
    return { re: new RegExp(regex ? query : escapeRegex(query), caseSensitive ? 'g' : 'gi') };
  } catch (err) {
    return {
      error: err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : 'Invalid',
    };
  }
}

/** [start, end) ranges of the matches of `re` in `text`; zero-length matches are skipped. */
export function matchRanges(text: string, re: RegExp | undefined): [number, number][] {
  if (!re) return [];
  const out: [number, number][] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      if (re.lastIndex > text.length) break;
      continue;
    }
    out.push([m.index, m.index + m[0].length]);
    if (out.length > 1000) break;
  }
  return out;
}

const TS_PREFIX = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) /;

/** Splits the kubelet's `timestamps=true` prefix off a line. */
export function splitTimestamp(line: string): { ts?: string; text: string } {
  const m = TS_PREFIX.exec(line);
  return m ? { ts: m[1], text: line.slice(m[0].length) } : { text: line };
}

/** Milliseconds of an RFC 3339 timestamp with nanoseconds (sub-ms digits kept as fraction). */
export function timestampMs(ts: string | undefined): number {
  if (!ts) return NaN;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(ts);
  if (!m) return NaN;
  const base = Date.parse(`${m[1]}${m[3]}`);
  const frac = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return base + frac;
}

/**
 * A JSON log line (an object or array, as structured loggers write) pretty-printed with two
 * spaces, or undefined when the line is not JSON.
 */
export function prettyJson(text: string): string | undefined {
  const t = text.trim();
  if (t.length < 2 || !((t[0] === '{' && t.endsWith('}')) || (t[0] === '[' && t.endsWith(']'))))
    return undefined;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return undefined;
  }
}
