// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import DeployForm from '../../../src-renderer/components/deploy/DeployForm.vue';
import { buildDeployment, validateDnsLabel } from '../../../src-renderer/models/deploy';
import type { Deployment } from '../../../src-renderer/models/kube';

function mountForm(props: Record<string, unknown> = {}) {
  return mount(DeployForm, {
    props: { namespaces: ['default', 'kube-system'], ...props },
    attachTo: document.body,
  });
}

async function fill(w: ReturnType<typeof mountForm>, name: string, value: string) {
  const input = w.find(`input[name="${name}"]`);
  expect(input.exists(), `input ${name}`).toBe(true);
  await input.setValue(value);
  await input.trigger('blur');
}

describe('DeployForm', () => {
  it('emits an apps/v1 Deployment with app=<name> labels, matching selector, port and limits', async () => {
    const w = mountForm();
    await fill(w, 'name', 'web');
    await fill(w, 'image', 'nginx:1.27');
    await fill(w, 'replicas', '3');
    await fill(w, 'port', '80');
    await fill(w, 'cpuLimit', '500m');
    await fill(w, 'memoryLimit', '256Mi');
    await w.find('form').trigger('submit');
    await flushPromises();
    const emitted = w.emitted('submit');
    expect(emitted).toHaveLength(1);
    const d = emitted![0][0] as Deployment;
    expect(d).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'nginx:1.27',
                ports: [{ containerPort: 80, protocol: 'TCP' }],
                resources: { limits: { cpu: '500m', memory: '256Mi' } },
              },
            ],
          },
        },
      },
    });
    // The YAML preview shows the same manifest.
    await w.find('.n-collapse-item__header-main').trigger('click');
    await flushPromises();
    const preview = w.find('[data-testid="deploy-preview"]').text();
    expect(preview).toContain('kind: Deployment');
    expect(preview).toContain('memory: 256Mi');
    w.unmount();
  });

  it('validates the name as DNS-1123 inline and does not submit', async () => {
    const w = mountForm();
    await fill(w, 'name', 'Web_App');
    await fill(w, 'image', 'nginx');
    await w.find('form').trigger('submit');
    await flushPromises();
    expect(w.emitted('submit')).toBeUndefined();
    expect(w.text()).toContain('Use lowercase letters only.');
    await fill(w, 'name', 'web-app-');
    expect(w.text()).toContain('must start and end with a letter or digit');
    w.unmount();
  });

  it('shows the server Status message readably', async () => {
    const w = mountForm({
      serverError: {
        message: 'deployments.apps "web" already exists',
        reason: 'AlreadyExists',
        causes: [{ field: 'metadata.name', message: 'taken' }],
      },
    });
    const alert = w.find('[data-testid="deploy-error"]');
    expect(alert.text()).toContain('deployments.apps "web" already exists');
    expect(alert.text()).toContain('AlreadyExists');
    expect(alert.text()).toContain('metadata.name');
    w.unmount();
  });

  it('leaves out ports and resources when not given', () => {
    const d = buildDeployment({
      name: 'x',
      namespace: 'ns',
      image: ' busybox ',
      replicas: 1,
      port: null,
      cpuLimit: '',
      memoryLimit: '',
    });
    expect(d.spec!.template.spec!.containers[0]).toEqual({ name: 'x', image: 'busybox' });
    expect(validateDnsLabel('a'.repeat(64))).toMatch(/at most 63/);
    expect(validateDnsLabel('ok-1')).toBeUndefined();
  });
});
