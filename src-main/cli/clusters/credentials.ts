/**
 * A kubeconfig context turned into what a request needs: the server URL, the TLS options (CA or
 * insecure-skip-tls-verify, client certificate and key from files or -data) and the
 * Authorization header (token, tokenFile re-read on every request as client-go does, basic
 * auth, or an exec credential plugin). Exec plugins (client.authentication.k8s.io/v1 and
 * v1beta1) run non-interactively with KUBERNETES_EXEC_INFO set; their ExecCredential is cached
 * until status.expirationTimestamp (forever when it has none) or until the server answers 401.
 * provideClusterInfo: true adds spec.cluster (server, tls-server-name, insecure-skip-tls-verify,
 * certificate-authority-data, and the cluster's `client.authentication.k8s.io/exec` extension as
 * `config`), as client-go does. Nothing here is ever sent to the renderer.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import path from 'node:path';
import type { ExecConfig, KubeCluster, KubeUser, MergedKubeconfig } from './kubeconfig';

const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];
const EXEC_TIMEOUT_MS = 60_000;
/** Refresh a little before the plugin's expiry so a request never carries a just-expired token. */
const EXPIRY_SKEW_MS = 10_000;

/** What an exec plugin returned. */
export interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  /** Epoch ms; undefined = does not expire. */
  expiresAt?: number;
}

export class CredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

