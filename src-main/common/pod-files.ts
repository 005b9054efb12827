// The wire shape of Skiff's container files endpoint (/apis/skiff.dev/v1/…/pods/{name}/files), shared by the API server, the kubelet and the dashboard; pure types, paths and path checks.
/**
 * `GET /apis/skiff.dev/v1/namespaces/{ns}/pods/{name}/files?container=C&path=/etc` lists a
 * directory ({@link FileList}, JSON) or, for a regular file, answers its bytes
 * (`application/octet-stream`, the file itself, not a tar). `PUT …/files?container=C&path=/tmp/a.bin`
 * writes the request body as that file (201 + its {@link FileEntry}). The kubelet serves it through
 * the container engine's archive API, so the image needs no `tar` (unlike `kubectl cp`).
 *
 * It lives under Skiff's own group, outside discovery, rather than as a `pods/files`
 * subresource next to `pods/log` and `pods/exec`: clients that walk a pod's subresources (RBAC
 * tooling, `kubectl api-resources`) never meet a name that a real cluster does not serve.
 * Failures are Kubernetes Status bodies (400 for a bad path, 404 for a missing one).
 */

/** API group/version of Skiff's own endpoints. */
export const SKIFF_API_PREFIX = '/apis/skiff.dev/v1';

/** Largest upload the kubelet accepts (it builds the archive in memory). */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

/** Kind of a directory entry. */
export type FileType = 'file' | 'directory' | 'symlink' | 'other';

/** One entry of a directory (from the archive's tar headers). */
export interface FileEntry {
  name: string;
  type: FileType;
  /** Bytes (regular files; 0 for the others). */
  size: number;
  /** Permission bits, e.g. 0o755. */
  mode: number;
  /** RFC 3339 modification time. */
  mtime: string;
  /** Where a symlink points. */
  linkTarget?: string;
}

/** A directory listing, sorted: directories first, then by name. */
export interface FileList {
  kind: 'FileList';
  apiVersion: 'skiff.dev/v1';
  /** The normalized directory path. */
  path: string;
  items: FileEntry[];
}

/** The files URL of one pod (no query). */
export function podFilesPath(namespace: string, pod: string): string {
  return `${SKIFF_API_PREFIX}/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/files`;
}

/**
 * Checks and normalizes an absolute container path: `/a//b/` → `/a/b`. Returns an error
 * message for a relative path, a NUL byte, a `.`/`..` segment (no traversal, even though the
 * engine would clamp it at the root) or an over-long path.
 */
export function normalizeContainerPath(path: string): { path: string } | { error: string } {
  if (!path.startsWith('/')) return { error: `path must be absolute: "${path}"` };
  if (path.includes('\0')) return { error: 'path must not contain NUL bytes' };
  if (path.length > 4096) return { error: 'path is longer than 4096 bytes' };
  const segs = path.split('/').filter(Boolean);
  if (segs.some((s) => s === '.' || s === '..'))
    return { error: `path must not contain "." or ".." segments: "${path}"` };
  return { path: '/' + segs.join('/') };
}

/** The parent directory and last segment of a normalized path (`/` has no name). */
export function splitContainerPath(path: string): { dir: string; name: string } {
  const i = path.lastIndexOf('/');
  return { dir: i <= 0 ? '/' : path.slice(0, i), name: path.slice(i + 1) };
}

/** A child path of a normalized directory. */
export function joinContainerPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}
