// @vitest-environment happy-dom
/**
 * The command palette: Ctrl+K opens it, typing ranks pages and objects from the live stores,
 * ↑/↓ and Enter run the highlighted entry (navigation or a namespace switch), and object names containing HTML stay text.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import { defineComponent, h } from 'vue';
import TheCommandPalette from '../../../src-renderer/components/layout/TheCommandPalette.vue';
import { usePaletteStore } from '../../../src-renderer/stores/palette';
import { usePreferencesStore } from '../../../src-renderer/stores/preferences';
import { useNamespacesStore } from '../../../src-renderer/stores/namespaces';
import { useStatefulSetsStore } from '../../../src-renderer/stores/kinds';
import { usePodsStore } from '../../../src-renderer/stores/pods';
import type { KubeObject } from '../../../src-renderer/models/kube';

const Blank = defineComponent({ render: () => h('div') });

function makeRouter(): Router {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'overview', component: Blank, meta: { title: 'Overview' } },
      { path: '/nodes', name: 'nodes', component: Blank, meta: { title: 'Nodes' } },
      { path: '/pods', name: 'pods', component: Blank, meta: { title: 'Pods', section: 'Workloads' } },
      { path: '/pods/:namespace/:name', name: 'pod', component: Blank },
      { path: '/statefulsets/:namespace/:name', name: 'statefulset', component: Blank },
      { path: '/node/:name', name: 'node', component: Blank },
      { path: '/:plural/:namespace/:name', name: 'object', component: Blank },
    ],
  });
}

function obj<T extends KubeObject>(kind: string, name: string, namespace?: string): T {
  return { apiVersion: 'v1', kind, metadata: { name, namespace, uid: `${kind}-${name}` } } as unknown as T;
}

const items = () => [...document.querySelectorAll('[data-testid="palette-item"]')];
const active = () => document.querySelector('[data-testid="palette-item"][data-active="true"]');
const input = () => document.querySelector('[data-testid="palette-input"] input') as HTMLInputElement;

async function type(text: string): Promise<void> {
  const el = input();
  el.value = text;
  el.dispatchEvent(new Event('input'));
  await flushPromises();
}
async function key(k: string, opts: KeyboardEventInit = {}, target: EventTarget = input()): Promise<void> {
  target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...opts }));
  await flushPromises();
}

describe('TheCommandPalette', () => {
  let pinia: Pinia;
  let router: Router;
  let w: VueWrapper | undefined;

  beforeEach(async () => {
    pinia = createPinia();
    setActivePinia(pinia);
    router = makeRouter();
    await router.push('/');
    await router.isReady();
    usePodsStore().items = [
      obj('Pod', 'web-7d9f-abc', 'shop'),
      obj('Pod', '<img src=x onerror=alert(1)>', 'shop'),
    ];
    useStatefulSetsStore().items = [obj('StatefulSet', 'db', 'shop')];
    useNamespacesStore().items = [obj('Namespace', 'shop')];
    w = mount(TheCommandPalette, { global: { plugins: [pinia, router] }, attachTo: document.body });
  });
  afterEach(() => {
    w?.unmount();
    document.body.innerHTML = '';
  });

  it('opens with Ctrl+K and closes with it again', async () => {
    const palette = usePaletteStore();
    expect(palette.open).toBe(false);
    await key('k', { ctrlKey: true }, window);
    expect(palette.open).toBe(true);
    expect(document.querySelector('[data-testid="command-palette"]')).not.toBeNull();
    await key('k', { ctrlKey: true }, window);
    expect(palette.open).toBe(false);
  });

  it('ranks objects from the stores and opens the highlighted one with Enter', async () => {
    usePaletteStore().show();
    await flushPromises();
    await type('db');
    expect(items()[0].textContent).toContain('db');
    expect(items()[0].textContent).toContain('StatefulSet · shop');
    await key('Enter');
    expect(router.currentRoute.value.fullPath).toBe('/statefulsets/shop/db');
    expect(usePaletteStore().open).toBe(false);
  });

  it('moves with the arrow keys, and pages are entries too', async () => {
    usePaletteStore().show();
    await flushPromises();
    await type('nodes');
    expect(active()?.textContent).toContain('Nodes');
    await key('Enter');
    expect(router.currentRoute.value.name).toBe('nodes');

    usePaletteStore().show();
    await flushPromises();
    await type('');
    expect(items().length).toBeGreaterThan(1);
    const before = active()?.textContent;
    await key('ArrowDown');
    expect(active()?.textContent).not.toBe(before);
    await key('ArrowUp');
    expect(active()?.textContent).toBe(before);
  });

  it('switches the namespace', async () => {
    usePaletteStore().show();
    await flushPromises();
    await type('switch namespace shop');
    expect(active()?.textContent).toContain('Switch namespace: shop');
    await key('Enter');
    expect(usePreferencesStore().namespace).toBe('shop');
  });

  it('shows names containing HTML as text, and says when nothing matches', async () => {
    usePaletteStore().show();
    await flushPromises();
    await type('onerror');
    expect(items().some((i) => i.textContent?.includes('<img src=x onerror=alert(1)>'))).toBe(true);
    expect(document.querySelector('.palette-list img')).toBeNull();
    await type('zzzz-nothing');
    expect(items()).toHaveLength(0);
    expect(document.body.textContent).toContain('Nothing matches');
  });
});
