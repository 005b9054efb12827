/**
 * Starts `skiff serve` as a real child process (exactly what a user runs) for end-to-end tests,
 * and runs the real kubectl against it with a private discovery cache.
 */
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

export interface SkiffProcess {
  dataDir: string;
  kubeconfig: string;
  apiUrl: string;
  dashboardUrl: string;
  /** Dashboard URL with the token fragment. */
  dashboardLoginUrl: string;
  token: string;
  /** Milliseconds from spawn until the kubeconfig line was printed. */
  readyMs: number;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /**
   * The end of a suite: stops serve, then removes every Docker container, network and volume of
   * this cluster (labelled `skiff.dev/managed-by=skiff-<kube-system uid>`) — pods, the network
   * agent and the cluster network outlive a plain stop, for the next start to adopt.
   */
  destroy(): Promise<void>;
}

/** The cluster's id (kube-system's uid), asked of the running API server with the admin token. */
function clusterId(apiUrl: string, token: string, kubeconfig: string): Promise<string> {
  const ca = /certificate-authority-data: (\S+)/.exec(fs.readFileSync(kubeconfig, 'utf8'))?.[1];
  return new Promise((resolve, reject) => {
    const req = https.get(
      `${apiUrl}/api/v1/namespaces/kube-system`,
      {
        headers: { authorization: `Bearer ${token}` },
        ca: ca ? Buffer.from(ca, 'base64') : undefined,
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          try {
            resolve(String(JSON.parse(body).metadata.uid));
          } catch (err) {
            reject(new Error(`cannot read kube-system: ${res.statusCode} ${body.slice(0, 200)} (${err})`));
          }
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout asking for kube-system')));
  });
}

/** Removes every Docker object labelled `skiff.dev/managed-by=<value>` (containers first). */
export function removeDockerObjects(value: string): void {
  const run = (...args: string[]) =>
    execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 })
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  const filter = `label=skiff.dev/managed-by=${value}`;
  const ids = run('ps', '-aq', '--filter', filter);
  if (ids.length) run('rm', '-f', '-v', ...ids);
  const nets = run('network', 'ls', '-q', '--filter', filter);
  if (nets.length) run('network', 'rm', ...nets);
  const vols = run('volume', 'ls', '-q', '--filter', filter);
  if (vols.length) run('volume', 'rm', '-f', ...vols);
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'skiff-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Starts serve mode on `dataDir` (fresh if omitted) and waits for its three ready lines. */
export async function startSkiff(
  opts: { dataDir?: string; extraArgs?: string[]; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<SkiffProcess> {
  const dataDir = opts.dataDir ?? tempDir();
  const kubeconfig = path.join(dataDir, 'kubeconfig');
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'resources/bin/skiff.js'),
      'serve',
      '--data-dir',
      dataDir,
      '--kubeconfig',
      kubeconfig,
      '--port',
      '0',
      '--log-level',
      'warn',
      ...(opts.extraArgs ?? []),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let readyMs = 0;
  for (;;) {
    const m = /API: (\S+)\nDashboard: (\S+)\nKubeconfig: (\S+)/.exec(out);
    if (m) {
      readyMs = Date.now() - started;
      const login = m[2];
      const token = decodeURIComponent(login.split('#token=')[1] ?? '');
      const apiUrl = m[1];
      const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
        if (child.exitCode !== null) return child.exitCode;
        child.kill(signal);
        return exited;
      };
      // Asked once while serve runs (a suite may stop and restart it; the id stays the same).
      let id: Promise<string> | undefined;
      const idOnce = () => (id ??= clusterId(apiUrl, token, m[3]));
      void idOnce().catch(() => undefined);
      return {
        dataDir,
        kubeconfig: m[3],
        apiUrl: m[1],
        dashboardUrl: login.split('/#')[0],
        dashboardLoginUrl: login,
        token,
        readyMs,
        child,
        output: () => out,
        stop,
        async destroy() {
          const uid = await idOnce().catch(() => '');
          await stop();
          let engine = true;
          try {
            execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
          } catch {
            engine = false;
          }
          if (uid && engine) removeDockerObjects(`skiff-${uid}`);
        },
      };
    }
    if (child.exitCode !== null) throw new Error(`skiff serve exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`skiff serve did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

const cacheDir = tempDir('skiff-kubecache-');

/** Runs the real kubectl against a kubeconfig. Never throws on a non-zero exit. */
export function kubectl(
  kubeconfig: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const p = execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, ...args],
      {
        env: { ...process.env, KUBECACHEDIR: cacheDir, KUBECONFIG: kubeconfig },
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 16 << 20,
      },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({
          code: typeof code === 'number' ? code : 1,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
    if (opts.input !== undefined) p.stdin!.end(opts.input);
  });
}

/** Polls `fn` until it returns a truthy value or the time runs out (bounded; for eventual state). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
