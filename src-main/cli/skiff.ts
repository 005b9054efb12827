// The CLI (serve mode, snapshots): starts the control plane and the dashboard server without Electron, or saves/restores a store snapshot; never imports electron.
/**
 * The `skiff` command. `skiff serve` runs Skiff headless: control plane, kubelet and the
 * dashboard on 127.0.0.1. `skiff snapshot save|restore` backs the store up and brings it back
 * (etcdctl snapshot's role). (A later issue adds `agent`.)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../common/logger';
import { countFlag, parseArgs, portFlag, statsIntervalFlag } from './args';
import { parseImagePullMode } from '../common/image-pull';
import { defaultDataDir, serve } from './serve';
import { storeFlags } from './store-flags';
import { SNAPSHOT_USAGE, UsageError, snapshotCommand } from './snapshot';

const USAGE = `Usage: skiff <command> [options]

Commands:
  serve     Run Skiff headless: the control plane, the kubelet on the local Docker engine,
            and the dashboard on 127.0.0.1.
  snapshot  Save the store to a file, or restore it from one (skiff snapshot --help).

serve options:
  --data-dir DIR        where state lives (default ~/.skiff, or $SKIFF_DATA_DIR)
  --kubeconfig FILE     where to write the kubeconfig (default DIR/kubeconfig)
  --api-port N          API server port (default: the last one used, else a free one)
  --port N              dashboard port (default: the last one used, else a free one)
  --ingress-port N      ingress port on 127.0.0.1 (default 80 where it can be bound, else a free one)
  --node-name NAME      node name (default: the host name)
  --sandbox-image REF   pod sandbox image (default: Skiff's own, built locally)
  --docker-socket PATH  Docker engine socket (default: DOCKER_HOST or /var/run/docker.sock)
  --image-pull MODE     fallback: when a pull fails and Docker has the image, run the local
                        image (default) | strict: fail with ErrImagePull like upstream Kubernetes
  --simulated-nodes N   also run N simulated nodes (kwok-style, for scale tests): Ready nodes
                        skiff-sim-0… labelled and tainted skiff.dev/simulated=true:NoSchedule,
                        whose pods are reported Running without containers
  --stats-interval S    the kubelet's CPU/memory sampling period in seconds (default 10; 1-60)
  --log-level LEVEL     debug | info | warn | error (default info)
  --store SPEC          where cluster state lives: a directory (default DIR/store), memory://
                        (gone on exit) or etcd://HOST:PORT[,HOST:PORT] (an etcd cluster; the
                        port defaults to 2379; etcd+https://… for TLS)
  --etcd-cafile FILE    CA bundle that signed etcd's serving certificate (implies https)
  --etcd-certfile FILE  client certificate for etcd (needs --etcd-keyfile)
  --etcd-keyfile FILE   the client certificate's key
  --etcd-prefix PREFIX  key prefix in etcd (default /registry/)

${SNAPSHOT_USAGE}`;

function logger(level: string) {
  const lvl = (['debug', 'info', 'warn', 'error'].includes(level) ? level : 'info') as 'info';
  return createLogger((l, c, msg, fields) => {
    const extra = fields && Object.keys(fields).length ? ' ' + JSON.stringify(fields) : '';
    process.stderr.write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} [${c}] ${msg}${extra}\n`);
  }, lvl);
}

async function main(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv);
  const cmd = positional[0];
  if (cmd === 'snapshot' || (cmd === 'help' && positional[1] === 'snapshot')) {
    try {
      return await snapshotCommand(
        cmd === 'help' ? [] : positional.slice(1),
        cmd === 'help' ? { help: true } : flags,
        (s) => process.stdout.write(s),
      );
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`skiff: ${err.message}\n\n${SNAPSHOT_USAGE}`);
      return 2;
    }
  }
  if (!cmd || flags.help || cmd === 'help') {
    process.stdout.write(USAGE);
    return cmd ? 0 : 2;
  }
  if (cmd !== 'serve') {
    process.stderr.write(`skiff: unknown command "${cmd}"\n\n${USAGE}`);
    return 2;
  }
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const log = logger(str('log-level') ?? 'info');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const started = Date.now();
  const served = await serve({
    dataDir: path.resolve(str('data-dir') ?? defaultDataDir()),
    kubeconfigPath: str('kubeconfig'),
    apiPort: portFlag(flags['api-port'], 'api-port'),
    dashboardPort: portFlag(flags['port'], 'port'),
    ingressPort: portFlag(flags['ingress-port'], 'ingress-port'),
    nodeName: str('node-name'),
    sandboxImage: str('sandbox-image'),
    dockerSocket: str('docker-socket'),
    simulatedNodes: countFlag(flags['simulated-nodes'], 'simulated-nodes', 1000),
    ...storeFlags(flags),
    imagePull:
      flags['image-pull'] === undefined ? undefined : parseImagePullMode(flags['image-pull'], '--image-pull'),
    statsIntervalMs: statsIntervalFlag(flags['stats-interval']),
    staticDir: path.resolve(here, '../renderer'),
    logger: log,
    notice: (line) => process.stderr.write(`skiff: ${line}\n`),
  });
  const c = served.cluster;
  process.stdout.write(
    `API: ${c.apiUrl}\nDashboard: ${served.dashboardLoginUrl}\nKubeconfig: ${c.kubeconfigPath}\n` +
      `Ingress: ${c.ingressUrl} (Ingress hosts like http://${new URL(c.ingressUrl).host.replace('127.0.0.1', 'app.localhost')}/)\n` +
      `Skiff is ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Try: kubectl --kubeconfig ${c.kubeconfigPath} get nodes\n`,
  );
  let stopping = false;
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`${sig}: stopping (running pods are left running for the next start)`);
      served.stop().then(resolve, (err) => {
        log.error('stop failed', { err: String(err) });
        resolve();
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`skiff: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
