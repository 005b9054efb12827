// Table-driven unit tests of the Job controller's pure decisions (job-logic.ts); no API server, no clock.
import { describe, expect, it } from 'vitest';
import type { Job, PodFailurePolicyOnPodConditionsPattern } from 'kubernetes-types/batch/v1';
import type { KubeObject, Pod } from '../../../src-main/common/types';
import {
  JOB_COMPLETION_INDEX,
  JOB_TRACKING_FINALIZER,
  backoffRemaining,
  countFinished,
  formatIndexes,
  jobPod,
  jobStatusKey,
  judgeJob,
  matchPodFailurePolicy,
  matchSuccessPolicy,
  parseIndexes,
  planJobPods,
  trackFinishedPods,
  type FinishedCounts,
  type JobObj,
} from '../../../src-main/control-plane/controllers/job-logic';

type P = Pod & KubeObject;
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

function job(spec: Partial<NonNullable<Job['spec']>> = {}, status: Job['status'] = {}): JobObj {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'job-uid' },
    spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
    status,
  };
}

interface PodOpts {
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  tracked?: boolean;
  deleting?: boolean;
  index?: number;
  exitCode?: number;
  restarts?: number;
  finishedAt?: number;
  created?: number;
  conditions?: { type: string; status: string }[];
  failures?: number;
}

function pod(name: string, o: PodOpts = {}): P {
  const annotations: Record<string, string> = {};
  if (o.index !== undefined) annotations[JOB_COMPLETION_INDEX] = String(o.index);
  if (o.failures !== undefined)
    annotations['batch.kubernetes.io/job-index-failure-count'] = String(o.failures);
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      annotations,
      creationTimestamp: iso(o.created ?? NOW - 60_000),
      finalizers: o.tracked === false ? undefined : [JOB_TRACKING_FINALIZER],
      deletionTimestamp: o.deleting ? iso(NOW) : undefined,
    },
    status: {
      phase: o.phase ?? 'Running',
      conditions: o.conditions,
      containerStatuses: [
        {
          name: 'c',
          image: 'busybox',
          imageID: '',
          ready: false,
          restartCount: o.restarts ?? 0,
          state:
            o.exitCode !== undefined || o.finishedAt !== undefined
              ? {
                  terminated: {
                    exitCode: o.exitCode ?? 0,
                    finishedAt: o.finishedAt ? iso(o.finishedAt) : undefined,
                  },
                }
              : { running: {} },
        },
      ],
    },
  };
}

const counts = (c: Partial<FinishedCounts> = {}): FinishedCounts => ({
  succeeded: 0,
  failed: 0,
  completedIdx: new Set(),
  failedIdx: new Set(),
  perIndex: false,
  ...c,
});
const names = (ps: P[]) => ps.map((p) => p.metadata.name);

describe('parseIndexes / formatIndexes', () => {
  it.each([
    ['', []],
    ['3', [3]],
    ['0-2', [0, 1, 2]],
    ['0-2,4,6-7', [0, 1, 2, 4, 6, 7]],
  ])('%j ⇄ %j', (text, list) => {
    expect([...parseIndexes(text)]).toEqual(list);
    expect(formatIndexes(list)).toBe(text);
  });
  it('formats unsorted input in order', () => expect(formatIndexes([5, 1, 2, 3])).toBe('1-3,5'));
});

