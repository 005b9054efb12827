/**
 * ANSI SGR colours in log lines, parsed into styled text segments. Only SGR (`ESC[…m`) codes
 * become styles — and only through a fixed palette or validated RGB numbers, so a style can
 * never carry arbitrary CSS. Every other escape sequence (cursor moves, OSC titles, …) is
 * dropped. The segments' text is rendered by interpolation, i.e. escaped: a line is never HTML.
 */

/** The SGR state a segment is drawn with. */
export interface AnsiStyle {
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

/** A run of text with one style. */
export interface AnsiSegment {
  text: string;
  style: AnsiStyle;
}

/** xterm's 16 base colours, tuned to be readable on the log view's dark background. */
export const ANSI_PALETTE = [
  '#4b5563', // black (lifted, or it disappears)
  '#f87171',
  '#4ade80',
  '#facc15',
  '#60a5fa',
  '#e879f9',
  '#22d3ee',
  '#e5e7eb',
  '#9ca3af', // bright black
  '#fca5a5',
  '#86efac',
  '#fde047',
  '#93c5fd',
  '#f0abfc',
  '#67e8f9',
  '#ffffff',
];

/** Colour of xterm's 256-colour index `n`, or undefined when out of range. */
export function color256(n: number): string | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
  if (n < 16) return ANSI_PALETTE[n];
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return rgb(v, v, v);
  }
  const i = n - 16;
  const steps = [0, 95, 135, 175, 215, 255];
  return rgb(steps[Math.floor(i / 36)], steps[Math.floor(i / 6) % 6], steps[i % 6]);
}

function rgb(r: number, g: number, b: number): string | undefined {
  if (![r, g, b].every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) return undefined;
  return `rgb(${r}, ${g}, ${b})`;
}

/** Applies one SGR parameter list to a style (returns a new style). */
export function applySgr(style: AnsiStyle, params: number[]): AnsiStyle {
  const s: AnsiStyle = { ...style };
  if (params.length === 0) params = [0];
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p === 0) {
      for (const k of Object.keys(s)) delete s[k as keyof AnsiStyle];
    } else if (p === 1) s.bold = true;
    else if (p === 2) s.dim = true;
    else if (p === 3) s.italic = true;
    else if (p === 4) s.underline = true;
    else if (p === 7) s.inverse = true;
    else if (p === 22) {
      delete s.bold;
      delete s.dim;
    } else if (p === 23) delete s.italic;
    else if (p === 24) delete s.underline;
    else if (p === 27) delete s.inverse;
    else if (p >= 30 && p <= 37) s.fg = ANSI_PALETTE[p - 30];
    else if (p >= 90 && p <= 97) s.fg = ANSI_PALETTE[p - 90 + 8];
    else if (p >= 40 && p <= 47) s.bg = ANSI_PALETTE[p - 40];
    else if (p >= 100 && p <= 107) s.bg = ANSI_PALETTE[p - 100 + 8];
    else if (p === 39) delete s.fg;
    else if (p === 49) delete s.bg;
    else if (p === 38 || p === 48) {
      const key = p === 38 ? 'fg' : 'bg';
      let c: string | undefined;
      if (params[i + 1] === 5) {
        c = color256(params[i + 2]);
        i += 2;
      } else if (params[i + 1] === 2) {
        c = rgb(params[i + 2], params[i + 3], params[i + 4]);
        i += 4;
      }
      if (c) s[key] = c;
    }
  }
  return s;
}

// CSI sequences (ESC [ params intermediates final), OSC (ESC ] … BEL/ST), and other two-byte escapes.
const ESC = String.fromCharCode(27);
const BEL = String.fromCharCode(7);
const ESCAPES = new RegExp(
  `${ESC}\\[([0-9;:?]*)[ -/]*([@-~])|${ESC}\\][^${BEL}${ESC}]*(?:${BEL}|${ESC}\\\\)?|${ESC}[@-Z\\\\-_]?`,
  'g',
);

/**
 * Splits a line into styled segments. `start` is the style carried over from the previous
 * line (programs often colour a multi-line block once); the style at the end is returned.
 */
export function parseAnsi(line: string, start: AnsiStyle = {}): { segments: AnsiSegment[]; end: AnsiStyle } {
  const segments: AnsiSegment[] = [];
  let style = start;
  let at = 0;
  const push = (text: string) => {
    if (!text) return;
    const last = segments[segments.length - 1];
    if (last && last.style === style) last.text += text;
    else segments.push({ text, style });
  };
  if (!line.includes(ESC)) {
    push(line);
    return { segments, end: style };
  }
  ESCAPES.lastIndex = 0;
  for (let m = ESCAPES.exec(line); m; m = ESCAPES.exec(line)) {
    push(line.slice(at, m.index));
    at = m.index + m[0].length;
    if (m[2] === 'm' && m[1] !== undefined && !m[1].includes('?')) {
      const params = m[1] === '' ? [] : m[1].split(/[;:]/).map((v) => (v === '' ? 0 : Number(v)));
      style = applySgr(style, params);
    }
  }
  push(line.slice(at));
  return { segments, end: style };
}

/** Text of a line without any escape sequence (what search and download see). */
export function stripAnsi(line: string): string {
  return line.includes(ESC) ? line.replace(ESCAPES, '') : line;
}

/** Inline CSS for a style: only palette colours or rgb() built from numbers above. */
export function ansiCss(style: AnsiStyle): Record<string, string> {
  const css: Record<string, string> = {};
  let fg = style.fg;
  let bg = style.bg;
  if (style.inverse) [fg, bg] = [bg ?? '#0f1115', fg ?? '#d6dae1'];
  if (fg) css.color = fg;
  if (bg) css.backgroundColor = bg;
  if (style.bold) css.fontWeight = '600';
  if (style.dim) css.opacity = '0.7';
  if (style.italic) css.fontStyle = 'italic';
  if (style.underline) css.textDecoration = 'underline';
  return css;
}
