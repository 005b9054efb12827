import { afterEach, describe, expect, it } from 'vitest';
import type { DaemonSet } from 'kubernetes-types/apps/v1';
import { R } from '../../../src-main/common/resources';
import type { KubeObject, Node } from '../../../src-main/common/types';
import {
  DaemonSetController,
  podNodeName,
} from '../../../src-main/control-plane/controllers/daemonset-controller';
import type { FakeApi } from '../helpers/fake-api';
import { podsIn, setPodState, settle, setupController } from './helpers';

type DS = DaemonSet & KubeObject;

function node(name: string, extra: Partial<Node> = {}): Node & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(extra.metadata?.labels ?? {}) } },
    spec: extra.spec ?? {},
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function ds(name: string, spec: Partial<DS['spec']> = {}): DS {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
      },
      ...spec,
    } as DS['spec'],
  };
}

describe('DaemonSetController', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  async function setup(seed: (api: FakeApi) => void) {
    const s = await setupController((c, i, o) => new DaemonSetController(c, i, o), seed);
    stop = s.stop;
    return s;
  }
  const byNode = (api: FakeApi) => Object.fromEntries(podsIn(api).map((p) => [podNodeName(p), p]));

  it('runs one pod per eligible node (nodeSelector, taints; cordoned nodes included) and reports status', async () => {
    const { api, ctrl } = await setup((api) => {
      api.seed(R.nodes, node('a', { metadata: { labels: { disk: 'ssd' } } }));
      api.seed(R.nodes, node('b', { metadata: { labels: { disk: 'ssd' } }, spec: { unschedulable: true } }));
      api.seed(R.nodes, node('c', { metadata: { labels: { disk: 'hdd' } } }));
      api.seed(
        R.nodes,
        node('d', {
          metadata: { labels: { disk: 'ssd' } },
          spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] },
        }),
      );
    });
    api.seed(
      R.daemonsets,
      ds('agent', {
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c', image: 'busybox:1' }] },
        },
      }),
    );
    await settle();
    await ctrl.reconcile('default/agent');
    await settle();
    const pods = byNode(api);
    expect(Object.keys(pods).sort()).toEqual(['a', 'b']);
    const pa = pods.a;
    expect(pa.metadata.name).toMatch(/^agent-[a-z0-9]{5}$/);
    expect(
      pa.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
    ).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }]);
    expect(pa.spec?.tolerations).toContainEqual({
      key: 'node.kubernetes.io/unschedulable',
      operator: 'Exists',
      effect: 'NoSchedule',
    });
    expect(pa.metadata.labels).toMatchObject({
      app: 'agent',
      'controller-revision-hash': expect.any(String),
      'pod-template-generation': '1',
    });
    setPodState(api, 'default', pa.metadata.name!, 'Running', { ready: true });
    await settle();
    await ctrl.reconcile('default/agent');
    expect(api.getObject<DS>(R.daemonsets, 'default', 'agent')!.status).toMatchObject({
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      numberMisscheduled: 0,
      numberReady: 1,
      numberAvailable: 1,
      numberUnavailable: 1,
      updatedNumberScheduled: 2,
      observedGeneration: 1,
    });

    // A node loses its label: its daemon pod goes. A toleration lets d in.
    api.mutate(R.nodes, '', 'b', (n) => {
      n.metadata.labels = { disk: 'hdd' };
    });
    api.mutate<DS>(R.daemonsets, 'default', 'agent', (d) => {
      d.spec!.template.spec!.tolerations = [
        { key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' },
      ];
    });
    await settle();
    await ctrl.reconcile('default/agent');
    await settle();
    expect(Object.keys(byNode(api)).sort()).toEqual(['a', 'd']);
  });

  it('rolls out a new template at most maxUnavailable at a time, with ControllerRevisions', async () => {
    const { api, ctrl } = await setup((api) => {
      for (const n of ['a', 'b', 'c']) api.seed(R.nodes, node(n));
    });
    api.seed(
      R.daemonsets,
      ds('agent', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } }),
    );
    await settle();
    await ctrl.reconcile('default/agent');
    await settle();
    const ready = () => {
      for (const p of podsIn(api))
        if (p.status?.phase !== 'Running')
          setPodState(api, 'default', p.metadata.name!, 'Running', { ready: true });
    };
    ready();
    await settle();
    api.mutate<DS>(R.daemonsets, 'default', 'agent', (d) => {
      d.spec!.template.spec!.containers[0].image = 'busybox:2';
    });
    await settle();
    await ctrl.reconcile('default/agent');
    await settle();
    // One old pod deleted (maxUnavailable 1), two old ones still running.
    expect(podsIn(api).filter((p) => p.spec?.containers[0].image === 'busybox:1')).toHaveLength(2);
    await ctrl.reconcile('default/agent');
    await settle();
    // Its replacement is created, but not yet available: no further deletion.
    expect(podsIn(api)).toHaveLength(3);
    expect(podsIn(api).filter((p) => p.spec?.containers[0].image === 'busybox:2')).toHaveLength(1);
    for (let i = 0; i < 4; i++) {
      ready();
      await settle();
      await ctrl.reconcile('default/agent');
      await settle();
    }
    expect(podsIn(api).map((p) => p.spec?.containers[0].image)).toEqual([
      'busybox:2',
      'busybox:2',
      'busybox:2',
    ]);
    ready();
    await settle();
    await ctrl.reconcile('default/agent');
    const revs = api.listObjects(R.controllerrevisions, 'default');
    expect(revs.map((r) => (r as { revision?: number }).revision).sort()).toEqual([1, 2]);
    expect(api.getObject<DS>(R.daemonsets, 'default', 'agent')!.status).toMatchObject({
      desiredNumberScheduled: 3,
      updatedNumberScheduled: 3,
      numberAvailable: 3,
    });
  });

  it('rolls with maxSurge: the new pod starts next to the old one, which goes once the new one is available', async () => {
    const { api, ctrl } = await setup((api) => {
      for (const n of ['a', 'b']) api.seed(R.nodes, node(n));
    });
    api.seed(
      R.daemonsets,
      ds('agent', {
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      }),
    );
    await settle();
    await ctrl.reconcile('default/agent');
    await settle();
    const ready = () => {
      for (const p of podsIn(api))
        if (p.status?.phase !== 'Running')
          setPodState(api, 'default', p.metadata.name!, 'Running', { ready: true });
    };
    ready();
    await settle();
    api.mutate<DS>(R.daemonsets, 'default', 'agent', (d) => {
      d.spec!.template.spec!.containers[0].image = 'busybox:2';
    });
    await settle();
    await ctrl.reconcile('default/agent');
    await settle();
    const images = () =>
      podsIn(api)
        .map((p) => `${podNodeName(p)}:${p.spec?.containers[0].image}`)
        .sort();
    // One node surges: three pods, nothing deleted yet.
    expect(images()).toEqual(['a:busybox:1', 'a:busybox:2', 'b:busybox:1']);
    await ctrl.reconcile('default/agent');
    await settle();
    expect(images()).toHaveLength(3);
    ready();
    await settle();
    await ctrl.reconcile('default/agent');
    await settle();
    // a's new pod is available: its old pod goes, and b surges.
    expect(images()).toEqual(['a:busybox:2', 'b:busybox:1', 'b:busybox:2']);
    ready();
    await settle();
    await ctrl.reconcile('default/agent');
    await settle();
    expect(images()).toEqual(['a:busybox:2', 'b:busybox:2']);
  });

  it('never creates a second pod for a node while its own create is not yet observed (expectations)', async () => {
    const { api, ctrl, informers } = await setup((api) => api.seed(R.nodes, node('a')));
    api.seed(R.daemonsets, ds('agent'));
    await settle();
    informers.stop();
    await ctrl.reconcile('default/agent');
    // The stale cached DaemonSet makes the status write conflict: a retry, not a second create.
    await ctrl.processKey('default/agent');
    expect(api.writesOf('create', 'pods')).toHaveLength(1);
    expect(ctrl.expectations.pending('default/agent')).toEqual({ add: 1, del: 0 });
  });
});
