/**
 * API discovery documents generated from common/resources.ts: aggregated discovery
 * (apidiscovery.k8s.io v2 and v2beta1) and the legacy APIVersions / APIGroupList /
 * APIGroup / APIResourceList forms.
 */
import { RESOURCES, apiVersionOf, type ResourceType } from '../../common/resources';

/** Content type kubectl requires for aggregated discovery (G5). */
export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

interface SubresourceInfo {
  name: string;
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

/** Response kinds and verbs of subresources, as the real server reports them. */
function subresourceInfo(t: ResourceType, sub: string): SubresourceInfo {
  const self = { group: t.group, version: t.version, kind: t.kind };
  switch (sub) {
    case 'status':
      return { name: sub, ...self, verbs: ['get', 'patch', 'update'] };
    case 'scale':
      return {
        name: sub,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      };
    case 'binding':
      return { name: sub, group: '', version: 'v1', kind: 'Binding', verbs: ['create'] };
    case 'token':
      return {
        name: sub,
        group: 'authentication.k8s.io',
        version: 'v1',
        kind: 'TokenRequest',
        verbs: ['create'],
      };
    case 'eviction':
      return { name: sub, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
    case 'log':
      return { name: sub, group: '', version: 'v1', kind: 'Pod', verbs: ['get'] };
    case 'exec':
    case 'attach':
    case 'portforward':
      return {
        name: sub,
        group: '',
        version: 'v1',
        kind:
          sub === 'portforward'
            ? 'PodPortForwardOptions'
            : sub === 'exec'
              ? 'PodExecOptions'
              : 'PodAttachOptions',
        verbs: ['create', 'get'],
      };
    case 'proxy':
      // Upstream lists every verb of the proxy; Skiff's is read-only (GET).
      return { name: sub, group: '', version: 'v1', kind: 'NodeProxyOptions', verbs: ['get'] };
    case 'finalize':
      return { name: sub, ...self, verbs: ['update'] };
    case 'ephemeralcontainers':
      return { name: sub, ...self, verbs: ['get', 'patch', 'update'] };
    default:
      return { name: sub, ...self, verbs: ['get'] };
  }
}

/** Group names in discovery order ('' = core). */
export function groups(types: ResourceType[] = RESOURCES): string[] {
  return [...new Set(types.map((t) => t.group))];
}

/** Versions served for a group, preferred first. */
export function versionsOf(group: string, types: ResourceType[] = RESOURCES): string[] {
  return [...new Set(types.filter((t) => t.group === group).map((t) => t.version))];
}

function aggregatedGroup(group: string, types: ResourceType[]): unknown {
  return {
    metadata: { name: group, creationTimestamp: null },
    versions: versionsOf(group, types).map((version) => ({
      version,
      freshness: 'Current',
      resources: types
        .filter((t) => t.group === group && t.version === version)
        .map((t) => ({
          resource: t.plural,
          responseKind: { group: t.group, version: t.version, kind: t.kind },
          scope: t.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: t.singular,
          verbs: t.verbs ?? [],
          ...(t.shortNames?.length ? { shortNames: t.shortNames } : {}),
          ...(t.categories?.length ? { categories: t.categories } : {}),
          ...(t.subresources?.length
            ? {
                subresources: t.subresources.map((s) => {
                  const i = subresourceInfo(t, s);
                  return {
                    subresource: s,
                    responseKind: { group: i.group, version: i.version, kind: i.kind },
                    verbs: i.verbs,
                  };
                }),
              }
            : {}),
        })),
    })),
  };
}

/** Aggregated discovery for /api (core=true) or /apis. */
export function aggregatedDiscovery(
  core: boolean,
  version: 'v2' | 'v2beta1',
  types: ResourceType[] = RESOURCES,
): unknown {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups(types)
      .filter((g) => (g === '') === core)
      .map((g) => aggregatedGroup(g, types)),
  };
}

/** Legacy /api. */
export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: versionsOf(''),
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** Legacy APIGroup for one named group. */
export function apiGroup(group: string, types: ResourceType[] = RESOURCES): unknown {
  const versions = versionsOf(group, types).map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
}

/** Legacy /apis. */
export function apiGroupList(types: ResourceType[] = RESOURCES): unknown {
  const named = groups(types).filter((g) => g !== '');
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: named.map((g) => {
      const { name, versions, preferredVersion } = apiGroup(g, types) as {
        name: string;
        versions: unknown[];
        preferredVersion: unknown;
      };
      return { name, versions, preferredVersion };
    }),
  };
}

/** Legacy APIResourceList for /api/v1 or /apis/{g}/{v}; undefined when not served. */
export function apiResourceList(group: string, version: string, all: ResourceType[] = RESOURCES): unknown {
  const types = all.filter((t) => t.group === group && t.version === version);
  if (!types.length) return undefined;
  const resources: unknown[] = [];
  for (const t of types) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs ?? [],
      ...(t.shortNames?.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories?.length ? { categories: t.categories } : {}),
      storageVersionHash: Buffer.from(`${apiVersionOf(t)}/${t.kind}`)
        .toString('base64')
        .slice(0, 11),
    });
    for (const s of t.subresources ?? []) {
      const i = subresourceInfo(t, s);
      resources.push({
        name: `${t.plural}/${s}`,
        singularName: '',
        namespaced: t.namespaced,
        ...(i.group !== t.group || i.version !== t.version ? { group: i.group, version: i.version } : {}),
        kind: i.kind,
        verbs: i.verbs,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources,
  };
}
