/**
 * A vitest reporter that prints, after the run, which spec files skipped tests and why
 * (reasons recorded by test/helpers/skips.ts in the test workers), so `npm test` without
 * Docker, kubectl or Chromium does not look fully green.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import { SKIP_LOG_ENV, skipSummary, type ModuleOutcome, type SkipRecord } from './skips';

export default class SkipReporter implements Reporter {
  private log = '';

  onInit(): void {
    // Set before the workers start, so they inherit it.
    this.log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-skips-')), 'skips.jsonl');
    fs.writeFileSync(this.log, '');
    process.env[SKIP_LOG_ENV] = this.log;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const root = path.resolve(__dirname, '..', '..');
    const modules: ModuleOutcome[] = testModules.map((m) => {
      const tests = [...m.children.allTests()];
      return {
        file: path.relative(root, m.moduleId),
        total: tests.length,
        skipped: tests.filter((t) => t.result().state === 'skipped').length,
        suiteErrors: [m, ...m.children.allSuites()].flatMap((s) => s.errors().map((e) => e.message)),
      };
    });
    let records: SkipRecord[] = [];
    try {
      records = fs
        .readFileSync(this.log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as SkipRecord);
    } catch {
      // No worker wrote a reason.
    }
    fs.rmSync(path.dirname(this.log), { recursive: true, force: true });
    process.stdout.write('\n' + skipSummary(records, modules).join('\n') + '\n');
  }
}
