/**
 * Skiff's image pull mode, shared by the kubelet (which applies it), the CLI and desktop
 * settings (which choose it) and the dashboard (which shows it from the Node annotation).
 *
 * - `fallback` (default): the kubelet pulls as Kubernetes does (imagePullPolicy, Always for
 *   `:latest`), but when a pull fails and the engine already has the image, the pod runs that
 *   local image and gets a Normal `UsingLocalImage` event with the pull error. A `docker build`
 *   image tagged `latest` therefore runs with no registry.
 * - `strict`: upstream behaviour — a failed pull is ErrImagePull, then ImagePullBackOff.
 */
export type ImagePullMode = 'fallback' | 'strict';

const IMAGE_PULL_MODES: readonly ImagePullMode[] = ['fallback', 'strict'];
export const DEFAULT_IMAGE_PULL_MODE: ImagePullMode = 'fallback';

/** Node annotation where the kubelet publishes the mode it runs with. */
export const IMAGE_PULL_ANNOTATION = 'skiff.dev/image-pull';

/** Reason of the Normal event recorded when a pod runs the local image after a failed pull. */
export const LOCAL_IMAGE_EVENT_REASON = 'UsingLocalImage';

/** Parses a mode from a flag, a setting or an annotation; throws with a readable message. */
export function parseImagePullMode(value: unknown, what = 'image pull mode'): ImagePullMode {
  if (typeof value === 'string' && (IMAGE_PULL_MODES as readonly string[]).includes(value))
    return value as ImagePullMode;
  throw new Error(`${what} must be ${IMAGE_PULL_MODES.join(' or ')}, got ${JSON.stringify(value)}`);
}
