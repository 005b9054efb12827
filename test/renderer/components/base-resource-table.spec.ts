// @vitest-environment happy-dom
/**
 * The generic resource table: kubectl columns of a kind, sorting done here (so keyboard order
 * is screen order), ↑/↓/Enter to open, Space to select, and names with HTML kept as text.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import BaseResourceTable from '../../../src-renderer/components/base/BaseResourceTable.vue';
import { KINDS } from '../../../src-renderer/models/kinds';
import { createPinia, setActivePinia } from 'pinia';
import { useLogDrawerStore } from '../../../src-renderer/stores/log-drawer';
import type { KubeObject } from '../../../src-renderer/models/kube';

function cm(name: string, keys: number, created: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', creationTimestamp: created },
    data: Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, 'v'])),
  } as KubeObject;
}

const rows = [
  cm('beta', 3, '2024-01-01T00:00:00Z'),
  cm('alpha', 1, '2024-01-02T00:00:00Z'),
  cm('<img src=x onerror=alert(1)>', 2, '2024-01-03T00:00:00Z'),
];

function mountTable(props: Record<string, unknown> = {}) {
  return mount(BaseResourceTable, {
    props: { spec: KINDS.configmaps, rows, ctx: { now: Date.parse('2024-01-04T00:00:00Z') }, ...props },
    attachTo: document.body,
  });
}

const names = (w: ReturnType<typeof mountTable>) =>
  w.findAll('tbody tr[data-testid]').map((r) => r.attributes('data-testid')!.replace('configmap-row-', ''));

describe('BaseResourceTable', () => {
  // The table reads the connection store (whether the cluster is a Skiff, for Expose).
  beforeEach(() => setActivePinia(createPinia()));
  it('shows the kind’s kubectl columns, sorted by namespace/name by default', () => {
    const w = mountTable();
    const heads = w.findAll('th').map((t) => t.text());
    expect(heads).toEqual(expect.arrayContaining(['Name', 'Namespace', 'Data', 'Age']));
    expect(names(w)).toEqual(['<img src=x onerror=alert(1)>', 'alpha', 'beta']);
    // HTML in names is text: no img element was created.
    expect(w.find('tbody img').exists()).toBe(false);
    expect(w.text()).toContain('<img src=x onerror=alert(1)>');
    w.unmount();
  });

  it('sorts by a column when its header is clicked (numbers numerically)', async () => {
    const w = mountTable();
    const data = w.findAll('th').find((t) => t.text() === 'Data')!;
    // naive-ui's cycle: descending, ascending, unsorted.
    await data.trigger('click');
    expect(names(w)).toEqual(['beta', '<img src=x onerror=alert(1)>', 'alpha']);
    await data.trigger('click');
    expect(names(w)).toEqual(['alpha', '<img src=x onerror=alert(1)>', 'beta']);
    w.unmount();
  });

  it('moves with ↑/↓, opens with Enter and selects with Space', async () => {
    const w = mountTable({ selectable: true });
    const root = w.find('[data-testid="configmap-table"]');
    await root.trigger('keydown', { key: 'ArrowDown' });
    await root.trigger('keydown', { key: 'ArrowDown' });
    expect(w.find('tr[data-cursor="true"]').attributes('data-testid')).toBe('configmap-row-alpha');
    await root.trigger('keydown', { key: 'Enter' });
    expect((w.emitted('open')![0][0] as KubeObject).metadata.name).toBe('alpha');
    await root.trigger('keydown', { key: ' ' });
    expect(w.emitted('update:checked')![0][0]).toEqual(['default/alpha']);
    await root.trigger('keydown', { key: 'ArrowUp' });
    await root.trigger('keydown', { key: 'ArrowUp' });
    expect(w.find('tr[data-cursor="true"]').attributes('data-testid')).toBe(
      'configmap-row-<img src=x onerror=alert(1)>',
    );
    w.unmount();
  });

  it('a click on a row opens it', async () => {
    const w = mountTable();
    await w.find('tr[data-testid="configmap-row-beta"]').trigger('click');
    expect((w.emitted('open')![0][0] as KubeObject).metadata.name).toBe('beta');
    w.unmount();
  });

  it('gives every pod row a Logs button that opens the log drawer without opening the pod', async () => {
    setActivePinia(createPinia());
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'shop', creationTimestamp: '2024-01-03T00:00:00Z' },
      status: { phase: 'Running' },
    } as KubeObject;
    const w = mount(BaseResourceTable, {
      props: { spec: KINDS.pods, rows: [pod], ctx: { now: Date.parse('2024-01-04T00:00:00Z') } },
      attachTo: document.body,
    });
    await w.find('[data-testid="pod-logs-open"]').trigger('click');
    expect(useLogDrawerStore().target).toEqual({ namespace: 'shop', name: 'web-1', container: undefined });
    expect(w.emitted('open')).toBeUndefined();
    w.unmount();
  });
});
