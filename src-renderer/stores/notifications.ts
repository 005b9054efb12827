/**
 * Notification preferences: the namespaces whose alerts never toast, persisted in localStorage
 * (per browser profile, like the selected namespace). Muted from a toast or in Settings.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';

const KEY = 'skiff.mutedNamespaces';

function load(): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export const useNotificationsStore = defineStore('notifications', () => {
  const muted = ref<string[]>(load());
  watch(
    muted,
    (list) => {
      try {
        localStorage.setItem(KEY, JSON.stringify(list));
      } catch (err) {
        console.warn('localStorage unavailable', err);
      }
    },
    { deep: true },
  );
  const mutedSet = computed(() => new Set(muted.value));

  function isMuted(ns: string): boolean {
    return mutedSet.value.has(ns);
  }
  function mute(ns: string): void {
    if (ns && !isMuted(ns)) muted.value = [...muted.value, ns].sort();
  }
  function unmute(ns: string): void {
    muted.value = muted.value.filter((n) => n !== ns);
  }
  return { muted, isMuted, mute, unmute };
});
