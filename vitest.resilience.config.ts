import { defineConfig } from 'vitest/config';

// Suites that disturb the whole machine (they stop dockerd): run alone, after everything else.
export default defineConfig({
  test: {
    include: ['test/resilience/**/*.spec.ts'],
    testTimeout: 400_000,
    hookTimeout: 180_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
