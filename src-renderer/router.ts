/**
 * Routes of the dashboard. Hash history, so the same build works from file:// in Electron and
 * from Skiff's dashboard server in serve mode without server-side fallbacks.
 */
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { useConnectionStore } from './stores/connection';

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
  {
    path: '/deployments',
    name: 'deployments',
    component: () => import('./pages/DeploymentsPage.vue'),
    meta: { title: 'Deployments', section: 'Workloads' },
  },
  {
    path: '/deployments/:namespace/:name',
    name: 'deployment',
    component: () => import('./pages/DeploymentDetailPage.vue'),
    props: true,
    meta: { title: 'Deployment', section: 'Workloads', menu: 'deployments' },
  },
  {
    path: '/pods',
    name: 'pods',
    component: () => import('./pages/PodsPage.vue'),
    meta: { title: 'Pods', section: 'Workloads' },
  },
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
    path: '/deploy',
    name: 'deploy',
    component: () => import('./pages/DeployPage.vue'),
    meta: { title: 'Deploy' },
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
  return router;
}
