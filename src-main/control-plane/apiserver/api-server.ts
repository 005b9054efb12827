/**
 * The Kubernetes-compatible API server: HTTPS on 127.0.0.1 with a bearer token, health and
 * version endpoints, discovery, OpenAPI v3 and v2 and the REST routes of every resource in
 * common/resources.ts. The only component that touches the store.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import https from 'node:https';
import tls from 'node:tls';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { realClock, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/logger';
import { R, RESOURCES, type ResourceType } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { handleReview, isReview } from './authz';
import { AdminTokenAuthenticator } from './auth/admin-token';
import { forbidden } from './auth/forbidden';
import { impersonate } from './auth/impersonation';
import { RbacAuthorizer } from './auth/rbac/authorizer';
import { reconcileBootstrapPolicy } from './auth/rbac/bootstrap-policy';
import { confirmNoEscalation } from './auth/rbac/escalation';
import { PolicyIndex } from './auth/rbac/policy-index';
import { requestInfo } from './auth/request-info';
import type { TokenAuthenticator } from './auth/serviceaccount-authenticator';
import { handleTokenReview, isTokenReview } from './auth/token-review';
import { DEFAULT_ISSUER, type TokenSigner } from '../client/serviceaccount-token';
import {
  requestUser,
  setRequestUser,
  type Authenticator,
  type Authorizer,
  type UserInfo,
} from './auth/types';
import { ensureBootstrapObjects } from './bootstrap';
import { ensureCerts, servingNames } from './certs';
import { clusterNetworkForSlot, type ClusterNetwork } from '../../common/network';
import { CrdManager } from './crd';
import { InFlightLimiter, type InFlightLimits } from './inflight';
import {
  AGGREGATED_V2,
  AGGREGATED_V2BETA1,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  groups,
} from './discovery';
import { parseAccept, sendJson, sendStatus, sendText } from './http';
import { handlePodFiles } from './pod-files';
import { markUpgrade } from './pod-stream-proxy';
import {
  WatchWebSocketServer,
  bearerFromProtocols,
  isWatchUpgrade,
  offeredProtocols,
  processStats,
} from './watch-websocket';
import { METRICS_API_SERVICE, METRICS_GROUP, METRICS_TYPES, MetricsApi } from './metrics';
import { buildOpenApi, openApiIndex, type OpenApiDoc } from './openapi';
import { OpenApiV2Handler } from './openapi-v2';
import { SYSTEM_NAMESPACES, strategyFor } from './registry';
import { ResourceRegistry } from './resource-registry';
import type { ResourceRequest } from './request';
import { RestHandler } from './rest';
import { ServingStorage } from './serving-storage';
import { StatusError, internalError, pathNotFound, unauthorized } from './status';
import type { ObjectStorage } from './storage';
import type { Backend } from '../store/backend';
import { SnapshotApi } from './snapshots';

/** Options of the API server. */
export interface ApiServerOptions {
  storage: ObjectStorage;
  /** Where certificates live (`<dataDir>/pki`). */
  dataDir: string;
  host?: string;
  /** 0 = a random free port. */
  port?: number;
  /** The bearer token clients must present. */
  token: string;
  /** The token presented to kubelets when proxying logs. */
  kubeletToken?: string;
  logger?: Logger;
  clock?: Clock;
  /** Max in-flight request limits (429 + Retry-After beyond them). */
  inFlight?: InFlightLimits;
  /**
   * The cluster's address plan: ClusterIPs are allocated in its serviceCidr, the bootstrap
   * Services sit at its kubernetesIP and dnsIP, and the serving certificate names them.
   * Default: slot 0 (what a cluster without a Docker network uses).
   */
  network?: ClusterNetwork;
  /**
   * The store under `storage`, for Skiff's snapshot endpoint (/apis/skiff.dev/v1/snapshots,
   * saving into `<dataDir>/backups`). Without it that endpoint is not served.
   */
  backend?: Backend;
  /**
   * Authenticators tried after the cluster token, in order (service-account tokens …). The
   * first that recognises a request's credentials decides who it is from.
   */
  authenticators?: Authenticator[];
  /** Decides whether an authenticated request may proceed. Default: RBAC (with system:masters allowed everything). */
  authorizer?: Authorizer;
  /**
   * Cut-offs for clients that send slowly (slowloris): the headers must arrive within
   * `headersMs` (default 32 s, kube-apiserver's ReadHeaderTimeout) and the whole request, body
   * included, within `requestMs` (default 60 s). Responses (watches, log follows) are not bound.
   * `checkIntervalMs` is how often Node looks for such connections (default 5 s).
   */
  timeouts?: { headersMs?: number; requestMs?: number; checkIntervalMs?: number };
  /**
   * Signs the tokens TokenRequest (serviceaccounts/{name}/token) issues, like
   * --service-account-signing-key-file; without it that subresource answers 404.
   */
  serviceAccountSigner?: TokenSigner;
}

