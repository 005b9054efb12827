/**
 * Serve mode: the same control plane and kubelet as the desktop app, with the dashboard served
 * on 127.0.0.1. Used by `skiff serve`, by `npm start` when Electron cannot run, and by tests.
 */
import os from 'node:os';
import path from 'node:path';
import { startCluster, type Cluster, type ClusterOptions } from '../control-plane/cluster';
import { DashboardServer } from './dashboard-server';
import { isAddressInUse, rememberPort, rememberedPort } from './remembered-port';

export interface ServeOptions extends ClusterOptions {
  /** Dashboard port (0 = the last one used with this data dir if free, else any free port). */
  dashboardPort?: number;
  /** Receives one-line notices for the user (e.g. the remembered dashboard port was taken). */
  notice?: (line: string) => void;
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
  const dataDir = path.resolve(opts.dataDir);
  const last = rememberedPort(dataDir, 'dashboardPort');
  const wanted = opts.dashboardPort || last || 0;
  const dashboardAt = (port: number) =>
    new DashboardServer({
      staticDir: opts.staticDir,
      apiUrl: cluster.apiUrl,
      caPem: cluster.caPem,
      port,
      token: cluster.token,
      dataDir,
    });
  let dashboard = dashboardAt(wanted);
  let url: string;
  let port: number;
  try {
    try {
      ({ url, port } = await dashboard.start());
    } catch (err) {
      // A port asked for on the command line is the user's choice: its failure is an error.
      // The remembered one falls back to any free port, and the user is told the URL changed.
      if (opts.dashboardPort || !last || !isAddressInUse(err)) throw err;
      await dashboard.stop();
      dashboard = dashboardAt(0);
      ({ url, port } = await dashboard.start());
      opts.notice?.(
        `Dashboard port ${last} (used last time) is taken; the dashboard moved to port ${port} — update bookmarks.`,
      );
    }
    rememberPort(dataDir, 'dashboardPort', port);
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
