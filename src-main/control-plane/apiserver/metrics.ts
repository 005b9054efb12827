/**
 * metrics.k8s.io/v1beta1 served by the API server itself (what metrics-server does as an
 * aggregated API): NodeMetrics and PodMetrics built from each Ready node's kubelet Summary API
 * (`/stats/summary`, kubelet/stats.ts), so `kubectl top` and the HPA need nothing installed.
 * Read-only: get and list, with namespace and labelSelector like metrics-server.
 */
import http from 'node:http';
import type { Node } from 'kubernetes-types/core/v1';
import { rfc3339, type Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { R, type ResourceType } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { boolParam, sendJson } from './http';
import type { ResourceRequest } from './request';
import { matchesLabelSelector, parseLabelSelector, SelectorError } from './selectors';
import { StatusError, badRequest, methodNotAllowed } from './status';
import type { ObjectStorage } from './storage';

export const METRICS_GROUP = 'metrics.k8s.io';
const VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${VERSION}`;

/** The served metrics types (registered in the API server's registry as the metrics APIService). */
export const METRICS_TYPES: ResourceType[] = [
  {
    group: METRICS_GROUP,
    version: VERSION,
    kind: 'NodeMetrics',
    listKind: 'NodeMetricsList',
    plural: 'nodes',
    singular: '',
    namespaced: false,
    verbs: ['get', 'list'],
  },
  {
    group: METRICS_GROUP,
    version: VERSION,
    kind: 'PodMetrics',
    listKind: 'PodMetricsList',
    plural: 'pods',
    singular: '',
    namespaced: true,
    verbs: ['get', 'list'],
  },
];

/** The registry key of the metrics types (an APIService name). */
export const METRICS_API_SERVICE = `${VERSION}.${METRICS_GROUP}`;

interface CpuMem {
  time: string;
  usageNanoCores?: number;
  workingSetBytes?: number;
}

/** The part of the kubelet Summary API read here. */
interface Summary {
  node: { nodeName: string; cpu?: CpuMem; memory?: CpuMem };
  pods: {
    podRef: { name: string; namespace: string; uid: string };
    containers: { name: string; cpu?: CpuMem; memory?: CpuMem }[];
  }[];
}

/** Summaries are cached this long per node (a `top` burst costs one kubelet call per node). */
const CACHE_MS = 2_000;

export interface MetricsDeps {
  storage: ObjectStorage;
  kubeletToken?: string;
  logger: Logger;
  clock: Clock;
}

/** Serves /apis/metrics.k8s.io/v1beta1/... */
export class MetricsApi {
  private readonly cache = new Map<string, { at: number; summary: Promise<Summary | undefined> }>();

  constructor(private readonly deps: MetricsDeps) {}

  async handle(r: ResourceRequest): Promise<void> {
    const method = r.req.method ?? 'GET';
    if (method !== 'GET' || r.subresource || boolParam(r.query, 'watch')) throw methodNotAllowed();
    let selector;
    try {
      selector = parseLabelSelector(r.query.get('labelSelector') ?? undefined);
    } catch (err) {
      if (err instanceof SelectorError) throw badRequest(err.message);
      throw err;
    }
    const isNodes = r.type.kind === 'NodeMetrics';
    const nodes = (await this.deps.storage.list(R.nodes)).items as (Node & KubeObject)[];
    const ready = nodes.filter((n) =>
      (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    const summaries = await Promise.all(
      ready.map(async (n) => ({ node: n, summary: await this.summary(n) })),
    );

    let items: KubeObject[];
    if (isNodes) {
      items = summaries
        .filter(({ summary }) => summary?.node.cpu?.usageNanoCores !== undefined && summary.node.memory)
        .filter(({ node }) => matchesLabelSelector(selector, node.metadata.labels))
        .map(({ node, summary }) => ({
          kind: 'NodeMetrics',
          apiVersion: API_VERSION,
          metadata: {
            name: node.metadata.name,
            creationTimestamp: rfc3339(this.deps.clock.now()),
            labels: node.metadata.labels,
          },
          timestamp: summary!.node.cpu!.time,
          window: '10s',
          usage: usage(summary!.node.cpu, summary!.node.memory),
        }));
    } else {
      const pods = (await this.deps.storage.list(R.pods, { namespace: r.namespace })).items;
      const byUid = new Map(pods.map((p) => [p.metadata.uid, p] as const));
      items = [];
      for (const { summary } of summaries)
        for (const ps of summary?.pods ?? []) {
          const pod = byUid.get(ps.podRef.uid);
          if (!pod || !matchesLabelSelector(selector, pod.metadata.labels)) continue;
          const containers = ps.containers.filter((c) => c.cpu?.usageNanoCores !== undefined && c.memory);
          if (!containers.length) continue;
          items.push({
            kind: 'PodMetrics',
            apiVersion: API_VERSION,
            metadata: {
              name: pod.metadata.name,
              namespace: pod.metadata.namespace,
              creationTimestamp: rfc3339(this.deps.clock.now()),
              labels: pod.metadata.labels,
            },
            timestamp: containers[0]!.cpu!.time,
            window: '10s',
            containers: containers.map((c) => ({ name: c.name, usage: usage(c.cpu, c.memory) })),
          } as KubeObject);
        }
      items.sort((a, b) =>
        `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
          `${b.metadata.namespace}/${b.metadata.name}`,
        ),
      );
    }
    if (r.name !== undefined) {
      const one = items.find((i) => i.metadata.name === r.name);
      if (!one)
        throw new StatusError(
          404,
          'NotFound',
          `${isNodes ? 'nodemetrics' : 'podmetrics'}.${METRICS_GROUP} "${r.name}" not found`,
          {
            name: r.name,
            group: METRICS_GROUP,
            kind: isNodes ? 'nodes' : 'pods',
          },
        );
      return sendJson(r.res, 200, one);
    }
    sendJson(r.res, 200, { kind: r.type.listKind, apiVersion: API_VERSION, metadata: {}, items });
  }

  /** A node's kubelet summary (cached briefly); undefined when the kubelet does not answer. */
  private summary(node: Node & KubeObject): Promise<Summary | undefined> {
    const name = node.metadata.name!;
    const now = this.deps.clock.now();
    const hit = this.cache.get(name);
    if (hit && now - hit.at < CACHE_MS) return hit.summary;
    const host = (node.status?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address;
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
    const summary =
      host && port
        ? this.fetchSummary(host, port).catch((err: unknown) => {
            this.deps.logger.debug('kubelet stats unavailable', { node: name, err: String(err) });
            return undefined;
          })
        : Promise.resolve(undefined);
    this.cache.set(name, { at: now, summary });
    return summary;
  }

  private fetchSummary(host: string, port: number): Promise<Summary> {
    return new Promise((resolve, reject) => {
      const req = http.get(
        {
          host: host.includes(':') ? `[${host}]` : host,
          port,
          path: '/stats/summary',
          headers: this.deps.kubeletToken ? { Authorization: `Bearer ${this.deps.kubeletToken}` } : {},
          timeout: 5_000,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            if (res.statusCode !== 200) return reject(new Error(`kubelet answered ${res.statusCode}`));
            try {
              resolve(JSON.parse(body) as Summary);
            } catch (err) {
              reject(err as Error);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  }
}

/** Quantities as metrics-server writes them: CPU in nanocores, memory in Ki. */
function usage(cpu?: CpuMem, memory?: CpuMem): { cpu: string; memory: string } {
  return {
    cpu: `${Math.max(0, Math.round(cpu?.usageNanoCores ?? 0))}n`,
    memory: `${Math.max(0, Math.round((memory?.workingSetBytes ?? 0) / 1024))}Ki`,
  };
}
