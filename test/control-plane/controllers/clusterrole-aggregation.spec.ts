/**
 * ClusterRole aggregation: the pure union (aggregatedRules) and the controller against the real
 * API server with its bootstrap policy — a ClusterRole labelled aggregate-to-view extends view,
 * and through view's and edit's own labels, edit and admin; removing the label takes it away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterRole } from 'kubernetes-types/rbac/v1';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { aggregatedRules } from '../../../src-main/control-plane/controllers/clusterrole-aggregation-controller';
import { ControllerManager } from '../../../src-main/control-plane/controllers/controller-manager';
import { startApi, type TestApi } from '../apiserver/helpers';
import { eventually } from '../kubelet/helpers/docker';

type CR = ClusterRole & KubeObject;
const cr = (name: string, labels: Record<string, string>, rules: CR['rules'], agg?: string): CR => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, labels },
  rules,
  ...(agg ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [agg]: 'true' } }] } } : {}),
});

describe('aggregatedRules', () => {
  it('is the union of the matched roles’ rules, in name order, each distinct rule once, never itself', () => {
    const a = cr('a', { x: 'true' }, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]);
    const b = cr('b', { x: 'true' }, [
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['list'], apiGroups: ['apps'], resources: ['deployments'] },
    ]);
    const other = cr('c', { y: 'true' }, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]);
    const agg = cr('agg', { x: 'true' }, [{ verbs: ['delete'], apiGroups: [''], resources: ['nodes'] }], 'x');
    expect(aggregatedRules(agg, [b, other, agg, a])).toEqual([
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['list'], apiGroups: ['apps'], resources: ['deployments'] },
    ]);
    expect(aggregatedRules(cr('none', {}, [], 'z'), [a, b])).toEqual([]);
  });
});

describe('the aggregation controller against the API server', () => {
  let t: TestApi;
  let cm: ControllerManager;
  beforeAll(async () => {
    t = await startApi();
    cm = new ControllerManager(t.client);
    cm.start();
  });
  afterAll(async () => {
    await cm?.stop();
    await t?.stop();
  });

  const has = (role: CR | undefined, resource: string) =>
    (role?.rules ?? []).some((r) => r.apiGroups?.includes('example.com') && r.resources?.includes(resource));

  it('a role labelled aggregate-to-view extends view, edit and admin; removing the label takes it away', async () => {
    const mine = await t.client.create<CR>(
      R.clusterroles,
      cr('widget-viewer', { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, [
        { verbs: ['get', 'list', 'watch'], apiGroups: ['example.com'], resources: ['widgets'] },
      ]),
    );
    for (const name of ['view', 'edit', 'admin'])
      await eventually(async () => {
        if (!has(await t.client.get<CR>(R.clusterroles, name), 'widgets'))
          throw new Error(`${name} lacks widgets`);
        return true;
      }, 20_000);
    // view still has its own rules (from system:aggregate-to-view) and no secrets.
    const view = await t.client.get<CR>(R.clusterroles, 'view');
    expect(view.rules!.some((r) => r.resources?.includes('pods'))).toBe(true);
    expect(view.rules!.some((r) => r.resources?.includes('secrets'))).toBe(false);
    await t.client.update<CR>(R.clusterroles, { ...mine, metadata: { ...mine.metadata, labels: {} } });
    for (const name of ['view', 'edit', 'admin'])
      await eventually(async () => {
        if (has(await t.client.get<CR>(R.clusterroles, name), 'widgets'))
          throw new Error(`${name} still has widgets`);
        return true;
      }, 20_000);
  });
});
