/**
 * The default ClusterRoles and ClusterRoleBindings (plugin/pkg/auth/authorizer/rbac/bootstrappolicy)
 * and their reconciliation on API server start (the rbac/bootstrap-roles post-start hook):
 * created when missing, and put back when their `rbac.authorization.kubernetes.io/autoupdate`
 * annotation is "true" and they differ. admin, edit and view aggregate from the
 * system:aggregate-to-* roles (the aggregation controller fills their rules); they are also
 * written pre-aggregated so they work before that controller first runs.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from 'kubernetes-types/rbac/v1';
import type { Clock } from '../../../../common/clock';
import { R } from '../../../../common/resources';
import type { KubeObject } from '../../../../common/types';
import { strategyFor } from '../../registry';
import type { ObjectStorage } from '../../storage';

const V = 'rbac.authorization.k8s.io/v1';
export const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({
  apiGroups,
  resources,
  verbs,
});
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ nonResourceURLs, verbs });

const AGGREGATE_TO_VIEW: PolicyRule[] = [
  rule(
    READ,
    [''],
    [
      'configmaps',
      'endpoints',
      'persistentvolumeclaims',
      'persistentvolumeclaims/status',
      'pods',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'serviceaccounts',
      'services',
      'services/status',
    ],
  ),
  rule(
    READ,
    [''],
    [
      'bindings',
      'events',
      'limitranges',
      'namespaces/status',
      'pods/log',
      'pods/status',
      'replicationcontrollers/status',
      'resourcequotas',
      'resourcequotas/status',
    ],
  ),
  rule(READ, [''], ['namespaces']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(
    READ,
    ['apps'],
    [
      'controllerrevisions',
      'daemonsets',
      'daemonsets/status',
      'deployments',
      'deployments/scale',
      'deployments/status',
      'replicasets',
      'replicasets/scale',
      'replicasets/status',
      'statefulsets',
      'statefulsets/scale',
      'statefulsets/status',
    ],
  ),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
  rule(
    READ,
    ['extensions'],
    [
      'daemonsets',
      'daemonsets/status',
      'deployments',
      'deployments/scale',
      'deployments/status',
      'ingresses',
      'ingresses/status',
      'networkpolicies',
      'replicasets',
      'replicasets/scale',
      'replicasets/status',
      'replicationcontrollers/scale',
    ],
  ),
  rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
  rule(READ, ['coordination.k8s.io'], ['leases']),
];

const AGGREGATE_TO_EDIT: PolicyRule[] = [
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
  rule(['create'], [''], ['pods/eviction']),
  rule(
    WRITE,
    [''],
    [
      'configmaps',
      'events',
      'persistentvolumeclaims',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'secrets',
      'serviceaccounts',
      'services',
      'services/proxy',
    ],
  ),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(
    WRITE,
    ['apps'],
    [
      'daemonsets',
      'deployments',
      'deployments/rollback',
      'deployments/scale',
      'replicasets',
      'replicasets/scale',
      'statefulsets',
      'statefulsets/scale',
    ],
  ),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
  rule(
    WRITE,
    ['extensions'],
    [
      'daemonsets',
      'deployments',
      'deployments/rollback',
      'deployments/scale',
      'ingresses',
      'networkpolicies',
      'replicasets',
      'replicasets/scale',
      'replicationcontrollers/scale',
    ],
  ),
  rule(WRITE, ['policy'], ['poddisruptionbudgets']),
  rule(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
  rule(WRITE, ['coordination.k8s.io'], ['leases']),
  rule(
    READ,
    [''],
    ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'],
  ),
];

const AGGREGATE_TO_ADMIN: PolicyRule[] = [
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
  rule(READ_WRITE, ['rbac.authorization.k8s.io'], ['rolebindings', 'roles']),
];

const DISCOVERY_URLS = [
  '/api',
  '/api/*',
  '/apis',
  '/apis/*',
  '/healthz',
  '/livez',
  '/openapi',
  '/openapi/*',
  '/readyz',
  '/version',
  '/version/',
];
const PUBLIC_INFO_URLS = ['/healthz', '/livez', '/readyz', '/version', '/version/'];
const EVENTS_WRITE = [
  rule(['create', 'patch', 'update'], [''], ['events']),
  rule(['create', 'patch', 'update'], ['events.k8s.io'], ['events']),
];

function clusterRole(
  name: string,
  rules: PolicyRule[],
  extra: { labels?: Record<string, string>; aggregateFrom?: string } = {},
): ClusterRole {
  return {
    apiVersion: V,
    kind: 'ClusterRole',
    metadata: {
      name,
      labels: { ...BOOTSTRAP_LABEL, ...extra.labels },
      annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
    },
    ...(extra.aggregateFrom
      ? {
          aggregationRule: {
            clusterRoleSelectors: [
              { matchLabels: { [`rbac.authorization.k8s.io/${extra.aggregateFrom}`]: 'true' } },
            ],
          },
        }
      : {}),
    rules,
  };
}

const toLabel = (what: string) => ({ [`rbac.authorization.k8s.io/${what}`]: 'true' });

/** The default ClusterRoles. */
export function bootstrapClusterRoles(): ClusterRole[] {
  const view = AGGREGATE_TO_VIEW;
  const edit = [...AGGREGATE_TO_EDIT, ...view];
  const admin = [...AGGREGATE_TO_ADMIN, ...edit];
  return [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    clusterRole('system:discovery', [urls(['get'], DISCOVERY_URLS)]),
    clusterRole('system:public-info-viewer', [urls(['get'], PUBLIC_INFO_URLS)]),
    clusterRole('system:basic-user', [
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ]),
    clusterRole('admin', admin, { aggregateFrom: 'aggregate-to-admin' }),
    clusterRole('edit', edit, { aggregateFrom: 'aggregate-to-edit', labels: toLabel('aggregate-to-admin') }),
    clusterRole('view', view, { aggregateFrom: 'aggregate-to-view', labels: toLabel('aggregate-to-edit') }),
    clusterRole('system:aggregate-to-admin', AGGREGATE_TO_ADMIN, { labels: toLabel('aggregate-to-admin') }),
    clusterRole('system:aggregate-to-edit', AGGREGATE_TO_EDIT, { labels: toLabel('aggregate-to-edit') }),
    clusterRole('system:aggregate-to-view', AGGREGATE_TO_VIEW, { labels: toLabel('aggregate-to-view') }),
    clusterRole('system:auth-delegator', [
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    ]),
    clusterRole('system:service-account-issuer-discovery', [
      urls(
        ['get'],
        [
          '/.well-known/openid-configuration',
          '/.well-known/openid-configuration/',
          '/openid/v1/jwks',
          '/openid/v1/jwks/',
        ],
      ),
    ]),
    clusterRole('system:node-proxier', [
      rule(['list', 'watch'], [''], ['endpoints', 'services']),
      rule(['get', 'list', 'watch'], [''], ['nodes']),
      ...EVENTS_WRITE,
      rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ]),
    clusterRole('system:node', [
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews', 'subjectaccessreviews']),
      rule(READ, [''], ['services']),
      rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
      rule(['patch', 'update'], [''], ['nodes/status']),
      rule(['patch', 'update'], [''], ['nodes']),
      ...EVENTS_WRITE,
      rule(READ, [''], ['pods']),
      rule(['create', 'delete'], [''], ['pods']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(['create'], [''], ['pods/eviction']),
      rule(['get'], [''], ['configmaps', 'secrets']),
      rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['get'], [''], ['endpoints']),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(['create', 'delete', 'get', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
    ]),
    clusterRole('system:kube-scheduler', [
      ...EVENTS_WRITE,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases']),
      rule(['delete', 'get', 'list', 'watch'], [''], ['pods']),
      rule(['create'], [''], ['bindings', 'pods/binding']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(
        READ,
        [''],
        [
          'nodes',
          'namespaces',
          'persistentvolumeclaims',
          'persistentvolumes',
          'replicationcontrollers',
          'services',
        ],
      ),
      rule(READ, ['apps', 'extensions'], ['replicasets']),
      rule(READ, ['apps'], ['statefulsets']),
      rule(READ, ['policy'], ['poddisruptionbudgets']),
      rule(READ, ['storage.k8s.io'], ['csidrivers', 'csinodes', 'csistoragecapacities', 'storageclasses']),
    ]),
    clusterRole('system:kube-controller-manager', [
      ...EVENTS_WRITE,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases']),
      rule(['create'], [''], ['secrets', 'serviceaccounts']),
      rule(['delete'], [''], ['secrets']),
      rule(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
      rule(['update'], [''], ['secrets', 'serviceaccounts']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], [''], ['serviceaccounts/token']),
    ]),
  ];
}

function clusterBinding(
  role: string,
  subjects: { kind: 'User' | 'Group'; name: string }[],
): ClusterRoleBinding {
  return {
    apiVersion: V,
    kind: 'ClusterRoleBinding',
    metadata: {
      name: role,
      labels: { ...BOOTSTRAP_LABEL },
      annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
    },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: subjects.map((s) => ({ apiGroup: 'rbac.authorization.k8s.io', ...s })),
  };
}

/** The default ClusterRoleBindings. */
export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  const group = (name: string) => ({ kind: 'Group' as const, name });
  const user = (name: string) => ({ kind: 'User' as const, name });
  return [
    clusterBinding('cluster-admin', [group('system:masters')]),
    clusterBinding('system:discovery', [group('system:authenticated')]),
    clusterBinding('system:basic-user', [group('system:authenticated')]),
    clusterBinding('system:public-info-viewer', [
      group('system:authenticated'),
      group('system:unauthenticated'),
    ]),
    clusterBinding('system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
    clusterBinding('system:node-proxier', [user('system:kube-proxy')]),
    clusterBinding('system:kube-scheduler', [user('system:kube-scheduler')]),
    clusterBinding('system:kube-controller-manager', [user('system:kube-controller-manager')]),
  ];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Creates each default role and binding when missing; when its autoupdate annotation is "true"
 * and its rules (or roleRef/subjects) or labels differ, puts the defaults back. An aggregated
 * role's rules are the aggregation controller's business, so only its aggregationRule is compared.
 */
export async function reconcileBootstrapPolicy(storage: ObjectStorage, clock: Clock): Promise<void> {
  const write = async (
    t: typeof R.clusterroles,
    want: KubeObject,
    differs: (cur: KubeObject & Record<string, unknown>) => boolean,
    fields: string[],
  ) => {
    const s = strategyFor(t);
    await storage.guaranteedUpdate(
      t,
      undefined,
      want.metadata.name!,
      (cur) => {
        if (!cur) {
          const o = structuredClone(want);
          s.prepareForCreate?.(o, { now: clock.now() });
          s.applyDefaults?.(o);
          return o;
        }
        const c = cur as KubeObject & Record<string, unknown>;
        if (c.metadata.annotations?.[AUTOUPDATE_ANNOTATION] !== 'true') return cur;
        const labels = { ...c.metadata.labels, ...want.metadata.labels };
        if (!differs(c) && same(labels, c.metadata.labels)) return cur;
        const next = structuredClone(cur) as KubeObject & Record<string, unknown>;
        next.metadata = { ...next.metadata, labels };
        for (const f of fields) next[f] = structuredClone((want as unknown as Record<string, unknown>)[f]);
        s.applyDefaults?.(next);
        return next;
      },
      { allowCreate: true },
    );
  };
  for (const cr of bootstrapClusterRoles()) {
    const o = cr as unknown as KubeObject;
    if (cr.aggregationRule)
      await write(R.clusterroles, o, (c) => !same(c.aggregationRule, cr.aggregationRule), [
        'aggregationRule',
      ]);
    else await write(R.clusterroles, o, (c) => !same(c.rules, cr.rules), ['rules']);
  }
  for (const b of bootstrapClusterRoleBindings())
    await write(
      R.clusterrolebindings,
      b as unknown as KubeObject,
      (c) => !same(c.roleRef, b.roleRef) || !same(c.subjects, b.subjects),
      ['roleRef', 'subjects'],
    );
}
