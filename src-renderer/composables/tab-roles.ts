/**
 * `v-tab-roles` on an `<n-tabs>`: naive-ui renders its tabs as plain divs, so screen readers
 * (and tests that look for `role=tab`) see no tabs. This gives the bar role=tablist and each
 * tab role=tab with aria-selected, kept current as tabs switch or change.
 */
import type { Directive } from 'vue';

const observers = new WeakMap<HTMLElement, MutationObserver>();

function mark(root: HTMLElement): void {
  const tabs = root.querySelectorAll<HTMLElement>('.n-tabs-tab');
  tabs[0]?.parentElement?.setAttribute('role', 'tablist');
  for (const t of tabs) {
    if (t.getAttribute('role') !== 'tab') t.setAttribute('role', 'tab');
    const selected = String(t.classList.contains('n-tabs-tab--active'));
    if (t.getAttribute('aria-selected') !== selected) t.setAttribute('aria-selected', selected);
  }
}

export const vTabRoles: Directive<HTMLElement> = {
  mounted(el) {
    mark(el);
    const o = new MutationObserver(() => mark(el));
    o.observe(el, { subtree: true, childList: true, attributeFilter: ['class'] });
    observers.set(el, o);
  },
  unmounted(el) {
    observers.get(el)?.disconnect();
    observers.delete(el);
  },
};
