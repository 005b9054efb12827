// generatePodStatus as a pure function: pod + runtime snapshot + kubelet facts in, PodStatus out.
// No Docker, no API: each row states a situation and what the kubelet must report for it.
import { describe, expect, it } from 'vitest';
import type { Container, PodStatus } from 'kubernetes-types/core/v1';
import { rfc3339 } from '../../../src-main/common/clock';
import {
  generatePodStatus,
  type PodStatusFacts,
  type RuntimePodSnapshot,
} from '../../../src-main/control-plane/kubelet/pod-status';
import type { Pod } from '../../../src-main/control-plane/kubelet/pod-util';
import type { ContainerStatus, SandboxStatus } from '../../../src-main/control-plane/kubelet/runtime/runtime';

const NOW = Date.UTC(2026, 5, 1, 10, 0, 0);
const EARLIER = NOW - 60_000;
const UID = 'uid-1';

function pod(spec: Partial<NonNullable<Pod['spec']>>, status?: PodStatus): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: UID },
    spec: { containers: [{ name: 'app', image: 'img:1' }], ...spec },
    ...(status ? { status } : {}),
  };
}

const sandbox: SandboxStatus = {
  id: 'sb1',
  podUid: UID,
  podName: 'web',
  namespace: 'default',
  attempt: 0,
  state: 'ready',
  createdAt: EARLIER,
  ip: '10.96.8.5',
  ports: [],
  labels: {},
};

function ctr(name: string, over: Partial<ContainerStatus> = {}): ContainerStatus {
  return {
    id: `${name}-${over.attempt ?? 0}`,
    sandboxId: 'sb1',
    podUid: UID,
    podName: 'web',
    namespace: 'default',
    name,
    attempt: 0,
    state: 'running',
    createdAt: EARLIER,
    startedAt: EARLIER,
    image: 'img:1',
    imageId: 'sha256:aaa',
    labels: {},
    ...over,
  };
}

function facts(over: Partial<PodStatusFacts> = {}): PodStatusFacts {
  return {
    now: NOW,
    waitingReasons: new Map(),
    startedContainers: new Set(),
    readyContainers: new Set(),
    imageRefs: new Map([['sha256:aaa', 'docker-pullable://img@sha256:aaa']]),
    terminationMessages: new Map(),
    ...over,
  };
}

/** Started and ready: what the prober reports for a running container without probes. */
const healthy = (...ids: string[]) => ({ startedContainers: new Set(ids), readyContainers: new Set(ids) });

const cond = (s: PodStatus, type: string) => s.conditions?.find((c) => c.type === type);

interface Row {
  name: string;
  pod: Pod;
  snapshot: RuntimePodSnapshot;
  facts?: Partial<PodStatusFacts>;
  check(s: PodStatus): void;
}

