import { describe, expect, it } from 'vitest';
import type { Deployment, Event, Node, Pod } from '../../../src-renderer/models/kube';
import {
  crashedContainer,
  exitCodeMeaning,
  explainPod,
  explainRollout,
  templateOwner,
  type Why,
  type WhyContext,
} from '../../../src-renderer/models/why';
import {
  formatSchedulingDecision,
  SCHEDULING_ANNOTATION,
  type SchedulingDecision,
} from '../../../src-main/common/scheduling-decision';
import { buildNodeInfos, explainNode } from '../../../src-main/control-plane/scheduler/filters';

function pod(p: {
  name?: string;
  spec?: Partial<NonNullable<Pod['spec']>>;
  status?: Pod['status'];
  annotations?: Record<string, string>;
  owners?: NonNullable<Pod['metadata']['ownerReferences']>;
}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name ?? 'web',
      namespace: 'ns',
      uid: 'u1',
      ...(p.annotations ? { annotations: p.annotations } : {}),
      ...(p.owners ? { ownerReferences: p.owners } : {}),
    },
    spec: { containers: [{ name: 'app', image: 'skiff-test/busybox:1' }], ...p.spec },
    status: p.status,
  };
}

function event(reason: string, message: string, at = '2026-01-01T00:00:10Z', name = 'web'): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${name}.${reason}.${at}`, namespace: 'ns' },
    involvedObject: { kind: 'Pod', name, namespace: 'ns', uid: 'u1' },
    reason,
    message,
    type: 'Warning',
    lastTimestamp: at,
  };
}

function decision(nodes: SchedulingDecision['nodes'], message = '0/1 nodes are available'): string {
  return formatSchedulingDecision({ version: 1, attemptTime: '2026-01-01T00:00:00Z', message, nodes });
}

const bigMemory: Partial<NonNullable<Pod['spec']>> = {
  containers: [
    { name: 'sidecar', image: 'x', resources: { requests: { memory: '64Mi' } } },
    { name: 'app', image: 'x', resources: { requests: { memory: '4000Gi', cpu: '100m' } } },
  ],
};

const running = (extra: Partial<NonNullable<Pod['status']>> = {}): Pod['status'] => ({
  phase: 'Running',
  ...extra,
});

interface Case {
  name: string;
  pod: Pod;
  ctx?: WhyContext;
  reason?: Why['reason'];
  headline?: RegExp;
  details?: RegExp;
  fix?: RegExp;
  field?: string;
  target?: string;
  recreate?: boolean;
}

const node = (name: string, unschedulable = false): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  spec: unschedulable ? { unschedulable: true } : {},
  status: {
    allocatable: { cpu: '4', memory: '23Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True' }],
  },
});

// The scheduler's own explainNode writes the verdict the model reads: the contract end to end.
const scheduledBy = (p: Pod, nodes: Node[], others: Pod[] = []): Pod => {
  const infos = buildNodeInfos(nodes, others);
  const verdicts = [...infos.values()].map((info) => {
    const reasons = explainNode(p, info);
    return { node: info.node.metadata!.name!, fit: reasons.length === 0, reasons };
  });
  return { ...p, metadata: { ...p.metadata, annotations: { [SCHEDULING_ANNOTATION]: decision(verdicts) } } };
};

const otherPod: Pod = {
  ...pod({
    name: 'other',
    spec: {
      nodeName: 'skiff',
      containers: [{ name: 'c', image: 'x', resources: { requests: { memory: '2Gi' } } }],
    },
  }),
  status: { phase: 'Running' },
};

const cases: Case[] = [
  {
    name: 'Pending: more memory than the node (the scheduler’s own verdict)',
    pod: scheduledBy(pod({ spec: bigMemory }), [node('skiff')], [otherPod]),
    reason: 'Unschedulable',
    headline:
      /^Not enough memory: requests 4000Gi memory; the node has 23 GiB allocatable — lower resources\.requests\.memory\.$/,
    details:
      /Node skiff has 23 GiB of memory allocatable, 2 GiB of it already requested by other pods — 21 GiB free; this pod requests 3.9 TiB/,
    fix: /Lower resources\.requests\.memory of container app \(now 4000Gi\) to at most 21 GiB/,
    field: 'spec.containers[1].resources.requests.memory',
    target: 'Pod ns/web',
    recreate: true,
  },
  {
    name: 'Pending: memory, owned by a Deployment → the template field',
    pod: scheduledBy(pod({ spec: bigMemory }), [node('skiff')]),
    ctx: { owner: { kind: 'Deployment', namespace: 'ns', name: 'web' } },
    field: 'spec.template.spec.containers[1].resources.requests.memory',
    target: 'Deployment ns/web',
    recreate: false,
  },
  {
    name: 'Pending: CPU on two nodes',
    pod: scheduledBy(
      pod({ spec: { containers: [{ name: 'app', image: 'x', resources: { requests: { cpu: '16' } } }] } }),
      [node('a'), node('b')],
    ),
    headline:
      /^Not enough CPU: requests 16 CPU; the largest free amount is 4 cores — lower resources\.requests\.cpu\.$/,
    details: /Node a has 4 cores of CPU allocatable.*Node b/s,
    fix: /any of the 2 nodes/,
    field: 'spec.containers[0].resources.requests.cpu',
  },
  {
    name: 'Pending: cordoned node (nothing on the pod to change)',
    pod: scheduledBy(pod({}), [node('skiff', true)]),
    headline: /The node is cordoned/,
    fix: /Uncordon/,
    field: undefined,
  },
  {
    name: 'Pending: nodeSelector no node has',
    pod: scheduledBy(pod({ spec: { nodeSelector: { disk: 'ssd' } } }), [node('skiff')]),
    headline: /nodeSelector \(disk=ssd\)/,
    details: /disk=ssd \(node: not set\)/,
    field: 'spec.nodeSelector',
  },
  {
    name: 'Pending: untolerated taint',
    pod: scheduledBy(pod({}), [
      { ...node('skiff'), spec: { taints: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }] } },
    ]),
    headline: /does not tolerate the taint gpu=yes:NoSchedule on the node/,
    fix: /kubectl taint node NODE gpu-/,
    field: 'spec',
  },
  {
    name: 'Pending: host port taken',
    pod: scheduledBy(
      pod({
        spec: { containers: [{ name: 'app', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }] },
      }),
      [node('skiff')],
      [
        {
          ...pod({
            name: 'holder',
            spec: {
              nodeName: 'skiff',
              containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }],
            },
          }),
          status: { phase: 'Running' },
        },
      ],
    ),
    headline: /Host port 8080\/TCP is already taken on the node/,
    details: /by pod ns\/holder/,
    field: 'spec.containers[0].ports[0].hostPort',
  },
  {
    name: 'Pending on another cluster: FailedScheduling event only',
    pod: pod({ spec: bigMemory, status: { phase: 'Pending' } }),
    ctx: {
      events: [
        event(
          'FailedScheduling',
          '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available.',
        ),
      ],
    },
    headline: /^Not enough memory: requests 4000Gi memory, more than none of the 3 nodes has free/,
    details: /0\/3 nodes are available: 3 Insufficient memory/,
    field: 'spec.containers[1].resources.requests.memory',
  },
  {
    name: 'Pending on another cluster: taint in the event',
    pod: pod({ status: { phase: 'Pending' } }),
    ctx: {
      events: [
        event(
          'FailedScheduling',
          '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: db}.',
        ),
      ],
    },
    headline: /taint dedicated=db:NoSchedule/,
  },
  {
    name: 'Pending with nothing known yet: no explanation',
    pod: pod({ status: { phase: 'Pending' } }),
    reason: undefined,
  },
  {
    name: 'ImagePullBackOff → the image field',
    pod: pod({
      spec: { nodeName: 'skiff', containers: [{ name: 'app', image: 'nope:9' }] },
      status: {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'app',
            image: 'nope:9',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:9"' } },
          },
        ],
      },
    }),
    reason: 'ImagePull',
    headline: /Image "nope:9" of container app cannot be pulled \(ImagePullBackOff\)/,
    details: /Back-off pulling image/,
    field: 'spec.containers[0].image',
    recreate: false,
  },
  {
    name: 'CrashLoopBackOff: exit code, reason, logs, command field',
    pod: pod({
      spec: { nodeName: 'skiff', containers: [{ name: 'app', image: 'x', command: ['sh', '-c', 'exit 3'] }] },
      status: running({
        containerStatuses: [
          {
            name: 'app',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 4,
            state: {
              waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' },
            },
            lastState: { terminated: { exitCode: 3, reason: 'Error', containerID: 'docker://abc' } },
          },
        ],
      }),
    }),
    ctx: { logs: ['starting', 'config missing'] },
    reason: 'CrashLoop',
    headline: /^Container app keeps crashing: it exits with code 3\.$/,
    details: /Last exit: code 3\..*Restarted 4 times.*Command: sh -c 'exit 3'/s,
    field: 'spec.containers[0].command',
  },
  {
    name: 'CrashLoopBackOff after OOMKilled → the memory limit',
    pod: pod({
      spec: {
        nodeName: 'skiff',
        containers: [{ name: 'app', image: 'x', resources: { limits: { memory: '64Mi' } } }],
      },
      status: running({
        containerStatuses: [
          {
            name: 'app',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 2,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
          },
        ],
      }),
    }),
    reason: 'OOMKilled',
    headline: /more than its limit of 64Mi .*raise resources\.limits\.memory/,
    details: /Memory limit: 64Mi \(64 MiB\).*Restarted 2 times/s,
    field: 'spec.containers[0].resources.limits.memory',
  },
  {
    name: 'Liveness probe kills it → the probe field',
    pod: pod({
      spec: {
        nodeName: 'skiff',
        containers: [
          { name: 'app', image: 'x', livenessProbe: { httpGet: { path: '/healthz', port: 8080 } } },
        ],
      },
      status: running({
        containerStatuses: [
          {
            name: 'app',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 137, reason: 'Error' } },
          },
        ],
      }),
    }),
    ctx: { events: [event('Unhealthy', 'Liveness probe failed: HTTP probe failed with statuscode: 500')] },
    headline: /liveness probe fails/,
    details: /killed \(SIGKILL\).*statuscode: 500/s,
    field: 'spec.containers[0].livenessProbe',
  },
  {
    name: 'CreateContainerConfigError: missing ConfigMap via envFrom',
    pod: pod({
      spec: {
        nodeName: 'skiff',
        containers: [{ name: 'app', image: 'x', envFrom: [{ configMapRef: { name: 'settings' } }] }],
      },
      status: {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'app',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: {
              waiting: { reason: 'CreateContainerConfigError', message: 'configmap "settings" not found' },
            },
          },
        ],
      },
    }),
    reason: 'ConfigError',
    headline: /ConfigMap settings does not exist in ns/,
    fix: /Create ConfigMap settings in namespace ns/,
    field: 'spec.containers[0].envFrom[0].configMapRef.name',
  },
  {
    name: 'CreateContainerConfigError: missing key of a Secret',
    pod: pod({
      spec: {
        nodeName: 'skiff',
        containers: [
          {
            name: 'app',
            image: 'x',
            env: [
              { name: 'A', value: '1' },
              { name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
            ],
          },
        ],
      },
      status: {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'app',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: {
              waiting: {
                reason: 'CreateContainerConfigError',
                message: "couldn't find key password in Secret ns/db",
              },
            },
          },
        ],
      },
    }),
    headline: /Secret db has no key password/,
    field: 'spec.containers[0].env[1].valueFrom.secretKeyRef.key',
  },
  {
    name: 'Running but not ready: the readiness probe',
    pod: pod({
      spec: {
        nodeName: 'skiff',
        containers: [
          {
            name: 'app',
            image: 'x',
            readinessProbe: { httpGet: { path: '/ready', port: 80 }, periodSeconds: 2 },
          },
        ],
      },
      status: running({
        containerStatuses: [
          {
            name: 'app',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
          },
        ],
      }),
    }),
    ctx: {
      events: [event('Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503')],
      now: Date.parse('2026-01-01T00:01:00Z'),
    },
    reason: 'NotReady',
    headline: /running but not ready: its readiness probe fails/,
    details: /HTTP GET \/ready on port 80, every 2s.*statuscode: 503/s,
    fix: /Make the app answer GET \/ready on port 80 with a 2xx or 3xx status/,
    field: 'spec.containers[0].readinessProbe',
  },
  {
    name: 'Just started, probe not due yet: nothing wrong',
    pod: pod({
      spec: {
        nodeName: 'skiff',
        containers: [
          {
            name: 'app',
            image: 'x',
            readinessProbe: { exec: { command: ['true'] }, initialDelaySeconds: 5 },
          },
        ],
      },
      status: running({
        containerStatuses: [
          {
            name: 'app',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
          },
        ],
      }),
    }),
    ctx: { now: Date.parse('2026-01-01T00:00:03Z') },
    reason: undefined,
  },
  {
    name: 'Failed with restartPolicy Never',
    pod: pod({
      spec: {
        nodeName: 'skiff',
        restartPolicy: 'Never',
        containers: [{ name: 'app', image: 'x', args: ['run'] }],
      },
      status: {
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'app',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 127 } },
          },
        ],
      },
    }),
    reason: 'Exited',
    headline: /failed: it exited with code 127 \(the command was not found in the image\)/,
    field: 'spec.containers[0].args',
  },
  {
    name: 'Running and ready: nothing to explain',
    pod: pod({
      spec: { nodeName: 'skiff' },
      status: running({
        containerStatuses: [
          { name: 'app', image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
        ],
      }),
    }),
    reason: undefined,
  },
  {
    name: 'A malformed annotation falls back to the event',
    pod: pod({ annotations: { [SCHEDULING_ANNOTATION]: '{not json' }, status: { phase: 'Pending' } }),
    ctx: { events: [event('FailedScheduling', '0/1 nodes are available: 1 node(s) were unschedulable.')] },
    headline: /cordoned/,
  },
];

describe('explainPod', () => {
  it.each(cases)('$name', (c) => {
    const why = explainPod(c.pod, c.ctx);
    if ('reason' in c && c.reason === undefined) {
      expect(why).toBeUndefined();
      return;
    }
    expect(why).toBeDefined();
    const w = why!;
    if (c.reason) expect(w.reason).toBe(c.reason);
    if (c.headline) expect(w.headline).toMatch(c.headline);
    if (c.details) expect(w.details.join('\n')).toMatch(c.details);
    if (c.fix) expect(w.fix).toMatch(c.fix);
    if ('field' in c) expect(w.field?.text).toBe(c.field);
    if (c.target)
      expect(`${w.field?.target.kind} ${w.field?.target.namespace}/${w.field?.target.name}`).toBe(c.target);
    if (c.recreate !== undefined) expect(w.field?.recreate).toBe(c.recreate);
  });

  it('keeps the crashed container’s last log lines', () => {
    const c = cases.find((x) => x.reason === 'CrashLoop')!;
    expect(explainPod(c.pod, c.ctx)?.logs).toEqual(['starting', 'config missing']);
    expect(crashedContainer(c.pod)).toEqual({ name: 'app', instance: 'docker://abc' });
  });

  it('ignores events of other pods and of an earlier pod with the same name', () => {
    const p = pod({ status: { phase: 'Pending' } });
    const stale = { ...event('FailedScheduling', '0/1 nodes are available: 1 Insufficient memory.') };
    stale.involvedObject = { ...stale.involvedObject, uid: 'old' };
    expect(
      explainPod(p, { events: [stale, event('FailedScheduling', 'x', undefined, 'other')] }),
    ).toBeUndefined();
  });
});

describe('exitCodeMeaning', () => {
  it.each([
    [137, undefined, /SIGKILL/],
    [143, undefined, /SIGTERM/],
    [139, undefined, /segmentation/],
    [127, undefined, /not found/],
    [0, undefined, /successfully/],
    [2, 9, /SIGKILL/],
  ])('%i (signal %s)', (code, signal, re) => expect(exitCodeMeaning(code, signal)).toMatch(re));
  it('says nothing for an ordinary code', () => expect(exitCodeMeaning(3)).toBeUndefined());
});

describe('templateOwner', () => {
  const owned = (kind: string, name: string) =>
    pod({ owners: [{ apiVersion: 'apps/v1', kind, name, uid: 'o', controller: true }] });
  it('climbs from the ReplicaSet to its Deployment', () =>
    expect(
      templateOwner(owned('ReplicaSet', 'web-5d8'), () => ({ kind: 'Deployment', name: 'web' })),
    ).toEqual({
      kind: 'Deployment',
      namespace: 'ns',
      name: 'web',
    }));
  it('stays on a bare ReplicaSet, a StatefulSet, a Job', () => {
    expect(templateOwner(owned('ReplicaSet', 'rs'), () => undefined)?.kind).toBe('ReplicaSet');
    expect(templateOwner(owned('StatefulSet', 'db'), () => undefined)?.kind).toBe('StatefulSet');
    expect(templateOwner(owned('Job', 'j'), () => undefined)?.kind).toBe('Job');
  });
  it('has none for a bare pod or an unknown owner', () => {
    expect(templateOwner(pod({}), () => undefined)).toBeUndefined();
    expect(templateOwner(owned('Widget', 'w'), () => undefined)).toBeUndefined();
  });
});

describe('explainRollout', () => {
  const dep = (status: Deployment['status'], paused = false): Deployment => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns' },
    spec: { replicas: 2, paused, selector: { matchLabels: { app: 'web' } }, template: {} },
    status,
  });
  const owner = { kind: 'Deployment', namespace: 'ns', name: 'web' };
  const stuckPod = scheduledBy(pod({ name: 'web-1', spec: bigMemory }), [node('skiff')]);
  const stuckPod2 = scheduledBy(pod({ name: 'web-2', spec: bigMemory }), [node('skiff')]);
  const rows = [stuckPod, stuckPod2].map((p) => ({ pod: p, why: explainPod(p, { owner }) }));

  it('ProgressDeadlineExceeded: names the pods, their cause and the template field', () => {
    const w = explainRollout(
      dep({
        replicas: 2,
        updatedReplicas: 2,
        unavailableReplicas: 2,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "web-5d8" has timed out progressing.',
          },
        ],
      }),
      rows,
    )!;
    expect(w.reason).toBe('RolloutStuck');
    expect(w.tone).toBe('error');
    expect(w.headline).toBe('Rollout of web is stuck: both pods are not running.');
    expect(w.cause).toBe(
      'Not enough memory: requests 4000Gi memory; the node has 23 GiB allocatable — lower resources.requests.memory.',
    );
    expect(w.pods?.map((p) => [p.status, p.sameAsLead])).toEqual([
      ['Pending', true],
      ['Pending', true],
    ]);
    expect(w.details.join('\n')).toMatch(
      /Progress deadline \(600s\) exceeded: ReplicaSet "web-5d8" has timed out progressing[\s\S]*0 of 2 replicas available, 2 up to date, 2 unavailable/,
    );
    expect(w.pods?.map((p) => p.name)).toEqual(['web-1', 'web-2']);
    expect(w.field?.text).toBe('spec.template.spec.containers[1].resources.requests.memory');
  });

  it('unavailable with troubled pods, before the deadline: a warning', () => {
    const w = explainRollout(dep({ replicas: 2, unavailableReplicas: 2 }), rows)!;
    expect(w.tone).toBe('warning');
    expect(w.headline).toMatch(/^Rollout of web is not progressing/);
  });

  it('ReplicaFailure without pods (quota)', () => {
    const w = explainRollout(
      dep({
        conditions: [
          {
            type: 'ReplicaFailure',
            status: 'True',
            reason: 'FailedCreate',
            message: 'pods "web-x" is forbidden: exceeded quota',
          },
        ],
      }),
      [],
    )!;
    expect(w.headline).toMatch(/exceeded quota/);
    expect(w.field).toBeUndefined();
  });

  it('nothing for a healthy, a merely progressing or a paused rollout', () => {
    expect(
      explainRollout(dep({ replicas: 2, availableReplicas: 2, updatedReplicas: 2 }), []),
    ).toBeUndefined();
    expect(
      explainRollout(dep({ replicas: 2, unavailableReplicas: 1 }), [{ pod: stuckPod, why: undefined }]),
    ).toBeUndefined();
    expect(explainRollout(dep({ unavailableReplicas: 2 }, true), rows)).toBeUndefined();
  });
});
