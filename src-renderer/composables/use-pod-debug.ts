/**
 * The Debug button: adds an ephemeral container to the pod (PATCH pods/NAME/ephemeralcontainers,
 * like `kubectl debug -it --target`), then follows the pod as the pods store's watch delivers
 * it until the kubelet reports the container running (or failing), and says which one it is.
 */
import { onScopeDispose, ref, watch, type Ref } from 'vue';
import { R } from '@common/resources';
import { useConnectionStore } from '../stores/connection';
import type { Pod } from '../models/kube';
import { errorMessage } from '../models/format';
import {
  debugContainerName,
  debugProgress,
  ephemeralContainerPatch,
  imageProblem,
} from '../models/pod-debug';

/** `idle` → `creating` (the PATCH) → `waiting` (the watch) → `running` | `failed`. */
export type DebugPhase = 'idle' | 'creating' | 'waiting' | 'running' | 'failed';

/** How long to wait for the container to run before saying so (an image pull can be slow). */
const START_TIMEOUT_MS = 120_000;

export function usePodDebug(pod: Ref<Pod | undefined>) {
  const conn = useConnectionStore();
  const phase = ref<DebugPhase>('idle');
  /** The ephemeral container being started (or started last). */
  const container = ref<string | undefined>(undefined);
  /** What it waits for, or why it failed. */
  const detail = ref<string | null>(null);
  let stopWatch: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function settle(): void {
    stopWatch?.();
    stopWatch = undefined;
    clearTimeout(timer);
  }

  function fail(why: string): void {
    settle();
    phase.value = 'failed';
    detail.value = why;
  }

  /** Adds the debug container; resolves with its name once it runs, undefined if it cannot. */
  async function start(image: string, target: string | undefined): Promise<string | undefined> {
    settle();
    const p = pod.value;
    const client = conn.client;
    const problem = imageProblem(image);
    if (problem) {
      fail(problem);
      return undefined;
    }
    if (!p || !client) {
      fail(!p ? 'The pod is gone.' : 'Not connected to the API server.');
      return undefined;
    }
    const name = debugContainerName(p);
    container.value = name;
    phase.value = 'creating';
    detail.value = `adding ${name} (${image.trim()})`;
    try {
      await client.patch(
        R.pods,
        p.metadata.name!,
        p.metadata.namespace,
        ephemeralContainerPatch(name, image, target),
        'strategic',
        { subresource: 'ephemeralcontainers', fieldManager: 'skiff-ui' },
      );
    } catch (err) {
      fail(`The API server refused the debug container: ${errorMessage(err)}`);
      return undefined;
    }
    phase.value = 'waiting';
    detail.value = 'waiting for the kubelet';
    return new Promise<string | undefined>((resolve) => {
      timer = setTimeout(() => {
        fail(`${name} did not start within ${START_TIMEOUT_MS / 1000} s (${detail.value}).`);
        resolve(undefined);
      }, START_TIMEOUT_MS);
      stopWatch = watch(
        pod,
        (now) => {
          const prog = debugProgress(now, name);
          if (prog.phase === 'running') {
            settle();
            phase.value = 'running';
            detail.value = null;
            resolve(name);
          } else if (prog.phase === 'failed') {
            fail(`${name} cannot run: ${prog.detail}`);
            resolve(undefined);
          } else detail.value = prog.detail;
        },
        { immediate: true },
      );
      // The first (immediate) run may already have settled, before stopWatch was assigned.
      if (phase.value !== 'waiting') settle();
    });
  }

  function reset(): void {
    settle();
    phase.value = 'idle';
    detail.value = null;
  }

  onScopeDispose(settle);

  return { phase, container, detail, start, reset };
}
