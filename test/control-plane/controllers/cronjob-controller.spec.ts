import { afterEach, describe, expect, it } from 'vitest';
import type { CronJob, Job } from 'kubernetes-types/batch/v1';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import {
  CronJobController,
  SCHEDULED_TIMESTAMP,
  mostRecentSchedule,
} from '../../../src-main/control-plane/controllers/cronjob-controller';
import { parseCron } from '../../../src-main/common/cron';
import type { FakeApi } from '../helpers/fake-api';
import { settle, setupController } from './helpers';

type CJ = CronJob & KubeObject;
type J = Job & KubeObject;

// FakeClock starts at 2026-01-01T12:00:00Z.
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function cronJob(name: string, spec: Partial<CJ['spec']> = {}): CJ {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default', creationTimestamp: new Date(T0).toISOString() },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: {
        metadata: { labels: { from: name } },
        spec: {
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
        },
      },
      ...spec,
    } as CJ['spec'],
  };
}

function finishJob(api: FakeApi, name: string, type: 'Complete' | 'Failed', at: number) {
  api.mutate<J>(R.jobs, 'default', name, (j) => {
    const t = new Date(at).toISOString();
    j.status = {
      ...(type === 'Complete' ? { completionTime: t, succeeded: 1 } : { failed: 1 }),
      startTime: t,
      conditions: [{ type, status: 'True', lastTransitionTime: t }],
    };
  });
}

