/**
 * Which pod's logs the global log drawer shows: any page opens it with one call
 * (`useLogDrawerStore().open(namespace, name)`), e.g. from a pod row's "Logs" button or the
 * `l` key, and PodLogDrawer (mounted once in the shell) renders it.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';

export const useLogDrawerStore = defineStore('log-drawer', () => {
  const target = ref<{ namespace: string; name: string; container?: string } | null>(null);
  function open(namespace: string, name: string, container?: string): void {
    target.value = { namespace, name, container };
  }
  function close(): void {
    target.value = null;
  }
  return { target, open, close };
});
