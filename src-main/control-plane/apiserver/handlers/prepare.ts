// BeforeCreate/BeforeUpdate of the write handlers (upstream registry/rest/create.go, update.go): system metadata, the strategy's defaults and validation, the terminating-namespace check; reads storage, never writes it.
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R, apiVersionOf, type ResourceType } from '../../../common/resources';
import type { KubeObject } from '../../../common/types';
import { clone } from '../patch';
import type { Strategy } from '../registry';
import { isObject } from '../registry/strategy';
import type { ResourceRequest } from '../request';
import { StatusError, badRequest, invalid } from '../status';
import type { ObjectStorage } from '../storage';
import { mut, type RestDeps } from './common';

/** Runs the strategy's validation (and update validation against `old`); 422 on any cause. */
export function validate(t: ResourceType, s: Strategy, obj: KubeObject, old?: KubeObject): void {
  const causes: StatusCause[] = [...(s.validate?.(obj) ?? [])];
  if (old && s.validateUpdate) causes.push(...s.validateUpdate(obj, old));
  if (causes.length)
    throw invalid(t.kind, obj.metadata?.name ?? obj.metadata?.generateName ?? '', t.group, causes);
}

/** Refuses new objects in a namespace that is being terminated (the NamespaceLifecycle plugin). */
export async function ensureNamespace(
  storage: ObjectStorage,
  t: ResourceType,
  ns: string | undefined,
  name = '',
): Promise<void> {
  if (!t.namespaced || !ns) return;
  const nsObj = await storage.get(R.namespaces, undefined, ns);
  if (
    nsObj.metadata.deletionTimestamp ||
    (nsObj.status as { phase?: string } | undefined)?.phase === 'Terminating'
  )
    throw new StatusError(
      403,
      'Forbidden',
      `${t.plural} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
      {
        kind: t.plural,
        causes: [
          {
            reason: 'NamespaceTerminating',
            field: 'metadata.namespace',
            message: `namespace ${ns} is being terminated`,
          },
        ],
      },
    );
}

/** A new object: system metadata cleared, status dropped (unless the kind keeps it), defaulted, validated. */
export function prepareCreate(deps: RestDeps, r: ResourceRequest, s: Strategy, obj: KubeObject): KubeObject {
  const meta = mut(obj);
  // System-populated fields are the server's to set.
  for (const k of [
    'uid',
    'resourceVersion',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'selfLink',
  ] as const)
    delete meta[k];
  meta.generation = 1;
  // Clients do not set status on create, except where the kind allows it (the kubelet's Node).
  if (s.hasStatus && !s.createWithStatus) delete obj.status;
  s.prepareForCreate?.(obj, { now: deps.clock.now() });
  s.applyDefaults?.(obj);
  validate(r.type, s, obj);
  return obj;
}

/** Merges a new main-resource version with the stored one: system metadata and status are kept. */
export function prepareUpdate(r: ResourceRequest, s: Strategy, obj: KubeObject, cur: KubeObject): KubeObject {
  if (!isObject(obj.metadata)) obj.metadata = {};
  const meta = mut(obj);
  if (meta.name !== undefined && meta.name !== cur.metadata.name)
    throw badRequest(
      `the name of the object (${meta.name}) does not match the name on the URL (${cur.metadata.name})`,
    );
  meta.name = cur.metadata.name;
  if (r.type.namespaced) {
    if (meta.namespace && meta.namespace !== cur.metadata.namespace)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    meta.namespace = cur.metadata.namespace;
  } else delete meta.namespace;
  obj.apiVersion = apiVersionOf(r.type);
  obj.kind = r.type.kind;
  meta.uid = cur.metadata.uid;
  meta.creationTimestamp = cur.metadata.creationTimestamp;
  meta.generation = cur.metadata.generation;
  if (cur.metadata.deletionTimestamp) meta.deletionTimestamp = cur.metadata.deletionTimestamp;
  else delete meta.deletionTimestamp;
  if (cur.metadata.deletionGracePeriodSeconds !== undefined)
    meta.deletionGracePeriodSeconds = cur.metadata.deletionGracePeriodSeconds;
  else delete meta.deletionGracePeriodSeconds;
  if (meta.managedFields === undefined && cur.metadata.managedFields)
    meta.managedFields = cur.metadata.managedFields;
  if (!meta.resourceVersion) meta.resourceVersion = cur.metadata.resourceVersion;
  if (s.hasStatus) {
    if (cur.status === undefined) delete obj.status;
    else obj.status = clone(cur.status);
  }
  s.applyDefaults?.(obj);
  validate(r.type, s, obj, cur);
  return obj;
}
