/**
 * Turns raw log lines into what the log view draws: the timestamp apart, ANSI colours as
 * styled segments, JSON lines pretty-printed on request, and search matches cut out as their
 * own segments. Pure: the same line and options always render the same; the view interpolates
 * every segment's text (never v-html), so nothing in a log line can become markup.
 */
import { ansiCss, parseAnsi, stripAnsi } from './ansi';
import { matchRanges, prettyJson, splitTimestamp } from './log';

/** One drawn piece of a line. */
export interface RenderedSegment {
  text: string;
  css?: Record<string, string>;
  match?: boolean;
}

/** One drawn line. */
export interface RenderedLine {
  ts?: string;
  segments: RenderedSegment[];
  /** Plain text (no escapes, no timestamp): what download and copy see. */
  plain: string;
  matches: number;
  json: boolean;
}

export interface RenderOptions {
  /** The search, compiled (global flag). */
  search?: RegExp;
  /** Pretty-print JSON lines. */
  json?: boolean;
  /** The lines carry a kubelet timestamp prefix to split off. */
  timestamps?: boolean;
}

/** Cuts styled segments at the match ranges of the plain text they make up. */
export function cutMatches(
  segs: { text: string; css?: Record<string, string> }[],
  ranges: [number, number][],
): RenderedSegment[] {
  if (!ranges.length) return segs;
  const out: RenderedSegment[] = [];
  let pos = 0;
  let r = 0;
  for (const s of segs) {
    let i = 0;
    while (i < s.text.length) {
      const abs = pos + i;
      while (r < ranges.length && ranges[r][1] <= abs) r++;
      const range = ranges[r];
      let end: number;
      let match = false;
      if (range && range[0] <= abs) {
        end = Math.min(s.text.length, range[1] - pos);
        match = true;
      } else {
        end = range ? Math.min(s.text.length, range[0] - pos) : s.text.length;
      }
      const piece: RenderedSegment = { text: s.text.slice(i, end) };
      if (s.css) piece.css = s.css;
      if (match) piece.match = true;
      out.push(piece);
      i = end;
    }
    pos += s.text.length;
  }
  return out;
}

export function renderLogLine(raw: string, opts: RenderOptions = {}): RenderedLine {
  const { ts, text } = opts.timestamps ? splitTimestamp(raw) : { ts: undefined, text: raw };
  let segs: { text: string; css?: Record<string, string> }[];
  let plain: string;
  let json = false;
  const pretty = opts.json ? prettyJson(stripAnsi(text)) : undefined;
  if (pretty !== undefined) {
    segs = [{ text: pretty }];
    plain = pretty;
    json = true;
  } else {
    segs = parseAnsi(text).segments.map((s) => {
      const css = ansiCss(s.style);
      return Object.keys(css).length ? { text: s.text, css } : { text: s.text };
    });
    plain = segs.map((s) => s.text).join('');
  }
  const ranges = matchRanges(plain, opts.search);
  return { ts, segments: cutMatches(segs, ranges), plain, matches: ranges.length, json };
}
