/**
 * The Settings page's data. In Electron: the desktop settings through the preload's
 * `getSettings()/setSettings()` (validated and saved by the main process; some apply on the
 * next start). In serve mode there is no desktop shell: the same values are command-line
 * flags of `skiff serve`, so the page shows what it can know (API origin, version, node) and
 * the flags to change the rest.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { DesktopSettings, DesktopSettingsView } from '@common/desktop-api';
import { desktopApi } from '../api/session';
import { errorMessage } from '../models/format';
import type { LoadStatus } from './resource-store';

export const useSettingsStore = defineStore('settings', () => {
  const view = shallowRef<DesktopSettingsView | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  const saving = ref(false);
  const saveError = ref<string | null>(null);
  const desktop = !!desktopApi();

  async function load(): Promise<void> {
    const api = desktopApi();
    if (!api) {
      status.value = 'ready';
      return;
    }
    status.value = 'loading';
    error.value = null;
    try {
      view.value = await api.getSettings();
      status.value = 'ready';
    } catch (err) {
      status.value = 'error';
      error.value = errorMessage(err);
    }
  }

  async function save(patch: Partial<DesktopSettings>): Promise<boolean> {
    const api = desktopApi();
    if (!api) return false;
    saving.value = true;
    saveError.value = null;
    try {
      view.value = await api.setSettings(patch);
      return true;
    } catch (err) {
      saveError.value = errorMessage(err);
      return false;
    } finally {
      saving.value = false;
    }
  }

  return { view, status, error, saving, saveError, desktop, load, save };
});
