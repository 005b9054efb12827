// Options of the etcd store backend (etcd-backend.ts): endpoints, key prefix, TLS files, timeouts, auto-compaction; imports only common/.
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';

/** Client certificate material for an etcd served over TLS (PEM files, as kube-apiserver's flags). */
export interface EtcdTlsFiles {
  /** CA bundle that signed etcd's serving certificate (default: the system roots). */
  caFile?: string;
  /** Client certificate, for etcd's --client-cert-auth. Needs keyFile. */
  certFile?: string;
  /** The client certificate's private key. Needs certFile. */
  keyFile?: string;
}

/** Options of {@link EtcdBackend}. */
export interface EtcdBackendOptions {
  /** Client URLs, `http://host:port` or `https://host:port` (all of one scheme). */
  endpoints: string[];
  /** Key prefix in etcd (default `/registry/`); must start with `/`. */
  prefix?: string;
  /** TLS client files for https endpoints. */
  tls?: EtcdTlsFiles;
  /** start() gives up (naming the endpoints) when etcd has not answered within this (default 10 s). */
  connectTimeoutMs?: number;
  /** Deadline of each unary request (default 10 s). */
  requestTimeoutMs?: number;
  /** A watch whose connection stays lost this long ends through onError (default 30 s). */
  watchReconnectTimeoutMs?: number;
  /** How often auto-compaction runs (default 60 s; 0 disables it). */
  compactionIntervalMs?: number;
  /** Auto-compaction keeps at least this many revisions (default 10,000)... */
  retainRevisions?: number;
  /** ...and at least this much time of history (default 5 minutes). */
  retainMs?: number;
  clock?: Clock;
  logger?: Logger;
}