/** Version reported on /version; kubectl's dispatcher picks its binary by the minor (G3). */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4-skiff',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.4',
  compiler: 'gc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

/**
 * Creates the system namespaces if missing and returns the uid of `kube-system`, the cluster's
 * id (what kubelets label their containers with). Callable before the server starts, so the
 * cluster network — which needs that id — can be made before the API server is configured.
 */
export async function ensureSystemNamespaces(
  storage: ObjectStorage,
  clock: Clock = realClock,
): Promise<string> {
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await storage.get(R.namespaces, undefined, name);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
      const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
      const s = strategyFor(R.namespaces);
      s.prepareForCreate?.(ns, { now: clock.now() });
      s.applyDefaults?.(ns);
      try {
        await storage.create(R.namespaces, ns);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 409)) throw e;
      }
    }
  }
  return (await storage.get(R.namespaces, undefined, 'kube-system')).metadata.uid!;
}

/** The API server. */
export class ApiServer {
  private server?: https.Server;
  private readonly sockets = new Set<Socket>();
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly rest: RestHandler;
  private readonly openapi: Map<string, OpenApiDoc> = buildOpenApi(METRICS_TYPES);
  private readonly openapiV2: OpenApiV2Handler;
  /** The live set of served types: built-ins plus what CRDs add. */
  private readonly registry = new ResourceRegistry();
  private readonly crds: CrdManager;
  private readonly inFlight: InFlightLimiter;
  private readonly metrics: MetricsApi;
  private readonly snapshots?: SnapshotApi;
  private readonly authenticators: Authenticator[];
  /** Decides every authenticated request (RBAC); see auth/types.ts. */
  readonly authorizer: Authorizer;
  /** RBAC over the policy index: the default authorizer, escalation checks and the reviews. */
  readonly rbac: RbacAuthorizer;
  private readonly policy: PolicyIndex;
  /** The request whose handling is in progress (for the write guard's escalation check). */
  private readonly current = new AsyncLocalStorage<IncomingMessage>();
  private readonly watchSockets = new WatchWebSocketServer((req, res) => this.dispatch(req, res));
  private address = '';

  private readonly network: ClusterNetwork;

  constructor(private readonly opts: ApiServerOptions) {
    this.authenticators = [new AdminTokenAuthenticator(opts.token), ...(opts.authenticators ?? [])];
    this.network = opts.network ?? clusterNetworkForSlot(0, 'none');
    this.logger = opts.logger ?? silentLogger;
    this.policy = new PolicyIndex(opts.storage, this.logger);
    this.rbac = new RbacAuthorizer(this.policy);
    this.authorizer = opts.authorizer ?? this.rbac;
    this.clock = opts.clock ?? realClock;
    this.openapiV2 = new OpenApiV2Handler(() => this.clock.now());
    this.inFlight = new InFlightLimiter(opts.inFlight);
    this.crds = new CrdManager({
      storage: opts.storage,
      registry: this.registry,
      clock: this.clock,
      logger: this.logger,
    });
    const serving = new ServingStorage(opts.storage, this.registry, this.clock, this.network);
    serving.onWrite((t, op, obj) => this.crds.onWrite(t, op, obj));
    // Writes through this server reach the RBAC index before their response (see policy-index.ts).
    serving.onWrite((t, op, obj) => this.policy.apply(t, op, obj));
    serving.guardWrites((t, obj, old) => {
      const req = this.current.getStore();
      confirmNoEscalation(this.rbac, req && requestUser(req), t, obj, old);
    });
    this.rest = new RestHandler({
      storage: serving,
      clock: this.clock,
      logger: this.logger,
      kubeletToken: opts.kubeletToken,
      network: this.network,
      tokenSigner: opts.serviceAccountSigner,
    });
    // metrics.k8s.io is served here (from the kubelets' stats), like an aggregated APIService.
    this.metrics = new MetricsApi({
      storage: opts.storage,
      kubeletToken: opts.kubeletToken,
      logger: this.logger,
      clock: this.clock,
    });
    this.registry.setCustom(METRICS_API_SERVICE, METRICS_TYPES);
    if (opts.backend) this.snapshots = new SnapshotApi(opts.backend, opts.dataDir, this.clock);
  }

