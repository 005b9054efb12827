/**
 * Declares that the calling component shows data of some stores: they list+watch while it is
 * mounted and stop when the last user goes. Each watch holds one HTTP/1.1 connection and a
 * browser allows six per host, so only the stores on screen watch.
 */
import { getCurrentScope, onScopeDispose, watch, type Ref } from 'vue';

/** What `useLive` needs of a store. */
export interface LiveStore {
  acquire(): void;
  release(): void;
}

export function useLive(...stores: LiveStore[]): void {
  for (const s of stores) s.acquire();
  if (getCurrentScope()) onScopeDispose(() => stores.forEach((s) => s.release()));
}

/** Like useLive, but only while `active` is true (e.g. a dropdown is open). */
export function useLiveWhile(active: Ref<boolean>, ...stores: LiveStore[]): void {
  let held = false;
  const set = (on: boolean) => {
    if (on === held) return;
    held = on;
    for (const s of stores) {
      if (on) s.acquire();
      else s.release();
    }
  };
  watch(active, set, { immediate: true });
  if (getCurrentScope()) onScopeDispose(() => set(false));
}
