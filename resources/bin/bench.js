#!/usr/bin/env node
// `npm run bench -- <suite>`: bundles the benchmark TypeScript (test/bench/) with esbuild into
// out/bench/ and runs it. Benchmarks are dev tools: they need the dev dependencies installed.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { root } = require('./ensure-built.cjs');
let esbuild;
try {
  esbuild = require('esbuild');
} catch {
  console.error('bench: esbuild is not installed; run `npm ci` first.');
  process.exit(1);
}
const outfile = path.join(root, 'out', 'bench', 'main.mjs');
await esbuild.build({
  entryPoints: [path.join(root, 'test', 'bench', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
  // Shared test helpers use __dirname (vitest gives it); out/bench/../.. is the repo root as
  // test/helpers/../.. is, so the bundle defines it from its own location.
  banner: {
    js: "import { fileURLToPath as __skiffUrlToPath } from 'node:url'; const __dirname = __skiffUrlToPath(new URL('.', import.meta.url));",
  },
});
await import(pathToFileURL(outfile).href);
