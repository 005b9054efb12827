import { describe, expect, it } from 'vitest';
import { KINDS } from '../../../src-renderer/models/kinds';
import { hiddenColumnsOf, parseHiddenColumns, toggleColumn } from '../../../src-renderer/models/columns';

const pods = KINDS.pods!;

describe('list columns (column picker)', () => {
  it('hides the kind defaults until the user chooses', () => {
    expect(hiddenColumnsOf(pods, {})).toEqual(['age', 'ip', 'cpuL', 'memL']);
    expect(hiddenColumnsOf(KINDS.deployments!, {})).toEqual([]);
  });

  it('keeps the saved choice per kind, dropping keys the kind does not have', () => {
    expect(hiddenColumnsOf(pods, { pods: ['node', 'gone'] })).toEqual(['node']);
    expect(hiddenColumnsOf(pods, { pods: [] })).toEqual([]);
  });

  it('toggles one column from the defaults, in column order, leaving other kinds alone', () => {
    const shown = toggleColumn(pods, { services: ['ports'] }, 'ip', true);
    expect(shown).toEqual({ services: ['ports'], pods: ['age', 'cpuL', 'memL'] });
    const hidden = toggleColumn(pods, shown, 'restarts', false);
    expect(hidden.pods).toEqual(['restarts', 'age', 'cpuL', 'memL']);
    expect(hiddenColumnsOf(pods, hidden)).toEqual(['restarts', 'age', 'cpuL', 'memL']);
  });

  it('ignores malformed stored preferences', () => {
    expect(parseHiddenColumns(null)).toEqual({});
    expect(parseHiddenColumns('not json')).toEqual({});
    expect(parseHiddenColumns('[1,2]')).toEqual({});
    expect(parseHiddenColumns('{"pods":["ip",3],"x":"y"}')).toEqual({ pods: ['ip'] });
  });
});
