// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { nextTick } from 'vue';
import type { Pod } from '../../../src-renderer/models/kube';
import { usePodsStore } from '../../../src-renderer/stores/pods';
import { isStale, withoutManagedFields } from '../../../src-renderer/stores/resource-store';
import { usePodList } from '../../../src-renderer/composables/use-pods';
import { usePreferencesStore } from '../../../src-renderer/stores/preferences';
import { ref } from 'vue';

function pod(name: string, rv: string, phase = 'Pending', ns = 'default'): Pod {
  return {
    metadata: { name, namespace: ns, uid: `uid-${ns}-${name}`, resourceVersion: rv },
    spec: { containers: [{ name: 'c' }] },
    status: { phase },
  };
}

const flush = () => new Promise<void>((r) => queueMicrotask(r));

describe('resource stores apply watch events', () => {
  beforeEach(() => {
    localStorage.clear();
    setActivePinia(createPinia());
  });

  it('adds, updates and deletes immutably, publishing one new array per batch', async () => {
    const s = usePodsStore();
    const before = s.items;
    s.applyEvent({ type: 'ADDED', object: pod('a', '1') });
    s.applyEvent({ type: 'ADDED', object: pod('b', '2') });
    expect(s.items).toBe(before); // batched until the microtask
    await flush();
    expect(s.items.map((p) => p.metadata.name)).toEqual(['a', 'b']);
    expect(Object.isFrozen(s.items)).toBe(true);
    const afterAdd = s.items;

    s.applyEvent({ type: 'MODIFIED', object: pod('a', '3', 'Running') });
    await flush();
    expect(s.items).not.toBe(afterAdd);
    expect(s.get('a', 'default')?.status?.phase).toBe('Running');

    s.applyEvent({ type: 'DELETED', object: pod('b', '4') });
    await flush();
    expect(s.items.map((p) => p.metadata.name)).toEqual(['a']);
    expect(s.count).toBe(1);
  });

  it('ignores stale events (older resourceVersion of the same object)', async () => {
    const s = usePodsStore();
    s.applyEvent({ type: 'ADDED', object: pod('a', '10', 'Running') });
    s.applyEvent({ type: 'MODIFIED', object: pod('a', '9', 'Pending') });
    s.applyEvent({ type: 'DELETED', object: pod('a', '8') });
    await flush();
    expect(s.get('a', 'default')?.status?.phase).toBe('Running');
    expect(isStale(pod('a', '10'), pod('a', '11'))).toBe(false);
    // A recreated object (new uid) is never stale.
    expect(
      isStale(pod('a', '10'), { ...pod('a', '5'), metadata: { ...pod('a', '5').metadata, uid: 'other' } }),
    ).toBe(false);
  });

  it('feeds live pod rows filtered by namespace and text', async () => {
    const s = usePodsStore();
    const prefs = usePreferencesStore();
    const filter = ref('');
    const { filtered } = usePodList(filter);
    s.applyEvent({ type: 'ADDED', object: pod('web-1', '1', 'Running') });
    s.applyEvent({ type: 'ADDED', object: pod('db-1', '2', 'Pending', 'data') });
    await flush();
    expect(filtered.value.map((r) => r.key)).toEqual(['data/db-1', 'default/web-1']);
    prefs.namespace = 'default';
    await nextTick();
    expect(filtered.value.map((r) => r.name)).toEqual(['web-1']);
    prefs.namespace = '';
    filter.value = 'pending';
    expect(filtered.value.map((r) => r.name)).toEqual(['db-1']);
    s.applyEvent({ type: 'MODIFIED', object: pod('db-1', '3', 'Running', 'data') });
    await flush();
    expect(filtered.value).toEqual([]);
  });
});

describe('withoutManagedFields', () => {
  it('drops metadata.managedFields and keeps everything else, without touching the input', () => {
    const input = {
      metadata: { name: 'a', namespace: 'n', resourceVersion: '3', managedFields: [{ manager: 'kubectl' }] },
      spec: { nodeName: 'x' },
    } as unknown as Pod;
    const out = withoutManagedFields(input);
    expect(out).toEqual({
      metadata: { name: 'a', namespace: 'n', resourceVersion: '3' },
      spec: { nodeName: 'x' },
    });
    expect((input.metadata as { managedFields?: unknown }).managedFields).toHaveLength(1);
    const plain = { metadata: { name: 'b' } } as Pod;
    expect(withoutManagedFields(plain)).toBe(plain);
  });
});

describe('pod filter', () => {
  it('matches text terms and label selector terms together', async () => {
    const { matchesFilter, toPodRow } = await import('../../../src-renderer/composables/use-pods');
    const p = toPodRow({
      metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web', tier: 'front' } },
      spec: { nodeName: 'vm', containers: [{ name: 'c' }] },
      status: { phase: 'Running' },
    });
    expect(matchesFilter(p, 'WEB')).toBe(true);
    expect(matchesFilter(p, 'app=web')).toBe(true);
    expect(matchesFilter(p, 'app==web running')).toBe(true);
    expect(matchesFilter(p, 'app=db')).toBe(false);
    expect(matchesFilter(p, 'tier!=back shop')).toBe(true);
    expect(matchesFilter(p, 'tier!=front')).toBe(false);
    expect(matchesFilter(p, 'web pending')).toBe(false);
  });
});
