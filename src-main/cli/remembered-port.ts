/**
 * Ports remembered per data dir in `<dataDir>/skiff.json` (the file where the cluster keeps
 * its API port), so the dashboard URL — bookmarks, open tabs — survives a restart.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Reads one remembered port; undefined when the file or the key is missing or not a port. */
export function rememberedPort(dataDir: string, key: string): number | undefined {
  try {
    const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'skiff.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const v = state[key];
    return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 65535 ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Stores one port, keeping every other key of the file (the cluster's own state). */
export function rememberPort(dataDir: string, key: string, port: number): void {
  const file = path.join(dataDir, 'skiff.json');
  let state: Record<string, unknown> = {};
  try {
    state = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // First run: a new file.
  }
  if (state[key] === port) return;
  fs.writeFileSync(file, JSON.stringify({ ...state, [key]: port }, null, 2));
}

/** True for the error a listen gets when the port is taken. */
export function isAddressInUse(err: unknown): boolean {
  return (err as { code?: string })?.code === 'EADDRINUSE';
}