describe('matchPodFailurePolicy', () => {
  const rules = (...r: NonNullable<NonNullable<Job['spec']>['podFailurePolicy']>['rules']) =>
    job({ podFailurePolicy: { rules: r } });
  it.each([
    [
      'exit code In',
      rules({ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }),
      42,
      'FailJob',
    ],
    [
      'exit code not In',
      rules({ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }),
      1,
      undefined,
    ],
    ['NotIn', rules({ action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [1] } }), 2, 'Ignore'],
    [
      'exit 0 never matches',
      rules({ action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [1] } }),
      0,
      undefined,
    ],
    [
      'another container',
      rules({ action: 'FailJob', onExitCodes: { containerName: 'other', operator: 'In', values: [42] } }),
      42,
      undefined,
    ],
    [
      'first rule wins',
      rules(
        { action: 'Count', onExitCodes: { operator: 'In', values: [42] } },
        { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } },
      ),
      42,
      'Count',
    ],
  ])('%s', (_what, j, exitCode, action) => {
    expect(matchPodFailurePolicy(j, pod('p', { phase: 'Failed', exitCode }))?.action).toBe(action);
  });
  it('matches pod conditions (status defaults to True) with upstream messages', () => {
    // status left out: the API defaults it to True.
    const j = rules({
      action: 'Ignore',
      onPodConditions: [{ type: 'DisruptionTarget' } as PodFailurePolicyOnPodConditionsPattern],
    });
    const hit = pod('p', { phase: 'Failed', conditions: [{ type: 'DisruptionTarget', status: 'True' }] });
    expect(matchPodFailurePolicy(j, hit)).toEqual({
      action: 'Ignore',
      index: 0,
      message: 'Pod default/p has condition DisruptionTarget matching Ignore rule at index 0',
    });
    const miss = pod('p', { phase: 'Failed', conditions: [{ type: 'DisruptionTarget', status: 'False' }] });
    expect(matchPodFailurePolicy(j, miss)).toBeUndefined();
    const f = rules({ action: 'FailJob', onExitCodes: { operator: 'In', values: [3] } });
    expect(matchPodFailurePolicy(f, pod('p', { phase: 'Failed', exitCode: 3 }))?.message).toBe(
      'Container c for pod default/p failed with exit code 3 matching FailJob rule at index 0',
    );
  });
});

describe('matchSuccessPolicy', () => {
  it.each([
    ['no rules', undefined, [0, 1], undefined],
    ['all named indexes', [{ succeededIndexes: '0-1' }], [0, 1], 0],
    ['a named index missing', [{ succeededIndexes: '0-2' }], [0, 1], undefined],
    ['succeededCount of the named', [{ succeededIndexes: '0-4', succeededCount: 2 }], [1, 3], 0],
    ['succeededCount overall', [{ succeededCount: 3 }, { succeededCount: 1 }], [7], 1],
  ])('%s', (_what, rules, done, want) => {
    expect(matchSuccessPolicy(rules, new Set(done))).toBe(want);
  });
});

describe('trackFinishedPods', () => {
  it.each<
    [string, Partial<NonNullable<Job['spec']>>, Job['status'], P, 'succeeded' | 'failed' | 'release' | 'none']
  >([
    ['a succeeded pod is recorded as succeeded', {}, {}, pod('p', { phase: 'Succeeded' }), 'succeeded'],
    ['a failed pod is recorded as failed', {}, {}, pod('p', { phase: 'Failed', exitCode: 1 }), 'failed'],
    ['a running pod being deleted counts as failed', {}, {}, pod('p', { deleting: true }), 'failed'],
    [
      'a pod without our finalizer is not ours to count',
      {},
      {},
      pod('p', { phase: 'Failed', tracked: false }),
      'none',
    ],
    [
      'an already recorded pod is not recorded twice',
      {},
      { uncountedTerminatedPods: { failed: ['uid-p'] } },
      pod('p', { phase: 'Failed' }),
      'none',
    ],
    ['a running pod is left alone', {}, {}, pod('p'), 'none'],
    [
      'a pod we delete on suspend is released',
      { suspend: true },
      {},
      pod('p', { deleting: true }),
      'release',
    ],
    [
      'a pod we delete after success is released',
      {},
      { conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }] },
      pod('p', { deleting: true }),
      'release',
    ],
    [
      'a failure podFailurePolicy ignores is released',
      { podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [9] } }] } },
      {},
      pod('p', { phase: 'Failed', exitCode: 9 }),
      'release',
    ],
  ])('%s', (_what, spec, status, p, want) => {
    const { uncounted, release, newlyFinished } = trackFinishedPods(job(spec, status), [p]);
    const recorded = [...(status?.uncountedTerminatedPods?.failed ?? [])];
    expect([...uncounted.succeeded]).toEqual(want === 'succeeded' ? ['uid-p'] : []);
    expect([...uncounted.failed]).toEqual(want === 'failed' ? ['uid-p'] : recorded);
    expect(names(release)).toEqual(want === 'release' ? ['p'] : []);
    expect(newlyFinished).toBe(want === 'succeeded' || want === 'failed');
  });
});

