// One container's sync (upstream kuberuntime_container.go startContainer + the crash-loop
// back-off): decides whether an instance (re)starts, resolves env, makes the image present,
// creates and starts it and runs its postStart hook. Talks to the runtime and reads the API.
import type { KubeObject } from '../../common/types';
import type { Service } from 'kubernetes-types/core/v1';
import type { Container } from 'kubernetes-types/core/v1';
import { R } from '../../common/resources';
import type { KubeClient } from '../../common/client/client';
import { isNotFound } from '../../common/client/errors';
import type { Clock } from '../../common/clock';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerRuntime, ContainerStatus, ImageInfo, Mount, SandboxStatus } from './runtime/runtime';
import { EnvError, containerResources, envReferences, resolveEnv, type EnvSources } from './pod-spec';
import { serviceEnv } from './pod-network';
import {
  HOST_IP,
  containerKey,
  fmtDuration,
  securityOf,
  shouldRestart,
  terminationLogPath,
  type Pod,
} from './pod-util';
import type { PodState } from './pod-state';
import type { ImageManager, PodEventSink } from './image-manager';
import type { ContainerProbes } from './container-probes';

/** What one pod sync hands down to its container syncs. */
export interface SyncContext {
  sb: SandboxStatus;
  mounts: Map<string, Mount[]>;
  /** Image inspects started early (with a new sandbox), by image reference. */
  images?: Map<string, Promise<ImageInfo | undefined>>;
}

export interface ContainerSyncerDeps {
  client: KubeClient;
  runtime: ContainerRuntime;
  state: PodState;
  images: ImageManager;
  probes: ContainerProbes;
  /** Services of every namespace (for the Service environment variables). */
  services: { hasSynced(): boolean; list(): (Service & KubeObject)[] };
  /** Tells the stats collector a container started (it samples sooner). */
  onStarted: () => void;
  clock: Clock;
  event: PodEventSink;
  retryAfter: (uid: string, ms: number) => void;
  nodeName: string;
  rootDir: string;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export class ContainerSyncer {
  constructor(private readonly d: ContainerSyncerDeps) {}

  /**
   * Makes one container spec of the pod run per `policy` in sandbox `sb`, given its instances
   * (newest first). `pidOfContainer` shares that container's PID namespace (ephemeral targets).
   */
  async sync(
    pod: Pod,
    sb: SandboxStatus,
    c: Container,
    instances: ContainerStatus[],
    ctx: Omit<SyncContext, 'sb'>,
    policy: string,
    pidOfContainer?: string,
  ): Promise<void> {
    const { state } = this.d;
    const uid = pod.metadata.uid!;
    const cur = instances[0];
    if (cur && cur.sandboxId === sb.id && cur.state === 'running') {
      state.clearWaiting(uid, c.name);
      return;
    }
    if (cur && cur.sandboxId === sb.id && cur.state === 'created') {
      // Created by an earlier sync that stopped before starting it.
      await this.startCreated(pod, c.name, cur.id);
      return;
    }
    if (cur && cur.state !== 'created') {
      if (!shouldRestart(pod, cur, policy)) return;
      if (cur.sandboxId === sb.id && this.inCrashBackoff(pod, c, cur)) return;
    }
    if (!this.d.services.hasSynced()) {
      // Like the kubelet: no container is created before the Services were read once, or its
      // environment would miss their variables.
      state.setWaiting(uid, c.name, 'ContainerCreating', 'services have not yet been read at least once');
      this.d.retryAfter(uid, 500);
      return;
    }
    let env: { name: string; value: string }[];
    try {
      env = resolveEnv(
        pod,
        c,
        { podIP: sb.ip, hostIP: HOST_IP, nodeName: this.d.nodeName },
        await this.envSources(pod, c),
        serviceEnv(pod, this.d.services.list()),
      );
    } catch (err) {
      if (!(err instanceof EnvError)) throw err;
      state.setWaiting(uid, c.name, 'CreateContainerConfigError', err.message);
      this.d.event(pod, 'Warning', 'Failed', `Error: ${err.message}`);
      this.d.retryAfter(uid, 5000);
      return;
    }
    const vars = new Map(env.map((e) => [e.name, e.value] as const));
    const expand = (s: string) =>
      s.replace(/\$\$|\$\(([^)]*)\)/g, (m, name?: string) =>
        m === '$$' ? '$' : name !== undefined && vars.has(name) ? vars.get(name)! : m,
      );
    const image = await this.d.images.ensureImage(pod, c, ctx.images?.get(c.image!));
    if (!image) return;
    const attempt = cur ? cur.attempt + 1 : 0;
    let id: string;
    try {
      id = await this.d.runtime.createContainer(sb.id, {
        podUid: uid,
        podName: pod.metadata.name!,
        namespace: pod.metadata.namespace!,
        name: c.name,
        attempt,
        image: c.image!,
        command: c.command ? c.command.map(expand) : undefined,
        args: c.args ? c.args.map(expand) : undefined,
        env,
        workingDir: c.workingDir,
        tty: c.tty,
        stdin: c.stdin,
        stdinOnce: c.stdinOnce,
        resources: containerResources(c),
        mounts: [...(ctx.mounts.get(c.name) ?? []), await this.terminationLogMount(uid, c, attempt)],
        security: securityOf(pod, c),
        sharePid: !!pod.spec?.shareProcessNamespace,
        pidOfContainer,
      });
    } catch (err) {
      const msg = String((err as Error)?.message ?? err);
      state.setWaiting(uid, c.name, 'CreateContainerError', msg);
      this.d.event(pod, 'Warning', 'Failed', `Error: ${msg}`);
      this.d.retryAfter(uid, 5000);
      return;
    }
    this.d.event(pod, 'Normal', 'Created', `Created container ${c.name}`);
    await this.startCreated(pod, c.name, id);
    if (c.lifecycle?.postStart) await this.postStartHook(pod, c, id);
  }