/** Runs an exec credential plugin once and parses its ExecCredential. */
export function runExecPlugin(
  exec: ExecConfig,
  cluster: KubeCluster,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ExecCredentialStatus> {
  if (!EXEC_API_VERSIONS.includes(exec.apiVersion))
    return Promise.reject(new CredentialError(`exec plugin: unsupported apiVersion "${exec.apiVersion}"`));
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo) {
    spec.cluster = {
      server: cluster.server,
      'tls-server-name': cluster.tlsServerName,
      'insecure-skip-tls-verify': cluster.insecureSkipTlsVerify,
      'certificate-authority-data': caPem(cluster)?.toString('base64'),
      config: cluster.execExtension,
    };
  }
  const info = { apiVersion: exec.apiVersion, kind: 'ExecCredential', spec };
  // A command with a path separator is relative to its kubeconfig; a bare name is looked up on PATH.
  const command =
    exec.command.includes('/') || exec.command.includes(path.sep)
      ? path.resolve(exec.baseDir, exec.command)
      : exec.command;
  const childEnv: NodeJS.ProcessEnv = { ...env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
  for (const v of exec.env) childEnv[v.name] = v.value;
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const child = spawn(command, exec.args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), EXEC_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CredentialError(`exec plugin ${exec.command}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        const why = signal ? `killed by ${signal}` : `exit code ${code}`;
        reject(
          new CredentialError(`exec plugin ${exec.command} failed (${why}): ${err.trim().slice(0, 500)}`),
        );
        return;
      }
      try {
        resolve(parseExecCredential(out, exec.apiVersion));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Parses and checks a plugin's stdout. */
export function parseExecCredential(stdout: string, apiVersion: string): ExecCredentialStatus {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new CredentialError('exec plugin: output is not JSON');
  }
  const d = doc as { kind?: unknown; apiVersion?: unknown; status?: Record<string, unknown> };
  if (d?.kind !== 'ExecCredential') throw new CredentialError('exec plugin: output is not an ExecCredential');
  if (d.apiVersion !== apiVersion)
    throw new CredentialError(`exec plugin: apiVersion ${String(d.apiVersion)} does not match ${apiVersion}`);
  const s = d.status ?? {};
  const token = typeof s.token === 'string' && s.token ? s.token : undefined;
  const cert = typeof s.clientCertificateData === 'string' ? s.clientCertificateData : undefined;
  const key = typeof s.clientKeyData === 'string' ? s.clientKeyData : undefined;
  if (!token && !(cert && key))
    throw new CredentialError(
      'exec plugin: status has neither token nor clientCertificateData+clientKeyData',
    );
  let expiresAt: number | undefined;
  if (typeof s.expirationTimestamp === 'string') {
    expiresAt = Date.parse(s.expirationTimestamp);
    if (Number.isNaN(expiresAt)) throw new CredentialError('exec plugin: bad expirationTimestamp');
  }
  return { token, clientCertificateData: cert, clientKeyData: key, expiresAt };
}

function caPem(c: KubeCluster): Buffer | undefined {
  if (c.certificateAuthorityData) return Buffer.from(c.certificateAuthorityData, 'base64');
  if (c.certificateAuthority) return fs.readFileSync(c.certificateAuthority);
  return undefined;
}

/** The TLS parts of a context (CA, client certificate, verification). */
export interface TlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
}

/** How to reach one context's API server: TLS options and the auth header, refreshed as needed. */
export interface ResolvedAuth {
  /** Agent for plain requests (keep-alive). */
  agent: https.Agent | http.Agent;
  /** TLS options for one-off requests (WebSocket upgrades). */
  tls: TlsOptions;
  authorization?: string;
}

export class ContextCredentials {
  readonly server: URL;
  private cached?: { status: ExecCredentialStatus; auth: ResolvedAuth };
  private inflight?: Promise<ExecCredentialStatus>;
  private staticAgent?: https.Agent | http.Agent;
  /** How many times the exec plugin ran (tests and diagnostics). */
  execRuns = 0;

  constructor(
    readonly context: string,
    private readonly cluster: KubeCluster,
    private readonly user: KubeUser,
    private readonly now: () => number = Date.now,
  ) {
    if (!cluster.server) throw new CredentialError(`context ${context}: its cluster has no server`);
    this.server = new URL(cluster.server);
    if (this.server.protocol !== 'https:' && this.server.protocol !== 'http:')
      throw new CredentialError(`context ${context}: server must be http(s)`);
  }

  private baseTls(): TlsOptions {
    const c = this.cluster;
    const u = this.user;
    const tls: TlsOptions = {};
    if (c.insecureSkipTlsVerify) tls.rejectUnauthorized = false;
    else {
      const ca = caPem(c);
      if (ca) tls.ca = ca;
    }
    if (c.tlsServerName) tls.servername = c.tlsServerName;
    if (u.clientCertificateData) tls.cert = Buffer.from(u.clientCertificateData, 'base64');
    else if (u.clientCertificate) tls.cert = fs.readFileSync(u.clientCertificate);
    if (u.clientKeyData) tls.key = Buffer.from(u.clientKeyData, 'base64');
    else if (u.clientKey) tls.key = fs.readFileSync(u.clientKey);
    return tls;
  }

  private makeAgent(tls: TlsOptions): https.Agent | http.Agent {
    const opts = { keepAlive: true, maxSockets: 256 };
    return this.server.protocol === 'https:' ? new https.Agent({ ...opts, ...tls }) : new http.Agent(opts);
  }

  /** The TLS options and Authorization header for the next request. */
  async resolve(): Promise<ResolvedAuth> {
    const u = this.user;
    if (u.exec) {
      const c = this.cached;
      if (c && (c.status.expiresAt === undefined || c.status.expiresAt - EXPIRY_SKEW_MS > this.now()))
        return c.auth;
      this.inflight ??= runExecPlugin(u.exec, this.cluster).finally(() => (this.inflight = undefined));
      this.execRuns++;
      const status = await this.inflight;
      const tls = this.baseTls();
      if (status.clientCertificateData && status.clientKeyData) {
        tls.cert = Buffer.from(status.clientCertificateData);
        tls.key = Buffer.from(status.clientKeyData);
      }
      this.cached?.auth.agent.destroy();
      const auth: ResolvedAuth = {
        agent: this.makeAgent(tls),
        tls,
        authorization: status.token ? `Bearer ${status.token}` : undefined,
      };
      this.cached = { status, auth };
      return auth;
    }
    const tls = this.baseTls();
    this.staticAgent ??= this.makeAgent(tls);
    let authorization: string | undefined;
    if (u.token) authorization = `Bearer ${u.token}`;
    else if (u.tokenFile) authorization = `Bearer ${fs.readFileSync(u.tokenFile, 'utf8').trim()}`;
    else if (u.username && u.password)
      authorization = `Basic ${Buffer.from(`${u.username}:${u.password}`).toString('base64')}`;
    return { agent: this.staticAgent, tls, authorization };
  }

  /** The server answered 401: forget a cached exec credential so the next request runs the plugin. */
  invalidate(): void {
    if (this.cached) {
      this.cached.auth.agent.destroy();
      this.cached = undefined;
    }
  }

  close(): void {
    this.invalidate();
    this.staticAgent?.destroy();
    this.staticAgent = undefined;
  }
}

/** The credentials of one context of a merged kubeconfig. */
export function credentialsFor(kc: MergedKubeconfig, context: string): ContextCredentials {
  const ctx = kc.contexts.get(context);
  if (!ctx) throw new CredentialError(`context "${context}" not found`);
  const cluster = kc.clusters.get(ctx.cluster);
  if (!cluster) throw new CredentialError(`context ${context}: cluster "${ctx.cluster}" not found`);
  const user = kc.users.get(ctx.user) ?? {};
  return new ContextCredentials(context, cluster, user);
}
