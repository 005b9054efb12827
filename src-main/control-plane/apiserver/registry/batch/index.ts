/** The batch API group's registry: Jobs and CronJobs. */
import type { Strategy } from '../strategy';
import { cronJobStrategy } from './cronjobs';
import { jobStrategy } from './jobs';

/** The strategies of batch/v1. */
export const BATCH_STRATEGIES: Strategy[] = [jobStrategy, cronJobStrategy];
