/**
 * The Files panel's data: one container's folder as Skiff's files endpoint lists it
 * (`GET /apis/skiff.dev/v1/…/pods/{name}/files?container=C&path=P`), downloads (the same GET on
 * a file answers its bytes) and uploads (`PUT` of the file's bytes; XMLHttpRequest, because
 * fetch reports no upload progress). All with the session's base URL and token, as every page
 * reaches the cluster. Skiff-only: the page mounts the panel only on a Skiff cluster.
 */
import { ref, shallowRef, watch, type Ref } from 'vue';
import type { Pod } from '../models/kube';
import { errorMessage } from '../models/format';
import {
  filesErrorMessage,
  isFileList,
  joinContainerPath,
  podFileUrl,
  uploadProblem,
  type FileList,
} from '../models/pod-files';
import { useConnectionStore } from '../stores/connection';
import { downloadBlob } from './use-download';
import type { LoadStatus } from '../stores/resource-store';

/** One upload of the panel, as it goes. */
export interface UploadItem {
  id: number;
  name: string;
  /** Where it is written. */
  path: string;
  loaded: number;
  total: number;
  state: 'uploading' | 'done' | 'error';
  error?: string;
}

/** The server's message, with the path in front unless it names it already. */
function said(path: string, message: string): string {
  const m = message.includes(`"${path}"`) ? message : `${path}: ${message}`;
  return m.charAt(0).toUpperCase() + m.slice(1);
}

export function usePodFiles(pod: Ref<Pod>) {
  const conn = useConnectionStore();
  const container = ref(pod.value.spec?.containers?.[0]?.name ?? '');
  const path = ref('/');
  const list = shallowRef<FileList | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  const uploads = ref<UploadItem[]>([]);
  /** A download in flight (its path), for the row's spinner. */
  const downloading = ref<string | null>(null);
  const downloadError = ref<string | null>(null);
  let seq = 0;
  let uploadSeq = 0;

  const url = (p: string, c = container.value) =>
    conn.baseUrl + podFileUrl(pod.value.metadata.namespace ?? 'default', pod.value.metadata.name ?? '', c, p);
  const authHeaders = (): Record<string, string> =>
    conn.token ? { Authorization: `Bearer ${conn.token}` } : {};

  /**
   * Lists a folder. The answer decides: a listing shows; a file's bytes (a symlink that led
   * to a file, a typed file path) is downloaded instead and the folder shown stays.
   */
  async function open(p: string): Promise<void> {
    const my = ++seq;
    status.value = 'loading';
    error.value = null;
    try {
      const res = await fetch(url(p), { headers: { ...authHeaders(), Accept: 'application/json' } });
      if (my !== seq) return;
      if (!res.ok) {
        const message = filesErrorMessage(res.status, await res.text());
        if (my !== seq) return;
        status.value = 'error';
        error.value = said(p, message);
        return;
      }
      if (!(res.headers.get('content-type') ?? '').includes('json')) {
        const blob = await res.blob();
        if (my !== seq) return;
        saveBlob(p, blob);
        status.value = list.value ? 'ready' : 'idle';
        return;
      }
      const doc: unknown = await res.json();
      if (my !== seq) return;
      if (!isFileList(doc)) throw new Error('the server answered something that is not a listing');
      list.value = doc;
      path.value = doc.path;
      status.value = 'ready';
    } catch (err) {
      if (my !== seq) return;
      status.value = 'error';
      error.value = said(p, errorMessage(err));
    }
  }

  function saveBlob(p: string, blob: Blob): void {
    downloadBlob(p.slice(p.lastIndexOf('/') + 1) || 'file', blob);
  }

  /** Downloads one file of the folder shown (its bytes as the endpoint answers them). */
  async function download(name: string): Promise<void> {
    const p = joinContainerPath(path.value, name);
    downloading.value = p;
    downloadError.value = null;
    try {
      const res = await fetch(url(p), { headers: authHeaders() });
      if (!res.ok) throw new Error(filesErrorMessage(res.status, await res.text()));
      saveBlob(p, await res.blob());
    } catch (err) {
      downloadError.value = `Download of ${p} failed: ${errorMessage(err)}`;
    } finally {
      if (downloading.value === p) downloading.value = null;
    }
  }

  function put(item: UploadItem, file: Blob, into: string): Promise<void> {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', url(item.path, into));
      for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      const patch = (p: Partial<UploadItem>) => {
        uploads.value = uploads.value.map((u) => (u.id === item.id ? { ...u, ...p } : u));
      };
      xhr.upload.onprogress = (e) =>
        patch({ loaded: e.loaded, total: e.lengthComputable ? e.total : item.total });
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) patch({ state: 'done', loaded: item.total });
        else patch({ state: 'error', error: filesErrorMessage(xhr.status, xhr.responseText) });
        resolve();
      };
      xhr.onerror = () => {
        patch({ state: 'error', error: 'The upload could not reach the server (network error).' });
        resolve();
      };
      xhr.send(file);
    });
  }

  /**
   * Uploads files into the folder shown, one after another (the kubelet holds each in memory);
   * a file over the limit is refused here with the reason, the others still go. Refreshes the
   * folder afterwards.
   */
  async function upload(files: readonly File[]): Promise<void> {
    // The folder and container shown now: switching while a batch runs does not move it.
    const dir = path.value;
    const into = container.value;
    const items: [UploadItem, File][] = files.map((f) => {
      const problem = uploadProblem(f);
      return [
        {
          id: ++uploadSeq,
          name: f.name,
          path: joinContainerPath(dir, f.name),
          loaded: 0,
          total: f.size,
          state: problem ? 'error' : 'uploading',
          error: problem,
        },
        f,
      ];
    });
    uploads.value = [...uploads.value.filter((u) => u.state === 'uploading'), ...items.map(([i]) => i)];
    for (const [item, file] of items) if (item.state === 'uploading') await put(item, file, into);
    if (path.value === dir && container.value === into) await open(dir);
  }

  function clearUploads(): void {
    uploads.value = uploads.value.filter((u) => u.state === 'uploading');
  }

  // Another container starts at its root; the first listing when the panel opens.
  watch(
    container,
    () => {
      list.value = null;
      void open('/');
    },
    { immediate: true },
  );

  return {
    container,
    path,
    list,
    status,
    error,
    uploads,
    downloading,
    downloadError,
    open,
    refresh: () => open(path.value),
    download,
    upload,
    clearUploads,
  };
}
