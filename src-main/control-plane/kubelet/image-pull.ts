/**
 * The kubelet's image pull decision as pure functions (the I/O stays in Kubelet.ensureImage).
 * It follows the kubelet's image manager (pkg/kubelet/images/image_manager.go): Never uses the
 * present image or fails, IfNotPresent pulls only a missing image, Always pulls every time.
 * Skiff adds one step: in `fallback` mode a failed pull of an image the engine already has runs
 * that image instead of failing (see common/image-pull.ts).
 */
import type { ImagePullMode } from '../../common/image-pull';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** What to do before any pull. */
export type PullStep =
  /** The present image is used as it is. */
  | 'use-present'
  /** Policy Never and the image is missing: ErrImageNeverPull. */
  | 'never-pull-missing'
  /** Pull (Always, or IfNotPresent with the image missing). */
  | 'pull';

export function pullStep(policy: PullPolicy, present: boolean): PullStep {
  if (policy === 'Never') return present ? 'use-present' : 'never-pull-missing';
  if (policy === 'IfNotPresent' && present) return 'use-present';
  return 'pull';
}

/** After a failed pull: run the image the engine had before the pull, or fail (ErrImagePull). */
export function afterFailedPull(mode: ImagePullMode, presentBeforePull: boolean): 'use-present' | 'fail' {
  return mode === 'fallback' && presentBeforePull ? 'use-present' : 'fail';
}

/**
 * The engine's error without the HTTP wrapping of the Docker client ("(HTTP code 500) server
 * error - …"), so events and pod status read like `docker pull`'s own message.
 */
export function readablePullError(err: unknown): string {
  const raw = String((err as Error)?.message ?? err);
  const msg = raw.replace(/^\(HTTP code \d+\)[^-]*-\s*/, '').trim();
  return msg || raw.trim() || 'unknown error';
}

/** Message of the Normal event recorded when the local image is used after a failed pull. */
export function localImageMessage(image: string, imageId: string, pullError: string): string {
  const id = imageId.replace(/^sha256:/, '').slice(0, 12);
  return (
    `Pulling image "${image}" failed (${pullError}); using the image already present on the machine` +
    `${id ? ` (${id})` : ''}. Skiff runs local images when a pull fails; start it with --image-pull strict to fail like upstream Kubernetes`
  );
}
