import type { Clock } from '../../common/clock';

/** How long unfulfilled expectations are trusted before a controller syncs anyway (upstream: 5 min). */
const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  /** Pod keys we asked to delete and have not yet seen go away. */
  deleting: Set<string>;
  at: number;
}

/**
 * Behaves like kube-controller-manager's ReplicaSet "expectations"
 * (ControllerExpectations + UIDTrackingControllerExpectations): before a controller creates or
 * deletes pods it records how many adds/deletes it expects to observe through the informer,
 * and it does not manage replicas again until they have been observed (or timed out). This is
 * what keeps it from creating a second batch of pods while its own writes are still in flight.
 */
export class Expectations {
  private readonly map = new Map<string, Expectation>();

  constructor(private readonly clock: Clock) {}

  /** True when the controller may act: nothing pending, or the expectations expired. */
  satisfied(key: string): boolean {
    const e = this.map.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now() - e.at > EXPECTATIONS_TIMEOUT_MS;
  }

  expectCreations(key: string, n: number): void {
    this.map.set(key, { add: n, del: 0, deleting: new Set(), at: this.clock.now() });
  }

  /** Adds n expected creations to what is pending (several create batches in one sync). */
  raiseCreations(key: string, n: number): void {
    const e = this.map.get(key);
    if (!e || (e.add <= 0 && e.del <= 0)) return this.expectCreations(key, n);
    e.add += n;
    e.at = this.clock.now();
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.map.set(key, { add: 0, del: podKeys.length, deleting: new Set(podKeys), at: this.clock.now() });
  }

  /** A pod of this controller showed up in the cache (or a create failed: lower the count). */
  creationObserved(key: string): void {
    const e = this.map.get(key);
    if (e && e.add > 0) e.add--;
  }

  /** A pod we deleted is gone or marked for deletion (or the delete failed). */
  deletionObserved(key: string, podKey: string): void {
    const e = this.map.get(key);
    if (e && e.deleting.delete(podKey)) e.del--;
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  /** Pending counts, for tests and diagnostics. */
  pending(key: string): { add: number; del: number } | undefined {
    const e = this.map.get(key);
    return e && { add: e.add, del: e.del };
  }
}
