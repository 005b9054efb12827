import { describe, expect, it } from 'vitest';
import { deploymentAlerts, nodeAlerts, Notifier, podAlerts } from '../../../src-renderer/models/notify';
import type { Deployment, Node, Pod } from '../../../src-renderer/models/kube';

const pod = (status: Pod['status'], ns = 'shop', name = 'web-1'): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name }, status }) as Pod;

const crashing = pod({
  containerStatuses: [
    {
      name: 'app',
      image: 'x',
      imageID: '',
      ready: false,
      restartCount: 4,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error' } },
    },
  ],
});
const running = pod({
  containerStatuses: [
    { name: 'app', image: 'x', imageID: '', ready: true, restartCount: 4, state: { running: {} } },
  ],
});

describe('alert detection', () => {
  it('finds CrashLoopBackOff with restarts and exit code', () => {
    const a = podAlerts(crashing);
    expect(a.map((x) => x.key)).toEqual(['Pod/shop/web-1/CrashLoopBackOff']);
    expect(a[0].message).toContain('4 restarts');
    expect(a[0].message).toContain('exit code 1');
  });

  it('finds ImagePullBackOff, ErrImagePull, OOMKilled and unschedulable pods', () => {
    const p = pod({
      containerStatuses: [
        {
          name: 'a',
          image: 'nope:1',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ErrImagePull' } },
        },
        {
          name: 'b',
          image: 'x',
          imageID: '',
          ready: true,
          restartCount: 1,
          state: { running: {} },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
        },
      ],
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes' }],
    });
    expect(podAlerts(p).map((x) => x.reason)).toEqual(['ImagePullBackOff', 'OOMKilled', 'FailedScheduling']);
    expect(podAlerts(p)[2].message).toBe('0/1 nodes');
    expect(podAlerts(running)).toEqual([]);
  });

  it('finds a NotReady node and a stuck rollout, and nothing on healthy ones', () => {
    const node = (status: string) =>
      ({
        metadata: { name: 'n1' },
        status: { conditions: [{ type: 'Ready', status, reason: 'KubeletDown' }] },
      }) as Node;
    expect(nodeAlerts(node('False'))[0].key).toBe('Node//n1/NodeNotReady');
    expect(nodeAlerts(node('Unknown'))[0].message).toContain('KubeletDown');
    expect(nodeAlerts(node('True'))).toEqual([]);
    const dep = (reason: string, status = 'False') =>
      ({
        metadata: { namespace: 'shop', name: 'web' },
        status: { conditions: [{ type: 'Progressing', status, reason }] },
      }) as Deployment;
    expect(deploymentAlerts(dep('ProgressDeadlineExceeded'))[0].reason).toBe('ProgressDeadlineExceeded');
    expect(deploymentAlerts(dep('NewReplicaSetAvailable', 'True'))).toEqual([]);
  });
});

describe('Notifier', () => {
  it('does not toast what was already failing at load, but does once it recurs', () => {
    const n = new Notifier();
    expect(n.observe('Pod/shop/web-1', podAlerts(crashing), true)).toEqual([]);
    expect(n.observe('Pod/shop/web-1', podAlerts(crashing))).toEqual([]); // still failing
    expect(n.observe('Pod/shop/web-1', podAlerts(running))).toEqual([]);
    expect(n.observe('Pod/shop/web-1', podAlerts(crashing))).toHaveLength(1);
  });

  it('toasts a new failure once per window, again after the window', () => {
    let t = 0;
    const n = new Notifier({ windowMs: 1000, now: () => t });
    expect(n.observe('p', podAlerts(crashing))).toHaveLength(1);
    n.observe('p', podAlerts(running));
    t = 500;
    expect(n.observe('p', podAlerts(crashing))).toEqual([]); // flapping inside the window
    n.observe('p', podAlerts(running));
    t = 1600;
    expect(n.observe('p', podAlerts(crashing))).toHaveLength(1);
  });

  it('keeps muted namespaces quiet, tracks them, and resets on a cluster switch', () => {
    const muted = new Set(['shop']);
    const n = new Notifier({ muted: (ns) => muted.has(ns) });
    expect(n.observe('p', podAlerts(crashing))).toEqual([]);
    muted.clear();
    expect(n.observe('p', podAlerts(crashing))).toEqual([]); // unmuting does not replay
    const other = pod(crashing.status, 'other', 'api');
    expect(n.observe('q', podAlerts(other))).toHaveLength(1);
    n.reset();
    expect(n.observe('q', podAlerts(other), true)).toEqual([]);
    n.forget('q');
    // A new failure after the switch toasts: the reset also forgot the old cluster's toasts.
    expect(n.observe('q', podAlerts(other))).toHaveLength(1);
  });
});
