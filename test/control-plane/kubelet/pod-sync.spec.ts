// The kubelet's pod sync against the fake runtime and the fake API, on a manual clock: the order
// of runtime calls (sandbox → init containers in order → app containers), crash-loop back-off
// timing, image pull errors and back-off, and graceful termination. No Docker; the Docker suites
// (kubelet.spec.ts, pod-semantics.spec.ts …) cover the same behaviour end to end.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../../../src-main/common/types';
import { R } from '../../../src-main/common/resources';
import { Kubelet } from '../../../src-main/control-plane/kubelet/kubelet';
import { FakeApi, FakeClock, settle } from '../helpers/fake-api';
import { FakeRuntime } from './helpers/fake-runtime';

const NODE = 'fake-node';
const IMAGE = 'skiff-test/app:1';

let clock: FakeClock;
let api: FakeApi;
let runtime: FakeRuntime;
let kubelet: Kubelet;
let rootDir: string;

beforeEach(async () => {
  clock = new FakeClock();
  api = new FakeApi(clock);
  runtime = new FakeRuntime(clock);
  runtime.addImage(IMAGE);
  rootDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-pod-sync-'));
  kubelet = new Kubelet(api.client, runtime, {
    nodeName: NODE,
    clock,
    serverToken: 'token',
    rootDir,
    resolvConfPath: path.join(rootDir, 'no-resolv.conf'),
  });
  await kubelet.start();
});

afterEach(async () => {
  await kubelet.stop();
  api.close();
  fs.rmSync(rootDir, { recursive: true, force: true });
});

type PodSpec = Record<string, unknown> & { containers: Record<string, unknown>[] };

function addPod(name: string, spec: PodSpec): KubeObject {
  return api.addPod({ metadata: { name }, spec: { nodeName: NODE, ...spec } } as unknown as KubeObject);
}

/** Waits (in real time, with the manual clock standing still) until `check` passes. */
async function until(check: () => void | Promise<void>): Promise<void> {
  await vi.waitFor(
    async () => {
      await settle();
      await check();
    },
    { timeout: 5000, interval: 5 },
  );
}

const status = (name: string) => api.getPod(name)?.status;
const containerState = (name: string, container = 'app') =>
  (status(name)?.containerStatuses ?? []).find((c: { name: string }) => c.name === container)?.state;
const reasons = (name: string) =>
  api
    .list('events')
    .filter((e) => (e.involvedObject as { name: string }).name === name)
    .map((e) => e.reason as string);

