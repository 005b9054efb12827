/**
 * Control-plane component health from real Kubernetes signals: `/readyz?verbose` for the API
 * server and its store, leader-election Leases for the scheduler and controller manager, the
 * node Lease plus Ready condition for the kubelet, and the Ready condition's reason for the
 * link to Docker.
 */
import type { Lease, Node } from './kube';
import { nodeReadiness } from './node';

export type HealthState = 'healthy' | 'degraded' | 'down' | 'unknown';

/** One component card on the Overview. */
export interface ComponentHealth {
  id: 'store' | 'apiserver' | 'scheduler' | 'controller-manager' | 'kubelet' | 'docker';
  title: string;
  /** What the component does, in a few words. */
  role: string;
  state: HealthState;
  /** Short state text ("Healthy", "Lease expired 40s ago"). */
  summary: string;
  /** Longer detail: why. */
  detail?: string;
  /** What to do about it, when the component is not healthy. */
  fix?: string;
}

/** One `[+]name ok` / `[-]name failed: reason` line of `/readyz?verbose`. */
export interface ReadyzCheck {
  name: string;
  ok: boolean;
  message: string;
}

/** Parses the verbose readyz body. */
export function parseReadyz(body: string): ReadyzCheck[] {
  const checks: ReadyzCheck[] = [];
  for (const line of body.split('\n')) {
    const m = /^\[([+-])\]([^\s]+)\s*(.*)$/.exec(line.trim());
    if (m) checks.push({ name: m[2], ok: m[1] === '+', message: m[3] });
  }
  return checks;
}

/** Result of the last readyz probe: the HTTP answer, or why the request failed. */
export interface ReadyzResult {
  reachable: boolean;
  httpStatus?: number;
  checks: ReadyzCheck[];
  error?: string;
}

export function apiServerHealth(r: ReadyzResult | undefined): ComponentHealth {
  const base = { id: 'apiserver' as const, title: 'API server', role: 'Serves the Kubernetes API' };
  if (!r) return { ...base, state: 'unknown', summary: 'Checking…' };
  if (!r.reachable)
    return {
      ...base,
      state: 'down',
      summary: 'Unreachable',
      detail: r.error ?? 'Is Skiff running?',
      fix: 'Start Skiff again (the app, or skiff serve); if it fails to start, its API port may be in use by another program. This page reconnects by itself.',
    };
  const failed = r.checks.filter((c) => !c.ok && !isStoreCheck(c.name));
  if (r.httpStatus === 200 && failed.length === 0) {
    return {
      ...base,
      state: 'healthy',
      summary: 'Ready',
      detail: `${r.checks.length} readiness checks pass`,
    };
  }
  return {
    ...base,
    state: 'degraded',
    summary: `Not ready (HTTP ${r.httpStatus ?? '?'})`,
    detail: failed.map((c) => `${c.name}: ${c.message}`).join('; ') || undefined,
    fix: 'The API server is still starting or a readiness check fails; it normally settles seconds after start-up. If it stays here, check the Store card and Skiff’s log.',
  };
}

function isStoreCheck(name: string): boolean {
  return name === 'etcd' || name.startsWith('etcd-') || name === 'store';
}

export function storeHealth(r: ReadyzResult | undefined): ComponentHealth {
  const base = { id: 'store' as const, title: 'Store', role: 'Keeps every object (etcd role)' };
  if (!r) return { ...base, state: 'unknown', summary: 'Checking…' };
  if (!r.reachable)
    return { ...base, state: 'unknown', summary: 'Unknown', detail: 'The API server is unreachable.' };
  const checks = r.checks.filter((c) => isStoreCheck(c.name));
  if (checks.length === 0)
    return { ...base, state: 'unknown', summary: 'Not reported', detail: 'readyz has no etcd check.' };
  const bad = checks.filter((c) => !c.ok);
  if (bad.length === 0)
    return {
      ...base,
      state: 'healthy',
      summary: 'Healthy',
      detail: checks.map((c) => c.name).join(', ') + ' ok',
    };
  return {
    ...base,
    state: 'down',
    summary: 'Failing',
    detail: bad.map((c) => `${c.name}: ${c.message}`).join('; '),
    fix: 'Check that the disk holding Skiff’s data dir has free space and is writable, then restart Skiff.',
  };
}

/** Seconds since a lease was last renewed, or undefined when never renewed. */
export function leaseAgeSeconds(lease: Lease, now: number): number | undefined {
  const t = lease.spec?.renewTime ?? lease.spec?.acquireTime;
  if (!t) return undefined;
  return Math.max(0, (now - Date.parse(t)) / 1000);
}

/** Whether a lease is current: renewed within its leaseDurationSeconds. */
export function leaseFresh(lease: Lease | undefined, now: number): boolean {
  if (!lease) return false;
  const age = leaseAgeSeconds(lease, now);
  const duration = lease.spec?.leaseDurationSeconds ?? 40;
  return age !== undefined && age <= duration;
}

