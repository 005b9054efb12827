/**
 * Kubeconfig files as kubectl reads them: $KUBECONFIG (a path list) or ~/.kube/config, plus the
 * files added in the dashboard's Settings, merged with kubectl's rule — for clusters, users and
 * contexts the first file that names an entry wins, and current-context comes from the first
 * file that sets it. Relative file paths (certificate-authority, client-certificate,
 * client-key, tokenFile, exec command) resolve against the file that declared them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface ExecEnvVar {
  name: string;
  value: string;
}

/** `users[].user.exec`: a client-go credential plugin. */
export interface ExecConfig {
  apiVersion: string;
  command: string;
  args: string[];
  env: ExecEnvVar[];
  provideClusterInfo: boolean;
  /** Folder of the kubeconfig that declared it (relative commands resolve here). */
  baseDir: string;
}

export interface KubeCluster {
  server: string;
  certificateAuthority?: string;
  certificateAuthorityData?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  /** `extensions[name=client.authentication.k8s.io/exec].extension`, for provideClusterInfo. */
  execExtension?: unknown;
}

export interface KubeUser {
  token?: string;
  tokenFile?: string;
  clientCertificate?: string;
  clientCertificateData?: string;
  clientKey?: string;
  clientKeyData?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
}

export interface KubeContext {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
  /** The file the context came from. */
  source: string;
}

export interface MergedKubeconfig {
  currentContext?: string;
  contexts: Map<string, KubeContext>;
  clusters: Map<string, KubeCluster>;
  users: Map<string, KubeUser>;
  /** Files that could not be read or parsed (missing files are skipped silently, as kubectl). */
  errors: { file: string; message: string }[];
}

/** The kubeconfig files kubectl would read: $KUBECONFIG's list, else ~/.kube/config. */
export function defaultKubeconfigFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = env.KUBECONFIG?.split(path.delimiter).filter(Boolean) ?? [];
  if (list.length) return [...new Set(list.map((f) => path.resolve(f)))];
  return [path.join(env.HOME || os.homedir(), '.kube', 'config')];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const abs = (base: string, p: string | undefined) => (p ? path.resolve(base, p) : undefined);

function named(list: unknown, key: string): [string, Obj][] {
  if (!Array.isArray(list)) return [];
  const out: [string, Obj][] = [];
  for (const e of list) {
    if (!isObj(e) || !str(e.name)) continue;
    out.push([e.name as string, isObj(e[key]) ? (e[key] as Obj) : {}]);
  }
  return out;
}

function parseCluster(c: Obj, base: string): KubeCluster {
  const ext = Array.isArray(c.extensions)
    ? (c.extensions as unknown[]).find((e) => isObj(e) && e.name === 'client.authentication.k8s.io/exec')
    : undefined;
  return {
    server: str(c.server) ?? '',
    certificateAuthority: abs(base, str(c['certificate-authority'])),
    certificateAuthorityData: str(c['certificate-authority-data']),
    insecureSkipTlsVerify: c['insecure-skip-tls-verify'] === true,
    tlsServerName: str(c['tls-server-name']),
    execExtension: isObj(ext) ? ext.extension : undefined,
  };
}

function parseUser(u: Obj, base: string): KubeUser {
  let exec: ExecConfig | undefined;
  if (isObj(u.exec) && str(u.exec.command)) {
    const e = u.exec;
    exec = {
      apiVersion: str(e.apiVersion) ?? 'client.authentication.k8s.io/v1',
      command: e.command as string,
      args: Array.isArray(e.args) ? e.args.map(String) : [],
      env: Array.isArray(e.env)
        ? e.env.filter(isObj).map((v) => ({ name: String(v.name ?? ''), value: String(v.value ?? '') }))
        : [],
      provideClusterInfo: e.provideClusterInfo === true,
      baseDir: base,
    };
  }
  return {
    token: str(u.token),
    tokenFile: abs(base, str(u.tokenFile)),
    clientCertificate: abs(base, str(u['client-certificate'])),
    clientCertificateData: str(u['client-certificate-data']),
    clientKey: abs(base, str(u['client-key'])),
    clientKeyData: str(u['client-key-data']),
    username: str(u.username),
    password: str(u.password),
    exec,
  };
}

/** Parses one kubeconfig text (YAML or JSON) into `into`, keeping entries already there. */
export function mergeKubeconfigText(into: MergedKubeconfig, text: string, file: string): void {
  const doc: unknown = parseYaml(text);
  if (doc == null) return;
  if (!isObj(doc)) throw new Error('not a kubeconfig (expected a mapping)');
  const base = path.dirname(file);
  if (!into.currentContext && str(doc['current-context']))
    into.currentContext = doc['current-context'] as string;
  for (const [name, c] of named(doc.clusters, 'cluster'))
    if (!into.clusters.has(name)) into.clusters.set(name, parseCluster(c, base));
  for (const [name, u] of named(doc.users, 'user'))
    if (!into.users.has(name)) into.users.set(name, parseUser(u, base));
  for (const [name, c] of named(doc.contexts, 'context'))
    if (!into.contexts.has(name))
      into.contexts.set(name, {
        name,
        cluster: str(c.cluster) ?? '',
        user: str(c.user) ?? '',
        namespace: str(c.namespace),
        source: file,
      });
}

/** Reads and merges kubeconfig files in order (kubectl's precedence: the first one wins). */
export function loadKubeconfigs(files: string[]): MergedKubeconfig {
  const merged: MergedKubeconfig = { contexts: new Map(), clusters: new Map(), users: new Map(), errors: [] };
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        merged.errors.push({ file, message: (err as Error).message });
      continue;
    }
    try {
      mergeKubeconfigText(merged, text, file);
    } catch (err) {
      merged.errors.push({ file, message: (err as Error).message });
    }
  }
  return merged;
}