describe('pod sync on the fake runtime', () => {
  it('creates the sandbox first, then the container, and reports Running with the pod IP', async () => {
    addPod('web', { containers: [{ name: 'app', image: IMAGE }] });
    await until(() => expect(status('web')?.phase).toBe('Running'));
    expect(runtime.ops(['runPodSandbox', 'create', 'start'])).toEqual([
      'runPodSandbox POD',
      'create app',
      'start app',
    ]);
    const sb = [...runtime.sandboxes.values()][0]!;
    expect(status('web').podIP).toBe(sb.ip);
    expect(containerState('web')?.running).toBeDefined();
    await until(() => expect(reasons('web')).toEqual(expect.arrayContaining(['Created', 'Started'])));
  });

  it('runs init containers one at a time, in order, before the app containers', async () => {
    runtime.scripts.set('init-a', { exitCode: 0 });
    runtime.scripts.set('init-b', { exitCode: 0, runMs: 1000 });
    addPod('ordered', {
      initContainers: [
        { name: 'init-a', image: IMAGE },
        { name: 'init-b', image: IMAGE },
      ],
      containers: [
        { name: 'app', image: IMAGE },
        { name: 'side', image: IMAGE },
      ],
    });
    // init-b runs for a second of fake time: nothing after it may start meanwhile.
    await until(() => expect(runtime.ops(['start'])).toEqual(['start init-a', 'start init-b']));
    await until(() => expect(status('ordered')?.initContainerStatuses?.[1]?.state?.running).toBeDefined());
    // Half of init-b's run: every wake-up and retry in between still starts nothing else.
    await clock.advance(500);
    await settle();
    expect(runtime.ops(['start'])).toEqual(['start init-a', 'start init-b']);
    expect(status('ordered').phase).toBe('Pending');
    expect(containerState('ordered')).toEqual({ waiting: { reason: 'PodInitializing' } });
    await clock.advance(500);
    await until(() => expect(status('ordered')?.phase).toBe('Running'));
    const starts = runtime.ops(['start']);
    expect(starts.slice(0, 2)).toEqual(['start init-a', 'start init-b']);
    expect(starts.slice(2).sort()).toEqual(['start app', 'start side']);
    expect(runtime.ops(['runPodSandbox'])).toHaveLength(1);
  });

  it('a failing init container under restartPolicy Never fails the pod; app containers never start', async () => {
    runtime.scripts.set('init-a', { exitCode: 1 });
    addPod('broken-init', {
      restartPolicy: 'Never',
      initContainers: [{ name: 'init-a', image: IMAGE }],
      containers: [{ name: 'app', image: IMAGE }],
    });
    await until(() => expect(status('broken-init')?.phase).toBe('Failed'));
    expect(runtime.ops(['create'])).toEqual(['create init-a']);
  });

  it('restarts a crashing container at once, then after 10 s, then after 20 s (CrashLoopBackOff)', async () => {
    runtime.scripts.set('app', { exitCode: 1 });
    addPod('crash', { containers: [{ name: 'app', image: IMAGE }] });
    // The first restart is immediate: two instances without any time passing.
    await until(() => expect(runtime.ops(['start'])).toHaveLength(2));
    await until(() => expect(containerState('crash')?.waiting?.reason).toBe('CrashLoopBackOff'));
    const cs = status('crash').containerStatuses[0];
    expect(cs.state.waiting.message).toMatch(
      /^back-off 10s restarting failed container=app pod=crash_default\(/,
    );
    expect(cs.restartCount).toBe(1);
    expect(cs.lastState.terminated.exitCode).toBe(1);
    expect(reasons('crash')).toContain('BackOff');

    await clock.advance(9_000);
    await settle();
    expect(runtime.ops(['start'])).toHaveLength(2);
    await clock.advance(1_100);
    await until(() => expect(runtime.ops(['start'])).toHaveLength(3));
    await until(() => expect(containerState('crash')?.waiting?.message).toMatch(/^back-off 20s /));

    await clock.advance(19_000);
    await settle();
    expect(runtime.ops(['start'])).toHaveLength(3);
    await clock.advance(1_100);
    await until(() => expect(runtime.ops(['start'])).toHaveLength(4));
    // Garbage collection keeps the current and the previous instance only.
    await until(() => expect(runtime.instances(api.getPod('crash').metadata.uid!, 'app')).toHaveLength(2));
    expect(status('crash').phase).toBe('Running');
  });

  it('restartPolicy OnFailure does not restart a container that exited 0', async () => {
    runtime.scripts.set('app', { exitCode: 0 });
    addPod('job', { restartPolicy: 'OnFailure', containers: [{ name: 'app', image: IMAGE }] });
    await until(() => expect(status('job')?.phase).toBe('Succeeded'));
    await clock.advance(60_000);
    expect(runtime.ops(['start'])).toEqual(['start app']);
  });

  it('reports ErrImagePull, backs off (ImagePullBackOff), and starts once the image can be pulled', async () => {
    addPod('pull', { containers: [{ name: 'app', image: 'registry.test/missing:2' }] });
    await until(() => expect(containerState('pull')?.waiting?.reason).toBe('ErrImagePull'));
    expect(containerState('pull')?.waiting?.message).toMatch(/pull access denied/);
    expect(runtime.ops(['pull'])).toEqual(['pull registry.test/missing:2']);
    // A sync inside the 10 s back-off does not pull again: ImagePullBackOff.
    await clock.advance(5_000);
    runtime.nudge(api.getPod('pull').metadata.uid!);
    await until(() => expect(containerState('pull')?.waiting?.reason).toBe('ImagePullBackOff'));
    expect(runtime.ops(['pull'])).toHaveLength(1);
    runtime.pullable.add('registry.test/missing:2');
    await clock.advance(5_100);
    await until(() => expect(status('pull')?.phase).toBe('Running'));
    expect(runtime.ops(['pull'])).toHaveLength(2);
    expect(status('pull').containerStatuses[0].imageID).toMatch(
      /^docker-pullable:\/\/registry\.test\/missing@sha256:/,
    );
    expect(reasons('pull')).toEqual(expect.arrayContaining(['Pulling', 'Failed', 'Pulled']));
  });

  it('never pulls under imagePullPolicy Never: ErrImageNeverPull', async () => {
    addPod('never', {
      containers: [{ name: 'app', image: 'absent:1', imagePullPolicy: 'Never' }],
    });
    await until(() => expect(containerState('never')?.waiting?.reason).toBe('ErrImageNeverPull'));
    expect(runtime.ops(['pull'])).toEqual([]);
  });

  it('terminates gracefully: preStop, stop within the grace period, sandbox, removal, final delete', async () => {
    addPod('bye', {
      terminationGracePeriodSeconds: 20,
      containers: [
        {
          name: 'app',
          image: IMAGE,
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo bye'] } } },
        },
      ],
    });
    await until(() => expect(status('bye')?.phase).toBe('Running'));
    runtime.calls.length = 0;
    api.markDeleted('bye');
    await until(() => expect(api.getPod('bye')).toBeUndefined());
    expect(runtime.ops().slice(0, 3)).toEqual(['exec sh -c echo bye app', 'stop app', 'stopPodSandbox POD']);
    expect(runtime.calls.find((c) => c.op === 'stop')?.timeout).toBe(20);
    expect(runtime.calls.find((c) => c.op === 'stopPodSandbox')?.timeout).toBe(2);
    expect(runtime.ops(['remove']).sort()).toEqual(['remove POD', 'remove app']);
    expect(runtime.containers.size + runtime.sandboxes.size).toBe(0);
    expect(reasons('bye')).toContain('Killing');
  });

  it('removes the runtime objects of a pod that vanished from the API', async () => {
    addPod('gone', { containers: [{ name: 'app', image: IMAGE }] });
    await until(() => expect(status('gone')?.phase).toBe('Running'));
    const uid = api.getPod('gone').metadata.uid!;
    await kubelet.stop();
    api.forget(R.pods, 'default', 'gone');
    // A stopped kubelet keeps containers (the next start adopts them).
    expect(runtime.instances(uid)).toHaveLength(1);
    for (const c of runtime.containers.values()) runtime.exit(c.id, 0);
    kubelet = new Kubelet(api.client, runtime, {
      nodeName: NODE,
      clock,
      serverToken: 'token',
      rootDir,
      resolvConfPath: path.join(rootDir, 'no-resolv.conf'),
    });
    await kubelet.start();
    await until(() => expect(runtime.instances(uid)).toHaveLength(0));
    expect([...runtime.sandboxes.values()].filter((s) => s.podUid === uid)).toHaveLength(0);
  });

  it('reports a sandbox that cannot be created as FailedCreatePodSandBox and keeps the pod Pending', async () => {
    runtime.sandboxError = 'network skiff-x not found';
    addPod('nosb', { containers: [{ name: 'app', image: IMAGE }] });
    await until(() => expect(reasons('nosb')).toContain('FailedCreatePodSandBox'));
    await until(() =>
      expect(containerState('nosb')).toEqual({
        waiting: { reason: 'ContainerCreating', message: 'network skiff-x not found' },
      }),
    );
    expect(status('nosb').phase).toBe('Pending');
    runtime.sandboxError = undefined;
    // The failed sync backs off (1 s) and then succeeds.
    await clock.advance(1_100);
    await until(() => expect(status('nosb')?.phase).toBe('Running'));
  });
});
