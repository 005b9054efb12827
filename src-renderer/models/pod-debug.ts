/**
 * `kubectl debug POD -it --image=IMAGE --target=CONTAINER` as data: the ephemeral container
 * the Debug button adds to a pod (pods/ephemeralcontainers, a strategic merge patch keyed by
 * name, so containers added before stay) and how far it has got.
 */
import type { EphemeralContainer } from 'kubernetes-types/core/v1';
import type { Pod } from './kube';

/** The image offered by default: the test busybox, which has sh and the usual tools. */
export const DEFAULT_DEBUG_IMAGE = 'skiff-test/busybox:1';

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * A free `debugger-xxxxx` name, as kubectl picks (5 characters from the same alphabet as
 * generated names, no vowels). `random` returns [0, 1); injected for tests.
 */
export function debugContainerName(pod: Pod, random: () => number = Math.random): string {
  const taken = new Set([
    ...(pod.spec?.containers ?? []).map((c) => c.name),
    ...(pod.spec?.initContainers ?? []).map((c) => c.name),
    ...(pod.spec?.ephemeralContainers ?? []).map((c) => c.name),
  ]);
  for (let attempt = 0; attempt < 100; attempt++) {
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += NAME_CHARS[Math.floor(random() * NAME_CHARS.length)] ?? 'x';
    const name = `debugger-${suffix}`;
    if (!taken.has(name)) return name;
  }
  throw new Error('could not find a free debug container name');
}

/** What is wrong with an image reference before it is sent (the API server checks the rest). */
export function imageProblem(image: string): string | undefined {
  const s = image.trim();
  if (!s) return 'Enter an image.';
  if (/\s/.test(s)) return 'An image reference has no spaces.';
  return undefined;
}

/**
 * The strategic merge patch for pods/ephemeralcontainers. stdin+tty keep the image's shell
 * (busybox's CMD sh) running with nobody attached, as `kubectl debug -it` does; the panel
 * then execs its own shell into it, so leaving that shell does not end the container.
 * `targetContainerName` shares the target's process namespace (`--target`).
 */
export function ephemeralContainerPatch(
  name: string,
  image: string,
  target: string | undefined,
): { spec: { ephemeralContainers: EphemeralContainer[] } } {
  const c: EphemeralContainer = {
    name,
    image: image.trim(),
    imagePullPolicy: 'IfNotPresent',
    stdin: true,
    tty: true,
    terminationMessagePolicy: 'File',
  };
  if (target) c.targetContainerName = target;
  return { spec: { ephemeralContainers: [c] } };
}

/** Where an ephemeral container stands: what the Debug button waits for. */
export type DebugProgress =
  { phase: 'pending'; detail: string } | { phase: 'running' } | { phase: 'failed'; detail: string };

/** Reads the ephemeral container's status from the pod (as the watch delivers it). */
export function debugProgress(pod: Pod | undefined, name: string): DebugProgress {
  if (!pod) return { phase: 'failed', detail: 'the pod is gone' };
  const s = pod.status?.ephemeralContainerStatuses?.find((x) => x.name === name);
  if (!s) return { phase: 'pending', detail: 'waiting for the kubelet' };
  if (s.state?.running) return { phase: 'running' };
  if (s.state?.terminated) {
    const t = s.state.terminated;
    return {
      phase: 'failed',
      detail: `it ended: ${t.reason ?? 'exited'}${t.exitCode !== undefined ? ` (exit code ${t.exitCode})` : ''}${t.message ? ` — ${t.message}` : ''}`,
    };
  }
  const w = s.state?.waiting;
  // Image problems do not fix themselves for an ephemeral container, which is never restarted.
  if (w?.reason && /ErrImage|ImagePullBackOff|InvalidImageName|CreateContainerError/.test(w.reason))
    return { phase: 'failed', detail: `${w.reason}${w.message ? `: ${w.message}` : ''}` };
  return { phase: 'pending', detail: w?.reason ?? 'starting' };
}