describe('CronJobController', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  async function setup() {
    const s = await setupController((c, i, o) => new CronJobController(c, i, o));
    stop = s.stop;
    return s;
  }
  const jobs = (api: FakeApi) =>
    api.listObjects<J>(R.jobs, 'default').sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  const getCj = (api: FakeApi, n: string) => api.getObject<CJ>(R.cronjobs, 'default', n)!;

  it('waits for the next schedule time on the injected clock, then creates the Job and records it', async () => {
    const { api, clock, ctrl } = await setup();
    api.seed(R.cronjobs, cronJob('tick'));
    await settle();
    const r = await ctrl.reconcile('default/tick');
    expect(jobs(api)).toHaveLength(0);
    expect(r).toEqual({ requeueAfter: 5 * 60_000 + 100 });
    await clock.advance(5 * 60_000 + 100);
    const r2 = await ctrl.reconcile('default/tick');
    const [j] = jobs(api);
    const scheduled = T0 + 5 * 60_000;
    expect(j.metadata.name).toBe(`tick-${scheduled / 60_000}`);
    expect(j.metadata.labels).toEqual({ from: 'tick' });
    expect(j.metadata.annotations?.[SCHEDULED_TIMESTAMP]).toBe('2026-01-01T12:05:00Z');
    expect(j.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'CronJob',
      name: 'tick',
      controller: true,
    });
    expect(j.spec?.template.spec?.containers[0].image).toBe('busybox');
    const cj = getCj(api, 'tick');
    expect(cj.status?.lastScheduleTime).toBe('2026-01-01T12:05:00Z');
    expect(cj.status?.active).toEqual([expect.objectContaining({ kind: 'Job', name: j.metadata.name })]);
    expect(r2).toEqual({ requeueAfter: 5 * 60_000 - 100 + 100 });
    // Reconciling again at the same time creates nothing more.
    await settle();
    await ctrl.reconcile('default/tick');
    expect(jobs(api)).toHaveLength(1);
    // The job completes: it leaves active, lastSuccessfulTime is set.
    finishJob(api, j.metadata.name!, 'Complete', clock.now());
    await settle();
    await ctrl.reconcile('default/tick');
    const after = getCj(api, 'tick');
    expect(after.status?.active).toBeUndefined();
    expect(after.status?.lastSuccessfulTime).toBe('2026-01-01T12:05:00Z');
    expect(api.listObjects(R.events, 'default').map((e) => e.reason)).toEqual(
      expect.arrayContaining(['SuccessfulCreate', 'SawCompletedJob']),
    );
  });

  it('concurrencyPolicy Forbid skips a run while one is active; Replace deletes the active one', async () => {
    const { api, clock, ctrl } = await setup();
    api.seed(R.cronjobs, cronJob('forbid', { schedule: '* * * * *', concurrencyPolicy: 'Forbid' }));
    api.seed(R.cronjobs, cronJob('replace', { schedule: '* * * * *', concurrencyPolicy: 'Replace' }));
    await settle();
    await clock.advance(60_000);
    await ctrl.reconcile('default/forbid');
    await ctrl.reconcile('default/replace');
    expect(jobs(api).map((j) => j.metadata.name)).toEqual([
      `forbid-${T0 / 60_000 + 1}`,
      `replace-${T0 / 60_000 + 1}`,
    ]);
    await settle();
    await clock.advance(60_000);
    await ctrl.reconcile('default/forbid');
    await ctrl.reconcile('default/replace');
    const names = jobs(api).map((j) => j.metadata.name);
    expect(names).toEqual([`forbid-${T0 / 60_000 + 1}`, `replace-${T0 / 60_000 + 2}`]);
    expect(getCj(api, 'replace').status?.active?.map((r) => r.name)).toEqual([`replace-${T0 / 60_000 + 2}`]);
    expect(getCj(api, 'forbid').status?.lastScheduleTime).toBe('2026-01-01T12:01:00Z');
  });

  it('honours suspend and startingDeadlineSeconds (a missed start is not run late)', async () => {
    const { api, clock, ctrl } = await setup();
    api.seed(R.cronjobs, cronJob('late', { schedule: '0 * * * *', startingDeadlineSeconds: 60 }));
    api.seed(R.cronjobs, cronJob('paused', { schedule: '* * * * *', suspend: true }));
    await settle();
    // The controller was "down" over 13:00 and looks at 13:02: too late by the deadline.
    await clock.advance(62 * 60_000);
    const r = await ctrl.reconcile('default/late');
    expect(jobs(api)).toHaveLength(0);
    expect(r).toEqual({ requeueAfter: 58 * 60_000 + 100 });
    expect(await ctrl.reconcile('default/paused')).toBeUndefined();
    expect(jobs(api)).toHaveLength(0);
  });

  it('keeps successfulJobsHistoryLimit / failedJobsHistoryLimit finished jobs', async () => {
    const { api, clock, ctrl } = await setup();
    api.seed(
      R.cronjobs,
      cronJob('hist', { schedule: '* * * * *', successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }),
    );
    await settle();
    for (let i = 1; i <= 4; i++) {
      await clock.advance(60_000);
      await ctrl.reconcile('default/hist');
      await settle();
      finishJob(api, `hist-${T0 / 60_000 + i}`, i === 2 ? 'Failed' : 'Complete', clock.now());
      await settle();
    }
    await ctrl.reconcile('default/hist');
    expect(jobs(api).map((j) => j.metadata.name)).toEqual([
      `hist-${T0 / 60_000 + 2}`,
      `hist-${T0 / 60_000 + 4}`,
    ]);
  });

  it('reports an unparseable schedule and an unknown time zone as events, evaluates timeZone', async () => {
    const { api, clock, ctrl } = await setup();
    api.seed(R.cronjobs, cronJob('bad', { schedule: '* * *' }));
    api.seed(R.cronjobs, cronJob('badtz', { timeZone: 'Mars/Olympus' }));
    api.seed(R.cronjobs, cronJob('tz', { schedule: '30 17 * * *', timeZone: 'Asia/Kolkata' }));
    await settle();
    await ctrl.reconcile('default/bad');
    await ctrl.reconcile('default/badtz');
    const reasons = api.listObjects(R.events, 'default').map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['UnparseableSchedule', 'UnknownTimeZone']));
    // 17:30 in Kolkata is 12:00Z: the next one is a day later.
    expect(await ctrl.reconcile('default/tz')).toEqual({ requeueAfter: 86_400_000 + 100 });
    await clock.advance(86_400_000);
    await ctrl.reconcile('default/tz');
    expect(jobs(api)[0].metadata.annotations?.[SCHEDULED_TIMESTAMP]).toBe('2026-01-02T17:30:00+05:30');
  });

  it('finds the most recent of many missed schedule times', () => {
    const s = parseCron('* * * * *');
    const r = mostRecentSchedule(s, T0, T0 + 500 * 60_000 + 30_000, 'UTC');
    expect(r.missed).toBeGreaterThan(100);
    expect(r.recent).toBe(T0 + 500 * 60_000);
    expect(r.next).toBe(T0 + 501 * 60_000);
  });
});
