// Pod deletion and the pods/binding and pods/eviction subresources (upstream pkg/registry/core/pod/storage: graceful delete, BindingREST, EvictionREST); touches pods through the ObjectStorage it is handed, nothing else.
import type { Pod } from 'kubernetes-types/core/v1';
import { R } from '../../../../common/resources';
import type { KubeObject } from '../../../../common/types';
import { clone } from '../../patch';
import { badRequest, conflict, invalid, notFound } from '../../status';
import type { ObjectStorage, StorageDeleteOptions } from '../../storage';
import { isObject, type SubresourceAction } from '../strategy';

/** A bound pod that has not finished: deleting it is graceful. */
export function isGracefulPod(obj: KubeObject): boolean {
  const pod = obj as unknown as Pod;
  const phase = pod.status?.phase;
  return Boolean(pod.spec?.nodeName) && phase !== 'Succeeded' && phase !== 'Failed';
}

/**
 * Graceful deletion: bound, unfinished pods get a grace period for the kubelet to stop them;
 * unbound or finished ones go at once.
 */
export async function deletePod(
  storage: ObjectStorage,
  namespace: string | undefined,
  name: string,
  opts: StorageDeleteOptions,
): Promise<KubeObject> {
  const pod = await storage.get(R.pods, namespace, name);
  const spec = pod.spec as { terminationGracePeriodSeconds?: number } | undefined;
  const grace = isGracefulPod(pod)
    ? (opts.gracePeriodSeconds ?? spec?.terminationGracePeriodSeconds ?? 30)
    : 0;
  return storage.delete(R.pods, namespace, name, { ...opts, gracePeriodSeconds: grace });
}

/** POST pods/{name}/binding: sets spec.nodeName once and marks the pod PodScheduled. */
export const bindingAction: SubresourceAction = {
  method: 'POST',
  async run(body, ctx) {
    if (!isObject(body)) throw badRequest('the request body must be a Binding object');
    const target = body.target as { kind?: string; name?: string } | undefined;
    if (body.kind !== undefined && body.kind !== 'Binding')
      throw badRequest(
        `the kind in the data (${String(body.kind)}) does not match the expected kind (Binding)`,
      );
    if (!target?.name)
      throw invalid('Binding', ctx.name, '', [
        { reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' },
      ]);
    if (target.kind && target.kind !== 'Node')
      throw invalid('Binding', ctx.name, '', [
        {
          reason: 'FieldValueNotSupported',
          field: 'target.kind',
          message: `Unsupported value: "${target.kind}": supported values: "Node"`,
        },
      ]);
    const meta = body.metadata as { name?: string; uid?: string; resourceVersion?: string } | undefined;
    const isDry = ctx.dryRun();
    const name = ctx.name;
    await ctx.storage.guaranteedUpdate(
      R.pods,
      ctx.namespace,
      name,
      (cur) => {
        if (!cur) throw notFound(R.pods, name);
        const pod = clone(cur) as KubeObject & {
          spec: { nodeName?: string };
          status?: { conditions?: unknown[] };
        };
        if (meta?.uid && meta.uid !== pod.metadata.uid)
          throw conflict(
            R.pods,
            name,
            `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${pod.metadata.uid}`,
          );
        if (pod.metadata.deletionTimestamp)
          throw conflict(R.pods, name, `pod ${name} is being deleted, cannot be assigned to a host`);
        if (pod.spec?.nodeName)
          throw conflict(R.pods, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
        pod.spec.nodeName = target.name;
        pod.status ??= {};
        const conds = (pod.status.conditions ?? []).filter(
          (c) => (c as { type?: string }).type !== 'PodScheduled',
        );
        conds.push({
          type: 'PodScheduled',
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: new Date(ctx.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
        });
        pod.status.conditions = conds;
        return pod;
      },
      { dryRun: isDry },
    );
    return undefined;
  },
};

/** POST pods/{name}/eviction: deletes the pod as its DeleteOptions say. */
export const evictionAction: SubresourceAction = {
  method: 'POST',
  async run(body, ctx) {
    if (!isObject(body)) throw badRequest('the request body must be an Eviction object');
    if (body.kind !== undefined && body.kind !== 'Eviction')
      throw badRequest(
        `the kind in the data (${String(body.kind)}) does not match the expected kind (Eviction)`,
      );
    const opts = (isObject(body.deleteOptions) ? body.deleteOptions : {}) as StorageDeleteOptions;
    await deletePod(ctx.storage, ctx.namespace, ctx.name, {
      dryRun:
        ctx.dryRun() ||
        (Array.isArray((opts as { dryRun?: string[] }).dryRun) &&
          (opts as { dryRun?: string[] }).dryRun!.includes('All')),
      gracePeriodSeconds: opts.gracePeriodSeconds,
      preconditions: opts.preconditions,
    });
    return undefined;
  },
};
