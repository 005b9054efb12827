/**
 * The root-ca-cert-publisher (kube-root-ca.crt in every active namespace, re-created when
 * deleted, put back when edited) and the legacy tokens controller (token Secrets users ask for
 * get token, ca.crt and namespace; Secrets of missing accounts are deleted), like
 * sample-controller's tests: seed, drain, assert on the writes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { RootCaCertPublisher } from '../../../src-main/control-plane/controllers/root-ca-cert-publisher';
import { ServiceAccountTokensController } from '../../../src-main/control-plane/controllers/serviceaccount-tokens-controller';
import {
  TokenSigner,
  ensureServiceAccountKey,
} from '../../../src-main/control-plane/client/serviceaccount-token';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { settle, setupController } from './helpers';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const ns = (name: string, extra: Record<string, unknown> = {}) =>
  ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, ...extra }) as KubeObject;

describe('RootCaCertPublisher', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('publishes kube-root-ca.crt in each active namespace, re-creates and repairs it', async () => {
    const s = await setupController(
      (c, i, o) => new RootCaCertPublisher(c, i, CA, o),
      (api) => {
        api.seed(R.namespaces, ns('default'));
        api.seed(R.namespaces, ns('gone', { status: { phase: 'Terminating' } }));
      },
    );
    stop = s.stop;
    const { api, ctrl } = s;
    await ctrl.drain();
    await settle();
    const cm = api.getObject(R.configmaps, 'default', 'kube-root-ca.crt') as any;
    expect(cm.data).toEqual({ 'ca.crt': CA });
    expect(cm.metadata.annotations['kubernetes.io/description']).toContain('kube-apiserver');
    expect(api.getObject(R.configmaps, 'gone', 'kube-root-ca.crt')).toBeUndefined();

    // A new namespace gets one.
    api.seed(R.namespaces, ns('team'));
    await settle();
    await ctrl.drain();
    expect((api.getObject(R.configmaps, 'team', 'kube-root-ca.crt') as any).data).toEqual({ 'ca.crt': CA });

    // Edited: put back.
    api.mutate(R.configmaps, 'team', 'kube-root-ca.crt', (o: any) => {
      o.data = { 'ca.crt': 'bogus', extra: 'x' };
    });
    await settle();
    await ctrl.drain();
    await settle();
    expect((api.getObject(R.configmaps, 'team', 'kube-root-ca.crt') as any).data).toEqual({ 'ca.crt': CA });

    // Deleted: re-created.
    api.remove(R.configmaps, 'team', 'kube-root-ca.crt');
    await settle();
    await ctrl.drain();
    expect((api.getObject(R.configmaps, 'team', 'kube-root-ca.crt') as any).data).toEqual({ 'ca.crt': CA });

    // In line: nothing is written.
    await settle();
    api.clearWrites();
    ctrl.queue.add('team');
    await ctrl.drain();
    expect(api.writes).toEqual([]);
  });
});

describe('ServiceAccountTokensController', () => {
  let stop: (() => void) | undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-satokens-'));
  const signer = new TokenSigner(ensureServiceAccountKey(dir));
  afterEach(() => stop?.());
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const secret = (name: string, sa: string, extra: Record<string, unknown> = {}) =>
    ({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: { name, namespace: 'default', annotations: { 'kubernetes.io/service-account.name': sa } },
      ...extra,
    }) as KubeObject;

  it('fills token, ca.crt and namespace of requested token Secrets; deletes those of missing accounts', async () => {
    let saUid = '';
    const s = await setupController(
      (c, i, o) => new ServiceAccountTokensController(c, i, signer, CA, o),
      (api) => {
        saUid = api.seed(R.serviceaccounts, {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'builder', namespace: 'default' },
        } as KubeObject).metadata.uid!;
        api.seed(R.secrets, secret('builder-token', 'builder'));
        api.seed(R.secrets, secret('orphan-token', 'nobody'));
        api.seed(R.secrets, {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'Opaque',
          metadata: { name: 'plain', namespace: 'default' },
        } as KubeObject);
      },
    );
    stop = s.stop;
    const { api, ctrl } = s;
    await ctrl.drain();
    await settle();
    const got = api.getObject(R.secrets, 'default', 'builder-token') as any;
    expect(got.metadata.annotations['kubernetes.io/service-account.uid']).toBe(saUid);
    expect(Buffer.from(got.data['ca.crt'], 'base64').toString()).toBe(CA);
    expect(Buffer.from(got.data.namespace, 'base64').toString()).toBe('default');
    const claims = signer.verify(Buffer.from(got.data.token, 'base64').toString()) as any;
    expect(claims).toMatchObject({
      iss: 'kubernetes/serviceaccount',
      sub: 'system:serviceaccount:default:builder',
      'kubernetes.io/serviceaccount/secret.name': 'builder-token',
      'kubernetes.io/serviceaccount/service-account.uid': saUid,
    });
    expect(api.getObject(R.secrets, 'default', 'orphan-token')).toBeUndefined();
    expect((api.getObject(R.secrets, 'default', 'plain') as any).data).toBeUndefined();

    // Filled: a second pass writes nothing; deleting the account deletes its Secret.
    api.clearWrites();
    ctrl.queue.add('default/builder-token');
    await ctrl.drain();
    expect(api.writes).toEqual([]);
    api.remove(R.serviceaccounts, 'default', 'builder');
    await settle();
    await ctrl.drain();
    await settle();
    expect(api.getObject(R.secrets, 'default', 'builder-token')).toBeUndefined();
  });
});
