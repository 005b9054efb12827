import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { needTool } from '../../../helpers/skips';

/**
 * Docker availability for the kubelet's integration suites: locally a missing engine skips them,
 * in CI (any truthy CI) it is a failure, never a silent skip.
 */
export async function dockerAvailable(): Promise<boolean> {
  try {
    await new Docker().ping();
    return true;
  } catch (err) {
    return needTool(false, `the Docker engine is not reachable (${String(err)})`);
  }
}

/** A unique managed-by label value, so a suite removes only the containers it created. */
export function testManagedBy(): string {
  return `skiff-test-${randomBytes(4).toString('hex')}`;
}

/**
 * Force-removes every container (then every volume and network — the cluster network and its
 * agent) labelled `skiff.dev/managed-by=<value>`.
 */
export async function removeManaged(value: string): Promise<void> {
  const docker = new Docker();
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`skiff.dev/managed-by=${value}`] },
  });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
  // emptyDir and PVC volumes the kubelet created for the suite's pods.
  const volumes = (await docker.listVolumes({
    filters: { label: [`skiff.dev/managed-by=${value}`] },
  } as never)) as unknown as {
    Volumes?: { Name: string }[];
  };
  await Promise.all(
    (volumes.Volumes ?? []).map((v) =>
      docker
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined),
    ),
  );
  const networks = await docker.listNetworks({ filters: { label: [`skiff.dev/managed-by=${value}`] } });
  await Promise.all(
    networks.map((n) =>
      docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined),
    ),
  );
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  stepMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
