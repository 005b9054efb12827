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
  /**
   * When set, objects of this type are stored in another version of the same group and plural
   * (Kubernetes' storage version): the API server converts on read and write.
   */
  storageVersion?: string;
  /** With storageVersion: the group objects are stored in, when not this type's own (events.k8s.io → core). */
  storageGroup?: string;
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

/** Every built-in resource type served, in discovery order (within a group: preferred version first). */
export const RESOURCES: ResourceType[] = [
  // core/v1
  r('', 'v1', 'Namespace', 'namespaces', false, { shortNames: ['ns'], subresources: ['status', 'finalize'] }),
  r('', 'v1', 'Node', 'nodes', false, { shortNames: ['no'], subresources: ['status', 'proxy'] }),
  r('', 'v1', 'Pod', 'pods', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      'status',
      'binding',
      'log',
      'eviction',
      'exec',
      'attach',
      'portforward',
      'ephemeralcontainers',
    ],
  }),
  r('', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  r('', 'v1', 'Service', 'services', true, {
    shortNames: ['svc'],
    categories: ['all'],
    subresources: ['status'],
  }),
  r('', 'v1', 'Endpoints', 'endpoints', true, { shortNames: ['ep'] }),
  r('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  r('', 'v1', 'Secret', 'secrets', true),
  r('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'], subresources: ['token'] }),
  r('', 'v1', 'LimitRange', 'limitranges', true, { shortNames: ['limits'] }),
  r('', 'v1', 'ResourceQuota', 'resourcequotas', true, { shortNames: ['quota'], subresources: ['status'] }),
  r('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, {
    shortNames: ['pvc'],
    subresources: ['status'],
  }),
  r('', 'v1', 'PersistentVolume', 'persistentvolumes', false, {
    shortNames: ['pv'],
    subresources: ['status'],
  }),
  r('', 'v1', 'ReplicationController', 'replicationcontrollers', true, {
    shortNames: ['rc'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  // apps/v1
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
  r('apps', 'v1', 'StatefulSet', 'statefulsets', true, {
    shortNames: ['sts'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  r('apps', 'v1', 'DaemonSet', 'daemonsets', true, {
    shortNames: ['ds'],
    categories: ['all'],
    subresources: ['status'],
  }),
  r('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true),
  // events.k8s.io/v1
  // Stored with core/v1 Events (one /registry/events, as upstream), converted on the way.
  r('events.k8s.io', 'v1', 'Event', 'events', true, {
    shortNames: ['ev'],
    storageGroup: '',
    storageVersion: 'v1',
  }),
  // autoscaling: v2 is preferred and is the storage version; v1 is converted on read/write.
  r('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, {
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: ['status'],
  }),
  r('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, {
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: ['status'],
    storageVersion: 'v2',
  }),
  // batch/v1
  r('batch', 'v1', 'Job', 'jobs', true, { categories: ['all'], subresources: ['status'] }),
  r('batch', 'v1', 'CronJob', 'cronjobs', true, {
    shortNames: ['cj'],
    categories: ['all'],
    subresources: ['status'],
  }),
  // networking.k8s.io/v1
  r('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, {
    shortNames: ['ing'],
    subresources: ['status'],
  }),
  r('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false),
  r('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, { shortNames: ['netpol'] }),
  // policy/v1
  r('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, {
    shortNames: ['pdb'],
    subresources: ['status'],
  }),
  // storage.k8s.io/v1
  r('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, { shortNames: ['sc'] }),
  // apiextensions.k8s.io/v1
  r('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, {
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    subresources: ['status'],
  }),
  // scheduling.k8s.io/v1
  r('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, { shortNames: ['pc'] }),
  // coordination.k8s.io/v1
  r('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  // rbac.authorization.k8s.io/v1: stored, served and enforced (apiserver/auth/rbac).
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  r('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  r('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  // Self-subject reviews (kubectl auth can-i / whoami): create-only, never stored.
  r('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, {
    verbs: ['create'],
  }),
  r('authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, {
    verbs: ['create'],
  }),
  r('authorization.k8s.io', 'v1', 'SubjectAccessReview', 'subjectaccessreviews', false, {
    verbs: ['create'],
  }),
  r('authorization.k8s.io', 'v1', 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true, {
    verbs: ['create'],
  }),
  r('authentication.k8s.io', 'v1', 'SelfSubjectReview', 'selfsubjectreviews', false, { verbs: ['create'] }),
  // TokenReview (webhook token authentication's API): create-only, never stored.
  r('authentication.k8s.io', 'v1', 'TokenReview', 'tokenreviews', false, { verbs: ['create'] }),
  // discovery.k8s.io/v1
  r('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
  // apiregistration.k8s.io/v1: stored and served; Skiff does not aggregate.
  r('apiregistration.k8s.io', 'v1', 'APIService', 'apiservices', false, {
    categories: ['api-extensions'],
    subresources: ['status'],
  }),
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
function findByPlural(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/** Resource types referenced by name in code, so callers don't repeat group/version strings. */
export const R = {
  namespaces: findByPlural('', 'v1', 'namespaces')!,
  nodes: findByPlural('', 'v1', 'nodes')!,
  pods: findByPlural('', 'v1', 'pods')!,
  events: findByPlural('', 'v1', 'events')!,
  services: findByPlural('', 'v1', 'services')!,
  endpoints: findByPlural('', 'v1', 'endpoints')!,
  configmaps: findByPlural('', 'v1', 'configmaps')!,
  secrets: findByPlural('', 'v1', 'secrets')!,
  serviceaccounts: findByPlural('', 'v1', 'serviceaccounts')!,
  limitranges: findByPlural('', 'v1', 'limitranges')!,
  resourcequotas: findByPlural('', 'v1', 'resourcequotas')!,
  persistentvolumeclaims: findByPlural('', 'v1', 'persistentvolumeclaims')!,
  persistentvolumes: findByPlural('', 'v1', 'persistentvolumes')!,
  replicationcontrollers: findByPlural('', 'v1', 'replicationcontrollers')!,
  deployments: findByPlural('apps', 'v1', 'deployments')!,
  replicasets: findByPlural('apps', 'v1', 'replicasets')!,
  statefulsets: findByPlural('apps', 'v1', 'statefulsets')!,
  daemonsets: findByPlural('apps', 'v1', 'daemonsets')!,
  controllerrevisions: findByPlural('apps', 'v1', 'controllerrevisions')!,
  /** events.k8s.io/v1 Events (core/v1 Events are `events`). */
  eventsV1: findByPlural('events.k8s.io', 'v1', 'events')!,
  /** autoscaling/v2, the storage version. */
  horizontalpodautoscalers: findByPlural('autoscaling', 'v2', 'horizontalpodautoscalers')!,
  horizontalpodautoscalersV1: findByPlural('autoscaling', 'v1', 'horizontalpodautoscalers')!,
  jobs: findByPlural('batch', 'v1', 'jobs')!,
  cronjobs: findByPlural('batch', 'v1', 'cronjobs')!,
  ingresses: findByPlural('networking.k8s.io', 'v1', 'ingresses')!,
  ingressclasses: findByPlural('networking.k8s.io', 'v1', 'ingressclasses')!,
  networkpolicies: findByPlural('networking.k8s.io', 'v1', 'networkpolicies')!,
  poddisruptionbudgets: findByPlural('policy', 'v1', 'poddisruptionbudgets')!,
  storageclasses: findByPlural('storage.k8s.io', 'v1', 'storageclasses')!,
  customresourcedefinitions: findByPlural('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!,
  priorityclasses: findByPlural('scheduling.k8s.io', 'v1', 'priorityclasses')!,
  leases: findByPlural('coordination.k8s.io', 'v1', 'leases')!,
  clusterrolebindings: findByPlural('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')!,
  clusterroles: findByPlural('rbac.authorization.k8s.io', 'v1', 'clusterroles')!,
  rolebindings: findByPlural('rbac.authorization.k8s.io', 'v1', 'rolebindings')!,
  roles: findByPlural('rbac.authorization.k8s.io', 'v1', 'roles')!,
  endpointslices: findByPlural('discovery.k8s.io', 'v1', 'endpointslices')!,
  apiservices: findByPlural('apiregistration.k8s.io', 'v1', 'apiservices')!,
} as const;
