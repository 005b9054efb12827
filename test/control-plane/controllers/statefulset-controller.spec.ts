import { afterEach, describe, expect, it } from 'vitest';
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { StatefulSetController } from '../../../src-main/control-plane/controllers/statefulset-controller';
import type { FakeApi } from '../helpers/fake-api';
import { podsIn, setPodState, settle, setupController } from './helpers';

type STS = StatefulSet & KubeObject;
type CR = ControllerRevision & KubeObject;

function sts(name: string, replicas: number, spec: Partial<STS['spec']> = {}): STS {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
      },
      ...spec,
    } as STS['spec'],
  };
}

describe('StatefulSetController', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  async function setup() {
    const s = await setupController((c, i, o) => new StatefulSetController(c, i, o));
    stop = s.stop;
    return s;
  }
  const names = (api: FakeApi) => podsIn(api).map((p) => p.metadata.name);
  /** One reconcile, then let the informers see the writes. */
  const step = async (ctrl: StatefulSetController, key = 'default/web') => {
    await ctrl.reconcile(key);
    await settle();
  };
  const readyAll = (api: FakeApi) => {
    for (const p of podsIn(api))
      if (p.status?.phase !== 'Running')
        setPodState(api, 'default', p.metadata.name!, 'Running', { ready: true });
  };

  it('creates pods in order, each after its predecessor is Running and Ready, with claims and stable names', async () => {
    const { api, ctrl } = await setup();
    api.seed(
      R.statefulsets,
      sts('web', 3, {
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      }),
    );
    await settle();
    await step(ctrl);
    expect(names(api)).toEqual(['web-0']);
    const p0 = podsIn(api)[0];
    expect(p0.spec?.hostname).toBe('web-0');
    expect(p0.spec?.subdomain).toBe('web');
    expect(p0.spec?.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } }]);
    expect(p0.metadata.labels).toMatchObject({
      app: 'web',
      'statefulset.kubernetes.io/pod-name': 'web-0',
      'apps.kubernetes.io/pod-index': '0',
      'controller-revision-hash': expect.stringMatching(/^web-[a-z0-9]+$/),
    });
    expect(api.getObject(R.persistentvolumeclaims, 'default', 'data-web-0')!.metadata.labels).toEqual({
      app: 'web',
    });
    // Not ready yet: nothing more.
    await step(ctrl);
    expect(names(api)).toEqual(['web-0']);
    setPodState(api, 'default', 'web-0', 'Running', { ready: true });
    await settle();
    await step(ctrl);
    expect(names(api)).toEqual(['web-0', 'web-1']);
    readyAll(api);
    await settle();
    await step(ctrl);
    readyAll(api);
    await settle();
    await step(ctrl);
    expect(names(api)).toEqual(['web-0', 'web-1', 'web-2']);
    const set = api.getObject<STS>(R.statefulsets, 'default', 'web')!;
    const revs = api.listObjects<CR>(R.controllerrevisions, 'default');
    expect(revs).toHaveLength(1);
    expect(revs[0].revision).toBe(1);
    expect(revs[0].data).toMatchObject({ spec: { template: { $patch: 'replace' } } });
    expect(set.status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      currentRevision: revs[0].metadata.name,
      updateRevision: revs[0].metadata.name,
      observedGeneration: 1,
    });

    // Scale down: highest ordinal first, one at a time; claims are kept.
    api.mutate<STS>(R.statefulsets, 'default', 'web', (s) => {
      s.spec!.replicas = 1;
    });
    await settle();
    await step(ctrl);
    expect(names(api)).toEqual(['web-0', 'web-1']);
    await step(ctrl);
    expect(names(api)).toEqual(['web-0']);
    expect(api.listObjects(R.persistentvolumeclaims, 'default')).toHaveLength(3);
  });

  it('rolls out a new template from the highest ordinal down to the partition, with revisions', async () => {
    const { api, ctrl } = await setup();
    api.seed(R.statefulsets, sts('web', 3, { podManagementPolicy: 'Parallel' }));
    await settle();
    await step(ctrl);
    expect(names(api)).toEqual(['web-0', 'web-1', 'web-2']);
    readyAll(api);
    await settle();
    await step(ctrl);
    const rev1 = api.getObject<STS>(R.statefulsets, 'default', 'web')!.status!.currentRevision!;
    api.mutate<STS>(R.statefulsets, 'default', 'web', (s) => {
      s.spec!.template.spec!.containers[0].image = 'busybox:2';
      s.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 1 } };
    });
    await settle();
    await step(ctrl);
    // web-2 is replaced first.
    expect(names(api)).toEqual(['web-0', 'web-1']);
    await step(ctrl);
    expect(podsIn(api).find((p) => p.metadata.name === 'web-2')!.spec?.containers[0].image).toBe('busybox:2');
    readyAll(api);
    await settle();
    await step(ctrl);
    expect(names(api)).toEqual(['web-0', 'web-2']);
    await step(ctrl);
    readyAll(api);
    await settle();
    await step(ctrl);
    // web-0 is below the partition: untouched.
    const images = Object.fromEntries(podsIn(api).map((p) => [p.metadata.name, p.spec?.containers[0].image]));
    expect(images).toEqual({ 'web-0': 'busybox:1', 'web-1': 'busybox:2', 'web-2': 'busybox:2' });
    const st = api.getObject<STS>(R.statefulsets, 'default', 'web')!.status!;
    expect(st.currentRevision).toBe(rev1);
    expect(st.updateRevision).not.toBe(rev1);
    expect(st).toMatchObject({ updatedReplicas: 2, currentReplicas: 1, readyReplicas: 3 });
    const revs = api
      .listObjects<CR>(R.controllerrevisions, 'default')
      .map((r) => [r.metadata.name, r.revision]);
    expect(revs).toHaveLength(2);
    expect(Object.fromEntries(revs)[st.updateRevision!]).toBe(2);

    // Partition 0 finishes the rollout; the update revision becomes current.
    api.mutate<STS>(R.statefulsets, 'default', 'web', (s) => {
      s.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
    });
    await settle();
    await step(ctrl);
    await step(ctrl);
    readyAll(api);
    await settle();
    await step(ctrl);
    const done = api.getObject<STS>(R.statefulsets, 'default', 'web')!.status!;
    expect(done.currentRevision).toBe(done.updateRevision);
    expect(done).toMatchObject({ currentReplicas: 3, updatedReplicas: 3 });

    // Rolling back to the first template renumbers its revision instead of making a third one.
    api.mutate<STS>(R.statefulsets, 'default', 'web', (s) => {
      s.spec!.template.spec!.containers[0].image = 'busybox:1';
    });
    await settle();
    await step(ctrl);
    const after = api.listObjects<CR>(R.controllerrevisions, 'default');
    expect(after).toHaveLength(2);
    expect(after.find((r) => r.metadata.name === rev1)!.revision).toBe(3);
  });

  it('honours persistentVolumeClaimRetentionPolicy Delete (claims owned by the set, and by condemned pods)', async () => {
    const { api, ctrl } = await setup();
    const set = api.seed(
      R.statefulsets,
      sts('web', 2, {
        podManagementPolicy: 'Parallel',
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' },
        volumeClaimTemplates: [
          { metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } },
        ],
      }),
    );
    await settle();
    await step(ctrl);
    const claim = (n: number) => api.getObject(R.persistentvolumeclaims, 'default', `data-web-${n}`)!;
    expect(claim(1).metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: false }),
    ]);
    readyAll(api);
    await settle();
    const web1 = podsIn(api).find((p) => p.metadata.name === 'web-1')!;
    api.mutate<STS>(R.statefulsets, 'default', 'web', (s) => {
      s.spec!.replicas = 1;
    });
    await settle();
    await step(ctrl);
    expect(names(api)).toEqual(['web-0']);
    expect(claim(1).metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}/${r.uid}`)).toEqual([
      `StatefulSet/web/${set.metadata.uid}`,
      `Pod/web-1/${web1.metadata.uid}`,
    ]);
    expect(claim(0).metadata.ownerReferences).toHaveLength(1);
  });

  it('replaces a Failed pod', async () => {
    const { api, ctrl } = await setup();
    api.seed(R.statefulsets, sts('web', 1));
    await settle();
    await step(ctrl);
    const uid = podsIn(api)[0].metadata.uid;
    setPodState(api, 'default', 'web-0', 'Failed');
    await settle();
    await step(ctrl);
    await step(ctrl);
    const p = podsIn(api)[0];
    expect(p.metadata.name).toBe('web-0');
    expect(p.metadata.uid).not.toBe(uid);
  });
});
