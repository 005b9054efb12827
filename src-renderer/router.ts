/**
 * Routes of the dashboard. Hash history, so the same build works from file:// in Electron and
 * from Skiff's dashboard server in serve mode without server-side fallbacks.
 */
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { useConnectionStore } from './stores/connection';
import { KINDS } from './models/kinds';

const WORKLOAD_DETAILS: [string, string][] = [
  ['deployment', 'Deployment'],
  ['statefulset', 'StatefulSet'],
  ['daemonset', 'DaemonSet'],
  ['replicaset', 'ReplicaSet'],
  ['job', 'Job'],
  ['cronjob', 'CronJob'],
];

/** A list page per kind in the sidebar, workload detail pages, and a generic object page. */
function kindRoutes(): RouteRecordRaw[] {
  const out: RouteRecordRaw[] = Object.values(KINDS).map((k) => ({
    path: `/${k.id}`,
    name: k.id,
    component: () => import('./pages/ResourceListPage.vue'),
    props: { kind: k.id },
    meta: { title: k.title, section: k.section },
  }));
  for (const [name, kind] of WORKLOAD_DETAILS) {
    const list = Object.values(KINDS).find((k) => k.singular === kind)!;
    out.push({
      path: `/${list.id}/:namespace/:name`,
      name,
      component: () => import('./pages/WorkloadDetailPage.vue'),
      props: (r) => ({ kind, namespace: r.params.namespace, name: r.params.name }),
      meta: { title: kind, section: 'Workloads', menu: list.id },
    });
  }
  out.push(
    {
      path: '/objects/:plural/:namespace/:name',
      name: 'object',
      component: () => import('./pages/ObjectDetailPage.vue'),
      props: true,
      meta: { title: 'Object' },
    },
    {
      path: '/nodes/:name',
      name: 'node',
      component: () => import('./pages/NodesPage.vue'),
      props: true,
      meta: { title: 'Node', menu: 'nodes' },
    },
  );
  return out;
}

export const routes: RouteRecordRaw[] = [
  {
    path: '/',
    name: 'overview',
    component: () => import('./pages/OverviewPage.vue'),
    meta: { title: 'Overview' },
  },
  {
    path: '/nodes',
    name: 'nodes',
    component: () => import('./pages/NodesPage.vue'),
    meta: { title: 'Nodes' },
  },
  ...kindRoutes(),
  {
    path: '/pods/:namespace/:name',
    name: 'pod',
    component: () => import('./pages/PodDetailPage.vue'),
    props: true,
    meta: { title: 'Pod', section: 'Workloads', menu: 'pods' },
  },
  {
    path: '/events',
    name: 'events',
    component: () => import('./pages/EventsPage.vue'),
    meta: { title: 'Events' },
  },
  {
    path: '/port-forwards',
    name: 'port-forwards',
    component: () => import('./pages/PortForwardsPage.vue'),
    meta: { title: 'Port forwards', section: 'Network' },
  },
  {
    path: '/deploy',
    name: 'deploy',
    component: () => import('./pages/DeployPage.vue'),
    meta: { title: 'Deploy' },
  },
  {
    path: '/resources',
    name: 'resources',
    component: () => import('./pages/ResourcesPage.vue'),
    meta: { title: 'Resources' },
  },
  {
    path: '/apply',
    name: 'apply',
    component: () => import('./pages/ApplyPage.vue'),
    meta: { title: 'Apply YAML' },
  },
  {
    path: '/settings',
    name: 'settings',
    component: () => import('./pages/SettingsPage.vue'),
    meta: { title: 'Settings' },
  },
  {
    path: '/logs/:namespace',
    name: 'workload-logs',
    component: () => import('./pages/WorkloadLogsPage.vue'),
    props: (r) => ({
      namespace: r.params.namespace,
      selector: typeof r.query.selector === 'string' ? r.query.selector : '',
      title: typeof r.query.title === 'string' ? r.query.title : undefined,
    }),
    meta: { title: 'Logs', section: 'Workloads' },
  },
  {
    path: '/connect',
    name: 'connect',
    component: () => import('./pages/ConnectPage.vue'),
    meta: { title: 'Connect', bare: true },
  },
  { path: '/:pathMatch(.*)*', redirect: '/' },
];

export function createAppRouter() {
  const router = createRouter({ history: createWebHashHistory(), routes });
  // Without an accepted token every page leads to Connect, remembering where the user wanted
  // to go; with one, Connect leads back there.
  router.beforeEach((to) => {
    const conn = useConnectionStore();
    const needsToken = conn.phase === 'no-token' || conn.phase === 'unauthorized';
    if (needsToken && to.name !== 'connect') {
      return { name: 'connect', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
    }
    if (!needsToken && conn.phase !== 'connecting' && to.name === 'connect') {
      return typeof to.query.next === 'string' && to.query.next.startsWith('/') ? to.query.next : '/';
    }
    return true;
  });
  router.afterEach((to) => {
    const name = typeof to.params.name === 'string' ? `${to.params.name} · ` : '';
    document.title = `${name}${(to.meta.title as string | undefined) ?? 'Dashboard'} · Skiff`;
  });
  // Skiff was rebuilt or upgraded while this tab was open: the page's code chunk is gone from
  // the server. Load the new build at the page the user asked for (the token is kept in
  // sessionStorage) — at most once a minute, so a genuinely missing file cannot loop.
  router.onError((err, to) => {
    if (!isChunkLoadError(err)) return;
    const last = Number(sessionStorage.getItem(RELOADED_KEY) ?? 0);
    if (Date.now() - last < 60_000) return;
    sessionStorage.setItem(RELOADED_KEY, String(Date.now()));
    window.history.replaceState(window.history.state, '', router.resolve(to).href);
    window.location.reload();
  });
  return router;
}

const RELOADED_KEY = 'skiff.reloadedForBuild';

/** The error a failed `import()` of a page chunk (or its CSS preload) raises, per browser. */
export function isChunkLoadError(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /dynamically imported module|Importing a module script failed|Unable to preload CSS|error loading dynamically imported module/i.test(
    msg,
  );
}
