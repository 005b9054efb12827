// The image manager (upstream kubelet/images): makes a container's image present per its
// imagePullPolicy — one pull per image shared by every pod that needs it, pull back-off, registry
// credentials from imagePullSecrets, pull progress on the pod. Talks to the runtime and the API.
import type { KubeObject } from '../../common/types';
import type { Container } from 'kubernetes-types/core/v1';
import { R } from '../../common/resources';
import type { KubeClient } from '../../common/client/client';
import { isNotFound } from '../../common/client/errors';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { LOCAL_IMAGE_EVENT_REASON, type ImagePullMode } from '../../common/image-pull';
import type { ContainerRuntime, ImageInfo, RegistryAuth } from './runtime/runtime';
import { afterFailedPull, localImageMessage, pullStep, readablePullError } from './image-pull';
import { PULL_PROGRESS_ANNOTATION, PullProgressTracker } from './pull-progress';
import { pullPolicy } from './pod-spec';
import { containerKey, type Pod } from './pod-util';
import type { PodState } from './pod-state';

/** Records an Event about a pod (fire and forget). */
export type PodEventSink = (pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string) => void;

export interface ImageManagerOptions {
  imagePull: ImagePullMode;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export class ImageManager {
  private readonly pulls = new Map<string, Promise<ImageInfo>>();
  /** Per image being pulled: the pods waiting for it, which get its progress annotation. */
  private readonly pullWaiters = new Map<string, Map<string, Pod>>();
  /** Per pod: the chain of its pull-progress patches, so they land in order. */
  private readonly progressPatches = new Map<string, Promise<void>>();

  constructor(
    private readonly client: KubeClient,
    private readonly runtime: ContainerRuntime,
    private readonly state: PodState,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly event: PodEventSink,
    private readonly retryAfter: (uid: string, ms: number) => void,
    private readonly opts: ImageManagerOptions,
  ) {}

  /** Makes the image present per imagePullPolicy; undefined (with a waiting reason set) when it cannot be. */
  async ensureImage(
    pod: Pod,
    c: Container,
    inspected?: Promise<ImageInfo | undefined>,
  ): Promise<ImageInfo | undefined> {
    const uid = pod.metadata.uid!;
    const image = c.image!;
    const policy = pullPolicy(c);
    const present = inspected
      ? await inspected.catch(() => this.runtime.imageStatus(image))
      : await this.runtime.imageStatus(image);
    const step = pullStep(policy, !!present);
    if (step === 'never-pull-missing') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      this.state.setWaiting(uid, c.name, 'ErrImageNeverPull', message);
      this.event(pod, 'Warning', 'ErrImageNeverPull', message);
      return undefined;
    }
    if (step === 'use-present' && present) return present;
    const bkey = `${containerKey(uid, c.name)}/${image}`;
    const now = this.clock.now();
    const b = this.state.imagePullBackoffs.get(bkey);
    if (b && now < b.untilMs) {
      this.state.setWaiting(uid, c.name, 'ImagePullBackOff', `Back-off pulling image "${image}"`);
      this.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
      this.event(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff');
      this.retryAfter(uid, b.untilMs - now + 50);
      return undefined;
    }
    this.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const t0 = this.clock.now();
    try {
      const info = await this.pull(pod, image);
      this.state.imagePullBackoffs.delete(bkey);
      this.event(
        pod,
        'Normal',
        'Pulled',
        `Successfully pulled image "${image}" in ${this.clock.now() - t0}ms`,
      );
      return info;
    } catch (err) {
      const msg = readablePullError(err);
      if (present && afterFailedPull(this.opts.imagePull, true) === 'use-present') {
        // A `docker build` image tagged latest (policy Always) runs with no registry.
        this.state.imagePullBackoffs.delete(bkey);
        this.event(pod, 'Normal', LOCAL_IMAGE_EVENT_REASON, localImageMessage(image, present.id, msg));
        return present;
      }
      const duration = b ? Math.min(b.durationMs * 2, this.opts.maxBackoffMs) : this.opts.initialBackoffMs;
      this.state.imagePullBackoffs.set(bkey, { durationMs: duration, untilMs: this.clock.now() + duration });
      this.state.setWaiting(uid, c.name, 'ErrImagePull', msg);
      this.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`);
      this.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      this.retryAfter(uid, duration + 50);
      return undefined;
    }
  }

  /** One pull per image at a time, shared by every pod that needs it. */
  private async pull(pod: Pod, image: string): Promise<ImageInfo> {
    const uid = pod.metadata.uid!;
    let p = this.pulls.get(image);
    if (!p) {
      const auth = await this.pullAuth(pod, image);
      const waiters = new Map<string, Pod>();
      // The dashboard shows the progress from the pod annotation, at most one update a second.
      const tracker = new PullProgressTracker(image, this.clock, (progress) => {
        for (const w of waiters.values()) this.patchPullProgress(w, JSON.stringify(progress));
      });
      this.pullWaiters.set(image, waiters);
      p = this.runtime.pullImage(image, { auth, onProgress: (m) => tracker.update(m) }).finally(() => {
        tracker.close();
        this.pulls.delete(image);
        this.pullWaiters.delete(image);
      });
      this.pulls.set(image, p);
    }
    this.pullWaiters.get(image)?.set(uid, pod);
    return p.finally(() => {
      if (this.progressPatches.has(uid)) this.patchPullProgress(pod, null);
    });
  }

  /** Sets (or with null removes) a pod's pull-progress annotation; patches of one pod stay in order. */
  private patchPullProgress(pod: Pod, value: string | null): void {
    const uid = pod.metadata.uid!;
    const next = (this.progressPatches.get(uid) ?? Promise.resolve())
      .then(() =>
        this.client.patch(R.pods, pod.metadata.name!, pod.metadata.namespace, {
          metadata: { annotations: { [PULL_PROGRESS_ANNOTATION]: value } },
        }),
      )
      .then(
        () => undefined,
        (err: unknown) => {
          if (!isNotFound(err)) this.log.debug('pull progress not published', { err: String(err) });
        },
      );
    this.progressPatches.set(uid, next);
    if (value === null)
      void next.then(() => {
        if (this.progressPatches.get(uid) === next) this.progressPatches.delete(uid);
      });
  }

  /**
   * Registry credentials for an image from the pod's imagePullSecrets
   * (kubernetes.io/dockerconfigjson or dockercfg), matched on the registry host like the
   * kubelet's credential keyring; undefined when none applies.
   */
  private async pullAuth(pod: Pod, image: string): Promise<RegistryAuth | undefined> {
    const refs = pod.spec?.imagePullSecrets ?? [];
    if (!refs.length) return undefined;
    const host = registryHost(image);
    for (const ref of refs) {
      if (!ref.name) continue;
      const secret = await this.client
        .get<KubeObject & { type?: string; data?: Record<string, string> }>(
          R.secrets,
          ref.name,
          pod.metadata.namespace,
        )
        .catch(() => undefined);
      const raw = secret?.data?.['.dockerconfigjson'] ?? secret?.data?.['.dockercfg'];
      if (!raw) continue;
      const auth = dockerConfigAuth(Buffer.from(raw, 'base64').toString('utf8'), host);
      if (auth) return auth;
    }
    return undefined;
  }
}

/** The registry host of an image reference (Docker Hub for bare names). */
export function registryHost(image: string): string {
  const first = image.split('/')[0]!;
  if (image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost'))
    return first;
  return 'docker.io';
}

/** The credentials a docker config (JSON of .dockerconfigjson or legacy .dockercfg) holds for a host. */
export function dockerConfigAuth(json: string, host: string): RegistryAuth | undefined {
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const auths = ((cfg.auths as Record<string, unknown> | undefined) ?? cfg) as Record<
    string,
    { auth?: string; username?: string; password?: string; identitytoken?: string }
  >;
  const norm = (k: string) =>
    k
      .replace(/^https?:\/\//, '')
      .replace(/\/.*$/, '')
      .replace(/^(index\.)?docker\.io$|^registry-1\.docker\.io$/, 'docker.io');
  for (const [key, entry] of Object.entries(auths)) {
    if (norm(key) !== host || !entry || typeof entry !== 'object') continue;
    let { username, password } = entry;
    if (entry.auth && !username) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      username = decoded.slice(0, i);
      password = decoded.slice(i + 1);
    }
    return {
      username,
      password,
      identitytoken: entry.identitytoken,
      serveraddress: host === 'docker.io' ? 'https://index.docker.io/v1/' : host,
    };
  }
  return undefined;
}
