import type { KubeClient } from '../../common/client/client';
import { isConflict, isNotFound } from '../../common/client/errors';
import type { Informer } from '../../common/client/informer';
import { R } from '../../common/resources';
import { Controller, type ControllerOptions, type ReconcileResult, type SharedInformers } from '../client';
import { getOrUndefined } from './controller-util';
import { jobFinishTime, jobFinished, type JobObj } from './job-logic';

/** Milliseconds until a finished Job with a TTL expires (≤ 0: due), or undefined if it has none. */
function ttlRemaining(job: JobObj, now: number): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || !jobFinished(job)) return undefined;
  const finished = jobFinishTime(job) ?? now;
  return finished + ttl * 1000 - now;
}

/**
 * kube-controller-manager's TTL-after-finished controller: a Job with
 * spec.ttlSecondsAfterFinished is deleted (Foreground propagation, uid precondition) that many
 * seconds after its Complete/Failed condition, re-read from the API server before deleting so a
 * TTL changed meanwhile is honoured. It wakes up exactly when a TTL is due.
 */
export class TtlAfterFinishedController extends Controller {
  private readonly jobInf: Informer<JobObj>;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: ControllerOptions = {},
  ) {
    super('ttl-after-finished-controller', opts);
    this.jobInf = informers.informerFor<JobObj>(R.jobs);
    const onJob = (j: JobObj) => {
      if (j.spec?.ttlSecondsAfterFinished !== undefined && !j.metadata.deletionTimestamp && jobFinished(j))
        this.enqueue(j);
    };
    this.jobInf.addHandler({ add: onJob, update: onJob });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.jobInf.get(key);
    if (!cached || cached.metadata.deletionTimestamp) return;
    const left = ttlRemaining(cached, this.clock.now());
    if (left === undefined) return;
    if (left > 0) return { requeueAfter: left };
    // Re-read before the destructive write: the TTL may have been changed or removed.
    const fresh = await getOrUndefined<JobObj>(
      this.client,
      R.jobs,
      cached.metadata.name!,
      cached.metadata.namespace,
    );
    if (!fresh || fresh.metadata.deletionTimestamp) return;
    const again = ttlRemaining(fresh, this.clock.now());
    if (again === undefined) return;
    if (again > 0) return { requeueAfter: again };
    try {
      await this.client.delete(R.jobs, fresh.metadata.name!, fresh.metadata.namespace, {
        propagationPolicy: 'Foreground',
        preconditions: { uid: fresh.metadata.uid },
      });
      this.log.info(`deleted job ${key} (ttlSecondsAfterFinished)`);
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
