import { describe, expect, it } from 'vitest';
import { Informer } from '../../../src-main/common/client/informer';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { FakeApi, settle } from './fake-api';

// The shared fake API also serves the kubelet's unit tests (the conveniences its own former fake
// had): these pin down what those tests rely on.
describe('FakeApi for kubelet tests', () => {
  it('addPod fills the defaults the API server would; getPod and markDeleted', () => {
    const api = new FakeApi();
    api.addPod({
      metadata: { name: 'p' },
      spec: {
        nodeName: 'n1',
        containers: [
          { name: 'a', image: 'busybox:latest' },
          { name: 'b', image: 'busybox:1' },
        ],
      },
    });
    const pod = api.getPod('p')!;
    expect(pod.metadata).toMatchObject({ namespace: 'default', uid: expect.any(String) });
    expect(pod.spec).toMatchObject({ restartPolicy: 'Always', terminationGracePeriodSeconds: 30 });
    expect(pod.spec.containers.map((c: { imagePullPolicy: string }) => c.imagePullPolicy)).toEqual([
      'Always',
      'IfNotPresent',
    ]);
    expect(pod.status).toMatchObject({
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True' }],
    });
    api.markDeleted('p', 'default', 5);
    expect(api.getPod('p')!.metadata).toMatchObject({
      deletionTimestamp: expect.any(String),
      deletionGracePeriodSeconds: 5,
    });
    expect(api.history.filter((h) => h.plural === 'pods')).toHaveLength(2);
    expect(api.list('pods').map((p) => p.metadata.name)).toEqual(['p']);
  });

  it('a spec.nodeName watch sees only its node; forget removes without an event', async () => {
    const api = new FakeApi();
    const inf = new Informer<KubeObject>(api.client, R.pods, { fieldSelector: 'spec.nodeName=n1' });
    const seen: string[] = [];
    inf.addHandler({
      add: (p) => seen.push(`add ${p.metadata.name}`),
      delete: (p) => seen.push(`delete ${p.metadata.name}`),
    });
    inf.start();
    await inf.waitForSync();
    api.addPod({ metadata: { name: 'mine' }, spec: { nodeName: 'n1', containers: [] } });
    api.addPod({ metadata: { name: 'other' }, spec: { nodeName: 'n2', containers: [] } });
    await settle();
    api.forget(R.pods, 'default', 'mine');
    await settle();
    expect(seen).toEqual(['add mine']);
    expect(api.getPod('mine')).toBeUndefined();
    inf.stop();
    api.close();
  });
});
