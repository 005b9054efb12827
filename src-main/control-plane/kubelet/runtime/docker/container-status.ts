// Pure mapping of engine list/inspect results to SandboxStatus and ContainerStatus; touches nothing.
import type Docker from 'dockerode';
import { LABELS, type ContainerStatus, type PublishedPort, type SandboxStatus } from '../runtime';

/** The engine's "never" timestamp (StartedAt/FinishedAt of a container that did not). */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** A sandbox as `docker ps` lists it. */
export function sandboxStatusOf(c: Docker.ContainerInfo): SandboxStatus {
  const l = c.Labels ?? {};
  const nets = Object.values(c.NetworkSettings?.Networks ?? {});
  return {
    id: c.Id,
    podUid: l[LABELS.podUid] ?? '',
    podName: l[LABELS.podName] ?? '',
    namespace: l[LABELS.podNamespace] ?? '',
    attempt: Number(l[LABELS.attempt] ?? 0),
    state: c.State === 'running' ? 'ready' : 'notready',
    createdAt: c.Created * 1000,
    ip: nets.find((n) => n.IPAddress)?.IPAddress || undefined,
    ports: (c.Ports ?? [])
      .filter((p) => p.PublicPort)
      .map((p) => ({
        containerPort: p.PrivatePort,
        protocol: p.Type.toUpperCase() as PublishedPort['protocol'],
        hostIp: p.IP ?? '127.0.0.1',
        hostPort: p.PublicPort,
      })),
    labels: l,
  } satisfies SandboxStatus;
}

/**
 * An app container from its inspect result; `oomSeen` says whether the engine sent an 'oom'
 * event for it (State.OOMKilled alone can miss one).
 */
export function containerStatusOf(info: Docker.ContainerInspectInfo, oomSeen: boolean): ContainerStatus {
  const l = info.Config.Labels ?? {};
  const s = info.State;
  const state: ContainerStatus['state'] =
    s.Status === 'running' || s.Status === 'paused' || s.Status === 'restarting'
      ? 'running'
      : s.Status === 'created'
        ? 'created'
        : s.Status === 'exited' || s.Status === 'dead'
          ? 'exited'
          : 'unknown';
  return {
    id: info.Id,
    sandboxId: l[LABELS.sandboxId] ?? info.HostConfig.NetworkMode?.replace(/^container:/, '') ?? '',
    podUid: l[LABELS.podUid] ?? '',
    podName: l[LABELS.podName] ?? '',
    namespace: l[LABELS.podNamespace] ?? '',
    name: l[LABELS.containerName] ?? '',
    attempt: Number(l[LABELS.attempt] ?? 0),
    state,
    createdAt: Date.parse(info.Created),
    startedAt: s.StartedAt && s.StartedAt !== ZERO_TIME ? Date.parse(s.StartedAt) : undefined,
    finishedAt: s.FinishedAt && s.FinishedAt !== ZERO_TIME ? Date.parse(s.FinishedAt) : undefined,
    exitCode: state === 'exited' ? s.ExitCode : undefined,
    oomKilled: s.OOMKilled || oomSeen,
    error: s.Error || undefined,
    image: info.Config.Image,
    imageId: info.Image,
    labels: l,
  };
}
