/**
 * Why suites skip, collected for the summary `npm test` prints at the end
 * (test/helpers/skip-reporter.ts). The helpers that check for Docker, kubectl and Chromium call
 * `needTool`: in CI a missing tool throws (the suite fails); locally the suite skips and the
 * reason is appended to the file the reporter named in SKIFF_SKIP_LOG.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { isCi } from './ci';

/** One recorded reason: the spec file (relative to the repository) and why it skips. */
export interface SkipRecord {
  file: string;
  reason: string;
}

/** Environment variable naming the JSON-lines file the reporter reads. */
export const SKIP_LOG_ENV = 'SKIFF_SKIP_LOG';

const ROOT = path.resolve(__dirname, '..', '..');

/** Returns `ok`; when false, fails in CI or records `reason` for the end-of-run summary. */
export function needTool(ok: boolean, reason: string): boolean {
  if (ok) return true;
  if (isCi()) throw new Error(`CI is set (CI=${process.env.CI}) but ${reason}`);
  recordSkip(reason);
  return false;
}

/** Records why the current spec file skips (no-op outside a vitest run with the reporter). */
export function recordSkip(reason: string): void {
  const log = process.env[SKIP_LOG_ENV];
  if (!log) return;
  const testPath = expect.getState().testPath;
  const file = testPath ? path.relative(ROOT, testPath) : '(unknown file)';
  fs.appendFileSync(log, JSON.stringify({ file, reason } satisfies SkipRecord) + '\n');
}

/** What the reporter knows about one spec file after the run. */
export interface ModuleOutcome {
  file: string;
  total: number;
  skipped: number;
  /** Errors of the file's suites themselves (a beforeAll/afterAll that threw), not of tests. */
  suiteErrors?: string[];
}

/**
 * The end-of-run lines: each spec file with skipped tests and its reasons (deduplicated),
 * files that ran fully are left out, and reasons of files that still ran are dropped.
 */
export function skipSummary(records: SkipRecord[], modules: ModuleOutcome[]): string[] {
  const reasons = new Map<string, string[]>();
  for (const r of records) {
    const list = reasons.get(r.file) ?? [];
    if (!list.includes(r.reason)) list.push(r.reason);
    reasons.set(r.file, list);
  }
  const skipped = modules
    .filter((m) => m.skipped > 0)
    .sort((a, b) => a.file.localeCompare(b.file))
    .map((m) => {
      const hook = m.suiteErrors?.[0]?.split('\n')[0]?.slice(0, 200);
      const why =
        reasons.get(m.file)?.join('; ') ??
        (hook
          ? `a suite hook (beforeAll/afterAll) failed, so its tests never ran: ${hook}`
          : 'no reason recorded (describe.skip / it.skip)');
      const count = m.skipped === m.total ? `all ${m.total} tests` : `${m.skipped} of ${m.total} tests`;
      return `  ${m.file} (${count}): ${why}`;
    });
  if (!skipped.length) return ['No test suites were skipped.'];
  return [
    `Skipped suites (${skipped.length}) — these did not run here, so a green run does not cover them:`,
    ...skipped,
    'Install what they need (see README, "Run the tests"), or set CI=1 to make a missing tool fail the run.',
  ];
}
