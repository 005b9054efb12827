/**
 * Serve mode: the same control plane and kubelet as the desktop app, with the dashboard served
 * on 127.0.0.1. Used by `skiff serve`, by `npm start` when Electron cannot run, and by tests.
 */
import os from 'node:os';
import path from 'node:path';
import { startCluster, type Cluster, type ClusterOptions } from '../control-plane/cluster';
import { DashboardServer } from './dashboard-server';

export interface ServeOptions extends ClusterOptions {
  /** Dashboard port (0 = any free port). */
  dashboardPort?: number;
  /** Folder with the built renderer. */
  staticDir: string;
}

export interface Served {
  cluster: Cluster;
  dashboardUrl: string;
  /** Dashboard URL carrying the token in its fragment (never sent to a server). */
  dashboardLoginUrl: string;
  stop(): Promise<void>;
}

/** Default data dir: $SKIFF_DATA_DIR, else ~/.skiff. */
export function defaultDataDir(): string {
  return process.env.SKIFF_DATA_DIR || path.join(os.homedir(), '.skiff');
}

/** Starts the cluster and the dashboard server. */
export async function serve(opts: ServeOptions): Promise<Served> {
  const cluster = await startCluster(opts);
  const dashboard = new DashboardServer({
    staticDir: opts.staticDir,
    apiUrl: cluster.apiUrl,
    caPem: cluster.caPem,
    port: opts.dashboardPort ?? 0,
  });
  let url: string;
  try {
    ({ url } = await dashboard.start());
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return {
    cluster,
    dashboardUrl: url,
    dashboardLoginUrl: `${url}/#token=${encodeURIComponent(cluster.token)}`,
    async stop() {
      await dashboard.stop();
      await cluster.stop();
    },
  };
}
