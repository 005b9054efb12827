// Pure builders of the engine's create options for sandboxes and app containers; touches nothing.
import type Docker from 'dockerode';
import {
  LABELS,
  SANDBOX_CONTAINER_NAME,
  type ContainerConfig,
  type SandboxConfig,
  type SecurityConfig,
} from '../runtime';

/** A container's name and the engine's create options for it. */
export interface CreateRequest {
  name: string;
  spec: Docker.ContainerCreateOptions;
}

/** The labels naming a container's pod, container, attempt and managing kubelet. */
export function identityLabels(
  managedBy: string,
  uid: string,
  pod: string,
  ns: string,
  container: string,
  attempt: number,
): Record<string, string> {
  return {
    [LABELS.podUid]: uid,
    [LABELS.podName]: pod,
    [LABELS.podNamespace]: ns,
    [LABELS.containerName]: container,
    [LABELS.attempt]: String(attempt),
    [LABELS.managedBy]: managedBy,
  };
}

/** The sandbox container of a pod: it owns the pod's network, IPC and hostname. */
export function sandboxCreateRequest(config: SandboxConfig, image: string, managedBy: string): CreateRequest {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of config.ports) {
    const key = `${p.containerPort}/${p.protocol.toLowerCase()}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort ? String(p.hostPort) : '' });
  }
  const labels = {
    ...config.labels,
    ...identityLabels(
      managedBy,
      config.podUid,
      config.podName,
      config.namespace,
      SANDBOX_CONTAINER_NAME,
      config.attempt,
    ),
    [LABELS.type]: 'podsandbox',
  };
  const name = `k8s_${SANDBOX_CONTAINER_NAME}_${config.podName}_${config.namespace}_${config.podUid}_${config.attempt}`;
  return {
    name,
    spec: {
      Image: image,
      Hostname: config.hostNetwork ? undefined : config.hostname.slice(0, 63),
      Domainname: config.hostNetwork ? undefined : config.domainname,
      Labels: labels,
      ExposedPorts: config.hostNetwork ? undefined : exposed,
      HostConfig: {
        // Without "shareable" app containers cannot join the IPC namespace (machine-notes.md).
        IpcMode: 'shareable',
        PortBindings: config.hostNetwork ? undefined : bindings,
        NetworkMode: config.hostNetwork ? 'host' : config.network,
        // Containers joining this network namespace share its /etc/hosts (and resolv.conf).
        ExtraHosts: config.extraHosts?.length ? config.extraHosts : undefined,
        RestartPolicy: { Name: 'no' },
        // The pause process needs almost nothing; keep a runaway from hurting the host.
        Memory: 64 * 1024 * 1024,
        MemorySwap: 64 * 1024 * 1024,
      },
    },
  };
}

/** An app container joining the sandbox `sandboxId`'s network and IPC (and maybe PID) namespaces. */
export function containerCreateRequest(
  sandboxId: string,
  c: ContainerConfig,
  managedBy: string,
): CreateRequest {
  const labels = {
    ...c.labels,
    ...identityLabels(managedBy, c.podUid, c.podName, c.namespace, c.name, c.attempt),
    [LABELS.type]: 'container',
    [LABELS.sandboxId]: sandboxId,
    [LABELS.restartCount]: String(c.attempt),
  };
  const r = c.resources;
  const name = `k8s_${c.name}_${c.podName}_${c.namespace}_${c.podUid}_${c.attempt}`;
  return {
    name,
    spec: {
      Image: c.image,
      Entrypoint: c.command && c.command.length ? c.command : undefined,
      // Kubernetes: a command without args drops the image CMD; Docker already does that when
      // Entrypoint is given and Cmd is not.
      Cmd: c.args && c.args.length ? c.args : undefined,
      Env: c.env.map((e) => `${e.name}=${e.value}`),
      WorkingDir: c.workingDir,
      Tty: !!c.tty,
      OpenStdin: !!c.stdin,
      StdinOnce: !!c.stdinOnce,
      AttachStdin: false,
      Labels: labels,
      User: userOf(c.security),
      HostConfig: {
        NetworkMode: `container:${sandboxId}`,
        IpcMode: `container:${sandboxId}`,
        PidMode: c.pidOfContainer
          ? `container:${c.pidOfContainer}`
          : c.sharePid
            ? `container:${sandboxId}`
            : undefined,
        Mounts: (c.mounts ?? []).map((m) => ({
          Type: m.type,
          Source: m.subPath && m.type === 'bind' ? `${m.source}/${m.subPath}` : m.source,
          Target: m.target,
          ReadOnly: !!m.readOnly,
        })) as never,
        Privileged: !!c.security?.privileged,
        CapAdd: c.security?.capAdd,
        CapDrop: c.security?.capDrop,
        ReadonlyRootfs: !!c.security?.readOnlyRootFilesystem,
        SecurityOpt: c.security?.noNewPrivileges ? ['no-new-privileges'] : undefined,
        GroupAdd: c.security?.supplementalGroups?.map(String),
        // Bounded logs per container, like the kubelet's containerLogMaxSize/MaxFiles (10Mi × 5).
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '5' } },
        RestartPolicy: { Name: 'no' },
        Memory: r.memoryBytes,
        // Equal to Memory: no swap on top of the limit, as the kubelet configures cgroups.
        MemorySwap: r.memoryBytes,
        NanoCpus: r.nanoCpus,
        CpuShares: r.cpuShares,
      },
    },
  };
}

/** Docker's `User` from runAsUser/runAsGroup. */
export function userOf(s: SecurityConfig | undefined): string | undefined {
  if (s?.runAsUser === undefined && s?.runAsGroup === undefined) return undefined;
  return s.runAsGroup !== undefined ? `${s.runAsUser ?? 0}:${s.runAsGroup}` : String(s.runAsUser);
}
