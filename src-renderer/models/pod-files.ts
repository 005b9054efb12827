/**
 * The pod page's Files panel, pure: the URL of a container path on Skiff's files endpoint
 * (common/pod-files.ts), breadcrumbs, `ls -l`-style modes, the path typed into the path box
 * (relative to the folder shown, `..` resolved here since the server refuses it), the checks an
 * upload passes before it is sent (size limit, name), and the Status message of a failed answer.
 */
import {
  MAX_UPLOAD_BYTES,
  joinContainerPath,
  normalizeContainerPath,
  podFilesPath,
  type FileEntry,
  type FileList,
} from '@common/pod-files';
import { formatBytes } from './format';

export { MAX_UPLOAD_BYTES, joinContainerPath };
export type { FileEntry, FileList };

/** The files URL (path and query, no origin) of one container path. */
export function podFileUrl(namespace: string, pod: string, container: string, path: string): string {
  return `${podFilesPath(namespace, pod)}?${new URLSearchParams({ container, path })}`;
}

/** One step of the breadcrumb: its label and the folder it opens. */
export interface Crumb {
  label: string;
  path: string;
}

/** `/usr/local/bin` → `/`, `usr`, `local`, `bin`, each with the folder it opens. */
export function breadcrumbs(path: string): Crumb[] {
  const out: Crumb[] = [{ label: '/', path: '/' }];
  let at = '/';
  for (const seg of path.split('/').filter(Boolean)) {
    at = joinContainerPath(at, seg);
    out.push({ label: seg, path: at });
  }
  return out;
}

const TYPE_CHAR: Record<FileEntry['type'], string> = { directory: 'd', symlink: 'l', file: '-', other: '?' };

/** Permission bits as `ls -l` prints them: `drwxr-xr-x`, with setuid/setgid/sticky letters. */
export function formatMode(type: FileEntry['type'], mode: number): string {
  const rwx = (bits: number, special: boolean, letter: string) =>
    (bits & 4 ? 'r' : '-') +
    (bits & 2 ? 'w' : '-') +
    (special ? (bits & 1 ? letter : letter.toUpperCase()) : bits & 1 ? 'x' : '-');
  return (
    TYPE_CHAR[type] +
    rwx((mode >> 6) & 7, !!(mode & 0o4000), 's') +
    rwx((mode >> 3) & 7, !!(mode & 0o2000), 's') +
    rwx(mode & 7, !!(mode & 0o1000), 't')
  );
}

/** The size column: bytes for regular files, nothing for the others. */
export function formatFileSize(e: FileEntry): string {
  if (e.type !== 'file') return '';
  return e.size < 1024 ? `${e.size} B` : formatBytes(e.size);
}

/**
 * What the path box means: an absolute path, or one relative to the folder shown; `.` and `..`
 * are resolved (never above `/`), a trailing `/` and doubled slashes dropped.
 */
export function resolveTypedPath(cwd: string, typed: string): { path: string } | { error: string } {
  const t = typed.trim();
  if (!t) return { error: 'Type a path, e.g. /etc or ../lib' };
  if (t.includes('\0')) return { error: 'A path cannot contain NUL bytes.' };
  const segs: string[] = t.startsWith('/') ? [] : cwd.split('/').filter(Boolean);
  for (const s of t.split('/')) {
    if (!s || s === '.') continue;
    if (s === '..') segs.pop();
    else segs.push(s);
  }
  const norm = normalizeContainerPath('/' + segs.join('/'));
  return 'error' in norm ? { error: norm.error } : norm;
}

/** A file picked or dropped for upload: its name and size are all the checks need. */
export interface UploadCandidate {
  name: string;
  size: number;
}

/** Why a file cannot be uploaded, or undefined when it can. */
export function uploadProblem(f: UploadCandidate, max = MAX_UPLOAD_BYTES): string | undefined {
  if (!f.name || f.name === '.' || f.name === '..' || f.name.includes('/'))
    return `"${f.name}" is not a file name that can be written.`;
  if (f.size > max) {
    // Just over the limit rounds to the same unit: then the exact bytes tell them apart.
    let [size, limit] = [formatBytes(f.size), formatBytes(max)];
    if (size === limit)
      [size, limit] = [`${f.size.toLocaleString('en')} bytes`, `${max.toLocaleString('en')} bytes`];
    return `${f.name} is ${size}; uploads are limited to ${limit} (the kubelet builds the archive in memory).`;
  }
  return undefined;
}

/** The message of a failed files answer: the Status body's message, else the HTTP code in words. */
export function filesErrorMessage(status: number, body: string): string {
  try {
    const doc = JSON.parse(body) as { kind?: string; message?: string };
    if (doc && typeof doc.message === 'string' && doc.message) return doc.message;
  } catch {
    // Not JSON (a proxy's HTML page): fall through to the code.
  }
  if (status === 404) return 'Not found (HTTP 404).';
  if (status === 413) return `Too large (HTTP 413): uploads are limited to ${formatBytes(MAX_UPLOAD_BYTES)}.`;
  return `The server answered HTTP ${status}.`;
}

/** True for a directory listing (the endpoint answers a file's bytes otherwise). */
export function isFileList(doc: unknown): doc is FileList {
  return (
    !!doc &&
    typeof doc === 'object' &&
    (doc as FileList).kind === 'FileList' &&
    Array.isArray((doc as FileList).items)
  );
}