describe('countFinished', () => {
  it('adds the uncounted pods to the counters (NonIndexed)', () => {
    const c = countFinished(job(), { succeeded: 2, failed: 1 }, [], {
      succeeded: new Set(['a', 'b']),
      failed: new Set(['c']),
    });
    expect(c).toEqual(counts({ succeeded: 4, failed: 2 }));
  });

  it('Indexed: succeeded is the number of completed indexes, out-of-range and repeated ones ignored', () => {
    const pods = [
      pod('a', { index: 1 }),
      pod('b', { index: 1 }),
      pod('c', { index: 7 }),
      pod('d', { index: 2 }),
    ];
    const c = countFinished(
      job({ completionMode: 'Indexed', completions: 3 }),
      { succeeded: 1, completedIndexes: '0' },
      pods,
      { succeeded: new Set(['uid-a', 'uid-b', 'uid-c', 'uid-d']), failed: new Set() },
    );
    expect([...c.completedIdx].sort()).toEqual([0, 1, 2]);
    expect(c.succeeded).toBe(3);
    expect(c.perIndex).toBe(false);
  });

  it('backoffLimitPerIndex: an index fails for good once its failures exceed the limit', () => {
    const pods = [pod('a', { index: 0, failures: 1 }), pod('b', { index: 1, failures: 0 })];
    const c = countFinished(
      job({ completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: 1 }),
      { failedIndexes: '' },
      pods,
      { succeeded: new Set(), failed: new Set(['uid-a', 'uid-b']) },
    );
    expect(c.perIndex).toBe(true);
    expect([...c.failedIdx]).toEqual([0]);
    expect(c.failed).toBe(2);
  });
});

