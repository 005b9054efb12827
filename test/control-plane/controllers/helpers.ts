/**
 * Shared set-up for the controller unit tests: a FakeApi with a FakeClock and shared informers,
 * plus builders for pods in the states a kubelet would report.
 */
import type { Controller, ControllerOptions } from '../../../src-main/control-plane/client/controller';
import { SharedInformers } from '../../../src-main/control-plane/client/controller';
import type { KubeClient } from '../../../src-main/common/client/client';
import { R } from '../../../src-main/common/resources';
import type { KubeObject, Pod } from '../../../src-main/common/types';
import { FakeApi, FakeClock, settle } from '../helpers/fake-api';

export type P = Pod & KubeObject;

/** A fake API with informers running and one controller built over them. */
export async function setupController<C extends Controller>(
  make: (client: KubeClient, informers: SharedInformers, opts: ControllerOptions) => C,
  seed?: (api: FakeApi) => void,
): Promise<{ api: FakeApi; clock: FakeClock; ctrl: C; informers: SharedInformers; stop(): void }> {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  seed?.(api);
  const informers = new SharedInformers(api.client, { clock });
  const ctrl = make(api.client, informers, { clock });
  informers.start();
  await informers.waitForSync();
  await settle();
  return { api, clock, ctrl, informers, stop: () => informers.stop() };
}

/** Sets a pod's phase (and Ready) as a kubelet would. */
export function setPodState(
  api: FakeApi,
  ns: string,
  name: string,
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed',
  opts: { ready?: boolean; ip?: string; restarts?: number; finishedAt?: number; readySince?: number } = {},
): P {
  return api.mutate<P>(R.pods, ns, name, (p) => {
    const now = new Date(opts.finishedAt ?? api.clock.now()).toISOString();
    Object.assign(p, {
      status: {
        ...p.status,
        phase,
        podIP: opts.ip ?? p.status?.podIP,
        conditions: [
          {
            type: 'Ready',
            status: opts.ready ? 'True' : 'False',
            lastTransitionTime: new Date(opts.readySince ?? api.clock.now()).toISOString(),
          },
        ],
        containerStatuses: [
          {
            name: 'c',
            image: 'busybox',
            imageID: '',
            ready: !!opts.ready,
            restartCount: opts.restarts ?? 0,
            state:
              phase === 'Succeeded' || phase === 'Failed'
                ? { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1, finishedAt: now } }
                : { running: { startedAt: now } },
          },
        ],
      },
    });
  });
}

/** Pods in a namespace, sorted by name. */
export function podsIn(api: FakeApi, ns = 'default'): P[] {
  return api.listObjects<P>(R.pods, ns).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
}

export { settle };
