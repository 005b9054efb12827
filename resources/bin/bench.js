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
});
await import(pathToFileURL(outfile).href);
