import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src-renderer/models/kube';
import {
  debugContainerName,
  debugProgress,
  ephemeralContainerPatch,
  imageProblem,
} from '../../../src-renderer/models/pod-debug';

function pod(ephemeral: NonNullable<Pod['status']>['ephemeralContainerStatuses'] = []): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'd' },
    spec: {
      containers: [{ name: 'debugger-bbbbb', image: 'x' }],
      ephemeralContainers: [{ name: 'debugger-ccccc', image: 'y' }],
    },
    status: { ephemeralContainerStatuses: ephemeral },
  };
}

describe('debug container', () => {
  it('picks a debugger-xxxxx name no container of the pod has', () => {
    // 0 → 'b', then the 'c' names are taken too, so the third draw wins.
    const draws = [...Array(5).fill(0), ...Array(5).fill(0.04), ...Array(5).fill(0.99)];
    let i = 0;
    const name = debugContainerName(pod(), () => draws[i++]!);
    expect(name).toBe('debugger-99999');
    expect(debugContainerName(pod())).toMatch(/^debugger-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(() => debugContainerName(pod(), () => 0)).toThrow(/free/);
  });

  it('the patch adds one stdin+tty container targeting the chosen one', () => {
    expect(ephemeralContainerPatch('debugger-x', ' skiff-test/busybox:1 ', 'app')).toEqual({
      spec: {
        ephemeralContainers: [
          {
            name: 'debugger-x',
            image: 'skiff-test/busybox:1',
            imagePullPolicy: 'IfNotPresent',
            stdin: true,
            tty: true,
            terminationMessagePolicy: 'File',
            targetContainerName: 'app',
          },
        ],
      },
    });
    expect(ephemeralContainerPatch('d', 'i', undefined).spec.ephemeralContainers[0]).not.toHaveProperty(
      'targetContainerName',
    );
  });

  it('says what is wrong with an image before sending', () => {
    expect(imageProblem('')).toMatch(/Enter/);
    expect(imageProblem('busy box')).toMatch(/spaces/);
    expect(imageProblem('localhost:5000/busybox@sha256:abc')).toBeUndefined();
  });

  it('follows the status: pending, running, image errors and endings are failures', () => {
    const base = { name: 'd', image: 'i', imageID: '', ready: false, restartCount: 0 };
    expect(debugProgress(undefined, 'd')).toEqual({ phase: 'failed', detail: 'the pod is gone' });
    expect(debugProgress(pod(), 'd').phase).toBe('pending');
    expect(
      debugProgress(pod([{ ...base, state: { waiting: { reason: 'ContainerCreating' } } }]), 'd'),
    ).toEqual({
      phase: 'pending',
      detail: 'ContainerCreating',
    });
    expect(debugProgress(pod([{ ...base, state: { running: {} } }]), 'd')).toEqual({ phase: 'running' });
    expect(
      debugProgress(
        pod([{ ...base, state: { waiting: { reason: 'ErrImagePull', message: 'no such image' } } }]),
        'd',
      ),
    ).toEqual({ phase: 'failed', detail: 'ErrImagePull: no such image' });
    expect(
      debugProgress(pod([{ ...base, state: { terminated: { exitCode: 1, reason: 'Error' } } }]), 'd'),
    ).toEqual({
      phase: 'failed',
      detail: 'it ended: Error (exit code 1)',
    });
  });
});
