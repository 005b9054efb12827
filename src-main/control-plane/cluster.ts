// The control plane's assembly point — the only file that imports every component (store, apiserver, scheduler, controllers, kubelet, proxy); no electron.
/**
 * Assembles one Skiff cluster in this process: the store, the API server, and — as API clients
 * over loopback HTTPS, exactly as in Kubernetes — the scheduler, the controller manager, the
 * kubelet on the local Docker engine and the kube-proxy (host listeners, cluster DNS, ingress).
 * The cluster's Docker network is made (or adopted) first, since the API server allocates
 * ClusterIPs from it. Serve mode, the Electron shell and tests all start Skiff
 * through `startCluster`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeClient } from '../common/client/client';
import { silentLogger, type Logger } from '../common/logger';
import { HttpsTransport } from './client/https-transport';
import { openBackend, type EtcdClientOptions } from './store/index';
import { ensureEncryption, reencryptStale } from './apiserver/encryption';
import type { Backend } from './store/backend';
import { ObjectStore } from './apiserver/object-storage';
import { ApiServer, ensureSystemNamespaces } from './apiserver/api-server';
import { ensureToken } from './apiserver/certs';
import { ServiceAccountTokenAuthenticator } from './apiserver/auth/serviceaccount-authenticator';
import { TokenSigner, ensureServiceAccountKey } from './client/serviceaccount-token';
import { writeKubeconfig } from './apiserver/kubeconfig';
import { Scheduler } from './scheduler/scheduler';
import { ControllerManager } from './controllers/controller-manager';
import { Kubelet } from './kubelet/kubelet';
import { DockerRuntime } from './kubelet/runtime/docker/docker-runtime';
import type { ImagePullMode } from '../common/image-pull';
import { clusterNetworkForSlot, type ClusterNetwork } from '../common/network';
import { KubeProxy } from './proxy/kube-proxy';
import { DnsServer, informerDnsView } from './proxy/dns';
import { IngressController } from './proxy/ingress';
import { NetworkAgentClient } from './proxy/agent/agent-client';
import { SimKubelet } from './simkubelet/index';

export interface ClusterOptions {
  /** Where the store, certificates and token live. */
  dataDir: string;
  /** API server port; 0 = reuse the last one for this data dir, or pick a free one. */
  apiPort?: number;
  /** Where to write the kubeconfig; default `<dataDir>/kubeconfig`. */
  kubeconfigPath?: string;
  /** Merge into an existing kubeconfig (desktop mode: ~/.kube/config) instead of overwriting. */
  mergeKubeconfig?: boolean;
  /** Store backend spec (see store/index.ts); default the embedded WAL store in `<dataDir>/store`. */
  store?: string;
  /** For an etcd store: TLS files and key prefix (kube-apiserver's --etcd-cafile, --etcd-prefix, ...). */
  etcd?: EtcdClientOptions;
  /** Node name; default the host name. */
  nodeName?: string;
  /** Docker socket path; default dockerode's (DOCKER_HOST or /var/run/docker.sock). */
  dockerSocket?: string;
  /** Pod sandbox image; default Skiff's own, built locally. */
  sandboxImage?: string;
  /** Run the kubelet (default true). */
  kubelet?: boolean;
  /** A failed pull of an image the engine has: run the local image (`fallback`, default) or fail (`strict`). */
  imagePull?: ImagePullMode;
  /**
   * The ingress controller's port on 127.0.0.1. Default: 80 where it can be bound, else a free
   * port (the Ingress status and `Cluster.ingressUrl` say which).
   */
  ingressPort?: number;
  /**
   * Simulated nodes (kwok-style, for scale tests and benches): this many Ready Node objects,
   * `skiff-sim-0` …, labelled and tainted `skiff.dev/simulated=true`, whose pods a fake kubelet
   * reports Running without containers. Default 0.
   */
  simulatedNodes?: number;
  /** The kubelet's resource sampling period (stats, metrics, history); default 10 s. */
  statsIntervalMs?: number;
  logger?: Logger;
}

