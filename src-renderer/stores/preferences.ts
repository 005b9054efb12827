/** User choices that outlive a page: the selected namespace (persisted in localStorage). */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

/** Sentinel for "All namespaces". */
export const ALL_NAMESPACES = '';

const KEY = 'skiff.namespace';

function load(): string {
  try {
    return localStorage.getItem(KEY) ?? ALL_NAMESPACES;
  } catch (err) {
    console.warn('localStorage unavailable', err);
    return ALL_NAMESPACES;
  }
}

export const usePreferencesStore = defineStore('preferences', () => {
  const namespace = ref<string>(load());
  watch(namespace, (ns) => {
    try {
      localStorage.setItem(KEY, ns);
    } catch (err) {
      console.warn('localStorage unavailable', err);
    }
  });
  return { namespace };
});
