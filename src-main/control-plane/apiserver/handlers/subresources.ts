// Subresources for the REST router: /status and /scale write rules and the Scale view (used by get/update/patch), the strategies' own actions (binding, eviction, finalize) and node streams (log, exec, attach, portforward, nodes/proxy); imports no verb handler.
import type { KubeObject } from '../../../common/types';
import { badRequest, invalid } from '../status';
import { decodeBody, readBody, sendStatusBody } from '../http';
import { clone } from '../patch';
import { proxyNode } from '../node-proxy';
import { streamPodLogs } from '../pod-logs';
import { isUpgrade, proxyPodStream } from '../pod-stream-proxy';
import { strategyFor, type Strategy } from '../registry';
import type { ScaleView, SubresourceAction } from '../registry/strategy';
import { selectorString } from '../registry/strategy';
import type { ResourceRequest } from '../request';
import { dryRun, mut, sendObject, withType, type RestDeps } from './common';

/** A /status write: only .status changes. */
export function prepareStatus(
  r: ResourceRequest,
  s: Strategy,
  incoming: KubeObject,
  cur: KubeObject,
): KubeObject {
  if (incoming.metadata?.name !== undefined && incoming.metadata.name !== cur.metadata.name)
    throw badRequest(
      `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${cur.metadata.name})`,
    );
  const obj = clone(cur);
  if (incoming.status === undefined) delete obj.status;
  else obj.status = clone(incoming.status);
  if (incoming.metadata?.resourceVersion) mut(obj).resourceVersion = incoming.metadata.resourceVersion;
  s.applyDefaults?.(obj);
  return obj;
}

/** A /scale write: only spec.replicas changes. */
export function prepareScale(r: ResourceRequest, scale: KubeObject, cur: KubeObject): KubeObject {
  if (scale.kind !== undefined && scale.kind !== 'Scale')
    throw badRequest(`the kind in the data (${String(scale.kind)}) does not match the expected kind (Scale)`);
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0))
    throw invalid('Scale', cur.metadata.name ?? '', 'autoscaling', [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      },
    ]);
  const obj = clone(cur);
  const view = strategyFor(r.type).scaleView;
  if (view) view.setReplicas(obj, (replicas as number | undefined) ?? 0);
  else (obj.spec as { replicas?: number }).replicas = (replicas as number | undefined) ?? 0;
  if (scale.metadata?.resourceVersion) mut(obj).resourceVersion = scale.metadata.resourceVersion;
  return obj;
}

/** The autoscaling/v1 Scale view of a Deployment or ReplicaSet. */
export function toScale(obj: KubeObject, view?: ScaleView): KubeObject {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: unknown };
  const status = (obj.status ?? {}) as { replicas?: number };
  const m = obj.metadata;
  const v = view?.read(obj) ?? {
    replicas: spec.replicas ?? 0,
    statusReplicas: status.replicas ?? 0,
    selector: selectorString(spec.selector),
  };
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: v.replicas },
    status: { replicas: v.statusReplicas, selector: v.selector },
  };
}

/** A strategy's subresource action: the decoded body goes to it; 200 with its object, or 201 Success. */
export async function runAction(
  deps: RestDeps,
  r: ResourceRequest,
  s: Strategy,
  action: SubresourceAction,
): Promise<void> {
  const body = decodeBody(await readBody(r.req), r.req.headers['content-type']);
  const object = await action.run(body, {
    storage: deps.storage,
    namespace: r.namespace,
    name: r.name!,
    now: () => deps.clock.now(),
    dryRun: () => dryRun(r.query),
    tokenSigner: deps.tokenSigner,
  });
  if (object && action.ownKind) return sendObject(deps, r, s, 201, object);
  if (object) return sendObject(deps, r, s, 200, withType(r.type, object));
  sendStatusBody(r.res, 201, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    code: 201,
  });
}

/** A stream from the object's node: its logs (GET), or exec/attach/portforward (an Upgrade request). */
export async function connect(
  deps: RestDeps,
  r: ResourceRequest,
  how: 'log' | 'upgrade' | 'proxy',
): Promise<void> {
  const proxy = { storage: deps.storage, kubeletToken: deps.kubeletToken, logger: deps.logger };
  if (how === 'proxy') return proxyNode(r, proxy);
  if (how === 'log') {
    const pod = await deps.storage.get(r.type, r.namespace, r.name!);
    return streamPodLogs(pod, r, proxy);
  }
  if (!isUpgrade(r.req)) throw badRequest('Upgrade request required');
  const pod = await deps.storage.get(r.type, r.namespace, r.name!);
  return proxyPodStream(pod, r, proxy);
}