describe('judgeJob', () => {
  type Case = [
    string,
    Partial<NonNullable<Job['spec']>>,
    P[],
    Partial<FinishedCounts>,
    string | undefined,
    object,
  ];
  const started = iso(NOW - 30_000);
  it.each<Case>([
    ['nothing decided yet', { completions: 3 }, [pod('a')], { succeeded: 1 }, started, {}],
    [
      'failures beyond backoffLimit',
      { backoffLimit: 1 },
      [],
      { failed: 2 },
      started,
      { failure: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } },
    ],
    ['failures up to backoffLimit', { backoffLimit: 2 }, [], { failed: 2 }, started, {}],
    [
      'restarts count as failures under OnFailure',
      { backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [] } } },
      [pod('a', { restarts: 2 })],
      { failed: 1 },
      started,
      { failure: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } },
    ],
    [
      'a FailJob rule fails at once',
      { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] } },
      [pod('x', { phase: 'Failed', exitCode: 42 })],
      { failed: 1 },
      started,
      {
        failure: {
          reason: 'PodFailurePolicy',
          message: 'Container c for pod default/x failed with exit code 42 matching FailJob rule at index 0',
        },
      },
    ],
    [
      'past activeDeadlineSeconds',
      { activeDeadlineSeconds: 30 },
      [pod('a')],
      {},
      started,
      { failure: { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' } },
    ],
    [
      'before the deadline: look again then',
      { activeDeadlineSeconds: 40 },
      [pod('a')],
      {},
      started,
      { requeueAfter: 10_000 },
    ],
    ['a suspended job has no deadline', { activeDeadlineSeconds: 1, suspend: true }, [], {}, started, {}],
    [
      'completions reached',
      { completions: 2 },
      [],
      { succeeded: 2 },
      started,
      { success: { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' } },
    ],
    [
      'a work queue succeeds once one pod did and none runs',
      {},
      [],
      { succeeded: 1 },
      started,
      { success: { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' } },
    ],
    ['a work queue with pods still running', {}, [pod('a')], { succeeded: 1 }, started, {}],
    [
      'Indexed: a successPolicy rule',
      { completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{ succeededIndexes: '0' }] } },
      [pod('a')],
      { completedIdx: new Set([0]), succeeded: 1 },
      started,
      { success: { reason: 'SuccessPolicy', message: 'Matched rules at index 0' } },
    ],
    [
      'Indexed: more failed indexes than maxFailedIndexes',
      { completionMode: 'Indexed', completions: 5, backoffLimitPerIndex: 0, maxFailedIndexes: 1 },
      [pod('a')],
      { perIndex: true, failedIdx: new Set([1, 2]) },
      started,
      {
        failure: {
          reason: 'MaxFailedIndexesExceeded',
          message: 'Job has exceeded the specified maximal number of failed indexes',
        },
      },
    ],
    [
      'Indexed: every index done, some failed',
      { completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: 0 },
      [],
      { perIndex: true, failedIdx: new Set([1]), completedIdx: new Set([0]), succeeded: 1 },
      started,
      { failure: { reason: 'FailedIndexes', message: 'Job has failed indexes' } },
    ],
  ])('%s', (_what, spec, pods, c, startTime, want) => {
    const active = pods.filter((p) => p.status?.phase === 'Running');
    expect(judgeJob(job(spec), pods, active, counts(c), startTime, NOW)).toEqual(want);
  });
});

describe('backoffRemaining', () => {
  const failedAt = (name: string, ago: number) =>
    pod(name, { phase: 'Failed', exitCode: 1, finishedAt: NOW - ago });
  it.each<[string, P[], number, number]>([
    ['no failures', [], 0, 0],
    ['one failure 4 s ago: 10 s backoff', [failedAt('a', 4_000)], 1, 6_000],
    ['two failures: 20 s from the last one', [failedAt('a', 30_000), failedAt('b', 4_000)], 2, 16_000],
    ['backoff is over', [failedAt('a', 11_000)], 1, 0],
    ['capped at 6 minutes', Array.from({ length: 10 }, (_, i) => failedAt(`f${i}`, 4_000 + i)), 10, 356_000],
    [
      'failures before the last success do not count',
      [failedAt('a', 8_000), pod('s', { phase: 'Succeeded', finishedAt: NOW - 5_000 })],
      1,
      0,
    ],
  ])('%s', (_what, pods, failed, want) => {
    expect(backoffRemaining(job(), pods, failed, NOW)).toBe(want);
  });
  it('ignores failures podFailurePolicy ignores', () => {
    const j = job({
      podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [1] } }] },
    });
    expect(backoffRemaining(j, [failedAt('a', 1_000)], 1, NOW)).toBe(0);
  });
});

