/** The Files panel model (models/pod-files.ts): URLs, breadcrumbs, modes, typed paths, upload checks. */
import { describe, expect, it } from 'vitest';
import {
  MAX_UPLOAD_BYTES,
  breadcrumbs,
  filesErrorMessage,
  formatFileSize,
  formatMode,
  isFileList,
  podFileUrl,
  resolveTypedPath,
  uploadProblem,
} from '../../../src-renderer/models/pod-files';

describe('pod files model', () => {
  it('builds the files URL with the container and path in the query', () => {
    expect(podFileUrl('my ns', 'web-1', 'app', '/tmp/a b.txt')).toBe(
      '/apis/skiff.dev/v1/namespaces/my%20ns/pods/web-1/files?container=app&path=%2Ftmp%2Fa+b.txt',
    );
  });

  it('splits a path into breadcrumbs, each opening its folder', () => {
    expect(breadcrumbs('/')).toEqual([{ label: '/', path: '/' }]);
    expect(breadcrumbs('/usr/local/bin')).toEqual([
      { label: '/', path: '/' },
      { label: 'usr', path: '/usr' },
      { label: 'local', path: '/usr/local' },
      { label: 'bin', path: '/usr/local/bin' },
    ]);
  });

  it('prints modes as ls -l does', () => {
    expect(formatMode('directory', 0o755)).toBe('drwxr-xr-x');
    expect(formatMode('file', 0o644)).toBe('-rw-r--r--');
    expect(formatMode('symlink', 0o777)).toBe('lrwxrwxrwx');
    expect(formatMode('directory', 0o1777)).toBe('drwxrwxrwt');
    expect(formatMode('file', 0o4755)).toBe('-rwsr-xr-x');
    expect(formatMode('file', 0o2644)).toBe('-rw-r-Sr--');
    expect(formatMode('other', 0o600)).toBe('?rw-------');
  });

  it('shows sizes for regular files only', () => {
    const e = { name: 'a', mode: 0o644, mtime: '' };
    expect(formatFileSize({ ...e, type: 'file', size: 12 })).toBe('12 B');
    expect(formatFileSize({ ...e, type: 'file', size: 3 * 1024 * 1024 })).toBe('3 MiB');
    expect(formatFileSize({ ...e, type: 'directory', size: 4096 })).toBe('');
  });

  it('resolves a typed path against the folder shown', () => {
    expect(resolveTypedPath('/usr/local', '/etc/')).toEqual({ path: '/etc' });
    expect(resolveTypedPath('/usr/local', 'bin')).toEqual({ path: '/usr/local/bin' });
    expect(resolveTypedPath('/usr/local', '../lib//x/.')).toEqual({ path: '/usr/lib/x' });
    expect(resolveTypedPath('/usr', '../../..')).toEqual({ path: '/' });
    expect(resolveTypedPath('/', '  ')).toHaveProperty('error');
    expect(resolveTypedPath('/', 'a\0b')).toEqual({ error: 'A path cannot contain NUL bytes.' });
    expect(resolveTypedPath('/', '/' + 'x'.repeat(5000))).toEqual({
      error: 'path is longer than 4096 bytes',
    });
  });

  it('refuses uploads over the limit with a message naming both sizes', () => {
    expect(uploadProblem({ name: 'ok.bin', size: MAX_UPLOAD_BYTES })).toBeUndefined();
    expect(uploadProblem({ name: 'big.iso', size: 300 * 1024 * 1024 })).toBe(
      'big.iso is 300 MiB; uploads are limited to 256 MiB (the kubelet builds the archive in memory).',
    );
    expect(uploadProblem({ name: 'x', size: 11 }, 10)).toMatch(/limited to 10 B/);
    expect(uploadProblem({ name: 'edge.bin', size: MAX_UPLOAD_BYTES + 1 })).toBe(
      'edge.bin is 268,435,457 bytes; uploads are limited to 268,435,456 bytes (the kubelet builds the archive in memory).',
    );
    expect(uploadProblem({ name: '..', size: 1 })).toMatch(/not a file name/);
  });

  it('reads the Status message of a failed answer, else names the code', () => {
    const status = JSON.stringify({ kind: 'Status', code: 404, message: 'no such file or directory: /nope' });
    expect(filesErrorMessage(404, status)).toBe('no such file or directory: /nope');
    expect(filesErrorMessage(404, '<html>')).toBe('Not found (HTTP 404).');
    expect(filesErrorMessage(413, '')).toMatch(/limited to 256 MiB/);
    expect(filesErrorMessage(502, '{}')).toBe('The server answered HTTP 502.');
  });

  it('tells a listing from other JSON', () => {
    expect(isFileList({ kind: 'FileList', apiVersion: 'skiff.dev/v1', path: '/', items: [] })).toBe(true);
    expect(isFileList({ kind: 'Status' })).toBe(false);
    expect(isFileList(null)).toBe(false);
  });
});
