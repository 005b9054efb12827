// The store: the kine-shaped Backend (embedded WAL+snapshot, memory, real etcd); only the API server imports it, and it imports only common/ and npm packages.
/**
 * Chooses a store backend by URL scheme, as kine does:
 * - `memory://` — the embedded store without a disk (tests);
 * - `wal:///abs/path` or a plain directory path — the embedded WAL store in that directory;
 * - `etcd://host:2379[,host2:2379]` — a real etcd over http; `etcd+https://…` (or TLS files
 *   in `opts.etcd`) for https; `http://` and `https://` URLs (kube-apiserver's --etcd-servers
 *   form, comma-separated) work too. The port defaults to 2379.
 * The backend is returned unstarted: call `start()`.
 */
import path from 'node:path';
import type { Backend } from './backend';
import { EtcdBackend, type EtcdBackendOptions, type EtcdTlsFiles } from './etcd-backend';
import { MemoryBackend, WalBackend, type WalBackendOptions } from './wal-backend';

export { MemoryBackend, WalBackend, type WalBackendOptions } from './wal-backend';
export { EtcdBackend, type EtcdBackendOptions, type EtcdTlsFiles } from './etcd-backend';
export * from './backend';

/** etcd settings that do not fit in the URL (kube-apiserver's --etcd-cafile, --etcd-prefix, ...). */
export type EtcdClientOptions = EtcdTlsFiles & Omit<EtcdBackendOptions, 'endpoints' | 'tls'>;

/** Options of openBackend: the embedded store's knobs, and `etcd` for etcd specs. */
export interface OpenBackendOptions extends WalBackendOptions {
  etcd?: EtcdClientOptions;
}

/** Opens (without starting) the backend named by `spec`. */
export function openBackend(spec: string, opts: OpenBackendOptions = {}): Backend {
  const { etcd, ...walOpts } = opts;
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(spec);
  if (!m) {
    if (!spec) throw new Error('store: empty backend spec');
    return new WalBackend(path.resolve(spec), walOpts);
  }
  const [, scheme, rest] = m;
  const s = scheme.toLowerCase();
  const isEtcd = ['etcd', 'etcd+http', 'etcd+https', 'http', 'https'].includes(s);
  if (!isEtcd && (etcd?.caFile || etcd?.certFile || etcd?.keyFile || etcd?.prefix !== undefined))
    throw new Error(`store: etcd TLS files or prefix were given, but ${spec} is not an etcd:// store`);
  switch (s) {
    case 'memory':
      return new MemoryBackend(walOpts);
    case 'wal':
    case 'file':
      if (!rest.startsWith('/'))
        throw new Error(`store: ${scheme}:// needs an absolute path (${scheme}:///abs/dir), got ${spec}`);
      return new WalBackend(decodeURIComponent(rest), walOpts);
    case 'etcd':
    case 'etcd+http':
    case 'etcd+https':
    case 'http':
    case 'https': {
      const { caFile, certFile, keyFile, ...rest2 } = etcd ?? {};
      const tls = s === 'etcd+https' || s === 'https' || !!(caFile || certFile || keyFile);
      if (tls && (s === 'etcd+http' || s === 'http'))
        throw new Error(`store: etcd TLS files were given for the plain-http store ${spec}`);
      return new EtcdBackend({
        ...rest2,
        endpoints: etcdEndpoints(spec, s.startsWith('etcd') ? rest : spec, tls),
        tls: { caFile, certFile, keyFile },
        clock: rest2.clock ?? opts.clock,
        logger: rest2.logger ?? opts.logger,
      });
    }
    default:
      throw new Error(
        `store: unknown backend scheme "${scheme}" in ${spec} (use a directory, wal:///dir, memory:// or etcd://host:port)`,
      );
  }
}

/**
 * `host[:port][,host[:port]]` (after etcd://) or `http(s)://host:port[,http(s)://host:port]`
 * → client URLs.
 */
function etcdEndpoints(spec: string, list: string, tls: boolean): string[] {
  const bad = (why: string) =>
    new Error(
      `store: bad etcd store "${spec}": ${why} (want etcd://host:port[,host:port] or etcd+https://…)`,
    );
  const parts = list.split(',').map((p) => p.trim());
  if (parts.some((p) => !p)) throw bad('empty endpoint');
  return parts.map((p) => {
    let hostPort = p;
    const url = /^(https?):\/\/(.*)$/i.exec(p);
    if (url) {
      if ((url[1].toLowerCase() === 'https') !== tls) throw bad('endpoints mix http and https');
      hostPort = url[2];
    }
    hostPort = hostPort.replace(/\/$/, '');
    const hp = /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?$/i.exec(hostPort);
    if (!hp) throw bad(`"${p}" is not host:port`);
    const port = hp[3] === undefined ? 2379 : Number(hp[3]);
    if (port < 1 || port > 65535) throw bad(`port ${hp[3]} out of range`);
    return `${tls ? 'https' : 'http'}://${hp[1]}:${port}`;
  });
}
