// The status writer generates each status from the last one it wrote, not from the pod in the
// (possibly stale) informer cache: a condition that did not change keeps its lastTransitionTime
// even when the kubelet syncs again with a copy of the pod from before its own write.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../../../src-main/common/types';
import { PodStatusWriter } from '../../../src-main/control-plane/kubelet/status-writer';
import { PodState } from '../../../src-main/control-plane/kubelet/pod-state';
import type { Pod } from '../../../src-main/control-plane/kubelet/pod-util';
import type { ContainerStatus, SandboxStatus } from '../../../src-main/control-plane/kubelet/runtime/runtime';
import { FakeApi, FakeClock } from '../helpers/fake-api';
import { FakeRuntime } from './helpers/fake-runtime';

let clock: FakeClock;
let api: FakeApi;
let rootDir: string;
let writer: PodStatusWriter;
let ready: boolean;

beforeEach(() => {
  clock = new FakeClock();
  api = new FakeApi(clock);
  rootDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-status-writer-'));
  ready = false;
  const probes = { isStarted: () => true, isReady: () => ready };
  writer = new PodStatusWriter(api.client, new FakeRuntime(clock), new PodState(), probes, clock, rootDir);
});

afterEach(() => {
  api.close();
  fs.rmSync(rootDir, { recursive: true, force: true });
});

function runtimeOf(pod: Pod): { sb: SandboxStatus; containers: ContainerStatus[] } {
  const base = { podUid: pod.metadata.uid!, podName: pod.metadata.name!, namespace: 'default', labels: {} };
  const sb: SandboxStatus = {
    ...base,
    id: 'sb1',
    attempt: 0,
    state: 'ready',
    createdAt: clock.now(),
    ip: '10.0.0.2',
    ports: [],
  };
  const c: ContainerStatus = {
    ...base,
    id: 'c1',
    sandboxId: 'sb1',
    name: 'app',
    attempt: 0,
    state: 'running',
    createdAt: clock.now(),
    startedAt: clock.now(),
    image: 'skiff-test/app:1',
    imageId: 'sha256:1',
  };
  return { sb, containers: [c] };
}

const readyCondition = (name: string) =>
  (api.getPod(name).status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');

describe('pod status writer', () => {
  it('keeps an unchanged condition’s lastTransitionTime when synced again with a stale pod', async () => {
    const stale = api.addPod({
      metadata: { name: 'web' },
      spec: { nodeName: 'n', containers: [{ name: 'app', image: 'skiff-test/app:1' }] },
    } as unknown as KubeObject) as Pod;
    const { sb, containers } = runtimeOf(stale);

    await writer.post(stale, sb, containers);
    expect(readyCondition('web')?.status).toBe('False');

    await clock.advance(3000);
    ready = true;
    await writer.post(api.getPod('web') as Pod, sb, containers);
    const first = readyCondition('web');
    expect(first?.status).toBe('True');

    // Later syncs see the pod as it was before that write (the informer lags behind).
    await clock.advance(5000);
    const writes = api.writesOf('update', 'pods', 'status').length;
    await writer.post(stale, sb, containers);
    expect(readyCondition('web')?.lastTransitionTime).toBe(first?.lastTransitionTime);
    expect(api.writesOf('update', 'pods', 'status').length).toBe(writes);

    // A real change still moves it.
    await clock.advance(2000);
    ready = false;
    await writer.post(stale, sb, containers);
    const flipped = readyCondition('web');
    expect(flipped?.status).toBe('False');
    expect(Date.parse(flipped?.lastTransitionTime)).toBe(clock.now());
  });

  it('generates from the API’s status again once the pod is forgotten', async () => {
    const pod = api.addPod({
      metadata: { name: 'web' },
      spec: { nodeName: 'n', containers: [{ name: 'app', image: 'skiff-test/app:1' }] },
    } as unknown as KubeObject) as Pod;
    const { sb, containers } = runtimeOf(pod);
    ready = true;
    await writer.post(pod, sb, containers);
    expect(writer.hasWritten(pod.metadata.uid!)).toBe(true);
    writer.forget(pod.metadata.uid!);
    expect(writer.hasWritten(pod.metadata.uid!)).toBe(false);
    await clock.advance(4000);
    const status = await writer.compute(api.getPod('web') as Pod, sb, containers);
    const cond = status.conditions?.find((c) => c.type === 'Ready');
    expect(cond?.lastTransitionTime).toBe(readyCondition('web')?.lastTransitionTime);
  });
});
