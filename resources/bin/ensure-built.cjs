// Builds Skiff (electron-vite: main + CLI, preload, renderer) when out/ is missing or older
// than the sources, so `npx skiff serve` and `npm start` work straight after `npm ci`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..', '..');

function newest(dir) {
  let t = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

function ensureBuilt() {
  const outputs = ['out/main/skiff.js', 'out/main/index.js', 'out/renderer/index.html'].map((f) =>
    path.join(root, f),
  );
  let built = Infinity;
  for (const f of outputs) {
    try {
      built = Math.min(built, fs.statSync(f).mtimeMs);
    } catch {
      built = 0;
    }
  }
  const sources = Math.max(
    newest(path.join(root, 'src-main')),
    newest(path.join(root, 'src-renderer')),
    fs.statSync(path.join(root, 'electron.vite.config.ts')).mtimeMs,
  );
  if (built >= sources) return;
  const bin = path.join(root, 'node_modules', '.bin', 'electron-vite');
  if (!fs.existsSync(bin)) {
    if (built > 0) return; // an installed copy without dev tools: run what was shipped
    console.error('skiff: out/ is missing and electron-vite is not installed; run `npm ci` first.');
    process.exit(1);
  }
  process.stderr.write('skiff: building (first run or sources changed)…\n');
  const r = spawnSync(bin, ['build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    console.error('skiff: build failed');
    process.exit(1);
  }
}

module.exports = { ensureBuilt, root };