  /** Registers field selectors, creates the built-in namespaces and starts listening. */
  async start(): Promise<{ url: string; port: number; caPem: string }> {
    for (const t of RESOURCES) {
      const s = strategyFor(t);
      // On the type objects are stored as (events.k8s.io Events live with core Events).
      if (s.fields) this.opts.storage.registerFields(this.registry.storageType(t), s.fields);
    }
    await this.ensureNamespaces();
    // The rbac/bootstrap-roles post-start hook, then the authorizer's index.
    await reconcileBootstrapPolicy(this.opts.storage, this.clock);
    await this.policy.start();
    await this.crds.start();
    const certs = ensureCerts(this.opts.dataDir, servingNames(this.network));
    const server = https.createServer(
      {
        key: certs.keyPem,
        cert: certs.certPem,
        keepAlive: true,
        // Node's requestTimeout bounds receiving the request (headers and body), not the
        // response: a slowloris client is cut off with a 408, a watch stream is not.
        requestTimeout: this.opts.timeouts?.requestMs ?? 60_000,
        headersTimeout: this.opts.timeouts?.headersMs ?? 32_000,
        connectionsCheckingInterval: this.opts.timeouts?.checkIntervalMs ?? 5_000,
        // Node's cipher list, but at OpenSSL security level 0: busybox's ssl_client (the `wget`
        // of small images, e.g. `wget https://kubernetes.default.svc` from a pod) offers only
        // RSA+SHA1 handshake signatures, which level 1 refuses. The server still takes the
        // client's strongest common signature and cipher, so modern clients are unaffected.
        ciphers: `${tls.DEFAULT_CIPHERS}:@SECLEVEL=0`,
      },
      (req, res) => {
        void this.dispatch(req, res);
      },
    );
    // Watches and log follows are long-lived: no idle timeout on responses in progress.
    // Idle keep-alive connections stay open 90 s, as kube-apiserver's http.Server IdleTimeout.
    // With Node's default of 5 s, the first write of every component after a pause (the
    // controllers', scheduler's and kubelet's, each a hop of a pod start) paid a new TLS handshake.
    server.keepAliveTimeout = 90_000;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('secureConnection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    // exec/attach/portforward upgrades go through the normal routing (auth, Status errors) with
    // a response bound to the raw socket; pod-stream-proxy.ts takes the socket over.
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      // Watches over WebSocket (browsers: one socket per watch, no 6-connection limit).
      if (isWatchUpgrade(req)) return this.watchSockets.handle(req, socket, head);
      // exec/attach from a browser: the token rides in a subprotocol, as for watches.
      if (!req.headers.authorization) {
        const token = bearerFromProtocols(offeredProtocols(req));
        if (token) req.headers.authorization = `Bearer ${token}`;
      }
      const res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket);
      res.on('finish', () => socket.end());
      socket.on('error', () => socket.destroy());
      markUpgrade(req, socket, head);
      void this.dispatch(req, res);
    });
    server.on('tlsClientError', (err) => this.logger.debug('TLS client error', { error: err.message }));
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    this.address = `${host}:${port}`;
    await ensureBootstrapObjects(this.opts.storage, this.clock, port, this.network);
    const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.logger.info('API server listening', { url });
    return { url, port, caPem: certs.caPem };
  }

  /** Stops listening and closes every open connection (watches included). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.crds.stop();
    this.policy.stop();
    this.watchSockets.closeAll();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  private async ensureNamespaces(): Promise<void> {
    await ensureSystemNamespaces(this.opts.storage, this.clock);
  }

  /** Who a request is from: the first authenticator that recognises its credentials, or undefined. */
  private async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    for (const a of this.authenticators) {
      const u = await a.authenticate(req);
      if (u) return u;
    }
    return undefined;
  }

  /** The authenticators that can judge a bare token (for TokenReview), in chain order. */
  private tokenAuthenticators(): TokenAuthenticator[] {
    return this.authenticators.filter(
      (a): a is Authenticator & TokenAuthenticator =>
        typeof (a as Partial<TokenAuthenticator>).authenticateToken === 'function',
    );
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = this.clock.now();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'https://localhost');
    } catch {
      sendStatus(res, new StatusError(400, 'BadRequest', 'malformed request URL'));
      return;
    }
    try {
      const path = url.pathname.replace(/\/+$/, '') || '/';
      if (
        PUBLIC_PATHS.has(path) ||
        path.startsWith('/healthz/') ||
        path.startsWith('/livez/') ||
        path.startsWith('/readyz/')
      ) {
        await this.publicRoute(path, url, res);
        return;
      }
      const authenticated = await this.authenticate(req);
      if (!authenticated) throw unauthorized();
      const user = await impersonate(req, authenticated, this.authorizer);
      setRequestUser(req, user);
      const info = requestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
      const attrs = { ...info, user };
      const decision = await this.authorizer.authorize(attrs);
      if (decision.decision !== 'allow') throw forbidden(attrs, decision.reason);
      this.inFlight.admit(req, res, url);
      await this.current.run(req, () => this.route(req, res, path, url));
    } catch (err) {
      if (err instanceof StatusError) {
        // Drain what the client is still sending so the connection stays usable.
        if (!req.complete) req.resume();
        sendStatus(res, err);
      } else {
        this.logger.error('request failed', {
          method: req.method,
          url: req.url,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        });
        if (!req.complete) req.resume();
        sendStatus(res, internalError(err instanceof Error ? err.message : String(err)));
      }
    } finally {
      this.logger.debug('request', {
        method: req.method,
        url: req.url,
        status: res.statusCode,
        ms: this.clock.now() - started,
      });
    }
  }

  private async publicRoute(path: string, url: URL, res: ServerResponse): Promise<void> {
    if (path === '/version') return sendJson(res, 200, SERVER_VERSION);
    const checks: [string, boolean][] = [['ping', true]];
    let storeOk = true;
    try {
      await this.opts.storage.get(R.namespaces, undefined, 'default');
    } catch (err) {
      storeOk = err instanceof StatusError && err.code === 404;
    }
    checks.push(['etcd', storeOk], ['poststarthook/start-apiserver', true]);
    if (path.startsWith('/readyz')) checks.push(['informer-sync', true]);
    const sub = path.split('/')[2];
    if (sub) {
      const c = checks.find(([n]) => n === sub || `poststarthook/${sub}` === n);
      if (!c) return sendText(res, 404, 'page not found\n');
      return sendText(res, c[1] ? 200 : 500, c[1] ? 'ok' : `[-]${c[0]} failed: reason withheld\n`);
    }
    const ok = checks.every(([, v]) => v);
    const name = path.slice(1);
    if (url.searchParams.has('verbose') || !ok) {
      const lines = checks.map(([n, v]) => (v ? `[+]${n} ok` : `[-]${n} failed: reason withheld`));
      return sendText(
        res,
        ok ? 200 : 500,
        `${lines.join('\n')}\n${name} check ${ok ? 'passed' : 'failed'}\n`,
      );
    }
    sendText(res, 200, 'ok');
  }

  private async route(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    const seg = path.split('/').slice(1).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    // Discovery and OpenAPI are read-only.
    if (seg[0] === 'openapi') {
      if (method !== 'GET')
        throw new StatusError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
      return this.openApiRoute(req, seg, url, res);
    }
    if (seg[0] === 'api') {
      if (seg.length === 1) return this.discovery(req, res, true);
      if (seg.length === 2 && method === 'GET') {
        const list = apiResourceList('', seg[1], this.registry.all());
        if (!list) throw pathNotFound();
        return sendJson(res, 200, list);
      }
      return this.resourceRoute(req, res, url, '', seg[1], seg.slice(2));
    }
    // Skiff's container files endpoint (common/pod-files.ts): under /apis, outside discovery.
    if (seg[0] === 'apis' && seg[1] === 'skiff.dev' && seg[2] === 'v1' && seg[3] === 'namespaces')
      return handlePodFiles(req, res, seg.slice(3), url.searchParams, {
        storage: this.opts.storage,
        kubeletToken: this.opts.kubeletToken,
        logger: this.logger,
      });
    // Skiff's snapshot endpoint (common/snapshot-api.ts): under /apis, outside discovery.
    if (seg[0] === 'apis' && seg[1] === 'skiff.dev' && seg[2] === 'v1' && seg[3] === 'snapshots') {
      if (!this.snapshots) throw pathNotFound();
      return this.snapshots.handle(req, res, seg.slice(3));
    }
    if (seg[0] === 'apis') {
      if (seg.length === 1) return this.discovery(req, res, false);
      if (seg.length === 2) {
        if (!groups(this.registry.all()).includes(seg[1]) || seg[1] === '') throw pathNotFound();
        return sendJson(res, 200, apiGroup(seg[1], this.registry.all()));
      }
      if (seg.length === 3) {
        const list = apiResourceList(seg[1], seg[2], this.registry.all());
        if (!list) throw pathNotFound();
        return sendJson(res, 200, list);
      }
      return this.resourceRoute(req, res, url, seg[1], seg[2], seg.slice(3));
    }
    // Skiff's own process figures for the dashboard's status bar (authenticated, read-only).
    if (path === '/skiff/v1/process' && method === 'GET') return sendJson(res, 200, processStats());
    if (path === '/') {
      return sendJson(res, 200, {
        paths: [
          '/api',
          '/api/v1',
          '/apis',
          ...groups(this.registry.all())
            .filter(Boolean)
            .map((g) => `/apis/${g}`),
          '/healthz',
          '/livez',
          '/openapi/v2',
          '/openapi/v3',
          '/readyz',
          '/version',
        ],
      });
    }
    throw pathNotFound();
  }

  private discovery(req: IncomingMessage, res: ServerResponse, core: boolean): void {
    for (const e of parseAccept(req.headers.accept)) {
      if (e.params.as === 'APIGroupDiscoveryList' && e.params.g === 'apidiscovery.k8s.io') {
        if (e.params.v === 'v2')
          return sendJson(res, 200, aggregatedDiscovery(core, 'v2', this.registry.all()), AGGREGATED_V2);
        if (e.params.v === 'v2beta1')
          return sendJson(
            res,
            200,
            aggregatedDiscovery(core, 'v2beta1', this.registry.all()),
            AGGREGATED_V2BETA1,
          );
      }
    }
    sendJson(res, 200, core ? apiVersions(this.address) : apiGroupList(this.registry.all()));
  }

  private openApiRoute(req: IncomingMessage, seg: string[], url: URL, res: ServerResponse): void {
    const docs = this.crds.openApiDocs(this.openapi);
    // v2 is one document merged from the v3 ones (CRDs included), for kubectl ≤ 1.26.
    if (seg[1] === 'v2' && seg.length === 2) return this.openapiV2.serve(req, res, docs);
    if (seg[1] !== 'v3') throw pathNotFound();
    if (seg.length === 2) return sendJson(res, 200, openApiIndex(docs));
    const doc = docs.get(seg.slice(2).join('/'));
    if (!doc) throw pathNotFound();
    const hash = url.searchParams.get('hash');
    if (hash && hash !== doc.hash) {
      // Like kube-openapi's handler3: a stale hash redirects to the current one.
      res.writeHead(301, { Location: `/openapi/v3/${doc.path}?hash=${doc.hash}`, 'Content-Length': 0 });
      res.end();
      return;
    }
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(doc.body),
      Etag: `"${doc.hash}"`,
    };
    if (hash) {
      headers['Cache-Control'] = 'public, immutable';
      headers['Expires'] = new Date(this.clock.now() + 365 * 24 * 3600 * 1000).toUTCString();
    } else headers['Cache-Control'] = 'no-cache, private';
    res.writeHead(200, headers);
    res.end(doc.body);
  }

  /** `rest` is what follows /api/v1 or /apis/{g}/{v}. */
  private async resourceRoute(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    group: string,
    version: string,
    rest: string[],
  ): Promise<void> {
    if (!this.registry.servesGroupVersion(group, version)) throw pathNotFound();
    let namespace: string | undefined;
    let parts = rest;
    // /namespaces/{ns}/{resource}... unless it is the namespace object itself (or its subresource).
    if (parts[0] === 'namespaces' && parts.length >= 3) {
      // In the core group /namespaces/{name}/status|finalize is the Namespace's own subresource;
      // anything else there names a resource in that namespace (or no route at all).
      const ownSubresource =
        group === '' &&
        (R.namespaces.subresources ?? []).includes(parts[2]) &&
        !this.registry.find(group, version, parts[2])?.namespaced;
      if (!ownSubresource) {
        namespace = parts[1];
        parts = parts.slice(2);
      }
    }
    const [plural, name, subresource, ...extra] = parts;
    const type: ResourceType | undefined = plural ? this.registry.find(group, version, plural) : undefined;
    // nodes/{name}/proxy/{path...} is the one subresource with a path of its own.
    const proxied = subresource === 'proxy' && type?.group === '' && type.plural === 'nodes';
    if (!type || (extra.length && !proxied)) throw pathNotFound();
    if (namespace !== undefined && !type.namespaced) throw pathNotFound();
    if (name === '') throw pathNotFound();
    if (isReview(type))
      return handleReview(req, res, type, url.searchParams, name, namespace, {
        authorizer: this.authorizer,
        rbac: this.rbac,
      });
    if (isTokenReview(type))
      return handleTokenReview(req, res, name, namespace, this.tokenAuthenticators(), [DEFAULT_ISSUER]);
    const r: ResourceRequest = { req, res, query: url.searchParams, type, namespace, name, subresource };
    if (proxied) r.proxyPath = extra;
    if (type.group === METRICS_GROUP) return this.metrics.handle(r);
    await this.rest.handle(r);
  }
}