describe('planJobPods', () => {
  const running = (n: number) =>
    Array.from({ length: n }, (_, i) => pod(`r${i}`, { created: NOW - 1000 * (n - i) }));
  it.each<[string, Partial<NonNullable<Job['spec']>>, number, Partial<FinishedCounts>, number]>([
    ['up to parallelism', { parallelism: 3 }, 0, {}, 3],
    ['the rest of parallelism', { parallelism: 3 }, 1, {}, 2],
    ['never beyond what is left to complete', { parallelism: 3, completions: 4 }, 0, { succeeded: 3 }, 1],
    ['a work queue starts no more once one succeeded', { parallelism: 3 }, 1, { succeeded: 1 }, 0],
    ['parallelism defaults to 1', {}, 0, {}, 1],
  ])('NonIndexed: %s', (_what, spec, active, c, want) => {
    const pods = running(active);
    const plan = planJobPods(job(spec), pods, pods, counts(c));
    expect(plan).toEqual({ surplus: [], create: Array.from({ length: want }, () => ({ index: undefined })) });
  });

  it('NonIndexed: parallelism lowered deletes the newest surplus and creates nothing', () => {
    const pods = running(4);
    const plan = planJobPods(job({ parallelism: 2 }), pods, pods, counts());
    expect(names(plan.surplus)).toEqual(['r3', 'r2']);
    expect(plan.create).toEqual([]);
  });

  it('Indexed: the lowest indexes neither completed, running nor failed, with their failure counts', () => {
    const pods = [
      pod('r1', { index: 1 }),
      pod('f4', { index: 4, phase: 'Failed', failures: 1 }),
      pod('f3', { index: 3, phase: 'Failed', failures: 2 }),
    ];
    const spec = {
      completionMode: 'Indexed' as const,
      completions: 7,
      parallelism: 4,
      backoffLimitPerIndex: 3,
    };
    const plan = planJobPods(
      job(spec),
      pods,
      [pods[0]],
      counts({ perIndex: true, completedIdx: new Set([0, 2]), failedIdx: new Set([3]) }),
    );
    expect(plan).toEqual({
      surplus: [],
      create: [
        { index: 4, failures: 2 },
        { index: 5, failures: undefined },
        { index: 6, failures: undefined },
      ],
    });
  });
});

describe('jobPod', () => {
  it('NonIndexed: the template with the job labels, the tracking finalizer and a controller reference', () => {
    const j = job({
      template: { metadata: { labels: { app: 'pi' } }, spec: { containers: [{ name: 'c' }] } },
    });
    const p = jobPod(j, undefined);
    expect(p.metadata).toEqual({
      generateName: 'pi-',
      namespace: 'default',
      labels: {
        app: 'pi',
        'batch.kubernetes.io/controller-uid': 'job-uid',
        'batch.kubernetes.io/job-name': 'pi',
        'controller-uid': 'job-uid',
        'job-name': 'pi',
      },
      annotations: undefined,
      finalizers: [JOB_TRACKING_FINALIZER],
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: 'pi',
          uid: 'job-uid',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(p.spec).toEqual({ containers: [{ name: 'c' }] });
  });

  it('Indexed: index label and annotation, hostname, env, and the failure count after failures', () => {
    const p = jobPod(job({ completionMode: 'Indexed' }), 2, 3);
    expect(p.metadata.generateName).toBe('pi-2-');
    expect(p.metadata.labels?.[JOB_COMPLETION_INDEX]).toBe('2');
    expect(p.metadata.annotations).toEqual({
      [JOB_COMPLETION_INDEX]: '2',
      'batch.kubernetes.io/job-index-failure-count': '3',
    });
    expect(p.spec?.hostname).toBe('pi-2');
    expect(p.spec?.containers[0].env).toEqual([
      {
        name: 'JOB_COMPLETION_INDEX',
        valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } },
      },
    ]);
  });

  it('does not touch the job template', () => {
    const j = job({ completionMode: 'Indexed' });
    const before = JSON.stringify(j);
    jobPod(j, 0);
    expect(JSON.stringify(j)).toBe(before);
  });
});

describe('jobStatusKey', () => {
  it('treats an empty uncountedTerminatedPods as absent and ignores key order', () => {
    expect(jobStatusKey({ succeeded: 1, uncountedTerminatedPods: { succeeded: [], failed: [] } })).toBe(
      jobStatusKey({ succeeded: 1 }),
    );
    expect(jobStatusKey({ active: 1, succeeded: 2 })).toBe(jobStatusKey({ succeeded: 2, active: 1 }));
    expect(jobStatusKey({ uncountedTerminatedPods: { failed: ['u'] } })).not.toBe(jobStatusKey({}));
  });
});
