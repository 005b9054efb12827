// What the kubelet remembers about each pod between syncs (waiting reasons, back-offs, the ready
// sandbox): written by the syncers and the image manager, read by status and stream resolution.
import type { SandboxStatus } from './runtime/runtime';
import { containerKey, type Backoff, type Waiting } from './pod-util';

export class PodState {
  /** Why a container has no running instance, set by the step that failed; per `uid/container`. */
  readonly containerWaitingReasons = new Map<string, Waiting>();
  /** CrashLoopBackOff delays of restarting containers, per `uid/container`. */
  readonly restartBackoffs = new Map<string, Backoff>();
  /** ImagePullBackOff delays, per `uid/container/image`. */
  readonly imagePullBackoffs = new Map<string, Backoff>();
  /** The ready sandbox of each pod by uid (probes and hooks reach ports through it). */
  readonly readySandboxes = new Map<string, SandboxStatus>();

  setWaiting(uid: string, container: string, reason: string, message: string): void {
    this.containerWaitingReasons.set(containerKey(uid, container), { reason, message });
  }

  clearWaiting(uid: string, container: string): void {
    this.containerWaitingReasons.delete(containerKey(uid, container));
  }

  waitingOf(uid: string, container: string): Waiting | undefined {
    return this.containerWaitingReasons.get(containerKey(uid, container));
  }

  /** Drops everything kept for a pod that is gone. */
  forget(uid: string): void {
    this.readySandboxes.delete(uid);
    for (const m of [this.containerWaitingReasons, this.restartBackoffs, this.imagePullBackoffs] as Map<
      string,
      unknown
    >[]) {
      for (const k of m.keys()) if (k.startsWith(`${uid}/`)) m.delete(k);
    }
  }
}