/** A running cluster. */
export interface Cluster {
  apiUrl: string;
  apiPort: number;
  token: string;
  caPem: string;
  kubeconfigPath: string;
  nodeName: string;
  /** A client with cluster-admin rights (the same token as the kubeconfig). */
  client: KubeClient;
  /** The cluster's address plan (Docker network, ClusterIP range, DNS and API addresses). */
  network: ClusterNetwork;
  /** Where the ingress controller answers, e.g. `http://127.0.0.1:80/`. */
  ingressUrl: string;
  /** Names of the simulated nodes (empty without `simulatedNodes`). */
  simulatedNodes: string[];
  /** Stops every component; running pods are left running for the next start to adopt. */
  stop(): Promise<void>;
}

/** The host name as a valid node name (DNS-1123 subdomain). */
export function defaultNodeName(): string {
  const n = os
    .hostname()
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return n || 'skiff';
}

/** What `<dataDir>/skiff.json` remembers between starts. */
export interface Persisted {
  apiPort?: number;
  /** The cluster network's slot, kept so ClusterIPs stay valid across restarts. */
  network?: { slot: number };
}

/** Reads `<dataDir>/skiff.json` ({} when missing or unreadable). */
export function readState(dataDir: string): Persisted {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, 'skiff.json'), 'utf8')) as Persisted;
  } catch {
    return {};
  }
}

/** The store a cluster on `dataDir` uses: `store`, else the embedded WAL store in `<dataDir>/store`. */
export function clusterStoreSpec(opts: Pick<ClusterOptions, 'dataDir' | 'store'>): string {
  return opts.store ?? path.join(path.resolve(opts.dataDir), 'store');
}

