// The Settings page's backups: store snapshots listed, saved and downloaded through Skiff's /apis/skiff.dev/v1/snapshots endpoint with the session's client; no other I/O.
/**
 * Backups of the cluster store (common/snapshot-api.ts). `load()` lists them (latest first),
 * `save()` asks the API server for a new snapshot in its data folder and puts it on top, and
 * `download()` fetches one with the token (a plain link could not carry it) and hands it to the
 * browser's save dialog. Each action keeps its own error for the page to show.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { ApiError } from '@common/client';
import { SNAPSHOTS_PATH, snapshotPath, type SnapshotEntry, type SnapshotList } from '@common/snapshot-api';
import { downloadText } from '../composables/use-download';
import { errorMessage } from '../models/format';
import { useConnectionStore } from './connection';
import type { LoadStatus } from './resource-store';

/** The message shown for a failed backup request. */
export function backupError(err: unknown): string {
  if (err instanceof ApiError && err.code === 404 && !err.status.details?.name)
    return 'This Skiff does not serve snapshots (it is older than the dashboard). Use `skiff snapshot save FILE` instead.';
  return errorMessage(err);
}

export const useBackupsStore = defineStore('backups', () => {
  const items = shallowRef<SnapshotEntry[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  const saving = ref(false);
  const saveError = ref<string | null>(null);
  /** Name of the backup being downloaded, if any. */
  const downloading = ref<string | null>(null);
  const downloadError = ref<string | null>(null);

  /** The newest readable backup. */
  const latest = computed(() => items.value.find((e) => !e.error));

  function client() {
    const c = useConnectionStore().client;
    if (!c) throw new Error('Not connected to the API server.');
    return c;
  }

  async function load(): Promise<void> {
    if (status.value === 'idle') status.value = 'loading';
    try {
      const list = await client().raw<SnapshotList>({ method: 'GET', path: SNAPSHOTS_PATH });
      items.value = list.items;
      status.value = 'ready';
      error.value = null;
    } catch (err) {
      status.value = 'error';
      error.value = backupError(err);
    }
  }

  async function save(): Promise<SnapshotEntry | undefined> {
    saving.value = true;
    saveError.value = null;
    try {
      const entry = await client().raw<SnapshotEntry>({ method: 'POST', path: SNAPSHOTS_PATH });
      items.value = [entry, ...items.value.filter((e) => e.name !== entry.name)];
      status.value = 'ready';
      return entry;
    } catch (err) {
      saveError.value = backupError(err);
      return undefined;
    } finally {
      saving.value = false;
    }
  }

  async function download(entry: SnapshotEntry): Promise<void> {
    downloading.value = entry.name;
    downloadError.value = null;
    try {
      // The file is UTF-8 text (the snapshot format), so it survives the text transport as is.
      const res = await client().transport.request({ method: 'GET', path: snapshotPath(entry.name) });
      if (res.status !== 200) {
        let msg = `HTTP ${res.status}`;
        try {
          msg = (JSON.parse(res.body) as { message?: string }).message ?? msg;
        } catch {
          // not a Status body: keep the HTTP code
        }
        throw new Error(`Download of ${entry.name} failed: ${msg}`);
      }
      downloadText(entry.name, res.body, 'application/octet-stream');
    } catch (err) {
      downloadError.value = backupError(err);
    } finally {
      downloading.value = null;
    }
  }

  return {
    items,
    status,
    error,
    saving,
    saveError,
    downloading,
    downloadError,
    latest,
    load,
    save,
    download,
  };
});
