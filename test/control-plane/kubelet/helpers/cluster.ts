/**
 * A whole Skiff cluster in this process (store, API server, scheduler, controllers, kubelet on
 * the real Docker engine) plus the real kubectl with a private discovery cache, for the
 * kubelet's end-to-end suites. `stop()` removes every container the cluster created.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { R } from '../../../../src-main/common/resources';
import { startCluster, type Cluster, type ClusterOptions } from '../../../../src-main/control-plane/cluster';
import { removeManaged } from './docker';
import { needTool } from '../../../helpers/skips';

export interface TestCluster {
  cluster: Cluster;
  kubeconfig: string;
  managedBy: string;
  dataDir: string;
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  stop(): Promise<void>;
}

export interface KubectlOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** True when the real kubectl is on PATH (a failure in CI, a skip locally). */
export async function kubectlAvailable(): Promise<boolean> {
  const ok = await new Promise<boolean>((resolve) =>
    execFile('kubectl', ['version', '--client'], (err) => resolve(!err)),
  );
  return needTool(ok, 'kubectl is not on PATH (`kubectl version --client` failed)');
}

export async function startTestCluster(
  nodeName = 'kubelet-e2e',
  options: Partial<ClusterOptions> = {},
): Promise<TestCluster> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-kubelet-e2e-'));
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-kubecache-'));
  const cluster = await startCluster({ ...options, dataDir, nodeName });
  const kubeSystem = await cluster.client.get(R.namespaces, 'kube-system');
  const managedBy = `skiff-${kubeSystem.metadata.uid}`;
  const kubeconfig = cluster.kubeconfigPath;
  const kubectl = (args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> =>
    new Promise((resolve) => {
      const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], {
        env: { ...process.env, KUBECACHEDIR: cacheDir, KUBECONFIG: kubeconfig, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, stdout, stderr });
      });
      child.stdin.on('error', () => undefined);
      if (opts.input !== undefined) child.stdin.end(opts.input);
      else child.stdin.end();
    });
  return {
    cluster,
    kubeconfig,
    managedBy,
    dataDir,
    kubectl,
    async stop() {
      await cluster.stop();
      await removeManaged(managedBy);
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}
