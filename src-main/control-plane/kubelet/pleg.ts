// The pod lifecycle event generator (upstream pleg/generic.go): a periodic runtime relist that
// wakes the workers of pods whose sandboxes or containers changed, and of orphans. Reads the
// runtime only.
import type { ContainerRuntime } from './runtime/runtime';

export class Relister {
  private fingerprints = new Map<string, string>();
  private done = false;

  constructor(
    private readonly runtime: ContainerRuntime,
    /** UIDs of the pods bound to this node, as the informer has them. */
    private readonly knownPods: () => Set<string>,
    private readonly wake: (uid: string) => void,
  ) {}

  /** The first relist after start is done (adoption relies on it). */
  get relisted(): boolean {
    return this.done;
  }

  /** Whether the last relist saw any sandbox or container of this pod. */
  hasSeen(uid: string): boolean {
    return this.fingerprints.has(uid);
  }

  async relist(): Promise<void> {
    const [sandboxes, containers] = await Promise.all([
      this.runtime.listPodSandboxes(),
      this.runtime.listContainers(),
    ]);
    const prints = new Map<string, string>();
    for (const s of sandboxes) prints.set(s.podUid, (prints.get(s.podUid) ?? '') + `${s.id}:${s.state};`);
    for (const c of containers) prints.set(c.podUid, (prints.get(c.podUid) ?? '') + `${c.id}:${c.state};`);
    const known = this.knownPods();
    for (const [uid, print] of prints) {
      if (this.fingerprints.get(uid) !== print || !known.has(uid)) this.wake(uid);
    }
    for (const uid of this.fingerprints.keys()) if (!prints.has(uid)) this.wake(uid);
    this.fingerprints = prints;
    this.done = true;
  }
}
