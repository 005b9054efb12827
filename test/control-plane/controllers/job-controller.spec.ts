import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from 'kubernetes-types/batch/v1';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { JobController } from '../../../src-main/control-plane/controllers/job-controller';
import {
  JOB_COMPLETION_INDEX,
  JOB_TRACKING_FINALIZER,
  formatIndexes,
  parseIndexes,
} from '../../../src-main/control-plane/controllers/job-logic';
import { podsIn, setPodState, settle, setupController } from './helpers';

type J = Job & KubeObject;

function job(name: string, spec: Partial<J['spec']> = {}): J {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      template: {
        metadata: { labels: { app: name } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
      },
      ...spec,
    },
  };
}

describe('JobController', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  async function setup() {
    const s = await setupController((c, i, o) => new JobController(c, i, o));
    stop = s.stop;
    return s;
  }

  const getJob = (api: Awaited<ReturnType<typeof setup>>['api'], name: string) =>
    api.getObject<J>(R.jobs, 'default', name)!;
  const cond = (j: J, type: string) => j.status?.conditions?.find((c) => c.type === type);

  it('runs parallelism pods with the tracking finalizer, counts them via uncountedTerminatedPods, then completes', async () => {
    const { api, ctrl } = await setup();
    const j = api.seed(R.jobs, job('pi', { completions: 2, parallelism: 2 }));
    await settle();
    await ctrl.reconcile('default/pi');
    const pods = podsIn(api);
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^pi-[a-z0-9]{5}$/);
      expect(p.metadata.finalizers).toEqual([JOB_TRACKING_FINALIZER]);
      expect(p.metadata.labels).toMatchObject({
        app: 'pi',
        'batch.kubernetes.io/job-name': 'pi',
        'batch.kubernetes.io/controller-uid': j.metadata.uid,
        'job-name': 'pi',
      });
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'pi', controller: true });
    }
    await settle();
    await ctrl.reconcile('default/pi');
    expect(getJob(api, 'pi').status).toMatchObject({ active: 2, ready: 0, startTime: expect.any(String) });

    for (const p of pods) setPodState(api, 'default', p.metadata.name!, 'Succeeded');
    await settle();
    api.clearWrites();
    await ctrl.reconcile('default/pi');
    // 1. the finished pods are recorded, 2. freed of the finalizer, 3. counted.
    const statusWrites = api.writesOf('update', 'jobs', 'status');
    expect(statusWrites[0].body.status.uncountedTerminatedPods.succeeded).toHaveLength(2);
    expect(api.writesOf('update', 'pods').map((w) => w.body.metadata.finalizers)).toEqual([
      undefined,
      undefined,
    ]);
    const done = getJob(api, 'pi');
    expect(done.status).toMatchObject({ succeeded: 2, failed: 0, completionTime: expect.any(String) });
    expect(done.status?.active).toBeUndefined();
    expect(cond(done, 'SuccessCriteriaMet')).toMatchObject({ status: 'True', reason: 'CompletionsReached' });
    expect(cond(done, 'Complete')).toMatchObject({ status: 'True', reason: 'CompletionsReached' });
    expect(podsIn(api).every((p) => !p.metadata.finalizers?.length)).toBe(true);
    expect(api.listObjects(R.events, 'default').map((e) => e.reason)).toContain('Completed');
    // A finished job is left alone.
    api.clearWrites();
    await settle();
    await ctrl.reconcile('default/pi');
    expect(api.writes).toHaveLength(0);
  });

  it('backs off 10 s before replacing a failed pod and fails past backoffLimit', async () => {
    const { api, clock, ctrl } = await setup();
    api.seed(R.jobs, job('flaky', { completions: 1, backoffLimit: 1 }));
    await settle();
    await ctrl.reconcile('default/flaky');
    const [first] = podsIn(api);
    await settle();
    setPodState(api, 'default', first.metadata.name!, 'Failed');
    await settle();
    const res = await ctrl.reconcile('default/flaky');
    expect(getJob(api, 'flaky').status?.failed).toBe(1);
    expect(podsIn(api).filter((p) => p.status?.phase !== 'Failed')).toHaveLength(0);
    expect(res).toEqual({ requeueAfter: 10_001 });
    await clock.advance(10_000);
    await ctrl.reconcile('default/flaky');
    const second = podsIn(api).find((p) => p.status?.phase !== 'Failed')!;
    expect(second).toBeTruthy();
    await settle();
    setPodState(api, 'default', second.metadata.name!, 'Failed');
    await settle();
    await ctrl.reconcile('default/flaky');
    const failed = getJob(api, 'flaky');
    expect(failed.status?.failed).toBe(2);
    expect(cond(failed, 'FailureTarget')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' });
    expect(cond(failed, 'Failed')).toMatchObject({
      status: 'True',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    });
    expect(cond(failed, 'Complete')).toBeUndefined();
  });

  it('fails a job that runs past activeDeadlineSeconds, terminating its pods first', async () => {
    const { api, clock, ctrl } = await setup();
    api.seed(R.jobs, job('slow', { activeDeadlineSeconds: 30 }));
    await settle();
    const r1 = await ctrl.reconcile('default/slow');
    expect(r1).toEqual({ requeueAfter: 30_001 });
    const [pod] = podsIn(api);
    await settle();
    setPodState(api, 'default', pod.metadata.name!, 'Running', { ready: true });
    await clock.advance(30_000);
    await ctrl.reconcile('default/slow');
    let j = getJob(api, 'slow');
    expect(cond(j, 'FailureTarget')).toMatchObject({ reason: 'DeadlineExceeded' });
    // Not Failed yet: its pod is still terminating.
    expect(cond(j, 'Failed')).toBeUndefined();
    expect(api.getObject(R.pods, 'default', pod.metadata.name!)!.metadata.deletionTimestamp).toBeTruthy();
    await settle();
    await ctrl.reconcile('default/slow');
    // Counted as failed and let go: our finalizer was the only thing keeping the deleted pod.
    expect(getJob(api, 'slow').status?.failed).toBe(1);
    expect(cond(getJob(api, 'slow'), 'Failed')).toBeUndefined();
    expect(api.getObject(R.pods, 'default', pod.metadata.name!)).toBeUndefined();
    await settle();
    await ctrl.reconcile('default/slow');
    j = getJob(api, 'slow');
    expect(cond(j, 'Failed')).toMatchObject({ status: 'True', reason: 'DeadlineExceeded' });
    expect(j.status?.failed).toBe(1);
  });

  it('runs Indexed jobs with completion indexes, hostnames and completedIndexes', async () => {
    const { api, ctrl } = await setup();
    api.seed(R.jobs, job('idx', { completions: 3, parallelism: 2, completionMode: 'Indexed' }));
    await settle();
    await ctrl.reconcile('default/idx');
    let pods = podsIn(api);
    expect(pods.map((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX]).sort()).toEqual(['0', '1']);
    const p1 = pods.find((p) => p.metadata.labels?.[JOB_COMPLETION_INDEX] === '1')!;
    expect(p1.metadata.name).toMatch(/^idx-1-[a-z0-9]{5}$/);
    expect(p1.spec?.hostname).toBe('idx-1');
    expect(p1.spec?.containers[0].env).toContainEqual({
      name: 'JOB_COMPLETION_INDEX',
      valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } },
    });
    await settle();
    setPodState(api, 'default', p1.metadata.name!, 'Succeeded');
    await settle();
    await ctrl.reconcile('default/idx');
    expect(getJob(api, 'idx').status).toMatchObject({ succeeded: 1, completedIndexes: '1' });
    pods = podsIn(api);
    expect(pods.map((p) => p.metadata.labels?.[JOB_COMPLETION_INDEX]).sort()).toEqual(['0', '1', '2']);
    await settle();
    for (const p of pods)
      if (p.status?.phase !== 'Succeeded') setPodState(api, 'default', p.metadata.name!, 'Succeeded');
    await settle();
    await ctrl.reconcile('default/idx');
    const j = getJob(api, 'idx');
    expect(j.status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
    expect(cond(j, 'Complete')?.status).toBe('True');
  });

  it('suspends (deleting active pods, not counting them as failures) and resumes', async () => {
    const { api, ctrl } = await setup();
    api.seed(R.jobs, job('s', { parallelism: 2, completions: 4 }));
    await settle();
    await ctrl.reconcile('default/s');
    expect(podsIn(api)).toHaveLength(2);
    await settle();
    api.mutate<J>(R.jobs, 'default', 's', (j) => {
      j.spec!.suspend = true;
    });
    await settle();
    await ctrl.reconcile('default/s');
    let j = getJob(api, 's');
    expect(cond(j, 'Suspended')).toMatchObject({ status: 'True', reason: 'JobSuspended' });
    await settle();
    await ctrl.reconcile('default/s');
    // The deleted pods were released (finalizer removed) without being counted as failed.
    expect(podsIn(api)).toHaveLength(0);
    j = getJob(api, 's');
    expect(j.status?.failed ?? 0).toBe(0);
    api.mutate<J>(R.jobs, 'default', 's', (x) => {
      x.spec!.suspend = false;
    });
    await settle();
    await ctrl.reconcile('default/s');
    j = getJob(api, 's');
    expect(cond(j, 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed' });
    expect(podsIn(api)).toHaveLength(2);
  });

  it('lets go of the pods of a Job deleted with Background propagation (no pod stuck on our finalizer)', async () => {
    const { api, ctrl } = await setup();
    api.seed(R.jobs, job('gone', { parallelism: 1 }));
    await settle();
    await ctrl.reconcile('default/gone');
    const [p] = podsIn(api);
    await settle();
    await ctrl.drain();
    api.remove(R.jobs, 'default', 'gone');
    await api.client.delete(R.pods, p.metadata.name!, 'default');
    expect(api.getObject(R.pods, 'default', p.metadata.name!)!.metadata.deletionTimestamp).toBeTruthy();
    await settle();
    expect(ctrl.queue.pending()).toContain(`pod:default/${p.metadata.name}`);
    await ctrl.drain();
    expect(api.getObject(R.pods, 'default', p.metadata.name!)).toBeUndefined();
  });

  it('applies podFailurePolicy: Ignore leaves a failure uncounted, FailJob fails the Job at once', async () => {
    const { api, ctrl } = await setup();
    api.seed(
      R.jobs,
      job('pfp', {
        backoffLimit: 6,
        podFailurePolicy: {
          rules: [
            { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } },
            { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          ],
        },
      }),
    );
    await settle();
    await ctrl.reconcile('default/pfp');
    const fail = (name: string, exitCode: number, disrupted: boolean) =>
      api.mutate(R.pods, 'default', name, (p) => {
        Object.assign(p, {
          status: {
            phase: 'Failed',
            conditions: disrupted ? [{ type: 'DisruptionTarget', status: 'True' }] : [],
            containerStatuses: [
              {
                name: 'c',
                image: 'x',
                imageID: '',
                ready: false,
                restartCount: 0,
                state: { terminated: { exitCode } },
              },
            ],
          },
        });
      });
    const [first] = podsIn(api);
    await settle();
    fail(first.metadata.name!, 137, true);
    await settle();
    await ctrl.reconcile('default/pfp');
    // Not counted, finalizer released, replaced at once (no backoff).
    expect(getJob(api, 'pfp').status?.failed ?? 0).toBe(0);
    expect(api.getObject(R.pods, 'default', first.metadata.name!)!.metadata.finalizers).toBeUndefined();
    const second = podsIn(api).find((p) => p.metadata.name !== first.metadata.name)!;
    expect(second).toBeTruthy();
    await settle();
    fail(second.metadata.name!, 42, false);
    await settle();
    await ctrl.reconcile('default/pfp');
    const j = getJob(api, 'pfp');
    expect(cond(j, 'Failed')).toMatchObject({
      reason: 'PodFailurePolicy',
      message: `Container c for pod default/${second.metadata.name} failed with exit code 42 matching FailJob rule at index 0`,
    });
    expect(j.status?.failed).toBe(1);
  });

  it('backoffLimitPerIndex: retries an index on its own, fails it past the limit, then fails the Job', async () => {
    const { api, clock, ctrl } = await setup();
    api.seed(
      R.jobs,
      job('pi', { completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 1 }),
    );
    await settle();
    await ctrl.reconcile('default/pi');
    const ofIndex = (i: number) =>
      podsIn(api).filter(
        (p) => p.metadata.labels?.[JOB_COMPLETION_INDEX] === String(i) && p.status?.phase !== 'Failed',
      );
    await settle();
    setPodState(api, 'default', ofIndex(0)[0].metadata.name!, 'Failed');
    await settle();
    await ctrl.reconcile('default/pi');
    expect(getJob(api, 'pi').status?.failedIndexes).toBe('');
    // The index is retried after the usual backoff; the replacement carries the failure count.
    await clock.advance(10_000);
    await ctrl.reconcile('default/pi');
    const retry = ofIndex(0)[0];
    expect(retry.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count']).toBe('1');
    await settle();
    setPodState(api, 'default', retry.metadata.name!, 'Failed');
    setPodState(api, 'default', ofIndex(1)[0].metadata.name!, 'Succeeded');
    await settle();
    await ctrl.reconcile('default/pi');
    const j = getJob(api, 'pi');
    expect(j.status).toMatchObject({ failedIndexes: '0', completedIndexes: '1', failed: 2, succeeded: 1 });
    expect(ofIndex(0)).toHaveLength(0);
    expect(cond(j, 'Failed')).toMatchObject({ reason: 'FailedIndexes', message: 'Job has failed indexes' });
  });

  it('successPolicy: completes once the named indexes succeeded, terminating the rest', async () => {
    const { api, ctrl } = await setup();
    api.seed(
      R.jobs,
      job('lead', {
        completions: 3,
        parallelism: 3,
        completionMode: 'Indexed',
        successPolicy: { rules: [{ succeededIndexes: '0' }] },
      }),
    );
    await settle();
    await ctrl.reconcile('default/lead');
    const leader = podsIn(api).find((p) => p.metadata.labels?.[JOB_COMPLETION_INDEX] === '0')!;
    await settle();
    setPodState(api, 'default', leader.metadata.name!, 'Succeeded');
    await settle();
    await ctrl.reconcile('default/lead');
    let j = getJob(api, 'lead');
    expect(cond(j, 'SuccessCriteriaMet')).toMatchObject({
      reason: 'SuccessPolicy',
      message: 'Matched rules at index 0',
    });
    expect(cond(j, 'Complete')).toBeUndefined();
    // The two workers were deleted (our finalizer holds them until released).
    await settle();
    await ctrl.reconcile('default/lead');
    await settle();
    await ctrl.reconcile('default/lead');
    j = getJob(api, 'lead');
    expect(cond(j, 'Complete')).toMatchObject({ status: 'True', reason: 'SuccessPolicy' });
    expect(j.status).toMatchObject({ succeeded: 1, completedIndexes: '0' });
    expect(j.status?.failed ?? 0).toBe(0);
  });

  it('formats and parses completed indexes as intervals', () => {
    expect(formatIndexes([0, 1, 2, 4, 6, 7])).toBe('0-2,4,6-7');
    expect([...parseIndexes('0-2,4,6-7')]).toEqual([0, 1, 2, 4, 6, 7]);
    expect(formatIndexes([])).toBe('');
  });
});
