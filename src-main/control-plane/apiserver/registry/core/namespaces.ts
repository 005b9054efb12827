/**
 * core/v1 Namespaces (pkg/registry/core/namespace): DNS-1123 label names, the
 * kubernetes.io/metadata.name label, status.phase Active on create, the status.phase field, the
 * two-phase delete and the finalize subresource.
 */
import type { Namespace } from 'kubernetes-types/core/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../../common/resources';
import type { KubeObject } from '../../../../common/types';
import { clone } from '../../patch';
import { StatusError, badRequest, invalid, notFound } from '../../status';
import type { ObjectStorage, StorageDeleteOptions } from '../../storage';
import {
  AGE_COLUMN,
  NAME_COLUMN,
  age,
  col,
  isObject,
  validateObjectMeta,
  type Strategy,
  type SubresourceAction,
} from '../strategy';
import { dns1123Label } from '../validation';

/** Namespaces the server keeps (creates on start, refuses to delete). */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * Behaves like kube-apiserver's namespace REST Delete: the first delete marks the namespace
 * (deletionTimestamp, status.phase Terminating) while spec.finalizers are pending; the
 * namespace controller empties it, calls PUT …/finalize to drop "kubernetes", and that (or a
 * later delete with no finalizers left) removes it.
 */
async function deleteNamespace(
  storage: ObjectStorage,
  name: string,
  opts: StorageDeleteOptions,
): Promise<KubeObject> {
  if (SYSTEM_NAMESPACES.includes(name))
    throw new StatusError(
      403,
      'Forbidden',
      `namespaces "${name}" is forbidden: this namespace may not be deleted`,
      { name, kind: 'namespaces' },
    );
  const ns = await storage.get(R.namespaces, undefined, name);
  const pending = (ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
  return storage.delete(R.namespaces, undefined, name, {
    ...opts,
    gracePeriodSeconds: undefined,
    mark: pending.length
      ? (marked) => {
          marked.status = { ...(marked.status as object | undefined), phase: 'Terminating' };
        }
      : undefined,
  });
}

/** PUT /api/v1/namespaces/{name}/finalize: replaces spec.finalizers only. */
const finalizeAction: SubresourceAction = {
  method: 'PUT',
  async run(body, ctx) {
    if (!isObject(body)) throw badRequest('the request body must be a Namespace object');
    const incoming = body as KubeObject;
    if (incoming.metadata?.name !== undefined && incoming.metadata.name !== ctx.name)
      throw badRequest(
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${ctx.name})`,
      );
    const fins = (incoming.spec as { finalizers?: unknown } | undefined)?.finalizers ?? [];
    if (!Array.isArray(fins) || fins.some((f) => typeof f !== 'string'))
      throw invalid('Namespace', ctx.name, '', [
        { reason: 'FieldValueInvalid', field: 'spec.finalizers', message: 'must be a list of strings' },
      ]);
    const { object } = await ctx.storage.guaranteedUpdate(
      R.namespaces,
      undefined,
      ctx.name,
      (cur) => {
        if (!cur) throw notFound(R.namespaces, ctx.name);
        const obj = clone(cur);
        obj.spec = { ...(obj.spec as object | undefined), finalizers: fins as string[] };
        if (incoming.metadata?.resourceVersion)
          (obj.metadata as { resourceVersion?: string }).resourceVersion = incoming.metadata.resourceVersion;
        return obj;
      },
      { dryRun: ctx.dryRun() },
    );
    return object;
  },
};

/** Namespace strategy: DNS-1123 label names, status.phase Active on create. */
export const namespaceStrategy: Strategy = {
  type: R.namespaces,
  hasStatus: true,
  fields: (obj) => ({ 'status.phase': (obj as unknown as Namespace).status?.phase ?? '' }),
  prepareForCreate(obj) {
    obj.status = { phase: 'Active' };
  },
  applyDefaults(obj) {
    const ns = obj as unknown as Namespace;
    ns.metadata ??= {};
    // The real server labels every namespace with its own name.
    if (ns.metadata.name)
      ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name };
    ns.spec ??= { finalizers: ['kubernetes'] };
  },
  validate(obj): StatusCause[] {
    return validateObjectMeta(R.namespaces, obj, dns1123Label).causes;
  },
  delete: (ctx) => deleteNamespace(ctx.storage, ctx.name, ctx.opts),
  actions: { finalize: finalizeAction },
  table: {
    columns: [NAME_COLUMN, col('Status', 'string', 'The status of the namespace'), AGE_COLUMN],
    cells: (obj, now) => [
      obj.metadata.name,
      (obj as unknown as Namespace).status?.phase ?? '',
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
