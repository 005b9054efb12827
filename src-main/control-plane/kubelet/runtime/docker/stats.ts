// One CPU/memory sample of a container from the engine's stats endpoint; only reads the engine.
import type Docker from 'dockerode';
import type { ContainerStats } from '../runtime';
import { hasStatus } from './engine-errors';

/** The parts of the engine's stats document the kubelet reads. */
export interface DockerStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/** The container's current sample; undefined when it is gone or not running. */
export async function containerStats(docker: Docker, id: string): Promise<ContainerStats | undefined> {
  let s: DockerStats;
  try {
    // one-shot: no second CPU reading inside the engine (it would wait ~1 s); the kubelet
    // computes rates from its own consecutive samples.
    s = (await docker
      .getContainer(id)
      .stats({ stream: false, 'one-shot': true } as never)) as unknown as DockerStats;
  } catch (err) {
    if (hasStatus(err, 404, 409)) return undefined;
    throw err;
  }
  return statsOf(s);
}

/** The runtime's sample from an engine stats document; undefined without a CPU reading. */
export function statsOf(s: DockerStats): ContainerStats | undefined {
  const usage = s.memory_stats?.usage ?? 0;
  const st = s.memory_stats?.stats ?? {};
  // cgroup v1 reports total_inactive_file, v2 inactive_file (like cAdvisor's working set).
  const inactive = st.total_inactive_file ?? st.inactive_file ?? 0;
  const cpu = s.cpu_stats?.cpu_usage?.total_usage;
  if (cpu === undefined || !s.read || s.read.startsWith('0001-')) return undefined;
  return {
    timestamp: Date.parse(s.read),
    cpuUsageNanos: cpu,
    memoryUsageBytes: usage,
    memoryWorkingSetBytes: Math.max(0, usage - inactive),
  };
}
