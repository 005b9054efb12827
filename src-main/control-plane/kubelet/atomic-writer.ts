/**
 * Writes a volume's files so that a reader never sees a half-updated set, as the kubelet's
 * AtomicWriter (pkg/volume/util/atomic_writer.go): the payload goes into a fresh hidden
 * timestamped directory, the `..data` symlink is swapped to it with one rename, and each
 * top-level name is a symlink through `..data` (`token -> ..data/token`). A reader that opens
 * `token` gets either the old file or the new one, never a mix of old and new files or a torn
 * write. Nothing is written when the payload is unchanged.
 */
import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
  chmod,
} from 'node:fs/promises';
import path from 'node:path';

/** One file of a payload: its bytes and mode. */
export interface PayloadFile {
  data: Buffer;
  mode: number;
}

const DATA_DIR = '..data';
const DATA_TMP = '..data_tmp';

/** Clean relative paths only: no absolute paths, no `..` elements, no hidden `..` names. */
function validPath(rel: string): boolean {
  if (!rel || path.isAbsolute(rel)) return false;
  const parts = rel.split('/');
  return parts.every((p) => p !== '' && p !== '.' && p !== '..') && !parts[0]!.startsWith('..');
}

async function sameAsCurrent(dataDir: string, files: Map<string, PayloadFile>): Promise<boolean> {
  try {
    const have = await listFiles(dataDir);
    if (have.length !== files.size) return false;
    for (const [rel, f] of files) {
      const p = path.join(dataDir, rel);
      const st = await stat(p);
      if ((st.mode & 0o777) !== (f.mode & 0o777)) return false;
      if (!(await readFile(p)).equals(f.data)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(path.join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out;
}

/** Makes `dir` show exactly `files` (relative paths), atomically. Returns whether it wrote. */
export async function writeAtomically(dir: string, payload: Map<string, PayloadFile>): Promise<boolean> {
  const files = new Map([...payload].filter(([rel]) => validPath(rel)));
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const dataLink = path.join(dir, DATA_DIR);
  const oldTarget = await readlink(dataLink).catch(() => undefined);
  let wrote = false;
  if (!oldTarget || !(await sameAsCurrent(path.join(dir, oldTarget), files))) {
    // 1. The new payload in a fresh timestamped directory.
    const stamp = new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '');
    const tsDir = await mkdtemp(path.join(dir, `..${stamp}.`));
    await chmod(tsDir, 0o755);
    for (const [rel, f] of files) {
      const p = path.join(tsDir, rel);
      await mkdir(path.dirname(p), { recursive: true, mode: 0o755 });
      await writeFile(p, f.data, { mode: f.mode & 0o777 });
      await chmod(p, f.mode & 0o777);
    }
    // 2. Swap `..data` to it in one rename.
    const tmp = path.join(dir, DATA_TMP);
    await rm(tmp, { force: true });
    await symlink(path.basename(tsDir), tmp);
    await rename(tmp, dataLink);
    // 3. The old payload goes once nothing points at it.
    if (oldTarget && oldTarget !== path.basename(tsDir))
      await rm(path.join(dir, oldTarget), { recursive: true, force: true });
    wrote = true;
  }
  // 4. User-visible names: a symlink per top-level entry through `..data`; anything else goes
  // (files of a payload written before this layout, keys that were removed).
  const top = new Set([...files.keys()].map((k) => k.split('/')[0]!));
  for (const name of top) {
    const p = path.join(dir, name);
    const want = path.join(DATA_DIR, name);
    const st = await lstat(p).catch(() => undefined);
    if (st?.isSymbolicLink() && (await readlink(p)) === want) continue;
    if (st) await rm(p, { recursive: true, force: true });
    await symlink(want, p);
    wrote = true;
  }
  const current = path.basename((await readlink(dataLink).catch(() => '')) || '');
  for (const e of await readdir(dir)) {
    if (top.has(e) || e === DATA_DIR || e === current) continue;
    await rm(path.join(dir, e), { recursive: true, force: true });
    wrote = true;
  }
  return wrote;
}
