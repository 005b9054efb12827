/**
 * Writing the kubeconfig that points kubectl at Skiff: cluster, context and user all named
 * `skiff`, mode 0600, optionally merged into an existing file (~/.kube/config) without
 * touching anyone else's entries.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { writePrivateFile } from './certs';

/** What a kubeconfig needs to reach the API server. */
export interface KubeconfigTarget {
  server: string;
  caPem: string;
  token: string;
}

interface Named {
  name: string;
  [k: string]: unknown;
}

const NAME = 'skiff';

function upsert(list: unknown, entry: Named): Named[] {
  const items = Array.isArray(list) ? (list as Named[]).filter((e) => e && e.name !== NAME) : [];
  return [...items, entry];
}

/**
 * Writes (or, with merge, updates) the kubeconfig at `file`. With merge=true the `skiff`
 * cluster/context/user entries are replaced and all others kept; current-context is set to
 * skiff only when the file had none.
 */
export function writeKubeconfig(file: string, target: KubeconfigTarget, opts: { merge: boolean }): void {
  let doc: Record<string, unknown> = {};
  if (opts.merge) {
    try {
      const parsed: unknown = YAML.parse(readFileSync(file, 'utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        doc = parsed as Record<string, unknown>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  doc.apiVersion ??= 'v1';
  doc.kind ??= 'Config';
  doc.preferences ??= {};
  doc.clusters = upsert(doc.clusters, {
    name: NAME,
    cluster: {
      server: target.server,
      'certificate-authority-data': Buffer.from(target.caPem).toString('base64'),
    },
  });
  doc.users = upsert(doc.users, { name: NAME, user: { token: target.token } });
  doc.contexts = upsert(doc.contexts, {
    name: NAME,
    context: { cluster: NAME, user: NAME, namespace: 'default' },
  });
  if (!opts.merge || !doc['current-context']) doc['current-context'] = NAME;
  mkdirSync(path.dirname(file), { recursive: true });
  writePrivateFile(file, YAML.stringify(doc));
}
