import { afterEach, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { Deployment, KubeObject, Pod, ReplicaSet } from '../../../src-main/common/types';
import { SharedInformers } from '../../../src-main/control-plane/client/controller';
import { DeploymentController } from '../../../src-main/control-plane/controllers/deployment-controller';
import { computeHash, templatesEqual } from '../../../src-main/control-plane/controllers/deployment-util';
import { FakeApi, FakeClock, settle } from '../helpers/fake-api';

type D = Deployment & KubeObject;
type RS = ReplicaSet & KubeObject;

function deploy(name: string, replicas: number, image = 'nginx:1', extra: Record<string, unknown> = {}): D {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
      progressDeadlineSeconds: 600,
      revisionHistoryLimit: 10,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      ...extra,
    },
  } as D;
}

describe('deployment utils', () => {
  it('hashes templates stably and compares them semantically (rollout undo, G9)', () => {
    const t = deploy('web', 1).spec!.template;
    expect(computeHash(t)).toBe(computeHash(structuredClone(t)));
    expect(computeHash(t)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(computeHash(t, 1)).not.toBe(computeHash(t));
    const stored = {
      metadata: { labels: { app: 'web', 'pod-template-hash': 'abc123' } },
      spec: {
        containers: [
          {
            name: 'c',
            image: 'nginx:1',
            imagePullPolicy: 'IfNotPresent',
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
            resources: {},
          },
        ],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        dnsPolicy: 'ClusterFirst',
        securityContext: {},
        schedulerName: 'default-scheduler',
      },
    };
    const undo = {
      metadata: { labels: { app: 'web' }, creationTimestamp: null },
      spec: { containers: [{ name: 'c', image: 'nginx:1', resources: {} }] },
    };
    expect(templatesEqual(stored as never, undo as never)).toBe(true);
    expect(templatesEqual(stored as never, t)).toBe(true);
    expect(templatesEqual(t, deploy('web', 1, 'nginx:2').spec!.template)).toBe(false);
    expect(templatesEqual(t, deploy('web', 1, 'nginx:latest').spec!.template)).toBe(false);
  });
});

describe('DeploymentController', () => {
  let informers: SharedInformers | undefined;
  afterEach(() => informers?.stop());

  async function setup() {
    const clock = new FakeClock();
    const api = new FakeApi(clock);
    informers = new SharedInformers(api.client, { clock });
    const ctrl = new DeploymentController(api.client, informers, { clock });
    informers.start();
    await informers.waitForSync();
    return { api, clock, ctrl };
  }

  const rsOf = (api: FakeApi) =>
    api
      .listObjects<RS>(R.replicasets, 'default')
      .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));

  /** Plays the ReplicaSet controller + kubelet: every RS has exactly spec.replicas available pods. */
  async function converge(api: FakeApi) {
    for (const rs of rsOf(api)) {
      const n = rs.spec!.replicas ?? 0;
      api.mutate<RS>(R.replicasets, 'default', rs.metadata.name!, (o) => {
        (o as any).status = {
          replicas: n,
          fullyLabeledReplicas: n,
          readyReplicas: n,
          availableReplicas: n,
          observedGeneration: o.metadata.generation,
        };
      });
    }
    await settle();
  }

  it('creates the ReplicaSet <name>-<hash> with hash label, revision annotations, ownerRef and event', async () => {
    const { api, ctrl } = await setup();
    const d = api.seed(R.deployments, deploy('web', 3));
    await settle();
    await ctrl.reconcile('default/web');
    const hash = computeHash(d.spec!.template);
    const [rs] = rsOf(api);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec!.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec!.template!.metadata!.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec!.replicas).toBe(3);
    expect(rs.metadata.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    expect(rs.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: d.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const cur = api.getObject<D>(R.deployments, 'default', 'web')!;
    expect(cur.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(cur.status!.conditions).toContainEqual(
      expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated' }),
    );
    expect(api.listObjects(R.events).map((e) => e.message)).toContain(
      `Scaled up replica set web-${hash} to 3 from 0`,
    );

    // The RS comes up: rollout completes the way `kubectl rollout status` checks it.
    await settle();
    await converge(api);
    await ctrl.reconcile('default/web');
    const done = api.getObject<D>(R.deployments, 'default', 'web')!;
    expect(done.status).toMatchObject({
      observedGeneration: done.metadata.generation,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    expect(done.status!.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }),
        expect.objectContaining({
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "web-${hash}" has successfully progressed.`,
        }),
      ]),
    );
    // Idempotent: nothing more to write.
    await settle();
    api.clearWrites();
    const res = await ctrl.reconcile('default/web');
    expect(api.writes).toEqual([]);
    expect(res).toBeUndefined();
  });

  it('rolls out within maxSurge/maxUnavailable step by step, then cleans to the new RS', async () => {
    const { api, ctrl } = await setup();
    api.seed(
      R.deployments,
      deploy('web', 4, 'nginx:1', {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } },
      }),
    );
    await settle();
    await ctrl.reconcile('default/web');
    await settle();
    await converge(api);
    await ctrl.reconcile('default/web');
    await settle();
    api.mutate<D>(R.deployments, 'default', 'web', (d) => {
      (d.spec!.template!.spec!.containers[0] as any).image = 'nginx:2';
      (d.metadata as any).generation = 2;
    });
    await settle();
    const steps: [number, number][] = [];
    for (let i = 0; i < 20; i++) {
      await ctrl.reconcile('default/web');
      await settle();
      const all = rsOf(api);
      const newRS = all.find((r) => r.spec!.template!.spec!.containers[0].image === 'nginx:2');
      const oldRS = all.find((r) => r.spec!.template!.spec!.containers[0].image === 'nginx:1')!;
      const step: [number, number] = [newRS?.spec!.replicas ?? 0, oldRS.spec!.replicas ?? 0];
      // Never more than replicas + maxSurge pods, never fewer available than replicas - maxUnavailable.
      expect(step[0] + step[1]).toBeLessThanOrEqual(5);
      const available = (newRS?.status?.availableReplicas ?? 0) + (oldRS.status?.availableReplicas ?? 0);
      expect(available).toBeGreaterThanOrEqual(3);
      if (steps.length === 0 || steps[steps.length - 1].join() !== step.join()) steps.push(step);
      await converge(api);
      if (step[0] === 4 && step[1] === 0) break;
    }
    expect(steps).toEqual([
      [1, 3],
      [2, 3],
      [2, 1],
      [4, 1],
      [4, 0],
    ]);
    expect(steps[steps.length - 1]).toEqual([4, 0]);
    await ctrl.reconcile('default/web');
    const d = api.getObject<D>(R.deployments, 'default', 'web')!;
    expect(d.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('2');
    expect(d.status).toMatchObject({
      observedGeneration: 2,
      replicas: 4,
      updatedReplicas: 4,
      availableReplicas: 4,
      unavailableReplicas: 0,
    });
    expect(d.status!.conditions!.find((c) => c.type === 'Progressing')!.reason).toBe(
      'NewReplicaSetAvailable',
    );
    const msgs = api.listObjects(R.events).map((e) => e.message);
    expect(msgs.some((m) => /^Scaled down replica set web-\w+ to 3 from 4$/.test(String(m)))).toBe(true);
  });

  it('rollout undo re-uses the old ReplicaSet and bumps its revision instead of creating a new one', async () => {
    const { api, ctrl } = await setup();
    api.seed(R.deployments, deploy('web', 2));
    await settle();
    await ctrl.reconcile('default/web');
    await settle();
    await converge(api);
    api.mutate<D>(
      R.deployments,
      'default',
      'web',
      (d) => ((d.spec!.template!.spec!.containers[0] as any).image = 'nginx:2'),
    );
    await settle();
    for (let i = 0; i < 10; i++) {
      await ctrl.reconcile('default/web');
      await settle();
      await converge(api);
    }
    const [a, b] = rsOf(api);
    const v1 = [a, b].find((r) => r.spec!.template!.spec!.containers[0].image === 'nginx:1')!;
    expect(v1.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('1');
    expect(
      api.getObject<D>(R.deployments, 'default', 'web')!.metadata.annotations![
        'deployment.kubernetes.io/revision'
      ],
    ).toBe('2');
    // What kubectl rollout undo sends: the old template minus the hash, creationTimestamp null, resources {}.
    const tmpl = structuredClone(v1.spec!.template!) as any;
    delete tmpl.metadata.labels['pod-template-hash'];
    tmpl.metadata.creationTimestamp = null;
    tmpl.spec.containers[0].resources = {};
    api.mutate<D>(R.deployments, 'default', 'web', (d) => ((d.spec as any).template = tmpl));
    await settle();
    api.clearWrites();
    await ctrl.reconcile('default/web');
    expect(api.writesOf('create', 'replicasets')).toHaveLength(0);
    expect(rsOf(api)).toHaveLength(2);
    const again = api.getObject<RS>(R.replicasets, 'default', v1.metadata.name!)!;
    expect(again.metadata.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '3',
      'deployment.kubernetes.io/revision-history': '1',
    });
    expect(
      api.getObject<D>(R.deployments, 'default', 'web')!.metadata.annotations![
        'deployment.kubernetes.io/revision'
      ],
    ).toBe('3');
    expect(again.spec!.replicas).toBeGreaterThan(0);
  });

  it('Recreate scales old to zero and waits for old pods before creating the new RS', async () => {
    const { api, ctrl } = await setup();
    api.seed(R.deployments, deploy('web', 2, 'nginx:1', { strategy: { type: 'Recreate' } }));
    await settle();
    await ctrl.reconcile('default/web');
    await settle();
    await converge(api);
    const [old] = rsOf(api);
    const pod = api.seed(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'old-pod',
        namespace: 'default',
        labels: old.spec!.template!.metadata!.labels,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: old.metadata.name!,
            uid: old.metadata.uid!,
            controller: true,
          },
        ],
      },
      spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
      status: { phase: 'Running' },
    } as Pod & KubeObject);
    api.mutate<D>(
      R.deployments,
      'default',
      'web',
      (d) => ((d.spec!.template!.spec!.containers[0] as any).image = 'nginx:2'),
    );
    await settle();
    await ctrl.reconcile('default/web');
    await settle();
    expect(rsOf(api)).toHaveLength(1);
    expect(rsOf(api)[0].spec!.replicas).toBe(0);
    await converge(api);
    await ctrl.reconcile('default/web');
    await settle();
    expect(rsOf(api)).toHaveLength(1); // the old pod still runs
    api.remove(R.pods, 'default', pod.metadata.name!);
    await settle();
    await ctrl.reconcile('default/web');
    const all = rsOf(api);
    expect(all).toHaveLength(2);
    expect(all.find((r) => r.metadata.uid !== old.metadata.uid)!.spec!.replicas).toBe(2);
  });

  it('scales the active RS on a replicas change and records the event', async () => {
    const { api, ctrl } = await setup();
    api.seed(R.deployments, deploy('web', 3));
    await settle();
    await ctrl.reconcile('default/web');
    await settle();
    await converge(api);
    api.mutate<D>(R.deployments, 'default', 'web', (d) => ((d.spec as any).replicas = 5));
    await settle();
    await ctrl.reconcile('default/web');
    const [rs] = rsOf(api);
    expect(rs.spec!.replicas).toBe(5);
    expect(rs.metadata.annotations!['deployment.kubernetes.io/desired-replicas']).toBe('5');
    expect(api.listObjects(R.events).map((e) => e.message)).toContain(
      `Scaled up replica set ${rs.metadata.name} to 5 from 3`,
    );
  });

  it('scales proportionally across old and new ReplicaSets when resized mid-rollout', async () => {
    const { api, ctrl } = await setup();
    const d = api.seed(R.deployments, deploy('web', 20, 'nginx:2'));
    const mk = (image: string, replicas: number, rev: string): RS => {
      const template = structuredClone(deploy('web', 1, image).spec!.template) as any;
      const hash = computeHash(template);
      template.metadata.labels['pod-template-hash'] = hash;
      return {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `web-${hash}`,
          namespace: 'default',
          labels: template.metadata.labels,
          annotations: {
            'deployment.kubernetes.io/revision': rev,
            'deployment.kubernetes.io/desired-replicas': '10',
            'deployment.kubernetes.io/max-replicas': '13',
          },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: 'web',
              uid: d.metadata.uid!,
              controller: true,
            },
          ],
        },
        spec: { replicas, selector: { matchLabels: template.metadata.labels }, template },
      } as RS;
    };
    const old = api.seed(R.replicasets, mk('nginx:1', 8, '1'));
    const cur = api.seed(R.replicasets, mk('nginx:2', 5, '2'));
    await settle();
    await ctrl.reconcile('default/web');
    // 20 + 25% surge = 25 pods allowed; 12 more, shared 8:5 like kube-controller-manager.
    expect(api.getObject<RS>(R.replicasets, 'default', old.metadata.name!)!.spec!.replicas).toBe(15);
    const n = api.getObject<RS>(R.replicasets, 'default', cur.metadata.name!)!;
    expect(n.spec!.replicas).toBe(10);
    expect(n.metadata.annotations).toMatchObject({
      'deployment.kubernetes.io/desired-replicas': '20',
      'deployment.kubernetes.io/max-replicas': '25',
    });
  });

  it('a paused deployment does not roll out and says so; revisionHistoryLimit removes old empty RSes', async () => {
    const { api, ctrl } = await setup();
    api.seed(R.deployments, deploy('web', 1, 'nginx:1', { revisionHistoryLimit: 1 }));
    await settle();
    for (const img of ['nginx:2', 'nginx:3', 'nginx:4']) {
      for (let i = 0; i < 6; i++) {
        await ctrl.reconcile('default/web');
        await settle();
        await converge(api);
      }
      api.mutate<D>(
        R.deployments,
        'default',
        'web',
        (d) => ((d.spec!.template!.spec!.containers[0] as any).image = img),
      );
      await settle();
    }
    for (let i = 0; i < 6; i++) {
      await ctrl.reconcile('default/web');
      await settle();
      await converge(api);
    }
    // current (nginx:4) + 1 old kept
    expect(
      rsOf(api)
        .map((r) => r.spec!.template!.spec!.containers[0].image)
        .sort(),
    ).toEqual(['nginx:3', 'nginx:4']);

    api.mutate<D>(R.deployments, 'default', 'web', (d) => {
      (d.spec as any).paused = true;
      (d.spec!.template!.spec!.containers[0] as any).image = 'nginx:5';
    });
    await settle();
    await ctrl.reconcile('default/web');
    await settle();
    expect(
      api
        .writesOf('create', 'replicasets')
        .filter((w) => w.body.spec.template.spec.containers[0].image === 'nginx:5'),
    ).toHaveLength(0);
    const d = api.getObject<D>(R.deployments, 'default', 'web')!;
    expect(d.status!.conditions).toContainEqual(
      expect.objectContaining({ type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused' }),
    );
  });

  it('reports ProgressDeadlineExceeded when a rollout makes no progress', async () => {
    const { api, clock, ctrl } = await setup();
    api.seed(R.deployments, deploy('web', 2, 'nginx:1', { progressDeadlineSeconds: 10 }));
    await settle();
    const first = await ctrl.reconcile('default/web');
    await settle();
    await ctrl.reconcile('default/web');
    expect(first).toEqual({ requeueAfter: expect.any(Number) });
    expect((first as { requeueAfter: number }).requeueAfter).toBeLessThanOrEqual(11_000);
    await clock.advance(11_000);
    await settle();
    await ctrl.reconcile('default/web');
    const d = api.getObject<D>(R.deployments, 'default', 'web')!;
    expect(d.status!.conditions).toContainEqual(
      expect.objectContaining({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }),
    );
    expect(d.status!.conditions).toContainEqual(
      expect.objectContaining({ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }),
    );
  });
});
