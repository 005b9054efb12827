/**
 * A shared ticking clock for ages and lease freshness: one timer for the whole app, started
 * by the first user and stopped when the last one unmounts. Local time only; it never polls
 * the API.
 */
import { getCurrentScope, onScopeDispose, ref, type Ref } from 'vue';

const now = ref(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;

export function useNow(): Ref<number> {
  users++;
  if (!timer) {
    now.value = Date.now();
    timer = setInterval(() => (now.value = Date.now()), 1000);
  }
  if (getCurrentScope()) {
    onScopeDispose(() => {
      users--;
      if (users === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    });
  }
  return now;
}
