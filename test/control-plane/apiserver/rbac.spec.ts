// rbac.authorization.k8s.io/v1 Roles, ClusterRoles and their bindings over HTTPS: stored (not enforced), defaults, validation causes, immutable roleRef, kubectl-style Tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-main/common/client';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { startApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startApi();
});
afterAll(async () => {
  await t?.stop();
});

type Obj = KubeObject & Record<string, any>;
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const V = 'rbac.authorization.k8s.io/v1';

async function fails(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

async function table(path: string): Promise<{ columnDefinitions: any[]; rows: { cells: unknown[] }[] }> {
  const res = await t.request({ method: 'GET', path, headers: { Accept: TABLE } });
  expect(res.status).toBe(200);
  return JSON.parse(res.body);
}
const columns = (tb: { columnDefinitions: any[] }, wide = false) =>
  tb.columnDefinitions.filter((c) => wide || c.priority === 0).map((c) => c.name);

describe('Roles and ClusterRoles', () => {
  it('stores a Role and a ClusterRole with an aggregationRule, and lists them', async () => {
    const role = (await t.client.create(R.roles, {
      apiVersion: V,
      kind: 'Role',
      metadata: { name: 'pod-reader', namespace: 'default' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list'] }],
    } as KubeObject)) as Obj;
    expect(role.rules[0].verbs).toEqual(['get', 'watch', 'list']);
    const cr = (await t.client.create(R.clusterroles, {
      apiVersion: V,
      kind: 'ClusterRole',
      metadata: { name: 'system:monitoring' },
      aggregationRule: {
        clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }],
      },
      rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
    } as KubeObject)) as Obj;
    expect(cr.aggregationRule.clusterRoleSelectors).toHaveLength(1);
    expect((await t.client.get(R.clusterroles, 'system:monitoring')).metadata.uid).toBe(cr.metadata.uid);
    const list = await t.client.list(R.roles, { namespace: 'default' });
    expect(list.items.map((i) => i.metadata.name)).toEqual(['pod-reader']);
  });

  it('validates rules: verbs, apiGroups+resources or nonResourceURLs', async () => {
    const err = await fails(
      t.client.create(R.roles, {
        apiVersion: V,
        kind: 'Role',
        metadata: { name: 'bad', namespace: 'default' },
        rules: [{ resources: ['pods'] }, { nonResourceURLs: ['/healthz'], verbs: ['get'] }],
      } as KubeObject),
    );
    expect(err.code).toBe(422);
    expect(err.status.details!.causes).toEqual([
      expect.objectContaining({ reason: 'FieldValueRequired', field: 'rules[0].verbs' }),
      expect.objectContaining({ reason: 'FieldValueRequired', field: 'rules[0].apiGroups' }),
      expect.objectContaining({
        reason: 'FieldValueInvalid',
        field: 'rules[1].nonResourceURLs',
        message: expect.stringContaining('namespaced rules cannot apply to non-resource URLs'),
      }),
    ]);
    const agg = await fails(
      t.client.create(R.clusterroles, {
        apiVersion: V,
        kind: 'ClusterRole',
        metadata: { name: 'agg' },
        aggregationRule: {},
      } as KubeObject),
    );
    expect(agg.status.details!.causes![0].field).toBe('aggregationRule.clusterRoleSelectors');
  });

  it('prints Name, Created At', async () => {
    const tb = await table('/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles');
    expect(columns(tb)).toEqual(['Name', 'Created At']);
    expect(tb.rows[0].cells[0]).toBe('pod-reader');
  });
});

describe('RoleBindings and ClusterRoleBindings', () => {
  it('defaults apiGroups, keeps roleRef immutable and prints Name, Role, Age', async () => {
    const rb = (await t.client.create(R.rolebindings, {
      apiVersion: V,
      kind: 'RoleBinding',
      metadata: { name: 'read-pods', namespace: 'default' },
      roleRef: { kind: 'Role', name: 'pod-reader' },
      subjects: [
        { kind: 'User', name: 'jane' },
        { kind: 'ServiceAccount', name: 'default', namespace: 'default' },
      ],
    } as KubeObject)) as Obj;
    expect(rb.roleRef.apiGroup).toBe('rbac.authorization.k8s.io');
    expect(rb.subjects.map((s: any) => s.apiGroup)).toEqual(['rbac.authorization.k8s.io', '']);
    const imm = await fails(
      t.client.update(R.rolebindings, { ...rb, roleRef: { ...rb.roleRef, name: 'other' } }),
    );
    expect(imm.code).toBe(422);
    expect(imm.status.details!.causes![0]).toMatchObject({
      field: 'roleRef',
      message: expect.stringContaining('cannot change roleRef'),
    });
    const tb = await table('/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings');
    expect(columns(tb)).toEqual(['Name', 'Role', 'Age']);
    expect(columns(tb, true)).toEqual(['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts']);
    expect(tb.rows[0].cells).toEqual([
      'read-pods',
      'Role/pod-reader',
      expect.any(String),
      'jane',
      '',
      'default/default',
    ]);
  });

  it('validates subjects and the roleRef kind', async () => {
    const err = await fails(
      t.client.create(R.clusterrolebindings, {
        apiVersion: V,
        kind: 'ClusterRoleBinding',
        metadata: { name: 'bad' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
        subjects: [
          { kind: 'Robot', name: 'x' },
          { kind: 'ServiceAccount', name: 'sa' },
        ],
      } as KubeObject),
    );
    expect(err.code).toBe(422);
    expect(err.status.details!.causes!.map((c) => [c.reason, c.field])).toEqual([
      ['FieldValueNotSupported', 'roleRef.kind'],
      ['FieldValueNotSupported', 'subjects[0].kind'],
      ['FieldValueRequired', 'subjects[1].namespace'],
    ]);
    const crb = (await t.client.create(R.clusterrolebindings, {
      apiVersion: V,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'monitoring' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:monitoring' },
      subjects: [{ kind: 'Group', name: 'ops' }],
    } as KubeObject)) as Obj;
    expect(crb.subjects[0].apiGroup).toBe('rbac.authorization.k8s.io');
    const tb = await table('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings');
    expect(tb.rows.map((r) => r.cells.slice(0, 2))).toContainEqual([
      'monitoring',
      'ClusterRole/system:monitoring',
    ]);
  });

  it('is discovered with the upstream schemas', async () => {
    const list = JSON.parse(
      (await t.request({ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1' })).body,
    );
    expect(list.resources.map((r: any) => [r.name, r.namespaced]).sort()).toEqual([
      ['clusterrolebindings', false],
      ['clusterroles', false],
      ['rolebindings', true],
      ['roles', true],
    ]);
    const doc = JSON.parse(
      (await t.request({ method: 'GET', path: '/openapi/v3/apis/rbac.authorization.k8s.io/v1' })).body,
    );
    expect(doc.components.schemas['io.k8s.api.rbac.v1.ClusterRole']).toBeTruthy();
  });
});