  /**
   * The kubelet's container back-off: the first restart at once, then 10 s doubling to 300 s
   * (reset after a run of twice the maximum). True while the container has to wait.
   */
  private inCrashBackoff(pod: Pod, c: Container, cur: ContainerStatus): boolean {
    const { state, clock } = this.d;
    const uid = pod.metadata.uid!;
    const key = containerKey(uid, c.name);
    const now = clock.now();
    let b = state.restartBackoffs.get(key);
    const max = this.d.maxBackoffMs;
    const ran = (cur.finishedAt ?? now) - (cur.startedAt ?? now);
    if (b && ran > 2 * max) b = undefined;
    if (!b) {
      state.restartBackoffs.set(key, { durationMs: this.d.initialBackoffMs, untilMs: 0 });
      return false;
    }
    const until = (cur.finishedAt ?? now) + b.durationMs;
    if (now >= until) {
      state.restartBackoffs.set(key, { durationMs: Math.min(b.durationMs * 2, max), untilMs: 0 });
      return false;
    }
    const podRef = `${pod.metadata.name}_${pod.metadata.namespace}(${uid})`;
    const message = `back-off ${fmtDuration(b.durationMs)} restarting failed container=${c.name} pod=${podRef}`;
    state.setWaiting(uid, c.name, 'CrashLoopBackOff', message);
    this.d.event(
      pod,
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${c.name} in pod ${podRef}`,
    );
    this.d.retryAfter(uid, until - now + 50);
    return true;
  }

  private async terminationLogMount(uid: string, c: Container, attempt: number): Promise<Mount> {
    const file = terminationLogPath(this.d.rootDir, uid, c.name, attempt);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '', { mode: 0o666 });
    return { type: 'bind', source: file, target: c.terminationMessagePath || '/dev/termination-log' };
  }

  /** postStart: a failure kills the container, which then restarts per its policy. */
  private async postStartHook(pod: Pod, c: Container, id: string): Promise<void> {
    const err = await this.d.probes.runHandler(pod, c, id, c.lifecycle!.postStart!, 30);
    if (err === undefined) return;
    this.d.event(pod, 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${err}`);
    await this.d.runtime.stopContainer(id, 0);
  }

  private async startCreated(pod: Pod, name: string, id: string): Promise<void> {
    const uid = pod.metadata.uid!;
    try {
      await this.d.runtime.startContainer(id);
      this.d.onStarted();
      this.d.state.clearWaiting(uid, name);
      this.d.event(pod, 'Normal', 'Started', `Started container ${name}`);
    } catch (err) {
      // The engine marks the container exited with the error; the next sync backs off from it.
      const msg = String((err as Error)?.message ?? err);
      this.d.state.clearWaiting(uid, name);
      this.d.event(pod, 'Warning', 'Failed', `Error: failed to start container "${name}": ${msg}`);
      this.d.retryAfter(uid, 200);
    }
  }

  /** The ConfigMaps and Secrets a container's env refers to, read from the API. */
  private async envSources(pod: Pod, c: Container): Promise<EnvSources> {
    const refs = envReferences(c);
    const ns = pod.metadata.namespace;
    const read = async (t: typeof R.configmaps, name: string, decode: boolean) => {
      try {
        const o = await this.d.client.get<KubeObject & { data?: Record<string, string> }>(t, name, ns);
        const data: Record<string, string> = {};
        for (const [k, v] of Object.entries(o.data ?? {}))
          data[k] = decode ? Buffer.from(v, 'base64').toString('utf8') : v;
        return [name, data] as const;
      } catch (err) {
        if (isNotFound(err)) return [name, undefined] as const;
        throw err;
      }
    };
    const cms = new Map(await Promise.all(refs.configMaps.map((n) => read(R.configmaps, n, false))));
    const secrets = new Map(await Promise.all(refs.secrets.map((n) => read(R.secrets, n, true))));
    return { configMap: (n) => cms.get(n), secret: (n) => secrets.get(n) };
  }
}