function leaseComponent(
  id: 'scheduler' | 'controller-manager',
  title: string,
  role: string,
  lease: Lease | undefined,
  now: number,
  synced: boolean,
): ComponentHealth {
  const base = { id, title, role };
  if (!lease) {
    return synced
      ? {
          ...base,
          state: 'down',
          summary: 'No leader',
          detail: `No lease kube-system/kube-${id} yet: the component has not started.`,
          fix: `It starts with the API server; if it does not appear within a minute, restart Skiff and check its log.`,
        }
      : { ...base, state: 'unknown', summary: 'Checking…' };
  }
  const age = leaseAgeSeconds(lease, now);
  // client-go style identities are `<host>_<uuid>`: the host is what a person recognises.
  const holder = lease.spec?.holderIdentity?.split('_')[0];
  if (leaseFresh(lease, now)) {
    return {
      ...base,
      state: 'healthy',
      summary: 'Leading',
      detail: `Leader ${holder ?? '?'} · renewed ${Math.round(age ?? 0)}s ago`,
    };
  }
  return {
    ...base,
    state: 'down',
    summary: 'Lease expired',
    detail:
      age === undefined
        ? 'Never renewed.'
        : `Last renewed ${Math.round(age)}s ago by ${holder ?? '?'} (limit ${lease.spec?.leaseDurationSeconds ?? 40}s).`,
    fix: `Until it renews, ${id === 'scheduler' ? 'new pods stay Pending' : 'Deployments and Jobs do not make new pods'}. Restart Skiff if it does not recover within a minute.`,
  };
}

export function schedulerHealth(lease: Lease | undefined, now: number, synced: boolean): ComponentHealth {
  return leaseComponent('scheduler', 'Scheduler', 'Places pods on nodes', lease, now, synced);
}

export function controllerManagerHealth(
  lease: Lease | undefined,
  now: number,
  synced: boolean,
): ComponentHealth {
  return leaseComponent(
    'controller-manager',
    'Controller manager',
    'Reconciles Deployments and ReplicaSets',
    lease,
    now,
    synced,
  );
}

/** Kubelet: heartbeat lease in kube-node-lease plus the node's Ready condition. */
export function kubeletHealth(
  node: Node | undefined,
  lease: Lease | undefined,
  now: number,
  synced: boolean,
): ComponentHealth {
  const base = { id: 'kubelet' as const, title: 'Kubelet', role: 'Runs pods as Docker containers' };
  if (!node) {
    return synced
      ? {
          ...base,
          state: 'down',
          summary: 'No node registered',
          detail: 'The kubelet has not registered its Node yet.',
          fix: 'The kubelet registers once it reaches Docker: check the Docker card.',
        }
      : { ...base, state: 'unknown', summary: 'Checking…' };
  }
  const name = node.metadata.name ?? '';
  const fresh = leaseFresh(lease, now);
  const ready = nodeReadiness(node);
  if (!lease || !fresh) {
    const age = lease ? leaseAgeSeconds(lease, now) : undefined;
    return {
      ...base,
      state: 'down',
      summary: 'Heartbeat missed',
      detail: lease
        ? `Node lease ${name} last renewed ${Math.round(age ?? 0)}s ago.`
        : `No lease kube-node-lease/${name}.`,
      fix: 'The kubelet stopped its heartbeat. Restart Skiff: running containers keep running in Docker and are adopted again.',
    };
  }
  if (!ready.ready) {
    return {
      ...base,
      state: 'degraded',
      summary: `${name}: ${ready.label}`,
      detail: ready.message ?? ready.reason,
      fix: nodeFix(`${ready.reason ?? ''} ${ready.message ?? ''}`),
    };
  }
  return {
    ...base,
    state: 'healthy',
    summary: `${name} Ready`,
    detail: node.status?.nodeInfo?.kubeletVersion
      ? `Kubelet ${node.status.nodeInfo.kubeletVersion}`
      : undefined,
  };
}

/** The kubelet's link to Docker, read from the Ready condition (NotReady says why). */
export function dockerHealth(node: Node | undefined, synced: boolean): ComponentHealth {
  const base = { id: 'docker' as const, title: 'Docker', role: 'Container engine on this machine' };
  if (!node)
    return synced
      ? { ...base, state: 'unknown', summary: 'No node', detail: 'Waiting for the kubelet.' }
      : { ...base, state: 'unknown', summary: 'Checking…' };
  const r = nodeReadiness(node);
  const runtime = node.status?.nodeInfo?.containerRuntimeVersion;
  if (r.ready) return { ...base, state: 'healthy', summary: 'Connected', detail: runtime || undefined };
  const text = `${r.reason ?? ''} ${r.message ?? ''}`;
  if (/docker|runtime|socket|container/i.test(text)) {
    return { ...base, state: 'down', summary: 'Unreachable', detail: r.message ?? r.reason, fix: DOCKER_FIX };
  }
  return {
    ...base,
    state: 'unknown',
    summary: 'Node not ready',
    detail: r.message ?? r.reason,
    fix: nodeFix(text),
  };
}

const DOCKER_FIX =
  'Start Docker (Docker Desktop, or `sudo systemctl start docker`) and check that its socket (/var/run/docker.sock) is readable by the user running Skiff. The kubelet reconnects by itself.';

/** What to do about a NotReady node, from its reason and message. */
export function nodeFix(text: string): string {
  if (/docker|runtime|socket|container/i.test(text)) return DOCKER_FIX;
  if (/disk/i.test(text)) return 'Free disk space on the disk Docker stores images and containers on.';
  if (/memory/i.test(text)) return 'Free memory: stop pods or programs you do not need.';
  if (/pid/i.test(text)) return 'Too many processes: stop pods you do not need.';
  return 'Check Skiff’s log for the kubelet’s last error.';
}
