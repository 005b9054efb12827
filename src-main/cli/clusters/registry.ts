/**
 * The clusters the dashboard can switch to: the contexts of kubectl's kubeconfig files
 * ($KUBECONFIG or ~/.kube/config) and of the files added in Settings (remembered in
 * <dataDir>/dashboard-clusters.json). Files are re-read when they change, so a context added with
 * kubectl shows up without a restart. What the renderer sees (`ClusterEntry`) has names and
 * servers only, never a credential.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ContextCredentials, credentialsFor } from './credentials';
import { defaultKubeconfigFiles, loadKubeconfigs, type MergedKubeconfig } from './kubeconfig';
import type { Upstream } from './upstream';

/** One switchable cluster as the renderer sees it. */
export interface ClusterEntry {
  /** The context name ('' = the local Skiff cluster). */
  name: string;
  local: boolean;
  server?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  /** The kubeconfig it came from. */
  source?: string;
  /** The kubeconfig's current-context. */
  current?: boolean;
  /** How the context authenticates, for the switcher's tooltip (no secret). */
  auth?: 'token' | 'token-file' | 'client-certificate' | 'exec' | 'basic' | 'none';
}

export interface KubeconfigFileView {
  path: string;
  /** true = added in Settings (removable); false = from $KUBECONFIG / ~/.kube/config. */
  added: boolean;
  exists: boolean;
  error?: string;
}

export interface ClustersView {
  items: ClusterEntry[];
  files: KubeconfigFileView[];
}

const SETTINGS_FILE = 'dashboard-clusters.json';

export class ClusterRegistry {
  private merged?: MergedKubeconfig;
  private stamp = '';
  private readonly creds = new Map<string, ContextCredentials>();

  constructor(
    private readonly dataDir: string | undefined,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private settingsPath(): string | undefined {
    return this.dataDir ? path.join(this.dataDir, SETTINGS_FILE) : undefined;
  }

  /** Kubeconfig files added in Settings. */
  addedFiles(): string[] {
    const p = this.settingsPath();
    if (!p) return [];
    try {
      const doc = JSON.parse(fs.readFileSync(p, 'utf8')) as { kubeconfigs?: unknown };
      return Array.isArray(doc.kubeconfigs)
        ? doc.kubeconfigs.filter((f): f is string => typeof f === 'string')
        : [];
    } catch {
      return [];
    }
  }

  private saveAdded(files: string[]): void {
    const p = this.settingsPath();
    if (!p) throw new Error('no data dir: kubeconfig files cannot be remembered');
    fs.mkdirSync(path.dirname(p), { recursive: true });
    const tmp = `${p}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ kubeconfigs: files }, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, p);
  }

  /** Adds a kubeconfig file (absolute path; it must parse). */
  addFile(file: string): void {
    if (!path.isAbsolute(file)) throw new Error('the kubeconfig path must be absolute');
    const probe = loadKubeconfigs([file]);
    if (!fs.existsSync(file)) throw new Error(`${file} does not exist`);
    if (probe.errors.length) throw new Error(`${file}: ${probe.errors[0].message}`);
    if (!probe.contexts.size) throw new Error(`${file} has no contexts`);
    const added = this.addedFiles();
    if (!added.includes(file)) this.saveAdded([...added, file]);
  }

  removeFile(file: string): boolean {
    const added = this.addedFiles();
    if (!added.includes(file)) return false;
    this.saveAdded(added.filter((f) => f !== file));
    return true;
  }

  private files(): { path: string; added: boolean }[] {
    const base = defaultKubeconfigFiles(this.env).map((p) => ({ path: p, added: false }));
    const extra = this.addedFiles()
      .filter((p) => !base.some((b) => b.path === p))
      .map((p) => ({ path: p, added: true }));
    return [...base, ...extra];
  }

  /** The merged kubeconfig, re-read when a file's mtime or the file list changed. */
  private load(): MergedKubeconfig {
    const files = this.files();
    const stamp = files
      .map((f) => {
        try {
          const st = fs.statSync(f.path);
          return `${f.path}@${st.mtimeMs}:${st.size}`;
        } catch {
          return `${f.path}@-`;
        }
      })
      .join('|');
    if (!this.merged || stamp !== this.stamp) {
      this.merged = loadKubeconfigs(files.map((f) => f.path));
      this.stamp = stamp;
      for (const c of this.creds.values()) c.close();
      this.creds.clear();
    }
    return this.merged;
  }

  view(): ClustersView {
    const kc = this.load();
    const items: ClusterEntry[] = [{ name: '', local: true }];
    for (const ctx of kc.contexts.values()) {
      const cl = kc.clusters.get(ctx.cluster);
      const u = kc.users.get(ctx.user);
      const auth: ClusterEntry['auth'] = u?.exec
        ? 'exec'
        : u?.token
          ? 'token'
          : u?.tokenFile
            ? 'token-file'
            : u?.clientCertificate || u?.clientCertificateData
              ? 'client-certificate'
              : u?.username
                ? 'basic'
                : 'none';
      items.push({
        name: ctx.name,
        local: false,
        server: cl?.server,
        cluster: ctx.cluster,
        user: ctx.user,
        namespace: ctx.namespace,
        source: ctx.source,
        current: kc.currentContext === ctx.name,
        auth,
      });
    }
    const files = this.files().map((f) => ({
      ...f,
      exists: fs.existsSync(f.path),
      error: kc.errors.find((e) => e.file === f.path)?.message,
    }));
    return { items, files };
  }

  /** The upstream of a context; throws when it is unknown or its kubeconfig entry is incomplete. */
  upstream(context: string): Upstream {
    const kc = this.load();
    let c = this.creds.get(context);
    if (!c) {
      c = credentialsFor(kc, context);
      this.creds.set(context, c);
    }
    const creds = c;
    return {
      name: context,
      server: creds.server,
      resolve: () => creds.resolve(),
      invalidate: () => creds.invalidate(),
    };
  }

  close(): void {
    for (const c of this.creds.values()) c.close();
    this.creds.clear();
  }
}
