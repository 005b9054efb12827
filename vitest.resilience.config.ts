import { defineConfig } from 'vitest/config';

// Suites that disturb the whole machine (they stop dockerd): run alone, after everything else.
export default defineConfig({
  test: {
    // Prints at the end which suites skipped and why (a missing Docker, kubectl or Chromium).
    reporters: ['default', './test/helpers/skip-reporter.ts'],
    include: ['test/resilience/**/*.spec.ts'],
    testTimeout: 400_000,
    hookTimeout: 180_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
