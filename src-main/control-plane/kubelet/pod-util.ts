// Pure helpers over a pod's spec and the runtime's container lists, shared by the kubelet's units
// (sync, status, streams); no I/O, no state.
import type { KubeObject, Pod as ApiPod } from '../../common/types';
import type { Container } from 'kubernetes-types/core/v1';
import path from 'node:path';
import type { ContainerStatus, SecurityConfig } from './runtime/runtime';

/** A pod as read from the API: metadata is always there. */
export type Pod = ApiPod & KubeObject;

/** The address this node reports for itself and for hostNetwork pods. */
export const HOST_IP = '127.0.0.1';

/** A waiting reason of a container that has no running instance (pull, create, back-off …). */
export interface Waiting {
  reason: string;
  message: string;
}

/** A back-off: the current delay and the time before which no retry happens. */
export interface Backoff {
  durationMs: number;
  untilMs: number;
}

/** The key of one container of one pod in the kubelet's per-container maps. */
export function containerKey(uid: string, name: string): string {
  return `${uid}/${name}`;
}

/** Every container spec of a pod: init, app and ephemeral (the latter as Container). */
export function allSpecs(pod: Pod): Container[] {
  return [
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.containers ?? []),
    ...((pod.spec?.ephemeralContainers ?? []) as Container[]),
  ];
}

/** The engine's security settings: the container's securityContext over the pod's. */
export function securityOf(pod: Pod, c: Container): SecurityConfig | undefined {
  const p = pod.spec?.securityContext ?? {};
  const s = c.securityContext ?? {};
  const cfg: SecurityConfig = {
    runAsUser: s.runAsUser ?? p.runAsUser,
    runAsGroup: s.runAsGroup ?? p.runAsGroup,
    supplementalGroups: p.supplementalGroups,
    privileged: s.privileged,
    capAdd: s.capabilities?.add,
    capDrop: s.capabilities?.drop,
    readOnlyRootFilesystem: s.readOnlyRootFilesystem,
    noNewPrivileges: s.allowPrivilegeEscalation === false,
  };
  return Object.values(cfg).some((v) => v !== undefined) ? cfg : undefined;
}

/** True when an informer update changed what the kubelet acts on (not only the status it wrote). */
export function specChanged(a: Pod, b: Pod): boolean {
  const strip = (p: Pod) =>
    JSON.stringify([
      p.spec,
      p.metadata.deletionTimestamp,
      p.metadata.deletionGracePeriodSeconds,
      p.metadata.uid,
    ]);
  return strip(a) !== strip(b);
}

/** The newest of a list of sandboxes or containers (highest attempt, then latest created). */
export function latest<T extends { attempt: number; createdAt: number }>(list: T[]): T | undefined {
  return [...list].sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt)[0];
}

/** Containers by Kubernetes name, newest attempt first. */
export function groupByName(containers: ContainerStatus[]): Map<string, ContainerStatus[]> {
  const m = new Map<string, ContainerStatus[]>();
  for (const c of containers) (m.get(c.name) ?? m.set(c.name, []).get(c.name)!).push(c);
  for (const list of m.values()) list.sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
  return m;
}

/** A back-off delay as the kubelet prints it: `40s`, `5m0s`. */
export function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

/** The restart policy of a container: init containers OnFailure at most, sidecars Always. */
export function restartPolicyOf(pod: Pod, name: string): string {
  const podPolicy = pod.spec?.restartPolicy ?? 'Always';
  const init = pod.spec?.initContainers?.find((c) => c.name === name);
  if (init) return init.restartPolicy === 'Always' ? 'Always' : podPolicy === 'Never' ? 'Never' : 'OnFailure';
  if (pod.spec?.ephemeralContainers?.some((c) => c.name === name)) return 'Never';
  return podPolicy;
}

/** Whether an exited container comes back under `policy` (by default its own restart policy). */
export function shouldRestart(
  pod: Pod,
  c: ContainerStatus,
  policy: string = restartPolicyOf(pod, c.name),
): boolean {
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return c.exitCode !== 0;
  return true;
}

/** True when restartPolicy says none of the exited containers comes back and none runs. */
export function podFinishedForGood(pod: Pod, containers: ContainerStatus[]): boolean {
  const byName = groupByName(containers);
  const specs = pod.spec?.containers ?? [];
  if (!specs.length) return false;
  if ((pod.spec?.restartPolicy ?? 'Always') === 'Never')
    for (const c of pod.spec?.initContainers ?? []) {
      const cur = byName.get(c.name)?.[0];
      if (c.restartPolicy !== 'Always' && cur?.state === 'exited' && cur.exitCode !== 0) return true;
    }
  return specs.every((c) => {
    const cur = byName.get(c.name)?.[0];
    return !!cur && cur.state === 'exited' && !shouldRestart(pod, cur);
  });
}

/** The host file mounted at terminationMessagePath (like the kubelet's per-instance file). */
export function terminationLogPath(rootDir: string, uid: string, name: string, attempt: number): string {
  return path.join(rootDir, 'pods', uid, 'containers', name, `${attempt}-termination-log`);
}
