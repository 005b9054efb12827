import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@common': fileURLToPath(new URL('./src-main/common', import.meta.url)) } },
  test: {
    // Prints at the end which suites skipped and why (a missing Docker, kubectl or Chromium).
    reporters: ['default', './test/helpers/skip-reporter.ts'],
    include: ['test/**/*.spec.ts', 'src-main/**/*.spec.ts', 'src-renderer/**/*.spec.ts'],
    // Machine-wide resilience suites (they stop dockerd) run alone: vitest.resilience.config.ts.
    exclude: ['**/node_modules/**', 'test/resilience/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Docker- and kubectl-backed suites share one engine; keep files from stampeding it.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
