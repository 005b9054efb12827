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
