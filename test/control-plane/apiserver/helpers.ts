/**
 * Test helpers: an ApiServer over the real ObjectStore on the in-memory backend, reached over HTTPS with the
 * cluster CA, plus a raw request helper for header-level checks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeClient } from '../../../src-main/common/client';
import type { TransportRequest, TransportResponse } from '../../../src-main/common/client/transport';
import type { KubeObject } from '../../../src-main/common/types';
import { ApiServer, type ApiServerOptions } from '../../../src-main/control-plane/apiserver/api-server';
import { HttpsTransport } from '../../../src-main/control-plane/client/https-transport';
import type { InFlightLimits } from '../../../src-main/control-plane/apiserver/inflight';
import {
  ObjectStore,
  type ObjectStoreOptions,
} from '../../../src-main/control-plane/apiserver/object-storage';
import { openBackend, type Backend } from '../../../src-main/control-plane/store';
import type { Clock } from '../../../src-main/common/clock';
import { ServiceAccountTokenAuthenticator } from '../../../src-main/control-plane/apiserver/auth/serviceaccount-authenticator';
import {
  TokenSigner,
  ensureServiceAccountKey,
} from '../../../src-main/control-plane/client/serviceaccount-token';

/** A started API server and clients for it. */
export interface TestApi {
  url: string;
  caPem: string;
  token: string;
  dataDir: string;
  api: ApiServer;
  /** With `serviceAccountTokens`: the signer TokenRequest uses (its key is `<dataDir>/pki/sa.key`). */
  signer?: TokenSigner;
  storage: ObjectStore;
  backend: Backend;
  client: KubeClient;
  transport: HttpsTransport;
  /** A raw request with the token (unless `token` is given; '' = none). */
  request(req: TransportRequest & { token?: string }): Promise<TransportResponse>;
  stop(): Promise<void>;
}

/** Starts an ApiServer on a random port with a fresh data dir. */
export async function startApi(
  opts: {
    kubeletToken?: string;
    inFlight?: InFlightLimits;
    store?: ObjectStoreOptions;
    timeouts?: ApiServerOptions['timeouts'];
    /** Issue and authenticate service-account tokens, as cluster.ts does. */
    serviceAccountTokens?: boolean;
    clock?: Clock;
  } = {},
): Promise<TestApi> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'skiff-api-'));
  const backend = openBackend('memory://');
  await backend.start();
  const storage = new ObjectStore(backend, opts.store);
  const token = 'test-token-0123456789';
  const signer = opts.serviceAccountTokens ? new TokenSigner(ensureServiceAccountKey(dataDir)) : undefined;
  const api = new ApiServer({
    clock: opts.clock,
    serviceAccountSigner: signer,
    authenticators: signer
      ? [new ServiceAccountTokenAuthenticator({ signer, storage, clock: opts.clock })]
      : undefined,
    storage,
    dataDir,
    port: 0,
    token,
    kubeletToken: opts.kubeletToken,
    inFlight: opts.inFlight,
    timeouts: opts.timeouts,
    backend,
  });
  const { url, caPem } = await api.start();
  const transport = new HttpsTransport(url, { ca: caPem, token });
  const client = new KubeClient(transport);
  const others: HttpsTransport[] = [];
  return {
    url,
    caPem,
    token,
    dataDir,
    api,
    signer,
    storage,
    backend,
    client,
    transport,
    request(req) {
      if (req.token !== undefined) {
        const t = new HttpsTransport(url, { ca: caPem, token: req.token || undefined });
        others.push(t);
        return t.request(req);
      }
      return transport.request(req);
    },
    async stop() {
      transport.close();
      for (const t of others) t.close();
      await api.stop();
      await backend.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Test manifests: loosely typed so tests can poke at any field. */
export type Manifest = KubeObject & { metadata: Record<string, any>; spec: Record<string, any> };

/** A minimal valid pod. */
export function pod(name: string, extra: Record<string, unknown> = {}): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: { containers: [{ name: 'app', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
    ...extra,
  };
}

/** A minimal valid deployment. */
export function deployment(name: string, replicas = 2): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
      },
    },
  };
}
