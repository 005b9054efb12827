// Table-driven unit tests of the Deployment controller's pure rollout decisions (deployment-rollout.ts); no API server.
import { describe, expect, it } from 'vitest';
import type { DeploymentCondition, DeploymentStatus } from 'kubernetes-types/apps/v1';
import { rfc3339 } from '../../../src-main/common/clock';
import type { KubeObject, Pod } from '../../../src-main/common/types';
import {
  availableScaleDowns,
  calculateStatus,
  deploymentStatusEqual,
  historyToDelete,
  isScalingEvent,
  newReplicaSetFor,
  newRSTarget,
  oldPodsRunning,
  pausedStatus,
  progressRequeue,
  rolloutStatus,
  scaleDownBudget,
  scalePlan,
  splitByTemplate,
  syncedAnnotations,
  unhealthyScaleDowns,
} from '../../../src-main/control-plane/controllers/deployment-rollout';
import {
  computeHash,
  type Deploy,
  type RS,
} from '../../../src-main/control-plane/controllers/deployment-util';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const T = (ago: number) => rfc3339(NOW - ago);
const tmpl = (image: string) => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image }] },
});

function deploy(
  replicas: number,
  spec: Record<string, unknown> = {},
  status: DeploymentStatus & { conditions?: DeploymentCondition[] } = {},
  annotations?: Record<string, string>,
): Deploy {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 1, annotations },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: tmpl('nginx:2'),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      ...spec,
    },
    status,
  } as Deploy;
}

interface RsOpts {
  created?: number;
  image?: string;
  revision?: number;
  annotations?: Record<string, string>;
  replicas?: number;
  available?: number;
  ready?: number;
  generation?: number;
  observed?: number;
  deleting?: boolean;
}

function rs(name: string, spec: number, o: RsOpts = {}): RS {
  const annotations: Record<string, string> = { ...(o.annotations ?? {}) };
  if (o.revision !== undefined) annotations['deployment.kubernetes.io/revision'] = String(o.revision);
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      creationTimestamp: T(o.created ?? 60_000),
      annotations,
      generation: o.generation ?? 1,
      deletionTimestamp: o.deleting ? T(0) : undefined,
    },
    spec: { replicas: spec, selector: { matchLabels: { app: 'web' } }, template: tmpl(o.image ?? 'nginx:1') },
    status: {
      replicas: o.replicas ?? spec,
      availableReplicas: o.available ?? spec,
      readyReplicas: o.ready ?? o.available ?? spec,
      observedGeneration: o.observed ?? 1,
    },
  };
}

const hints = (desired: number, max: number) => ({
  'deployment.kubernetes.io/desired-replicas': String(desired),
  'deployment.kubernetes.io/max-replicas': String(max),
});
const names = (l: (RS | undefined)[]) => l.map((x) => x?.metadata.name);
const steps = (l: { rs: RS; size: number; op: string }[]) => l.map((s) => [s.rs.metadata.name, s.size, s.op]);

describe('splitByTemplate', () => {
  it('finds the RS of the current template, the old ones by creation, and the next revision', () => {
    const a = rs('a', 1, { image: 'nginx:1', revision: 1, created: 3000 });
    const b = rs('b', 1, { image: 'nginx:3', revision: 3, created: 2000 });
    const c = rs('c', 1, { image: 'nginx:2', revision: 2, created: 1000 });
    const { newRS, oldRSs, newRevision } = splitByTemplate(deploy(3), [c, b, a]);
    expect(newRS?.metadata.name).toBe('c');
    expect(names(oldRSs)).toEqual(['a', 'b']);
    expect(newRevision).toBe(4);
  });
  it('without a matching RS: none new, revision 1 when there is no history', () => {
    expect(splitByTemplate(deploy(3), [])).toEqual({ newRS: undefined, oldRSs: [], newRevision: 1 });
    const { newRS, newRevision } = splitByTemplate(deploy(3), [rs('a', 1, { revision: 5 })]);
    expect(newRS).toBeUndefined();
    expect(newRevision).toBe(6);
  });
});

