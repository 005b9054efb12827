// The kubelet's `/files/{ns}/{pod}/{container}?path=` handler (Skiff's files endpoint, common/pod-files.ts): listing, download and upload on the runtime's ContainerFiles.
import type http from 'node:http';
import {
  MAX_UPLOAD_BYTES,
  joinContainerPath,
  normalizeContainerPath,
  splitContainerPath,
  type FileEntry,
  type FileList,
} from '../../common/pod-files';
import type { ContainerFiles } from './runtime/runtime';

/** A failure answered as a Status. */
export class FilesError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const notFound = (path: string) =>
  new FilesError(404, 'NotFound', `path "${path}" not found in the container`);

/** Where a symlink points, as an absolute path (one level, relative links taken from its directory). */
function linkPath(path: string, entry: FileEntry): string | undefined {
  const t = entry.linkTarget;
  if (!t) return undefined;
  const abs = t.startsWith('/') ? t : joinContainerPath(splitContainerPath(path).dir, t);
  // Resolve `.`/`..` of the link text the way the file system would.
  const out: string[] = [];
  for (const s of abs.split('/')) {
    if (!s || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return '/' + out.join('/');
}

/** Answers one GET (list or download) or PUT (upload) for a resolved container. */
export async function serveFiles(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  files: ContainerFiles,
  id: string,
  rawPath: string | null,
): Promise<void> {
  if (rawPath === null) throw new FilesError(400, 'BadRequest', 'the path parameter is required');
  const norm = normalizeContainerPath(rawPath);
  if ('error' in norm) throw new FilesError(400, 'BadRequest', norm.error);
  const path = norm.path;
  if (req.method === 'PUT') return upload(req, res, files, id, path);
  if (req.method !== 'GET') throw new FilesError(405, 'MethodNotAllowed', `method ${req.method} not allowed`);

  let target = path;
  let entry = await files.stat(id, path);
  if (!entry) throw notFound(path);
  if (entry.type === 'symlink') {
    // A symlinked directory is listed; a symlinked file is read from its target.
    const dest = linkPath(path, entry);
    const followed = dest ? await files.stat(id, dest) : undefined;
    if (!followed) throw new FilesError(404, 'NotFound', `symlink "${path}" points to a missing path`);
    if (followed.type === 'symlink')
      throw new FilesError(400, 'BadRequest', `symlink "${path}" points to another symlink: open ${dest}`);
    entry = followed;
    target = dest!;
  }
  if (entry.type === 'directory') {
    const list: FileList = {
      kind: 'FileList',
      apiVersion: 'skiff.dev/v1',
      path,
      items: await files.list(id, target),
    };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
    res.end(JSON.stringify(list));
    return;
  }
  if (entry.type !== 'file')
    throw new FilesError(400, 'BadRequest', `"${path}" is not a regular file or a directory`);
  const body = await files.read(id, target);
  const name = splitContainerPath(target).name;
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': entry.size,
    'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
    'Cache-Control': 'no-cache',
  });
  res.on('close', () => body.destroy());
  body.on('error', () => res.destroy());
  body.pipe(res);
}

async function upload(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  files: ContainerFiles,
  id: string,
  path: string,
): Promise<void> {
  const { dir, name } = splitContainerPath(path);
  if (!name) throw new FilesError(400, 'BadRequest', 'the path must name a file, not the root directory');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > MAX_UPLOAD_BYTES) {
    req.resume();
    throw tooLarge();
  }
  const parent = await files.stat(id, dir);
  if (!parent) {
    req.resume();
    throw new FilesError(404, 'NotFound', `directory "${dir}" not found in the container`);
  }
  const existing = await files.stat(id, path);
  if (existing?.type === 'directory') {
    req.resume();
    throw new FilesError(409, 'Conflict', `"${path}" is a directory`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_UPLOAD_BYTES) {
      req.destroy();
      throw tooLarge();
    }
    chunks.push(c as Buffer);
  }
  await files.write(id, dir, name, Buffer.concat(chunks));
  const written = await files.stat(id, path);
  res.writeHead(201, { 'Content-Type': 'application/json' });
  res.end(
    JSON.stringify(written ?? { name, type: 'file', size, mode: 0o644, mtime: new Date().toISOString() }),
  );
}

function tooLarge(): FilesError {
  return new FilesError(
    413,
    'RequestEntityTooLarge',
    `the file is larger than the ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB upload limit`,
  );
}
