/** Whether the command palette is open (Ctrl/Cmd+K, `/`, or the top bar's search button). */
import { defineStore } from 'pinia';
import { ref } from 'vue';

export const usePaletteStore = defineStore('palette', () => {
  const open = ref(false);
  /** Text to start with (e.g. "ns " from a shortcut). */
  const initial = ref('');
  function show(text = ''): void {
    initial.value = text;
    open.value = true;
  }
  function close(): void {
    open.value = false;
  }
  function toggle(): void {
    if (open.value) close();
    else show();
  }
  return { open, initial, show, close, toggle };
});
