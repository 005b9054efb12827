/**
 * The clusters the dashboard can switch to, as the dashboard server lists them
 * (`/dashboard/v1/clusters`: the local Skiff plus the contexts of $KUBECONFIG / ~/.kube/config
 * and of the kubeconfig files added in Settings), and those files. Adding or removing a file goes
 * through the same server, which checks that it parses. Names and servers only: credentials
 * never leave the dashboard server.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { dashboardApi } from '../api/session';
import { errorMessage } from '../models/format';
import { useConnectionStore } from './connection';
import type { LoadStatus } from './resource-store';

/** One switchable cluster ('' = the local Skiff cluster). */
export interface ClusterItem {
  name: string;
  local: boolean;
  server?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  source?: string;
  current?: boolean;
  auth?: string;
}

/** One kubeconfig file the server reads. */
export interface KubeconfigFile {
  path: string;
  added: boolean;
  exists: boolean;
  error?: string;
}

interface ClustersView {
  items: ClusterItem[];
  files: KubeconfigFile[];
}

export const useClustersStore = defineStore('clusters', () => {
  const items = shallowRef<ClusterItem[]>([]);
  const files = shallowRef<KubeconfigFile[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  /** The outcome of the last add/remove, for Settings. */
  const fileError = ref<string | null>(null);
  /** False when the dashboard server has no cluster routes (Electron without a token, old server). */
  const available = ref(true);

  function apply(v: ClustersView): void {
    items.value = v.items;
    files.value = v.files;
  }

  /** Asks the dashboard server again (the switcher opens, Settings loads). */
  async function load(): Promise<void> {
    const conn = useConnectionStore();
    if (status.value === 'idle') status.value = 'loading';
    try {
      apply(await dashboardApi<ClustersView>(conn.token, 'GET', 'clusters'));
      status.value = 'ready';
      error.value = null;
      available.value = true;
    } catch (err) {
      status.value = 'error';
      error.value = errorMessage(err);
      available.value = false;
    }
  }

  async function addFile(path: string): Promise<boolean> {
    fileError.value = null;
    try {
      apply(await dashboardApi<ClustersView>(useConnectionStore().token, 'POST', 'kubeconfigs', { path }));
      return true;
    } catch (err) {
      fileError.value = errorMessage(err);
      return false;
    }
  }

  async function removeFile(path: string): Promise<boolean> {
    fileError.value = null;
    try {
      apply(
        await dashboardApi<ClustersView>(
          useConnectionStore().token,
          'DELETE',
          `kubeconfigs?path=${encodeURIComponent(path)}`,
        ),
      );
      return true;
    } catch (err) {
      fileError.value = errorMessage(err);
      return false;
    }
  }

  return { items, files, status, error, fileError, available, load, addFile, removeFile };
});
