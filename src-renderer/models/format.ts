/**
 * Formatting helpers shared by every page: ages like kubectl's AGE column and Kubernetes
 * resource quantities (cpu, memory) in human units.
 */

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

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Parses a Kubernetes quantity ("500m", "1.5", "128Mi", "2G", "1e3") into a number, or NaN. */
export function parseQuantity(q: string | number | undefined): number {
  if (q === undefined) return NaN;
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(
    q.trim(),
  );
  if (!m) return NaN;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  return base * (BINARY[suffix] ?? DECIMAL[suffix]);
}

/** True for a syntactically valid Kubernetes quantity. */
export function isQuantity(q: string): boolean {
  return !Number.isNaN(parseQuantity(q));
}

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
