// Seeds many pods onto simulated nodes quickly (tests, benches, demos): direct creates, already
// bound, with bounded concurrency. Imports common/ only.
import type { KubeClient } from '../../common/client/client';
import { isAlreadyExists } from '../../common/client/errors';
import { R } from '../../common/resources';
import type { KubeObject, Namespace, Pod } from '../../common/types';
import { SIMULATED_LABEL } from './sim-kubelet';

/** Options of seedSimulatedPods. */
export interface SeedOptions {
  /** How many pods. */
  count: number;
  /** Nodes to spread them over (round-robin), e.g. SimKubelet.nodeNames. */
  nodes: string[];
  /** Namespace (created when missing; default `sim`). */
  namespace?: string;
  /** Pod name prefix (default `sim`): pods are `<prefix>-<index>`. */
  prefix?: string;
  /** Creates in flight at once (default 32). */
  concurrency?: number;
  /** Extra labels on every pod. */
  labels?: Record<string, string>;
  /** Called every 1,000 pods with how many exist so far. */
  progress?(created: number): void;
}

/** The pod `seedSimulatedPods` creates at `index`. */
export function simulatedPod(index: number, opts: SeedOptions): Pod & KubeObject {
  const prefix = opts.prefix ?? 'sim';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${prefix}-${index}`,
      namespace: opts.namespace ?? 'sim',
      labels: { app: prefix, [SIMULATED_LABEL]: 'true', ...(opts.labels ?? {}) },
    },
    spec: {
      // Bound at creation (spec.nodeName), as kube-scheduler's benchmarks and kwok do: the
      // scheduler is not what is being loaded here.
      nodeName: opts.nodes[index % opts.nodes.length],
      tolerations: [{ key: SIMULATED_LABEL, operator: 'Exists' }],
      containers: [{ name: 'app', image: 'skiff-test/busybox:1' }],
    },
  };
}

/**
 * Creates `count` pods bound round-robin to `nodes`, at most `concurrency` requests at a time.
 * Pods that already exist count as created, so a second seed of the same prefix is a no-op.
 * Resolves with the number of pods that exist.
 */
export async function seedSimulatedPods(client: KubeClient, opts: SeedOptions): Promise<number> {
  if (!opts.nodes.length) throw new Error('seedSimulatedPods: no nodes to bind pods to');
  const namespace = opts.namespace ?? 'sim';
  const ns: Namespace & KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
  await client.create(R.namespaces, ns).catch((err: unknown) => {
    if (!isAlreadyExists(err)) throw err;
  });
  let next = 0;
  let created = 0;
  const worker = async () => {
    while (next < opts.count) {
      const i = next++;
      try {
        await client.create(R.pods, simulatedPod(i, opts), { namespace });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      created++;
      if (created % 1000 === 0) opts.progress?.(created);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 32) }, worker));
  return created;
}
