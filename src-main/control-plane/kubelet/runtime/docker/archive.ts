// A container's files through the Docker engine's archive API (HEAD/GET/PUT /containers/{id}/archive); touches only the given container.
/**
 * The engine stats, tars and untars paths itself, from its view of the container's file
 * system, so images without `tar` (or without any shell) work — what `kubectl cp` cannot do.
 * Listing a directory reads the archive of that directory and keeps the headers of its direct
 * children, discarding the bodies (the engine has no one-level listing); downloading keeps the
 * body of the archive's single entry; uploading packs one entry and lets the engine extract it
 * into the parent directory.
 */
import type Docker from 'dockerode';
import { PassThrough, type Readable } from 'node:stream';
import tar from 'tar-stream';
import type { FileEntry, FileType } from '../../../../common/pod-files';
import type { ContainerFiles } from '../runtime';
import { hasStatus } from './engine-errors';

/** The engine's stat header, decoded. */
interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Bit `n` of a Go os.FileMode (beyond 32-bit-safe bitwise operators in JS for bit 31). */
const bit = (mode: number, n: number) => Math.floor(mode / 2 ** n) % 2 === 1;

/** A FileEntry from the engine's path stat (Go FileMode type bits → type, plus permissions). */
export function entryOfStat(stat: PathStat): FileEntry {
  // ModeDir 31, ModeSymlink 27; ModeDevice 26, ModeNamedPipe 25, ModeSocket 24,
  // ModeCharDevice 21, ModeIrregular 19 are the "other" kinds.
  const type: FileType = bit(stat.mode, 31)
    ? 'directory'
    : bit(stat.mode, 27)
      ? 'symlink'
      : [26, 25, 24, 21, 19].some((n) => bit(stat.mode, n))
        ? 'other'
        : 'file';
  return {
    name: stat.name,
    type,
    size: type === 'file' ? stat.size : 0,
    mode: stat.mode % 0o1000,
    mtime: new Date(stat.mtime).toISOString(),
    ...(stat.linkTarget ? { linkTarget: stat.linkTarget } : {}),
  };
}

function typeOfHeader(h: tar.Headers): FileType {
  if (h.type === 'file' || h.type === 'contiguous-file') return 'file';
  if (h.type === 'directory') return 'directory';
  if (h.type === 'symlink') return 'symlink';
  return 'other';
}

/** Sorts directories first, then by name (the listing order the dashboard shows). */
function byTypeThenName(a: FileEntry, b: FileEntry): number {
  const da = a.type === 'directory' ? 0 : 1;
  const db = b.type === 'directory' ? 0 : 1;
  return da - db || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * Collects the direct children of the archive's root entry. The engine names entries after
 * the requested path's base name (`etc/passwd` for /etc; `/bin/sh` or `./bin/sh` for /), so the
 * first entry's name is the prefix to strip.
 */
export function listArchive(archive: Readable): Promise<FileEntry[]> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    const found = new Map<string, FileEntry>();
    let root: string | undefined;
    extract.on('entry', (h: tar.Headers, body: PassThrough, next: (err?: unknown) => void) => {
      const name = h.name.replace(/\/+$/, '');
      if (root === undefined) root = name;
      else {
        const rel = root === '' || root === '.' ? name.replace(/^\.?\//, '') : name.slice(root.length + 1);
        if (rel && !rel.includes('/'))
          found.set(rel, {
            name: rel,
            type: typeOfHeader(h),
            size: typeOfHeader(h) === 'file' ? (h.size ?? 0) : 0,
            mode: (h.mode ?? 0) % 0o10000,
            mtime: (h.mtime ?? new Date(0)).toISOString(),
            ...(h.type === 'symlink' && h.linkname ? { linkTarget: h.linkname } : {}),
          });
        else if (rel.includes('/') && !found.has(rel.split('/')[0]!)) {
          // A child seen before its directory entry (not what the engine writes, but harmless).
          const dir = rel.split('/')[0]!;
          found.set(dir, {
            name: dir,
            type: 'directory',
            size: 0,
            mode: 0o755,
            mtime: new Date(0).toISOString(),
          });
        }
      }
      body.on('end', () => next());
      body.resume();
    });
    extract.on('finish', () => resolve([...found.values()].sort(byTypeThenName)));
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
}

/** The body of the archive's first regular file, as a stream; the rest of the archive is drained. */
export function firstFileOf(archive: Readable): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    let done = false;
    extract.on('entry', (h: tar.Headers, body: PassThrough, next: (err?: unknown) => void) => {
      if (!done && typeOfHeader(h) === 'file') {
        done = true;
        const out = new PassThrough();
        body.pipe(out);
        body.on('end', () => next());
        resolve(out);
        return;
      }
      body.on('end', () => next());
      body.resume();
    });
    extract.on('finish', () => {
      if (!done) reject(new Error('the archive holds no regular file'));
    });
    extract.on('error', (err: Error) => (done ? undefined : reject(err)));
    archive.on('error', (err: Error) => (done ? undefined : reject(err)));
    archive.pipe(extract);
  });
}

/** A one-entry tar of `data` named `name`. */
export function packFile(name: string, data: Buffer, mode: number, mtime: Date): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (c: Buffer) => chunks.push(c));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
    pack.entry({ name, size: data.length, mode, mtime, type: 'file' }, data, (err) => {
      if (err) reject(err);
      else pack.finalize();
    });
  });
}

/** ContainerFiles on the Docker engine. */
export class DockerContainerFiles implements ContainerFiles {
  constructor(private readonly docker: Docker) {}

  async stat(id: string, path: string): Promise<FileEntry | undefined> {
    let res: { headers: Record<string, string | string[] | undefined>; resume?: () => void };
    try {
      res = (await this.docker.getContainer(id).infoArchive({ path })) as typeof res;
    } catch (err) {
      if (hasStatus(err, 404)) return undefined;
      throw err;
    }
    res.resume?.();
    const raw = res.headers['x-docker-container-path-stat'];
    if (typeof raw !== 'string') throw new Error('the engine sent no path stat');
    return entryOfStat(JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as PathStat);
  }

  async list(id: string, dir: string): Promise<FileEntry[]> {
    // A trailing "/." makes the engine follow a symlinked directory (e.g. /bin → usr/bin).
    const path = dir === '/' ? '/' : `${dir}/.`;
    const archive = (await this.docker.getContainer(id).getArchive({ path })) as Readable;
    return listArchive(archive);
  }

  async read(id: string, path: string): Promise<Readable> {
    const archive = (await this.docker.getContainer(id).getArchive({ path })) as Readable;
    return firstFileOf(archive);
  }

  async write(id: string, dir: string, name: string, data: Buffer): Promise<void> {
    const archive = await packFile(name, data, 0o644, new Date());
    await this.docker.getContainer(id).putArchive(archive, { path: dir });
  }
}
