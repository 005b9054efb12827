// The store: the kine-shaped Backend (embedded WAL+snapshot, memory, real etcd); only the API server imports it, and it imports only common/.
/**
 * Chooses a store backend by URL scheme, as kine does:
 * - `memory://` — the embedded store without a disk (tests);
 * - `wal:///abs/path` or a plain directory path — the embedded WAL store in that directory;
 * - `etcd://…` — a real etcd (a later issue; rejected for now with a clear message).
 * The backend is returned unstarted: call `start()`.
 */
import path from 'node:path';
import type { Backend } from './backend';
import { MemoryBackend, WalBackend, type WalBackendOptions } from './wal-backend';

export { MemoryBackend, WalBackend, type WalBackendOptions } from './wal-backend';
export * from './backend';

/** Opens (without starting) the backend named by `spec`. */
export function openBackend(spec: string, opts: WalBackendOptions = {}): Backend {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(spec);
  if (!m) {
    if (!spec) throw new Error('store: empty backend spec');
    return new WalBackend(path.resolve(spec), opts);
  }
  const [, scheme, rest] = m;
  switch (scheme.toLowerCase()) {
    case 'memory':
      return new MemoryBackend(opts);
    case 'wal':
    case 'file':
      if (!rest.startsWith('/'))
        throw new Error(`store: ${scheme}:// needs an absolute path (${scheme}:///abs/dir), got ${spec}`);
      return new WalBackend(decodeURIComponent(rest), opts);
    case 'etcd':
    case 'http':
    case 'https':
      throw new Error(`store: the etcd backend (${spec}) is not available in this version of Skiff`);
    default:
      throw new Error(
        `store: unknown backend scheme "${scheme}" in ${spec} (use a directory, wal:///dir or memory://)`,
      );
  }
}
