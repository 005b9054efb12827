/**
 * Formatting helpers shared by every page: ages like kubectl's AGE column and Kubernetes
 * resource quantities (cpu, memory) in human units.
 */
import { isQuantity, parseQuantity } from '@common/quantity';

/** kubectl-style age ("45s", "3m", "2h5m", "4d", "2y") of a timestamp relative to `now`. */
export function formatAge(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '—';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '—';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

export { parseQuantity, isQuantity };

/** CPU cores as "2 cores", "500m". */
export function formatCpu(q: string | number | undefined): string {
  const v = parseQuantity(q);
  if (Number.isNaN(v)) return '—';
  if (v >= 1) return `${Number.isInteger(v) ? v : v.toFixed(2)} ${v === 1 ? 'core' : 'cores'}`;
  return `${Math.round(v * 1000)}m`;
}

/** Bytes as "512 MiB", "7.6 GiB". */
export function formatBytes(q: string | number | undefined): string {
  const v = parseQuantity(q);
  if (Number.isNaN(v)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let n = v;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n >= 100 || Number.isInteger(n) ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

/** Readable message of anything thrown (ApiError carries the server's Status message). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
