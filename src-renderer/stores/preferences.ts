/**
 * User choices that outlive a page, persisted in localStorage: the selected namespace and the
 * columns each list hides (column picker).
 */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { parseHiddenColumns } from '../models/columns';

/** Sentinel for "All namespaces". */
export const ALL_NAMESPACES = '';

const KEY = 'skiff.namespace';
const COLUMNS_KEY = 'skiff.hiddenColumns';

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
  let savedColumns: string | null = null;
  try {
    savedColumns = localStorage.getItem(COLUMNS_KEY);
  } catch (err) {
    console.warn('localStorage unavailable', err);
  }
  /** Hidden column keys per kind id (kinds without an entry use their defaults). */
  const hiddenColumns = ref<Record<string, string[]>>(parseHiddenColumns(savedColumns));
  watch(hiddenColumns, (v) => {
    try {
      localStorage.setItem(COLUMNS_KEY, JSON.stringify(v));
    } catch (err) {
      console.warn('localStorage unavailable', err);
    }
  });
  return { namespace, hiddenColumns };
});