describe('syncedAnnotations', () => {
  const REV = 'deployment.kubernetes.io/revision';
  const HIST = 'deployment.kubernetes.io/revision-history';
  it.each<
    [string, Record<string, string>, Record<string, string> | undefined, Record<string, string>, boolean]
  >([
    ['first revision and replica hints', {}, undefined, { [REV]: '4', ...hints(3, 4) }, true],
    [
      'an older revision moves to the history',
      { [REV]: '2', ...hints(3, 4) },
      undefined,
      { [REV]: '4', [HIST]: '2', ...hints(3, 4) },
      true,
    ],
    [
      'the history grows',
      { [REV]: '2', [HIST]: '1', ...hints(3, 4) },
      undefined,
      { [REV]: '4', [HIST]: '1,2', ...hints(3, 4) },
      true,
    ],
    ['up to date', { [REV]: '4', ...hints(3, 4) }, undefined, { [REV]: '4', ...hints(3, 4) }, false],
    [
      'stale hints are left to the scaling',
      { [REV]: '4', ...hints(1, 2) },
      undefined,
      { [REV]: '4', ...hints(1, 2) },
      false,
    ],
    [
      "the deployment's own annotations, but not kubectl's",
      { [REV]: '4', ...hints(3, 4) },
      { team: 'a', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      { [REV]: '4', ...hints(3, 4), team: 'a' },
      true,
    ],
  ])('%s', (_what, have, dAnn, want, changed) => {
    const r = syncedAnnotations(deploy(3, {}, {}, dAnn), rs('n', 3, { annotations: have }), 4);
    expect(r).toEqual({ annotations: want, changed });
  });
});

describe('newReplicaSetFor', () => {
  it('names it by the template hash, labels and selects by it, and owns it', () => {
    const d = deploy(3);
    const hash = computeHash(d.spec!.template);
    const body = newReplicaSetFor(d, [], 1);
    expect(body.metadata).toEqual({
      name: `web-${hash}`,
      namespace: 'default',
      labels: { app: 'web', 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/revision': '1', ...hints(3, 4) },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'web',
          uid: 'd-uid',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(body.spec?.selector).toEqual({ matchLabels: { app: 'web', 'pod-template-hash': hash } });
    expect(body.spec?.template?.metadata?.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(d.spec!.template.metadata!.labels).toEqual({ app: 'web' });
  });
  it.each<[string, Record<string, unknown>, RS[], number]>([
    ['all at once with no old replicas', {}, [], 3],
    ['only the surge next to old replicas', {}, [rs('old', 3)], 1],
    ['Recreate: the full count', { strategy: { type: 'Recreate' } }, [rs('old', 3)], 3],
  ])('first step: %s', (_what, spec, olds, want) => {
    expect(newReplicaSetFor(deploy(3, spec), olds, 2).spec?.replicas).toBe(want);
  });
  it('a collision count changes the name', () => {
    const d = deploy(3, {}, { collisionCount: 1 });
    expect(newReplicaSetFor(d, [], 1).metadata.name).toBe(`web-${computeHash(d.spec!.template, 1)}`);
    expect(newReplicaSetFor(d, [], 1).metadata.name).not.toBe(
      newReplicaSetFor(deploy(3), [], 1).metadata.name,
    );
  });
});

describe('historyToDelete', () => {
  const limit = (n: number) => ({ revisionHistoryLimit: n });
  it.each<[string, number, RS[], string[]]>([
    ['within the limit', 3, [rs('r1', 0, { revision: 1 }), rs('r2', 0, { revision: 2 })], []],
    [
      'the oldest revisions beyond the limit',
      1,
      [rs('r2', 0, { revision: 2 }), rs('r1', 0, { revision: 1 }), rs('r3', 0, { revision: 3 })],
      ['r1', 'r2'],
    ],
    [
      'one still running is kept',
      1,
      [rs('r1', 0, { revision: 1, replicas: 1 }), rs('r2', 0, { revision: 2 }), rs('r3', 0, { revision: 3 })],
      ['r2'],
    ],
    ['one with replicas in spec is kept', 0, [rs('r1', 1, { revision: 1 })], []],
    [
      'one whose spec is not yet observed is kept',
      0,
      [rs('r1', 0, { revision: 1, generation: 2, observed: 1 })],
      [],
    ],
    [
      'one being deleted does not count',
      1,
      [rs('r1', 0, { revision: 1, deleting: true }), rs('r2', 0, { revision: 2 })],
      [],
    ],
  ])('%s', (_what, n, olds, want) => {
    expect(names(historyToDelete(deploy(1, limit(n)), olds))).toEqual(want);
  });
});

describe('oldPodsRunning', () => {
  const pod = (owner: string, phase: string): Pod & KubeObject => ({
    metadata: {
      name: `p-${owner}`,
      namespace: 'default',
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: `uid-${owner}`, controller: true },
      ],
    },
    status: { phase },
  });
  it.each<[string, RS[], (Pod & KubeObject)[], boolean]>([
    ['an old RS still reports replicas', [rs('old', 0, { replicas: 1 })], [], true],
    ['a pod of an old RS is not terminal', [rs('old', 0, { replicas: 0 })], [pod('old', 'Running')], true],
    [
      'their pods all finished',
      [rs('old', 0, { replicas: 0 })],
      [pod('old', 'Succeeded'), pod('old', 'Failed')],
      false,
    ],
    ['pods of other RSes do not count', [rs('old', 0, { replicas: 0 })], [pod('new', 'Running')], false],
  ])('%s', (_what, olds, pods, want) => {
    expect(oldPodsRunning(olds, pods)).toBe(want);
  });
});

describe('isScalingEvent', () => {
  it.each<[string, RS[], boolean]>([
    ['an active RS annotated for another size', [rs('a', 2, { annotations: hints(3, 4) })], true],
    ['annotated for this size', [rs('a', 2, { annotations: hints(5, 6) })], false],
    ['without annotations', [rs('a', 2)], false],
    ['a scaled-down RS does not count', [rs('a', 0, { annotations: hints(3, 4) })], false],
  ])('%s', (_what, list, want) => {
    expect(isScalingEvent(deploy(5), [...list, undefined])).toBe(want);
  });
});

describe('scalePlan', () => {
  const fixed = { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } };
  it.each<[string, Deploy, RS | undefined, RS[], unknown[]]>([
    ['the only active RS takes the new size', deploy(5), rs('new', 0), [rs('old', 3)], [['old', 5, 'up']]],
    ['none active: the new RS does', deploy(5), rs('new', 0), [rs('old', 0)], [['new', 5, 'up']]],
    [
      'none active, no new RS: the newest old one',
      deploy(2),
      undefined,
      [rs('o1', 0, { created: 2000 }), rs('o2', 0, { created: 1000 })],
      [['o2', 2, 'up']],
    ],
    ['nothing to do', deploy(3), rs('new', 3), [], []],
    [
      'a saturated new RS sends the old ones to zero',
      deploy(3),
      rs('new', 3, { annotations: hints(3, 4) }),
      [rs('o1', 1), rs('o2', 0)],
      [['o1', 0, 'down']],
    ],
    [
      'mid-rollout growth is shared in proportion (newer first)',
      deploy(20, fixed),
      rs('new', 5, { created: 1000, annotations: hints(10, 10) }),
      [rs('old', 5, { created: 2000, annotations: hints(10, 10) })],
      [
        ['new', 10, 'up'],
        ['old', 10, 'up'],
      ],
    ],
    [
      'leftovers go to the first (largest, newest) RS',
      deploy(3, fixed),
      rs('new', 1, { created: 1000, annotations: hints(2, 2) }),
      [rs('old', 1, { created: 2000, annotations: hints(2, 2) })],
      [
        ['new', 2, 'up'],
        ['old', 1, 'up'],
      ],
    ],
    [
      'shrinking takes from the oldest first',
      deploy(2, fixed),
      rs('new', 2, { created: 1000, annotations: hints(4, 4) }),
      [rs('old', 2, { created: 2000, annotations: hints(4, 4) })],
      [
        ['old', 1, 'down'],
        ['new', 1, 'down'],
      ],
    ],
    [
      'Recreate is never shared',
      deploy(5, { strategy: { type: 'Recreate' } }),
      rs('new', 1),
      [rs('old', 1)],
      [],
    ],
  ])('%s', (_what, d, newRS, olds, want) => {
    expect(steps(scalePlan(d, newRS, olds))).toEqual(want);
  });
});

describe('rolling update arithmetic', () => {
  it.each<[string, RS, RS[], number]>([
    ['up by the surge', rs('new', 1), [rs('old', 3)], 2],
    ['no room beyond maxSurge', rs('new', 2), [rs('old', 3)], 2],
    ['down to the desired count', rs('new', 6), [], 4],
  ])('newRSTarget: %s', (_what, newRS, olds, want) => {
    expect(newRSTarget(deploy(4), newRS, olds)).toBe(want);
  });

  it('scaleDownBudget: total minus minAvailable minus the new RS unavailable ones', () => {
    expect(scaleDownBudget(deploy(4), rs('new', 2, { available: 1 }), [rs('old', 3)])).toEqual({
      minAvailable: 3,
      maxScaledDown: 1,
    });
  });

  it.each<[string, RS[], number, unknown[]]>([
    [
      'unavailable replicas, oldest first, within the budget',
      [rs('a', 3, { available: 1 }), rs('b', 2, { available: 2 }), rs('c', 2, { available: 0 })],
      3,
      [
        { index: 0, size: 1, removed: 2 },
        { index: 2, size: 1, removed: 1 },
      ],
    ],
    ['a small budget', [rs('a', 3, { available: 1 })], 1, [{ index: 0, size: 2, removed: 1 }]],
    ['all available: nothing', [rs('a', 3)], 5, []],
  ])('unhealthyScaleDowns: %s', (_what, olds, max, want) => {
    expect(unhealthyScaleDowns(olds, max)).toEqual(want);
  });

  it.each<[string, RS[], RS, number, unknown[]]>([
    [
      'available ones down to minAvailable',
      [rs('a', 2), rs('b', 0), rs('c', 3)],
      rs('new', 1),
      4,
      [{ index: 0, size: 0, removed: 2 }],
    ],
    [
      'across several RSes',
      [rs('a', 1), rs('c', 3)],
      rs('new', 1),
      2,
      [
        { index: 0, size: 0, removed: 1 },
        { index: 1, size: 1, removed: 2 },
      ],
    ],
    ['no availability to spare', [rs('a', 2)], rs('new', 1, { available: 0 }), 2, []],
  ])('availableScaleDowns: %s', (_what, olds, newRS, minAvailable, want) => {
    expect(availableScaleDowns(olds, newRS, minAvailable)).toEqual(want);
  });
});

describe('status', () => {
  const cond = (type: string, status: string, reason: string, message: string, at: string, since = at) => ({
    type,
    status,
    reason,
    message,
    lastUpdateTime: at,
    lastTransitionTime: since,
  });
  const available = cond(
    'Available',
    'True',
    'MinimumReplicasAvailable',
    'Deployment has minimum availability.',
    T(0),
  );

  it('calculateStatus counts over the RSes and sets Available', () => {
    const d = deploy(3, {}, { collisionCount: 2 });
    const s = calculateStatus(d, [rs('old', 1), rs('new', 2)], rs('new', 2), NOW);
    expect(s).toEqual({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 2,
      readyReplicas: 3,
      availableReplicas: 3,
      unavailableReplicas: 0,
      collisionCount: 2,
      conditions: [available],
    });
    const short = calculateStatus(deploy(3), [rs('new', 3, { available: 2 })], undefined, NOW);
    expect(short.updatedReplicas).toBe(0);
    expect(short.unavailableReplicas).toBe(1);
    expect(short.conditions).toEqual([
      cond(
        'Available',
        'False',
        'MinimumReplicasUnavailable',
        'Deployment does not have minimum availability.',
        T(0),
      ),
    ]);
  });

  it.each<[string, Deploy, RS[], RS | undefined, unknown]>([
    [
      'complete: NewReplicaSetAvailable',
      deploy(3),
      [rs('new', 3)],
      rs('new', 3),
      cond(
        'Progressing',
        'True',
        'NewReplicaSetAvailable',
        'ReplicaSet "new" has successfully progressed.',
        T(0),
      ),
    ],
    [
      'progress refreshes lastUpdateTime and keeps the transition',
      deploy(
        3,
        {},
        {
          replicas: 3,
          updatedReplicas: 1,
          conditions: [cond('Progressing', 'True', 'ReplicaSetUpdated', 'x', T(90_000))],
        },
      ),
      [rs('old', 1), rs('new', 2, { available: 0 })],
      rs('new', 2, { available: 0 }),
      cond('Progressing', 'True', 'ReplicaSetUpdated', 'ReplicaSet "new" is progressing.', T(0), T(90_000)),
    ],
    [
      'no progress past the deadline',
      deploy(
        3,
        {},
        {
          replicas: 3,
          updatedReplicas: 1,
          conditions: [cond('Progressing', 'True', 'ReplicaSetUpdated', 'x', T(601_000))],
        },
      ),
      [rs('old', 2, { available: 0 }), rs('new', 1, { available: 0 })],
      rs('new', 1, { available: 0 }),
      cond(
        'Progressing',
        'False',
        'ProgressDeadlineExceeded',
        'ReplicaSet "new" has timed out progressing.',
        T(0),
      ),
    ],
    [
      'without a progress deadline there is no Progressing condition',
      deploy(
        3,
        { progressDeadlineSeconds: 2147483647 },
        {
          conditions: [cond('Progressing', 'True', 'ReplicaSetUpdated', 'x', T(1000))],
        },
      ),
      [rs('new', 3)],
      rs('new', 3),
      undefined,
    ],
  ])('rolloutStatus: %s', (_what, d, all, newRS, want) => {
    const s = rolloutStatus(d, all, newRS, NOW);
    expect(s.conditions?.find((c) => c.type === 'Progressing')).toEqual(want);
  });

  it('rolloutStatus leaves a reported completion alone', () => {
    const done = cond('Progressing', 'True', 'NewReplicaSetAvailable', 'old message', T(5000));
    const s = rolloutStatus(deploy(3, {}, { conditions: [done] }), [rs('new', 2)], rs('new', 2), NOW);
    expect(s.conditions?.find((c) => c.type === 'Progressing')).toEqual(done);
  });

  it.each<[string, DeploymentCondition | undefined, { requeueAfter: number } | undefined]>([
    [
      'when the deadline would pass, plus a second',
      cond('Progressing', 'True', 'ReplicaSetUpdated', 'x', T(100_000)),
      { requeueAfter: 501_000 },
    ],
    ['no Progressing condition', undefined, undefined],
    [
      'deadline already exceeded',
      cond('Progressing', 'False', 'ProgressDeadlineExceeded', 'x', T(0)),
      undefined,
    ],
    ['paused', cond('Progressing', 'Unknown', 'DeploymentPaused', 'x', T(0)), undefined],
  ])('progressRequeue: %s', (_what, c, want) => {
    const status = { replicas: 3, updatedReplicas: 1, conditions: c ? [c] : [] };
    expect(progressRequeue(deploy(3), status, NOW)).toEqual(want);
  });

  it('progressRequeue: a complete rollout is not looked at again', () => {
    const c = cond('Progressing', 'True', 'ReplicaSetUpdated', 'x', T(100_000));
    const status = {
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
      conditions: [c],
    };
    expect(progressRequeue(deploy(3), status, NOW)).toBeUndefined();
  });

  it.each<[string, boolean, DeploymentCondition | undefined, string | undefined]>([
    ['pausing sets DeploymentPaused', true, undefined, 'DeploymentPaused'],
    [
      'paused and reported: nothing to write',
      true,
      cond('Progressing', 'Unknown', 'DeploymentPaused', 'x', T(0)),
      undefined,
    ],
    [
      'resuming sets DeploymentResumed',
      false,
      cond('Progressing', 'Unknown', 'DeploymentPaused', 'x', T(0)),
      'DeploymentResumed',
    ],
    [
      'not paused: nothing to write',
      false,
      cond('Progressing', 'True', 'ReplicaSetUpdated', 'x', T(0)),
      undefined,
    ],
    [
      'a reported deadline is not overwritten',
      true,
      cond('Progressing', 'False', 'ProgressDeadlineExceeded', 'x', T(0)),
      undefined,
    ],
  ])('pausedStatus: %s', (_what, paused, c, reason) => {
    const s = pausedStatus(deploy(3, { paused }, { replicas: 3, conditions: c ? [c] : [] }), NOW);
    if (!reason) return expect(s).toBeUndefined();
    expect(s?.replicas).toBe(3);
    expect(s?.conditions?.find((x) => x.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason });
  });

  it('pausedStatus: nothing without a progress deadline', () => {
    expect(
      pausedStatus(deploy(3, { paused: true, progressDeadlineSeconds: 2147483647 }), NOW),
    ).toBeUndefined();
  });

  it.each<[DeploymentStatus, DeploymentStatus, boolean]>([
    [{ replicas: 0, conditions: [] }, {}, true],
    [{ replicas: 2, readyReplicas: 1 }, { readyReplicas: 1, replicas: 2 }, true],
    [{ replicas: 1 }, { replicas: 2 }, false],
    [{ collisionCount: 1 }, {}, false],
  ])('deploymentStatusEqual(%j, %j) = %s', (a, b, want) => {
    expect(deploymentStatusEqual(a, b)).toBe(want);
  });
});
