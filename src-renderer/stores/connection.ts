/**
 * The dashboard's link to the API server: the token, the KubeClient, the connection phase the
 * top bar and banner show, and the `/readyz?verbose` probe behind the API server and store
 * health cards. It starts every resource store once connected and stops them on a 401.
 */
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import { ApiError, FetchTransport, KubeClient } from '@common/client';
import { errorMessage } from '../models/format';
import { parseReadyz, type ReadyzResult } from '../models/health';
import { clearToken, loadCluster, resolveSession, saveCluster, saveToken } from '../api/session';
import type { LoadStatus } from './resource-store';
import { allResourceStores } from './registry';
import { useLimitRangesStore, useResourceQuotasStore } from './quotas';

/**
 * - `no-token`: nothing to authenticate with (serve mode opened without `#token=`).
 * - `connecting`: checking the token / first list in flight.
 * - `connected`: the API answers.
 * - `unreachable`: requests fail (Skiff stopped, restarting); everything retries by itself.
 * - `unauthorized`: the API answered 401 (wrong or old token).
 */
export type ConnectionPhase = 'no-token' | 'connecting' | 'connected' | 'unreachable' | 'unauthorized';

const READYZ_INTERVAL_MS = 30_000;
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 5_000;

export const useConnectionStore = defineStore('connection', () => {
  const baseUrl = ref('');
  const desktop = ref(false);
  const token = ref<string | null>(null);
  const client = shallowRef<KubeClient | null>(null);
  const phase = ref<ConnectionPhase>('no-token');
  const lastError = ref<string | null>(null);
  const readyz = shallowRef<ReadyzResult | undefined>(undefined);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  const serverVersion = ref<string | null>(null);
  /** The kubeconfig context the pages show ('' = the local Skiff cluster). */
  const cluster = ref('');
  /**
   * Whether the cluster serves Skiff's own APIs (/skiff/v1, /apis/skiff.dev): true for the local
   * cluster; for a context, a probe of GET /skiff/v1/process decides (404 = a plain Kubernetes).
   * `/apis/skiff.dev` itself has no group discovery on Skiff, so it cannot be the probe.
   */
  const skiff = ref(true);
  /** The base URL of the local cluster (the Electron-provided URL or '' = this page's origin). */
  let localBase = '';

  let readyzTimer: ReturnType<typeof setTimeout> | undefined;
  let retryDelay = RETRY_MIN_MS;
  let probing = false;

  const stores = () => [...allResourceStores(), useResourceQuotasStore(), useLimitRangesStore()];

  /** Reads the session (Electron bridge or URL fragment / sessionStorage) and connects. */
  function init(): void {
    const s = resolveSession();
    localBase = s.baseUrl;
    desktop.value = s.desktop;
    cluster.value = loadCluster();
    baseUrl.value = baseFor(cluster.value);
    if (s.token) void connect(s.token);
    else phase.value = 'no-token';
  }

  /** Where the pages reach a cluster: a context goes through the dashboard server's proxy. */
  function baseFor(name: string): string {
    if (!name) return localBase;
    const origin = localBase || window.location.origin;
    return `${origin}/clusters/${encodeURIComponent(name)}`;
  }

  /** Switches every store and watch to another cluster (a kubeconfig context, '' = Skiff). */
  async function switchCluster(name: string): Promise<boolean> {
    if (!token.value) return false;
    cluster.value = name;
    saveCluster(name);
    baseUrl.value = baseFor(name);
    return connect(token.value);
  }

  /** Verifies a token against an authenticated endpoint, then starts every store. */
  async function connect(t: string): Promise<boolean> {
    stopStores();
    token.value = t;
    const c = markRaw(new KubeClient(new FetchTransport(baseUrl.value, t)));
    client.value = c;
    phase.value = 'connecting';
    status.value = 'loading';
    error.value = null;
    try {
      const v = await c.raw<{ gitVersion?: string }>({ method: 'GET', path: '/version' });
      serverVersion.value = v?.gitVersion ?? null;
      await c.raw({ method: 'GET', path: '/api' });
      if (cluster.value) {
        const probe = await c.transport.request({ method: 'GET', path: '/skiff/v1/process' });
        skiff.value = probe.status >= 200 && probe.status < 300;
      } else skiff.value = true;
    } catch (err) {
      reportError(err);
      if ((phase.value as ConnectionPhase) === 'unauthorized') return false;
    }
    if (!desktop.value) saveToken(t);
    if (phase.value === 'connecting') markConnected();
    for (const s of stores()) {
      s.bind(c, { onError: reportError, onSync: markConnected });
    }
    void probeReadyz();
    return true;
  }

  function stopStores(): void {
    for (const s of stores()) s.unbind();
  }

  /** Forgets the token and returns to the Connect page. */
  function disconnect(): void {
    stopStores();
    clearToken();
    token.value = null;
    client.value = null;
    phase.value = 'no-token';
  }

  function markConnected(): void {
    if (phase.value === 'unauthorized' || phase.value === 'no-token') return;
    const was = phase.value;
    phase.value = 'connected';
    status.value = 'ready';
    error.value = null;
    lastError.value = null;
    retryDelay = RETRY_MIN_MS;
    if (was === 'unreachable') void probeReadyz();
  }

  /** Any failed request lands here: 401 ends the session, anything else means "unreachable". */
  function reportError(err: unknown): void {
    if (err instanceof ApiError && err.code === 401) {
      phase.value = 'unauthorized';
      status.value = 'error';
      error.value = 'The API rejected the token (401 Unauthorized).';
      lastError.value = error.value;
      stopStores();
      return;
    }
    // A Status answer other than 401 means the server is up; only transport failures and
    // gateway errors (the dashboard proxy without a backend) mean unreachable.
    const gateway = err instanceof ApiError && [502, 503, 504].includes(err.code);
    if (err instanceof ApiError && !gateway) {
      lastError.value = errorMessage(err);
      return;
    }
    if (phase.value === 'unauthorized' || phase.value === 'no-token') return;
    const was = phase.value;
    phase.value = 'unreachable';
    status.value = 'error';
    error.value = errorMessage(err);
    lastError.value = error.value;
    if (was !== 'unreachable') void probeReadyz();
  }

  /**
   * GET /readyz?verbose: the API server's and store's health. Re-fetched every 30 s while
   * connected (there is no watch for it) and with a short backoff while unreachable, which is
   * also what makes the banner clear by itself when the API comes back.
   */
  async function probeReadyz(): Promise<void> {
    if (probing) return;
    probing = true;
    clearTimeout(readyzTimer);
    const c = client.value;
    try {
      if (!c) return;
      const res = await c.transport.request({ method: 'GET', path: '/readyz?verbose' });
      const reachable = ![502, 503, 504].includes(res.status) || parseReadyz(res.body).length > 0;
      readyz.value = { reachable, httpStatus: res.status, checks: parseReadyz(res.body) };
      if (reachable && phase.value === 'unreachable') markConnected();
      else if (!reachable)
        reportError(new Error(`API server unreachable (HTTP ${res.status} from the dashboard proxy)`));
    } catch (err) {
      readyz.value = { reachable: false, checks: [], error: errorMessage(err) };
      reportError(err);
    } finally {
      probing = false;
      schedule();
    }
  }

  function schedule(): void {
    clearTimeout(readyzTimer);
    if (!client.value || phase.value === 'unauthorized' || phase.value === 'no-token') return;
    let delay = READYZ_INTERVAL_MS;
    if (phase.value === 'unreachable') {
      delay = retryDelay;
      retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
    }
    readyzTimer = setTimeout(() => void probeReadyz(), delay);
  }

  /** Retry now (the banner's button). */
  function retry(): void {
    retryDelay = RETRY_MIN_MS;
    void probeReadyz();
  }

  const connected = computed(() => phase.value === 'connected');
  /** Where the API is, for tooltips: the Electron-provided URL or this page's origin (proxy). */
  const apiLabel = computed(() =>
    cluster.value
      ? `context ${cluster.value} (via the dashboard server)`
      : baseUrl.value || `${window.location.origin} (proxy)`,
  );

  return {
    baseUrl,
    cluster,
    skiff,
    switchCluster,
    desktop,
    token,
    client,
    phase,
    connected,
    apiLabel,
    lastError,
    readyz,
    serverVersion,
    status,
    error,
    init,
    connect,
    disconnect,
    reportError,
    markConnected,
    probeReadyz,
    retry,
  };
});
