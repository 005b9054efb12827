#!/usr/bin/env node
// The `skiff` command (package.json "bin"): builds if needed, then runs the CLI bundle.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { ensureBuilt, root } = require('./ensure-built.cjs');
ensureBuilt();
await import(pathToFileURL(path.join(root, 'out', 'main', 'skiff.js')).href);
