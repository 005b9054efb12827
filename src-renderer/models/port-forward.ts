/**
 * Session port-forwards as the dashboard server reports them (`/dashboard/v1/port-forwards`,
 * src-main/cli/clusters/port-forwards.ts), pure: the wire shapes, which forward already serves a
 * pod or Service port, the local port typed into "Open on localhost" (empty = any free port),
 * and the words the Port forwards page shows for a forward's target and traffic.
 */
import type { PortForwardTarget, PortForwardView } from '@common/port-forward';
import { formatBytes } from './format';

export type { PortForwardTarget, PortForwardView };

/** The body of `POST /dashboard/v1/port-forwards`. */
export interface PortForwardRequest extends PortForwardTarget {
  /** 0 = any free port. */
  localPort: number;
}

/** The forward already open for a target, if any (the newest when there are several). */
export function forwardFor(
  items: readonly PortForwardView[],
  t: PortForwardTarget,
): PortForwardView | undefined {
  let found: PortForwardView | undefined;
  for (const f of items)
    if (
      f.cluster === t.cluster &&
      f.namespace === t.namespace &&
      f.kind === t.kind &&
      f.name === t.name &&
      String(f.port) === String(t.port) &&
      (!found || f.startedAt > found.startedAt)
    )
      found = f;
  return found;
}

/** The local port box: empty = any free port; else a whole number 1–65535. */
export function parseLocalPort(input: string): { port: number } | { error: string } {
  const t = input.trim();
  if (!t) return { port: 0 };
  if (!/^\d+$/.test(t))
    return { error: 'A local port is a whole number from 1 to 65535, or empty for any free port.' };
  const n = Number(t);
  if (n < 1 || n > 65535) return { error: `Port ${t} is out of range: use 1–65535, or leave it empty.` };
  return { port: n };
}

/** "pod web-1:8080" / "service web:80 → pod web-1:8080". */
export function forwardTargetText(f: PortForwardView): string {
  const own = `${f.kind} ${f.name}:${f.port}`;
  return f.kind === 'service' ? `${own} → pod ${f.pod}:${f.podPort}` : own;
}

/** "3 connections (1 open) · 1.2 KiB sent · 5 MiB received" (sent to the pod, received from it). */
export function forwardTrafficText(f: PortForwardView): string {
  const conns = `${f.connections} ${f.connections === 1 ? 'connection' : 'connections'}`;
  const open = f.activeConnections ? ` (${f.activeConnections} open)` : '';
  return `${conns}${open} · ${formatBytes(f.bytesOut)} sent · ${formatBytes(f.bytesIn)} received`;
}
