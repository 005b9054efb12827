/**
 * The registry of API resources Skiff serves: the one table that discovery, the REST router,
 * the client and the dashboard all read, so a kind is described once.
 */
export interface ResourceType {
  /** API group; '' for the core group. */
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Plural lowercase resource name as it appears in URLs. */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Subresources served, e.g. ['status', 'scale', 'binding', 'log']. */
  subresources?: string[];
  verbs?: string[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function r(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    verbs: ALL_VERBS,
    ...extra,
  };
}

/** Every built-in resource type served, in discovery order. */
export const RESOURCES: ResourceType[] = [
  r('', 'v1', 'Namespace', 'namespaces', false, { shortNames: ['ns'], subresources: ['status', 'finalize'] }),
  r('', 'v1', 'Node', 'nodes', false, { shortNames: ['no'], subresources: ['status'] }),
  r('', 'v1', 'Pod', 'pods', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status', 'binding', 'log', 'eviction', 'exec', 'attach', 'portforward'],
  }),
  r('', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  r('apps', 'v1', 'Deployment', 'deployments', true, {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  r('apps', 'v1', 'ReplicaSet', 'replicasets', true, {
    shortNames: ['rs'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  r('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
];

/** `apiVersion` string for a resource type ('v1' or 'apps/v1'). */
export function apiVersionOf(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** Finds a type by apiVersion and kind. */
export function findByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCES.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
}

/** Finds a type by group, version and plural. */
export function findByPlural(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/** Resource types referenced by name in code, so callers don't repeat group/version strings. */
export const R = {
  namespaces: findByPlural('', 'v1', 'namespaces')!,
  nodes: findByPlural('', 'v1', 'nodes')!,
  pods: findByPlural('', 'v1', 'pods')!,
  events: findByPlural('', 'v1', 'events')!,
  deployments: findByPlural('apps', 'v1', 'deployments')!,
  replicasets: findByPlural('apps', 'v1', 'replicasets')!,
  leases: findByPlural('coordination.k8s.io', 'v1', 'leases')!,
} as const;
