/**
 * Keyboard shortcuts scoped to a component's lifetime: `/` focuses the page's filter box
 * (as in k9s, GitHub and most list UIs) unless the user is already typing somewhere.
 */
import { onBeforeUnmount, onMounted } from 'vue';

function typingInField(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

/** Calls `focus` when `/` is pressed outside text fields. */
export function useSlashToFocus(focus: () => void): void {
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || typingInField(e.target)) return;
    e.preventDefault();
    focus();
  };
  onMounted(() => window.addEventListener('keydown', onKey));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey));
}
