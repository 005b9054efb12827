/**
 * A stand-in kubelet for controller suites that run without Docker: every 50 ms it marks the
 * pods bound to `nodeName` Running and Ready, and confirms graceful deletions (grace period 0),
 * as the real kubelet would once containers stop. `stop()` waits for a pass still talking to the
 * API server, so a suite can stop the server right after without a stray rejected request.
 */
import type { KubeClient } from '../../../src-main/common/client/client';
import { R } from '../../../src-main/common/resources';
import type { KubeObject, Pod } from '../../../src-main/common/types';

export interface FakeKubelet {
  stop(): Promise<void>;
}

export function startFakeKubelet(client: KubeClient, nodeName: string): FakeKubelet {
  let pass: Promise<void> | undefined;
  const once = async (): Promise<void> => {
    const pods = await client.list<Pod & KubeObject>(R.pods, { fieldSelector: `spec.nodeName=${nodeName}` });
    for (const p of pods.items) {
      if (p.metadata.deletionTimestamp) {
        await client
          .delete(R.pods, p.metadata.name!, p.metadata.namespace, { gracePeriodSeconds: 0 })
          .catch(() => undefined);
      } else if (p.status?.phase !== 'Running') {
        const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        await client
          .updateStatus(R.pods, {
            ...p,
            status: {
              ...p.status,
              phase: 'Running',
              conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
            },
          })
          .catch(() => undefined);
      }
    }
  };
  const timer = setInterval(() => {
    if (pass) return;
    pass = once()
      .catch(() => undefined) // the API server going away at teardown
      .finally(() => (pass = undefined));
  }, 50);
  return {
    async stop() {
      clearInterval(timer);
      await pass;
    },
  };
}
