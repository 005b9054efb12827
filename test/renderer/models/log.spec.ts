import { describe, expect, it } from 'vitest';
import { countMatchingLines, splitMatches } from '../../../src-renderer/models/log';
import { appendChunk } from '../../../src-renderer/composables/use-pod-logs';

describe('log helpers', () => {
  it('splits a line around case-insensitive matches, keeping the original text', () => {
    expect(splitMatches('GET /a 200 get', 'get')).toEqual([
      { text: 'GET', match: true },
      { text: ' /a 200 ', match: false },
      { text: 'get', match: true },
    ]);
    expect(splitMatches('<img onerror=x>', '')).toEqual([{ text: '<img onerror=x>', match: false }]);
    expect(splitMatches('abc', 'zz')).toEqual([{ text: 'abc', match: false }]);
    expect(countMatchingLines(['a error', 'b', 'ERROR c'], 'error')).toBe(2);
  });

  it('assembles chunks into lines, carrying partial lines and capping the buffer', () => {
    let s = appendChunk([], '', 'one\ntw');
    expect(s).toEqual({ lines: ['one'], partial: 'tw' });
    s = appendChunk(s.lines, s.partial, 'o\r\nthree\n');
    expect(s).toEqual({ lines: ['one', 'two', 'three'], partial: '' });
    s = appendChunk(s.lines, s.partial, 'four\nfive\n', 3);
    expect(s.lines).toEqual(['three', 'four', 'five']);
  });
});