/** Starts every component and resolves once the API answers and the kubeconfig is written. */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const log = opts.logger ?? silentLogger;
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const state = readState(dataDir);
  const token = ensureToken(dataDir);

  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        log.warn('stop failed', { err: String(err) });
      }
    }
  };

  try {
    // The store's logger says what start-up repaired (a torn WAL tail) and when writes fail.
    const backend: Backend = openBackend(clusterStoreSpec(opts), {
      logger: log,
      etcd: { ...opts.etcd, logger: log },
    });
    await backend.start();
    stops.push(() => backend.close());
    // Secrets are encrypted at rest with the data dir's key (made on first start); values from
    // before, or written with an older key, are rewritten with the current key now.
    const encryption = ensureEncryption(dataDir);
    await reencryptStale(backend, encryption.transformer, log.child('encryption'));
    const storage = new ObjectStore(backend, { transformer: encryption.transformer });

    // The cluster network comes first: the API server allocates ClusterIPs from it. Containers
    // are scoped to this cluster by its kube-system namespace uid (Kubernetes' usual cluster
    // id), so two Skiff data dirs on one Docker engine never adopt or remove each other's pods.
    const clusterId = await ensureSystemNamespaces(storage);
    const runtime =
      opts.kubelet !== false
        ? new DockerRuntime({
            socketPath: opts.dockerSocket,
            sandboxImage: opts.sandboxImage,
            managedBy: `skiff-${clusterId}`,
          })
        : undefined;
    const network = runtime
      ? await runtime.ensureClusterNetwork({ slot: state.network?.slot ?? 0 })
      : clusterNetworkForSlot(state.network?.slot ?? 0, 'none');

    // One RSA key (`<dataDir>/pki/sa.key`) signs service-account tokens — the API server's
    // TokenRequest and the legacy tokens controller — and the API server verifies them with it.
    const saSigner = new TokenSigner(ensureServiceAccountKey(dataDir));
    const api = new ApiServer({
      storage,
      dataDir,
      serviceAccountSigner: saSigner,
      authenticators: [
        new ServiceAccountTokenAuthenticator({ signer: saSigner, storage, logger: log.child('authn') }),
      ],
      host: '127.0.0.1',
      port: await choosePort(opts.apiPort ?? 0, state.apiPort),
      token,
      kubeletToken: token,
      logger: log.child('apiserver'),
      network,
      backend,
    });
    const { url, port, caPem } = await api.start();
    stops.push(() => api.stop());
    fs.writeFileSync(
      path.join(dataDir, 'skiff.json'),
      JSON.stringify({ ...state, apiPort: port, network: { slot: network.slot } }, null, 2),
    );

    const kubeconfigPath = path.resolve(opts.kubeconfigPath ?? path.join(dataDir, 'kubeconfig'));
    writeKubeconfig(kubeconfigPath, { server: url, caPem, token }, { merge: opts.mergeKubeconfig ?? false });

    const transport = new HttpsTransport(url, { ca: caPem, token });
    stops.push(() => transport.close());
    const client = new KubeClient(transport);

    const controllers = new ControllerManager(client, {
      logger: log.child('controller-manager'),
      rootCaPem: caPem,
      serviceAccountSigner: saSigner,
    });
    // The scheduler shares the controller manager's informers: one pod watch per process.
    const scheduler = new Scheduler(client, {
      logger: log.child('scheduler'),
      informers: controllers.informers,
    });
    controllers.start();
    stops.push(() => controllers.stop());
    scheduler.start();
    stops.push(() => scheduler.stop());

    const nodeName = opts.nodeName ?? defaultNodeName();
    if (runtime) {
      const kubelet = new Kubelet(client, runtime, {
        nodeName,
        serverHost: '127.0.0.1',
        serverPort: 0,
        serverToken: token,
        logger: log.child('kubelet'),
        // Pod volume files (configMap, secret, downwardAPI) and termination logs.
        rootDir: path.join(dataDir, 'kubelet'),
        imagePull: opts.imagePull,
        statsIntervalMs: opts.statsIntervalMs,
        network,
      });
      await kubelet.start();
      stops.push(() => kubelet.stop());
    }

    let simulatedNodes: string[] = [];
    if (opts.simulatedNodes && opts.simulatedNodes > 0) {
      const sim = new SimKubelet(client, { nodes: opts.simulatedNodes, logger: log.child('sim-kubelet') });
      stops.push(() => sim.stop());
      await sim.run();
      simulatedNodes = sim.nodeNames;
    }

    // The proxy runs without a kubelet too (host side only: no agent, so no ClusterIPs or DNS
    // inside a network), so Services, their host listeners and Ingresses behave the same for
    // endpoints on the host's loopback.
    const proxy = new KubeProxy(client, {
      nodeName,
      network,
      agentFactory: runtime ? () => new NetworkAgentClient(log.child('netd')) : undefined,
      apiServerPort: port,
      informers: controllers.informers,
      logger: log.child('kube-proxy'),
    });
    const dns = new DnsServer(network.dnsIP, informerDnsView(proxy), network.clusterDomain, (m) =>
      log.child('dns').warn(m),
    );
    proxy.onAgent((agent) => {
      dns
        .listen(agent)
        .catch((err: Error) =>
          log.child('dns').warn(`cannot serve DNS on ${network.dnsIP}:53: ${err.message}`),
        );
    });
    const ingress = new IngressController(client, proxy, {
      port: opts.ingressPort,
      logger: log.child('kube-proxy'),
    });
    await proxy.run();
    stops.push(() => proxy.shutdown());
    await ingress.start();
    stops.push(() => ingress.stop());
    stops.push(() => dns.close());
    // new URL() drops :80, so the printed address is the one a browser shows.
    const ingressUrl = new URL(`http://${ingress.address}/`).href;

    return {
      apiUrl: url,
      apiPort: port,
      token,
      caPem,
      kubeconfigPath,
      nodeName,
      client,
      network,
      ingressUrl,
      simulatedNodes,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The requested port, else the last one used with this data dir if it is free, else 0 (any). */
async function choosePort(requested: number, last: number | undefined): Promise<number> {
  if (requested) return requested;
  if (last && (await portFree(last))) return last;
  return 0;
}

async function portFree(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
