import { describe, expect, it } from 'vitest';
import { ansiCss, parseAnsi, stripAnsi } from '../../../src-renderer/models/ansi';
import {
  compileSearch,
  matchRanges,
  prettyJson,
  splitTimestamp,
  timestampMs,
} from '../../../src-renderer/models/log';
import { cutMatches, renderLogLine } from '../../../src-renderer/models/log-render';

const E = '\u001b';

describe('ANSI parsing', () => {
  it('turns SGR codes into styles and drops every other escape sequence', () => {
    const { segments } = parseAnsi(
      `${E}[31mred${E}[0m plain ${E}[1;38;5;82mgreen${E}[m ${E}]0;title\u0007x ${E}[2Kz`,
    );
    expect(segments.map((s) => s.text)).toEqual(['red', ' plain ', 'green', ' x z']);
    expect(segments[0].style.fg).toBe('#f87171');
    expect(segments[1].style).toEqual({});
    expect(segments[2].style).toMatchObject({ bold: true, fg: 'rgb(95, 255, 0)' });
    expect(stripAnsi(`${E}[31mred${E}[0m`)).toBe('red');
  });

  it('supports truecolor, background, bright colours, resets of single attributes', () => {
    const { segments, end } = parseAnsi(`${E}[38;2;1;2;3;44mA${E}[39;92;4mB${E}[24;49mC`);
    expect(segments[0].style).toEqual({ fg: 'rgb(1, 2, 3)', bg: '#60a5fa' });
    expect(segments[1].style).toEqual({ fg: '#86efac', bg: '#60a5fa', underline: true });
    expect(segments[2].style).toEqual({ fg: '#86efac' });
    expect(end).toEqual({ fg: '#86efac' });
  });

  it('never lets a code produce arbitrary CSS: out-of-range colours are ignored', () => {
    const { segments } = parseAnsi(`${E}[38;2;999;0;0mX${E}[38;5;300mY`);
    expect(segments[0].style.fg).toBeUndefined();
    expect(ansiCss({ fg: '#fff', bold: true, inverse: true })).toEqual({
      color: '#0f1115',
      backgroundColor: '#fff',
      fontWeight: '600',
    });
  });

  it('keeps HTML as text: an <img onerror> line is one plain segment', () => {
    const line = '<img src=x onerror="window.__xss=1">';
    const r = renderLogLine(line);
    expect(r.segments).toEqual([{ text: line }]);
    expect(r.plain).toBe(line);
  });
});

describe('search', () => {
  it('compiles plain (escaped, case-insensitive) and regex searches and reports bad ones', () => {
    expect(matchRanges('a.b A.B axb', compileSearch('a.b').re)).toEqual([
      [0, 3],
      [4, 7],
    ]);
    expect(matchRanges('a1 b22 c', compileSearch('\\d+', true).re)).toEqual([
      [1, 2],
      [4, 6],
    ]);
    expect(compileSearch('(', true).error).toBeTruthy();
    expect(compileSearch('').re).toBeUndefined();
    // Zero-length matches don't loop forever.
    expect(matchRanges('abc', compileSearch('x*', true).re)).toEqual([]);
  });

  it('cuts coloured segments at match boundaries, keeping styles', () => {
    const red = { color: 'red' };
    expect(cutMatches([{ text: 'hello ', css: red }, { text: 'world' }], [[4, 8]])).toEqual([
      { text: 'hell', css: red },
      { text: 'o ', css: red, match: true },
      { text: 'wo', match: true },
      { text: 'rld' },
    ]);
    const r = renderLogLine(`${E}[32mGET${E}[0m /api 200`, { search: compileSearch('get /').re });
    expect(r.matches).toBe(1);
    expect(r.segments.filter((s) => s.match).map((s) => s.text)).toEqual(['GET', ' /']);
  });
});

describe('timestamps and JSON', () => {
  it('splits the kubelet timestamp and reads nanosecond timestamps', () => {
    expect(splitTimestamp('2024-05-01T10:20:30.123456789Z hello world')).toEqual({
      ts: '2024-05-01T10:20:30.123456789Z',
      text: 'hello world',
    });
    expect(splitTimestamp('no ts')).toEqual({ text: 'no ts' });
    expect(timestampMs('2024-05-01T10:20:30.5Z')).toBe(Date.parse('2024-05-01T10:20:30Z') + 500);
  });

  it('pretty-prints JSON lines and leaves others alone', () => {
    expect(prettyJson('{"level":"info","msg":"hi"}')).toBe('{\n  "level": "info",\n  "msg": "hi"\n}');
    expect(prettyJson('[1,2]')).toBe('[\n  1,\n  2\n]');
    expect(prettyJson('{not json}')).toBeUndefined();
    expect(prettyJson('plain')).toBeUndefined();
    const r = renderLogLine('2024-05-01T10:20:30Z {"a":1}', { json: true, timestamps: true });
    expect(r).toMatchObject({ ts: '2024-05-01T10:20:30Z', json: true, plain: '{\n  "a": 1\n}' });
    expect(renderLogLine('{"a":1}', { json: false }).json).toBe(false);
  });
});
