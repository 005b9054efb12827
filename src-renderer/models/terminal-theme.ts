/**
 * The shell terminal's colours (xterm's ITheme shape), one set per page theme: on light pages a
 * light paper with dark ink, on dark pages the log view's near-black; the 16 ANSI colours are
 * picked per background so `ls --color` stays readable on both.
 */

/** The subset of xterm's ITheme the panel sets (kept here so this file has no DOM import). */
export interface TerminalTheme {
  background: string;
  foreground: string;
  cursor: string;
  cursorAccent: string;
  selectionBackground: string;
  selectionInactiveBackground: string;
  scrollbarSliderBackground: string;
  scrollbarSliderHoverBackground: string;
  scrollbarSliderActiveBackground: string;
  black: string;
  red: string;
  green: string;
  yellow: string;
  blue: string;
  magenta: string;
  cyan: string;
  white: string;
  brightBlack: string;
  brightRed: string;
  brightGreen: string;
  brightYellow: string;
  brightBlue: string;
  brightMagenta: string;
  brightCyan: string;
  brightWhite: string;
}

const DARK: TerminalTheme = {
  background: '#0f1115',
  foreground: '#d6dae1',
  cursor: '#5b9dff',
  cursorAccent: '#0f1115',
  selectionBackground: 'rgba(91, 157, 255, 0.35)',
  selectionInactiveBackground: 'rgba(91, 157, 255, 0.2)',
  scrollbarSliderBackground: 'rgba(214, 218, 225, 0.18)',
  scrollbarSliderHoverBackground: 'rgba(214, 218, 225, 0.3)',
  scrollbarSliderActiveBackground: 'rgba(214, 218, 225, 0.4)',
  black: '#4b5563',
  red: '#f87171',
  green: '#4ade80',
  yellow: '#facc15',
  blue: '#60a5fa',
  magenta: '#e879f9',
  cyan: '#22d3ee',
  white: '#e5e7eb',
  brightBlack: '#9ca3af',
  brightRed: '#fca5a5',
  brightGreen: '#86efac',
  brightYellow: '#fde047',
  brightBlue: '#93c5fd',
  brightMagenta: '#f0abfc',
  brightCyan: '#67e8f9',
  brightWhite: '#ffffff',
};

const LIGHT: TerminalTheme = {
  background: '#fbfbfc',
  foreground: '#1f2328',
  cursor: '#2463eb',
  cursorAccent: '#fbfbfc',
  selectionBackground: 'rgba(36, 99, 235, 0.22)',
  selectionInactiveBackground: 'rgba(36, 99, 235, 0.12)',
  scrollbarSliderBackground: 'rgba(31, 35, 40, 0.15)',
  scrollbarSliderHoverBackground: 'rgba(31, 35, 40, 0.25)',
  scrollbarSliderActiveBackground: 'rgba(31, 35, 40, 0.35)',
  black: '#1f2328',
  red: '#c62828',
  green: '#1a7f37',
  yellow: '#9a6700',
  blue: '#2463eb',
  magenta: '#a626a4',
  cyan: '#0e7490',
  white: '#6e7781',
  brightBlack: '#57606a',
  brightRed: '#dc2626',
  brightGreen: '#15803d',
  brightYellow: '#b45309',
  brightBlue: '#1d4ed8',
  brightMagenta: '#9333ea',
  brightCyan: '#0891b2',
  brightWhite: '#8c959f',
};

export function terminalTheme(dark: boolean): TerminalTheme {
  return dark ? DARK : LIGHT;
}