const rows: Row[] = [
  {
    name: 'nothing created yet: Pending, containers ContainerCreating, startTime now',
    pod: pod({}),
    snapshot: { containers: [] },
    check: (s) => {
      expect(s.phase).toBe('Pending');
      expect(s.startTime).toBe(rfc3339(NOW));
      expect(s.containerStatuses?.[0]).toMatchObject({
        name: 'app',
        ready: false,
        restartCount: 0,
        state: { waiting: { reason: 'ContainerCreating' } },
      });
      expect(cond(s, 'PodReadyToStartContainers')?.status).toBe('False');
      expect(s.podIP).toBeUndefined();
    },
  },
  {
    name: 'a waiting reason set by a failed step is reported (ErrImagePull)',
    pod: pod({}),
    snapshot: { sandbox, containers: [] },
    facts: { waitingReasons: new Map([['app', { reason: 'ErrImagePull', message: 'not found' }]]) },
    check: (s) => {
      expect(s.phase).toBe('Pending');
      expect(s.containerStatuses?.[0]?.state).toEqual({
        waiting: { reason: 'ErrImagePull', message: 'not found' },
      });
    },
  },
  {
    name: 'running and ready: Running, Ready, pod IP from the sandbox, imageID resolved',
    pod: pod({}),
    snapshot: { sandbox, containers: [ctr('app')] },
    facts: healthy('app-0'),
    check: (s) => {
      expect(s.phase).toBe('Running');
      expect(s.podIP).toBe('10.96.8.5');
      expect(s.podIPs).toEqual([{ ip: '10.96.8.5' }]);
      expect(s.hostIP).toBe('127.0.0.1');
      expect(s.containerStatuses?.[0]).toMatchObject({
        ready: true,
        started: true,
        containerID: 'docker://app-0',
        imageID: 'docker-pullable://img@sha256:aaa',
        state: { running: { startedAt: rfc3339(EARLIER) } },
      });
      for (const t of ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady'])
        expect(cond(s, t)?.status, t).toBe('True');
    },
  },
  {
    name: 'running but failing readiness: Running, not Ready, named in the message',
    pod: pod({}),
    snapshot: { sandbox, containers: [ctr('app')] },
    facts: { startedContainers: new Set(['app-0']) },
    check: (s) => {
      expect(s.phase).toBe('Running');
      expect(cond(s, 'Ready')).toMatchObject({
        status: 'False',
        reason: 'ContainersNotReady',
        message: 'containers with unready status: [app]',
      });
    },
  },
  {
    name: 'an image without a repo digest shows as docker://<id>',
    pod: pod({}),
    snapshot: { sandbox, containers: [ctr('app', { imageId: 'sha256:bbb' })] },
    facts: healthy('app-0'),
    check: (s) => expect(s.containerStatuses?.[0]?.imageID).toBe('docker://sha256:bbb'),
  },
  {
    name: 'exited 0 under Never: Succeeded, Completed, PodCompleted',
    pod: pod({ restartPolicy: 'Never' }),
    snapshot: { containers: [ctr('app', { state: 'exited', exitCode: 0, finishedAt: NOW })] },
    check: (s) => {
      expect(s.phase).toBe('Succeeded');
      expect(s.containerStatuses?.[0]?.state?.terminated).toMatchObject({
        exitCode: 0,
        reason: 'Completed',
        finishedAt: rfc3339(NOW),
        containerID: 'docker://app-0',
      });
      expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
      expect(cond(s, 'Ready')?.message).toBeUndefined();
    },
  },
  {
    name: 'exited 1 under Never: Failed, Error, with the termination message',
    pod: pod({ restartPolicy: 'Never' }),
    snapshot: { containers: [ctr('app', { state: 'exited', exitCode: 1, finishedAt: NOW })] },
    facts: { terminationMessages: new Map([['app-0', 'disk full']]) },
    check: (s) => {
      expect(s.phase).toBe('Failed');
      expect(s.containerStatuses?.[0]?.state?.terminated).toMatchObject({
        exitCode: 1,
        reason: 'Error',
        message: 'disk full',
      });
    },
  },
  {
    name: 'exited 1 under OnFailure, restarting: still Running',
    pod: pod({ restartPolicy: 'OnFailure' }),
    snapshot: { sandbox, containers: [ctr('app', { state: 'exited', exitCode: 1 })] },
    check: (s) => expect(s.phase).toBe('Running'),
  },
  {
    name: 'crash loop under Always: waiting CrashLoopBackOff, last state terminated, restartCount',
    pod: pod({}),
    snapshot: {
      sandbox,
      containers: [
        ctr('app', { attempt: 3, state: 'exited', exitCode: 2, finishedAt: NOW }),
        ctr('app', { attempt: 2, state: 'exited', exitCode: 2 }),
      ],
    },
    facts: {
      waitingReasons: new Map([['app', { reason: 'CrashLoopBackOff', message: 'back-off 40s' }]]),
    },
    check: (s) => {
      expect(s.phase).toBe('Running');
      const cs = s.containerStatuses![0]!;
      expect(cs.restartCount).toBe(3);
      expect(cs.state).toEqual({ waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } });
      expect(cs.lastState?.terminated).toMatchObject({ exitCode: 2, containerID: 'docker://app-3' });
    },
  },
  {
    name: 'a restarted container shows its previous instance as lastState',
    pod: pod({}),
    snapshot: {
      sandbox,
      containers: [
        ctr('app', { attempt: 1 }),
        ctr('app', { attempt: 0, state: 'exited', exitCode: 137, oomKilled: true }),
      ],
    },
    facts: healthy('app-1'),
    check: (s) => {
      const cs = s.containerStatuses![0]!;
      expect(cs.restartCount).toBe(1);
      expect(cs.state?.running).toBeDefined();
      expect(cs.lastState?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    },
  },
  {
    name: 'a start error is StartError with the engine message',
    pod: pod({ restartPolicy: 'Never' }),
    snapshot: {
      containers: [ctr('app', { state: 'exited', exitCode: 128, error: 'exec format error' })],
    },
    check: (s) => {
      expect(s.phase).toBe('Failed');
      expect(s.containerStatuses?.[0]?.state?.terminated).toMatchObject({
        reason: 'StartError',
        message: 'exec format error',
      });
    },
  },
  {
    name: 'first init container running: Pending, not Initialized, app PodInitializing',
    pod: pod({
      initContainers: [
        { name: 'init-a', image: 'img:1' },
        { name: 'init-b', image: 'img:1' },
      ],
    }),
    snapshot: { sandbox, containers: [ctr('init-a')] },
    facts: healthy('init-a-0'),
    check: (s) => {
      expect(s.phase).toBe('Pending');
      expect(cond(s, 'Initialized')).toMatchObject({
        status: 'False',
        reason: 'ContainersNotInitialized',
        message: 'containers with incomplete status: [init-a]',
      });
      expect(s.initContainerStatuses?.map((c) => c.name)).toEqual(['init-a', 'init-b']);
      expect(s.initContainerStatuses?.[1]?.state).toEqual({ waiting: { reason: 'PodInitializing' } });
      expect(s.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: 'PodInitializing' } });
    },
  },
  {
    name: 'init containers done: they count as ready, app starts, Initialized',
    pod: pod({ initContainers: [{ name: 'init-a', image: 'img:1' }] }),
    snapshot: {
      sandbox,
      containers: [ctr('init-a', { state: 'exited', exitCode: 0 }), ctr('app')],
    },
    facts: healthy('app-0'),
    check: (s) => {
      expect(s.phase).toBe('Running');
      expect(s.initContainerStatuses?.[0]).toMatchObject({
        ready: true,
        state: { terminated: { reason: 'Completed' } },
      });
      expect(cond(s, 'Initialized')?.status).toBe('True');
      expect(cond(s, 'Ready')?.status).toBe('True');
    },
  },
  {
    name: 'a failed init container under Never fails the pod',
    pod: pod({ restartPolicy: 'Never', initContainers: [{ name: 'init-a', image: 'img:1' }] }),
    snapshot: { containers: [ctr('init-a', { state: 'exited', exitCode: 3 })] },
    check: (s) => {
      expect(s.phase).toBe('Failed');
      expect(s.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
    },
  },
  {
    name: 'a started sidecar completes initialization; its readiness counts for Ready',
    pod: pod({ initContainers: [{ name: 'proxy', image: 'img:1', restartPolicy: 'Always' }] }),
    snapshot: { sandbox, containers: [ctr('proxy'), ctr('app')] },
    facts: { startedContainers: new Set(['proxy-0', 'app-0']), readyContainers: new Set(['app-0']) },
    check: (s) => {
      expect(s.phase).toBe('Running');
      expect(cond(s, 'Initialized')?.status).toBe('True');
      expect(cond(s, 'Ready')).toMatchObject({
        status: 'False',
        message: 'containers with unready status: [proxy]',
      });
    },
  },
  {
    name: 'hostNetwork pods report the node address as pod IP',
    pod: pod({ hostNetwork: true }),
    snapshot: { sandbox: { ...sandbox, ip: undefined }, containers: [ctr('app')] },
    facts: healthy('app-0'),
    check: (s) => expect(s.podIP).toBe('127.0.0.1'),
  },
  {
    name: 'ephemeral containers are reported without `started`',
    pod: pod({
      ephemeralContainers: [{ name: 'debugger', image: 'img:1' }] as NonNullable<
        Pod['spec']
      >['ephemeralContainers'],
    }),
    snapshot: { sandbox, containers: [ctr('app'), ctr('debugger')] },
    facts: healthy('app-0', 'debugger-0'),
    check: (s) => {
      const e = s.ephemeralContainerStatuses?.[0];
      expect(e?.name).toBe('debugger');
      expect(e?.state?.running).toBeDefined();
      expect(e && 'started' in e).toBe(false);
    },
  },
  {
    name: 'transition times stay while a condition keeps its status; PodScheduled is kept',
    pod: pod(
      {},
      {
        startTime: rfc3339(EARLIER),
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: rfc3339(EARLIER) },
          { type: 'ContainersReady', status: 'False', lastTransitionTime: rfc3339(EARLIER) },
          { type: 'PodScheduled', status: 'True', lastTransitionTime: 'sched-time' },
        ],
      },
    ),
    snapshot: { sandbox, containers: [ctr('app')] },
    facts: healthy('app-0'),
    check: (s) => {
      expect(s.startTime).toBe(rfc3339(EARLIER));
      expect(cond(s, 'Ready')?.lastTransitionTime).toBe(rfc3339(EARLIER));
      expect(cond(s, 'ContainersReady')?.lastTransitionTime).toBe(rfc3339(NOW));
      expect(cond(s, 'PodScheduled')?.lastTransitionTime).toBe('sched-time');
    },
  },
  {
    name: 'QoS class from the resources: Guaranteed when requests equal limits',
    pod: pod({
      containers: [
        {
          name: 'app',
          image: 'img:1',
          resources: { limits: { cpu: '100m', memory: '64Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
        } as Container,
      ],
    }),
    snapshot: { sandbox, containers: [ctr('app')] },
    facts: healthy('app-0'),
    check: (s) => expect(s.qosClass).toBe('Guaranteed'),
  },
  {
    name: 'QoS class BestEffort without resources',
    pod: pod({}),
    snapshot: { containers: [] },
    check: (s) => expect(s.qosClass).toBe('BestEffort'),
  },
];

describe('generatePodStatus', () => {
  it.each(rows)('$name', (row) => {
    const before = structuredClone(row.pod);
    row.check(generatePodStatus(row.pod, row.snapshot, facts(row.facts)));
    // Pure: the input pod is not touched.
    expect(row.pod).toEqual(before);
  });
});
