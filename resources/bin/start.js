#!/usr/bin/env node
// `npm start`: the desktop app. Where Electron cannot run (no display, or its binary cannot be
// downloaded) it says so in one line and runs serve mode instead.
import { createRequire } from 'node:module';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { ensureBuilt, root } = require('./ensure-built.cjs');
ensureBuilt();

function serveInstead(why) {
  console.log(`Electron cannot start here (${why}); running serve mode instead.`);
  const child = spawn(
    process.execPath,
    [path.join(root, 'resources', 'bin', 'skiff.js'), 'serve', ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}

function electronBinary() {
  const dir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  const existing = () => fs.existsSync(pathFile) && path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8'));
  let bin = existing();
  if (bin && fs.existsSync(bin)) return bin;
  // Electron downloads its runtime lazily; try once, quietly.
  const r = spawnSync(process.execPath, [path.join(dir, 'install.js')], {
    stdio: 'ignore',
    timeout: 180_000,
  });
  bin = r.status === 0 && existing();
  return bin && fs.existsSync(bin) ? bin : undefined;
}

if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  serveInstead('no display');
} else {
  const bin = electronBinary();
  if (!bin) serveInstead('its runtime binary could not be downloaded');
  else {
    const started = Date.now();
    const child = spawn(bin, [root, ...process.argv.slice(2)], { stdio: ['inherit', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      process.stderr.write(d);
    });
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
    child.on('exit', (code) => {
      if (code && Date.now() - started < 10_000)
        serveInstead(stderr.split('\n').find((l) => l.trim()) || `exit code ${code}`);
      else process.exit(code ?? 0);
    });
  }
}
