// Test helper: bundles store-child.ts with esbuild (the repo's way to run TypeScript outside vitest, as resources/bin/bench.js does) and spawns it as a real process; touches only a temporary folder.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

let bundled: Promise<string> | undefined;

/** Bundles the child script once per test process; resolves to the .mjs path. */
export function storeChildScript(): Promise<string> {
  bundled ??= (async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-store-child-'));
    const outfile = path.join(outDir, 'store-child.mjs');
    await build({
      entryPoints: [path.join(__dirname, 'store-child.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    process.once('exit', () => fs.rmSync(outDir, { recursive: true, force: true }));
    return outfile;
  })();
  return bundled;
}

/** A running child: its stdout as complete lines, and ways to wait for and stop it. */
export interface StoreChild {
  child: ChildProcess;
  /** Every complete stdout line so far. */
  lines: string[];
  stderr(): string;
  /** Resolves with the first line matching `re` (already seen or future); rejects on exit/timeout. */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Called with each complete line as it arrives. */
  onLine(fn: (line: string) => void): void;
}

/** Spawns the bundled child with `args` (see store-child.ts for the modes). */
export async function spawnStoreChild(args: string[]): Promise<StoreChild> {
  const script = await storeChildScript();
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  let partial = '';
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    const parts = (partial + d).split('\n');
    partial = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      for (const fn of listeners) fn(l);
    }
  });
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  // stdout may still hold lines when 'exit' fires; 'close' comes after the streams end.
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    child,
    lines,
    stderr: () => err,
    exited: exited.then(async (r) => {
      await closed;
      return r;
    }),
    onLine: (fn) => listeners.push(fn),
    waitFor(re, ms = 10_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`child: no line matching ${re} in ${ms} ms; stderr: ${err}`)),
          ms,
        );
        listeners.push((l) => {
          if (re.test(l)) {
            clearTimeout(timer);
            resolve(l);
          }
        });
        void closed.then(() => {
          clearTimeout(timer);
          reject(new Error(`child exited before ${re}: ${lines.join('\n')}\nstderr: ${err}`));
        });
      });
    },
  };
}
