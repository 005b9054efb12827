import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src-renderer/models/kube';
import {
  containerState,
  podReady,
  podRestarts,
  podStatus,
  publishedPorts,
  statusTone,
} from '../../../src-renderer/models/pod';

function pod(partial: {
  status?: Pod['status'];
  spec?: Pod['spec'];
  deleting?: boolean;
  annotations?: Record<string, string>;
}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      namespace: 'default',
      ...(partial.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
      ...(partial.annotations ? { annotations: partial.annotations } : {}),
    },
    spec: partial.spec ?? { containers: [{ name: 'a', image: 'x' }] },
    status: partial.status,
  };
}

describe('podStatus (kubectl STATUS column)', () => {
  it('is the phase when nothing more specific is known', () => {
    expect(podStatus(pod({ status: { phase: 'Pending' } }))).toBe('Pending');
    expect(podStatus(pod({}))).toBe('Pending');
  });

  it('shows a waiting reason such as ContainerCreating or CrashLoopBackOff', () => {
    const p = pod({
      status: {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'a',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ContainerCreating' } },
          },
        ],
      },
    });
    expect(podStatus(p)).toBe('ContainerCreating');
    p.status!.containerStatuses![0].state = { waiting: { reason: 'CrashLoopBackOff' } };
    p.status!.phase = 'Running';
    expect(podStatus(p)).toBe('CrashLoopBackOff');
    expect(statusTone('CrashLoopBackOff')).toBe('error');
  });

  it('is Running for running ready containers', () => {
    const p = pod({
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [
          {
            name: 'a',
            image: 'x',
            imageID: '',
            ready: true,
            restartCount: 2,
            state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
          },
        ],
      },
    });
    expect(podStatus(p)).toBe('Running');
    expect(podReady(p)).toBe('1/1');
    expect(podRestarts(p)).toBe(2);
    expect(statusTone('Running')).toBe('success');
  });

  it('reports a terminated reason, or ExitCode:N / Signal:N without one', () => {
    const cs = (state: NonNullable<Pod['status']>['containerStatuses']) =>
      pod({ status: { phase: 'Failed', containerStatuses: state } });
    expect(
      podStatus(
        cs([
          {
            name: 'a',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 1, reason: 'Error' } },
          },
        ]),
      ),
    ).toBe('Error');
    expect(
      podStatus(
        cs([
          {
            name: 'a',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 3 } },
          },
        ]),
      ),
    ).toBe('ExitCode:3');
    expect(
      podStatus(
        cs([
          {
            name: 'a',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 137, signal: 9 } },
          },
        ]),
      ),
    ).toBe('Signal:9');
    expect(statusTone('ExitCode:3')).toBe('error');
    expect(statusTone('Completed')).toBe('default');
  });

  it('says Completed vs Running/NotReady like kubectl when one container finished and one runs', () => {
    const p = pod({
      spec: { containers: [{ name: 'a' }, { name: 'b' }] },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            name: 'a',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: 'Completed' } },
          },
          { name: 'b', image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
        ],
      },
    });
    expect(podStatus(p)).toBe('NotReady');
    p.status!.conditions = [{ type: 'Ready', status: 'True' }];
    expect(podStatus(p)).toBe('Running');
    expect(podReady(p)).toBe('1/2');
  });

  it('shows init container progress and failures', () => {
    const p = pod({
      spec: { initContainers: [{ name: 'i' }], containers: [{ name: 'a' }] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i', image: 'x', imageID: '', ready: false, restartCount: 0, state: { running: {} } },
        ],
      },
    });
    expect(podStatus(p)).toBe('Init:0/1');
    p.status!.initContainerStatuses![0].state = { waiting: { reason: 'ErrImagePull' } };
    expect(podStatus(p)).toBe('Init:ErrImagePull');
    expect(statusTone('Init:ErrImagePull')).toBe('error');
    expect(statusTone('Init:0/1')).toBe('warning');
  });

  it('is Terminating while deleting', () => {
    expect(podStatus(pod({ deleting: true, status: { phase: 'Running' } }))).toBe('Terminating');
    expect(statusTone('Terminating')).toBe('warning');
  });

  it('colours image pull errors red and ContainerCreating amber', () => {
    expect(statusTone('ErrImagePull')).toBe('error');
    expect(statusTone('ImagePullBackOff')).toBe('error');
    expect(statusTone('ContainerCreating')).toBe('warning');
    expect(statusTone('Pending')).toBe('warning');
  });
});

describe('containerState', () => {
  it('summarises waiting and terminated states with reasons', () => {
    expect(containerState(undefined)).toMatchObject({ label: 'Waiting', reason: 'ContainerCreating' });
    expect(
      containerState({
        name: 'a',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { waiting: { reason: 'ErrImagePull', message: 'not found' } },
      }),
    ).toMatchObject({ label: 'Waiting', reason: 'ErrImagePull', message: 'not found', tone: 'error' });
    expect(
      containerState({
        name: 'a',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
      }),
    ).toMatchObject({ label: 'Terminated', reason: 'OOMKilled (exit 137)', tone: 'error' });
  });
});

describe('publishedPorts', () => {
  it('parses the kubelet annotation into open links for loopback TCP ports', () => {
    const p = pod({
      annotations: { 'skiff.dev/published-ports': '{"80/TCP":"127.0.0.1:32768","53/UDP":"127.0.0.1:40000"}' },
    });
    expect(publishedPorts(p)).toEqual([
      { port: '53/UDP', host: '127.0.0.1:40000', url: undefined },
      { port: '80/TCP', host: '127.0.0.1:32768', url: 'http://127.0.0.1:32768/' },
    ]);
  });

  it('ignores malformed JSON and non-loopback hosts get no link', () => {
    expect(publishedPorts(pod({ annotations: { 'skiff.dev/published-ports': '{bad' } }))).toEqual([]);
    const p = pod({ annotations: { 'skiff.dev/published-ports': '{"80/TCP":"javascript:alert(1)"}' } });
    expect(publishedPorts(p)[0].url).toBeUndefined();
  });
});
