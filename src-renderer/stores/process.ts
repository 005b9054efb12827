/**
 * Skiff's own CPU and memory for the status bar, from the API server's `GET /skiff/v1/process`
 * (the control plane, kubelet and dashboard server share that one Node process). CPU % is the
 * cpuUsage delta between two reads over the wall-clock delta (100% = one core). Re-read every
 * 5 s while the status bar is shown; there is nothing to watch.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { errorMessage } from '../models/format';
import { useConnectionStore } from './connection';
import type { LoadStatus } from './resource-store';

/** The API server's answer. */
export interface ProcessStats {
  pid: number;
  uptimeSeconds: number;
  cpuUserMicros: number;
  cpuSystemMicros: number;
  rssBytes: number;
  heapUsedBytes: number;
  sampledAt: string;
}

export const PROCESS_INTERVAL_MS = 5_000;

/** CPU % (of one core) between two samples, or undefined when not computable. */
export function cpuPercent(prev: ProcessStats | undefined, cur: ProcessStats): number | undefined {
  if (!prev || prev.pid !== cur.pid) return undefined;
  const wallMs = Date.parse(cur.sampledAt) - Date.parse(prev.sampledAt);
  if (!(wallMs > 0)) return undefined;
  const cpuMicros = cur.cpuUserMicros + cur.cpuSystemMicros - prev.cpuUserMicros - prev.cpuSystemMicros;
  return Math.max(0, (cpuMicros / 1000 / wallMs) * 100);
}

export const useProcessStore = defineStore('process', () => {
  const stats = ref<ProcessStats | null>(null);
  const cpu = ref<number | undefined>(undefined);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  let users = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function refresh(): Promise<void> {
    const conn = useConnectionStore();
    const client = conn.client;
    clearTimeout(timer);
    try {
      // Skiff's own process stats exist only on a Skiff cluster.
      if (!client || !conn.skiff) {
        stats.value = null;
        status.value = 'idle';
        return;
      }
      const cur = await client.raw<ProcessStats>({ method: 'GET', path: '/skiff/v1/process' });
      cpu.value = cpuPercent(stats.value ?? undefined, cur) ?? cpu.value;
      stats.value = cur;
      status.value = 'ready';
      error.value = null;
    } catch (err) {
      status.value = 'error';
      error.value = errorMessage(err);
    } finally {
      if (users > 0) timer = setTimeout(() => void refresh(), PROCESS_INTERVAL_MS);
    }
  }

  function acquire(): void {
    users++;
    if (users === 1) void refresh();
  }
  function release(): void {
    users = Math.max(0, users - 1);
    if (users === 0) clearTimeout(timer);
  }
  return { stats, cpu, status, error, refresh, acquire, release };
});
