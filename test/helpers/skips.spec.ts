import { describe, expect, it } from 'vitest';
import { isCi } from './ci';
import { skipSummary } from './skips';

describe('CI parsing', () => {
  it('any truthy CI counts, like CI=true', () => {
    for (const v of ['true', 'TRUE', '1', 'yes', 'on', 'github-actions', ' true '])
      expect(isCi({ CI: v }), v).toBe(true);
  });
  it('unset, empty and false-like values do not', () => {
    expect(isCi({})).toBe(false);
    for (const v of ['', ' ', '0', 'false', 'False', 'no', 'off']) expect(isCi({ CI: v }), v).toBe(false);
  });
});

describe('skip summary', () => {
  it('lists each skipped file with its reasons, once, and leaves out files that ran', () => {
    const lines = skipSummary(
      [
        { file: 'test/e2e/dashboard.spec.ts', reason: 'Chromium is missing at /usr/bin/chromium' },
        { file: 'test/e2e/dashboard.spec.ts', reason: 'the Docker engine is not reachable' },
        { file: 'test/e2e/dashboard.spec.ts', reason: 'the Docker engine is not reachable' },
        { file: 'test/a.spec.ts', reason: 'kubectl is not on PATH' },
        // Recorded, but the file still ran (e.g. an optional check): not a skipped suite.
        { file: 'test/ran.spec.ts', reason: 'kubectl is not on PATH' },
      ],
      [
        { file: 'test/e2e/dashboard.spec.ts', total: 4, skipped: 4 },
        { file: 'test/a.spec.ts', total: 3, skipped: 1 },
        { file: 'test/ran.spec.ts', total: 2, skipped: 0 },
        { file: 'test/b.spec.ts', total: 2, skipped: 2 },
      ],
    );
    expect(lines).toEqual([
      'Skipped suites (3) — these did not run here, so a green run does not cover them:',
      '  test/a.spec.ts (1 of 3 tests): kubectl is not on PATH',
      '  test/b.spec.ts (all 2 tests): no reason recorded (describe.skip / it.skip)',
      '  test/e2e/dashboard.spec.ts (all 4 tests): Chromium is missing at /usr/bin/chromium; the Docker engine is not reachable',
      'Install what they need (see README, "Run the tests"), or set CI=1 to make a missing tool fail the run.',
    ]);
  });
  it('names a failed suite hook as the reason its tests never ran', () => {
    const lines = skipSummary(
      [],
      [
        {
          file: 'test/net.spec.ts',
          total: 6,
          skipped: 6,
          suiteErrors: ['network agent did not answer on 127.0.0.1:32778\n    at waitAgentReady'],
        },
      ],
    );
    expect(lines[1]).toBe(
      '  test/net.spec.ts (all 6 tests): a suite hook (beforeAll/afterAll) failed, so its tests never ran: network agent did not answer on 127.0.0.1:32778',
    );
  });
  it('says so when nothing skipped', () => {
    expect(skipSummary([], [{ file: 'x.spec.ts', total: 1, skipped: 0 }])).toEqual([
      'No test suites were skipped.',
    ]);
  });
});
