/**
 * The generic REST layer (Kubernetes' genericregistry + handlers): turns a parsed resource
 * request into ObjectStorage calls, running the kind's strategy for defaulting, validation and
 * status handling, and answering with objects, Lists, Tables, watch streams or Status errors.
 */
import type { ClusterNetwork } from '../../common/network';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { R, apiVersionOf, type ResourceType } from '../../common/resources';
import type { KubeObject, ObjectMeta, WatchEvent } from '../../common/types';
import {
  boolParam,
  decodeBody,
  intParam,
  jsonTextOf,
  mediaType,
  readBody,
  sendJson,
  wantsTable,
} from './http';
import { duplicateJsonFields, fieldProblemMessages, pruneUnknownFields } from './field-validation';
import { applyMerge, clone, deepEqual, jsonPatch, mergePatch, strategicMergePatch } from './patch';
import { isGracefulPod, strategyFor, type Strategy } from './registry';
import type { ScaleView } from './registry/strategy';
import { isObject, selectorString } from './registry/strategy';
import { StatusError, badRequest, conflict, invalid, methodNotAllowed, notFound } from './status';
import type { ObjectStorage, StorageDeleteOptions } from './storage';
import { TABLE_CONTENT_TYPE, includeObjectParam, toTable } from './table';
import { streamPodLogs } from './pod-logs';
import type { ResourceRequest } from './request';
import { prepareEphemeralContainers } from './registry/ephemeral';
import { managerOf, sameOwnership, serverSideApply, trackUpdate, type ApplyOptions } from './ssa';
import { isUpgrade, proxyPodStream } from './pod-stream-proxy';

/** A resource request after URL parsing. */
/** What the REST layer needs from the server. */
export interface RestDeps {
  storage: ObjectStorage;
  clock: Clock;
  logger: Logger;
  /** Bearer token presented to kubelets when proxying logs. */
  kubeletToken?: string;
  /** The cluster's address plan, for Service admission. */
  network?: ClusterNetwork;
}

const PATCH_TYPES = [
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];
const KNOWN_META = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);
/** Namespaces the server keeps (creates on start, refuses to delete). */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

type FieldValidation = 'Strict' | 'Warn' | 'Ignore';
/** ObjectMeta without kubernetes-types' readonly markers: the server is the one that writes them. */
type Meta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };
const mut = (obj: KubeObject): Meta => obj.metadata as Meta;

function fieldValidation(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation') ?? 'Warn';
  if (v !== 'Strict' && v !== 'Warn' && v !== 'Ignore')
    throw badRequest(
      `fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`,
    );
  return v;
}

function dryRun(q: URLSearchParams): boolean {
  const v = q.getAll('dryRun');
  for (const d of v)
    if (d !== 'All' && d !== '')
      throw badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
  return v.includes('All');
}

/** The generic resource handler. */
export class RestHandler {
  constructor(private readonly deps: RestDeps) {}

  private get storage(): ObjectStorage {
    return this.deps.storage;
  }

  /** Dispatches one resource request. Throws StatusError for the caller to render. */
  async handle(r: ResourceRequest): Promise<void> {
    const method = r.req.method ?? 'GET';
    const s = strategyFor(r.type);
    if (r.subresource) return this.handleSubresource(r, s, method);
    if (r.name === undefined) {
      if (method === 'GET') return boolParam(r.query, 'watch') ? this.watch(r, s) : this.list(r, s);
      if (method === 'POST') return this.create(r, s);
      if (method === 'DELETE') return this.deleteCollection(r, s);
      throw methodNotAllowed();
    }
    switch (method) {
      case 'GET':
        return this.get(r, s);
      case 'PUT':
        return this.update(r, s);
      case 'PATCH':
        return this.patch(r, s);
      case 'DELETE':
        return this.delete(r, s);
      default:
        throw methodNotAllowed();
    }
  }

  private async handleSubresource(r: ResourceRequest, s: Strategy, method: string): Promise<void> {
    const sub = r.subresource!;
    if (!(r.type.subresources ?? []).includes(sub)) throw notFound(r.type, `${r.name}/${sub}`);
    if (sub === 'status' || sub === 'scale' || sub === 'ephemeralcontainers') {
      if (method === 'GET') return this.get(r, s);
      if (method === 'PUT') return this.update(r, s);
      if (method === 'PATCH') return this.patch(r, s);
      throw methodNotAllowed();
    }
    if (r.type === R.namespaces && sub === 'finalize' && method === 'PUT')
      return this.finalizeNamespace(r, s);
    if (r.type === R.pods && sub === 'binding' && method === 'POST') return this.bind(r);
    if (r.type === R.pods && sub === 'eviction' && method === 'POST') return this.evict(r, s);
    if (r.type === R.pods && sub === 'log' && method === 'GET') {
      const pod = await this.storage.get(r.type, r.namespace, r.name!);
      return streamPodLogs(pod, r, {
        storage: this.storage,
        kubeletToken: this.deps.kubeletToken,
        logger: this.deps.logger,
      });
    }
    if (r.type === R.pods && (sub === 'exec' || sub === 'attach' || sub === 'portforward')) {
      if (!isUpgrade(r.req)) throw badRequest('Upgrade request required');
      const pod = await this.storage.get(r.type, r.namespace, r.name!);
      return proxyPodStream(pod, r, {
        storage: this.storage,
        kubeletToken: this.deps.kubeletToken,
        logger: this.deps.logger,
      });
    }
    throw methodNotAllowed();
  }

  // ---------------------------------------------------------------------------------------------
  // reads

  private async get(r: ResourceRequest, s: Strategy): Promise<void> {
    const obj = this.withType(r.type, await this.storage.get(r.type, r.namespace, r.name!));
    if (r.subresource === 'scale') return sendJson(r.res, 200, toScale(obj, s.scaleView));
    this.sendObject(r, s, 200, obj);
  }

  private async list(r: ResourceRequest, s: Strategy): Promise<void> {
    const q = r.query;
    const list = await this.storage.list(r.type, {
      namespace: r.namespace,
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
      limit: intParam(q, 'limit'),
      continue: q.get('continue') ?? undefined,
      resourceVersion: q.get('resourceVersion') ?? undefined,
    });
    if (wantsTable(r.req.headers.accept)) {
      const table = toTable(r.type, s.table, list.items, {
        now: this.deps.clock.now(),
        include: includeObjectParam(q),
        resourceVersion: list.metadata.resourceVersion,
        continue: list.metadata.continue,
        remainingItemCount: list.metadata.remainingItemCount,
      });
      return sendJson(r.res, 200, table, TABLE_CONTENT_TYPE);
    }
    sendJson(r.res, 200, {
      kind: r.type.listKind,
      apiVersion: apiVersionOf(r.type),
      metadata: list.metadata,
      items: list.items.map((o) => this.withType(r.type, o)),
    });
  }

  private async watch(r: ResourceRequest, s: Strategy): Promise<void> {
    const { req, res, query: q } = r;
    const table = wantsTable(req.headers.accept);
    const include = table ? includeObjectParam(q) : 'None';
    const timeout = intParam(q, 'timeoutSeconds');
    let first = true;
    let ended = false;
    let stop: (() => void) | undefined;
    let timer: unknown;
    const end = () => {
      if (ended) return;
      ended = true;
      stop?.();
      if (timer !== undefined) this.deps.clock.clearTimeout(timer);
      if (!res.writableEnded) res.end();
    };
    const write = (ev: WatchEvent) => {
      if (ended) return;
      let object: unknown = ev.object;
      if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') object = ev.object;
      else if (table) {
        object = toTable(r.type, s.table, [ev.object as KubeObject], {
          now: this.deps.clock.now(),
          include,
          columns: first,
        });
        first = false;
      } else object = this.withType(r.type, ev.object as KubeObject);
      res.write(JSON.stringify({ type: ev.type, object }) + '\n');
      if (ev.type === 'ERROR') end();
    };
    res.writeHead(200, {
      'Content-Type': table ? TABLE_CONTENT_TYPE : 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    // Node 20: the request's 'close' fires once its body is read; only the response's 'close'
    // means the client went away (kubectl-wire G7).
    res.on('close', end);
    if (timeout !== undefined && timeout > 0) timer = this.deps.clock.setTimeout(end, timeout * 1000);
    try {
      const w = await this.storage.watch(
        r.type,
        {
          namespace: r.namespace,
          labelSelector: q.get('labelSelector') ?? undefined,
          fieldSelector: q.get('fieldSelector') ?? undefined,
          resourceVersion: q.get('resourceVersion') ?? undefined,
          allowBookmarks: boolParam(q, 'allowWatchBookmarks'),
        },
        write,
      );
      if (ended) w.stop();
      else stop = () => w.stop();
    } catch (err) {
      // A compacted resourceVersion (or a bad selector) arrives as one ERROR event, like the
      // real server does once the watch has started.
      const status =
        err instanceof StatusError ? err : new StatusError(500, 'InternalError', (err as Error).message);
      if (!(err instanceof StatusError)) this.deps.logger.error('watch failed', { error: String(err) });
      write({ type: 'ERROR', object: status.toStatus() as never });
      end();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // writes

  private async decodeObject(r: ResourceRequest, buf: Buffer): Promise<KubeObject> {
    const body = decodeBody(buf, r.req.headers['content-type']);
    if (!isObject(body)) throw badRequest('the request body must be a JSON or YAML object');
    const obj = body as KubeObject;
    const expected = apiVersionOf(r.type);
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected)
      throw badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`,
      );
    if (obj.kind !== undefined && obj.kind !== r.type.kind)
      throw badRequest(
        `the kind in the data (${String(obj.kind)}) does not match the expected kind (${r.type.kind})`,
      );
    obj.apiVersion = expected;
    obj.kind = r.type.kind;
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (!isObject(obj.metadata)) throw badRequest('metadata must be an object');
    this.checkNamespace(r, obj);
    return obj;
  }

  private checkNamespace(r: ResourceRequest, obj: KubeObject): void {
    if (!r.type.namespaced) {
      delete obj.metadata.namespace;
      return;
    }
    if (obj.metadata.namespace && r.namespace && obj.metadata.namespace !== r.namespace)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    if (!r.namespace) throw badRequest('a namespace must be specified in the request path');
    obj.metadata.namespace = r.namespace;
  }

  /**
   * Unknown and duplicate fields at every depth (field-validation.ts): Strict → 400 naming them;
   * otherwise unknown fields are dropped, with `Warning: 299` headers for Warn.
   */
  private checkFields(r: ResourceRequest, s: Strategy, obj: KubeObject, mode: FieldValidation): void {
    if (mode === 'Ignore') {
      if (!pruneUnknownFields(r.type, obj)) s.pruneUnknown?.(obj);
      return;
    }
    const text = jsonTextOf(obj);
    let unknown = pruneUnknownFields(r.type, obj) ?? s.pruneUnknown?.(obj);
    if (!unknown) {
      // A kind without a schema: only the envelope and metadata are known.
      const allowed = new Set([
        'apiVersion',
        'kind',
        'metadata',
        'spec',
        'status',
        ...(s.topLevelFields ?? []),
      ]);
      unknown = [];
      for (const k of Object.keys(obj)) if (!allowed.has(k)) unknown.push(k);
      for (const k of Object.keys(obj.metadata ?? {})) if (!KNOWN_META.has(k)) unknown.push(`metadata.${k}`);
      for (const u of unknown) {
        if (u.startsWith('metadata.')) delete (obj.metadata as Record<string, unknown>)[u.slice(9)];
        else delete obj[u];
      }
    }
    const problems = fieldProblemMessages({ unknown, duplicate: text ? duplicateJsonFields(text) : [] });
    if (!problems.length) return;
    if (mode === 'Strict')
      throw badRequest(
        `${r.type.kind} in version "${r.type.version}" cannot be handled as a ${r.type.kind}: strict decoding error: ${problems.join(', ')}`,
      );
    if (!r.res.headersSent)
      r.res.setHeader(
        'Warning',
        problems.map((p) => `299 - ${JSON.stringify(p)}`),
      );
  }

  private validate(t: ResourceType, s: Strategy, obj: KubeObject, old?: KubeObject): void {
    const causes: StatusCause[] = [...(s.validate?.(obj) ?? [])];
    if (old && s.validateUpdate) causes.push(...s.validateUpdate(obj, old));
    if (causes.length)
      throw invalid(t.kind, obj.metadata?.name ?? obj.metadata?.generateName ?? '', t.group, causes);
  }

  private async ensureNamespace(t: ResourceType, ns: string | undefined, name = ''): Promise<void> {
    if (!t.namespaced || !ns) return;
    const nsObj = await this.storage.get(R.namespaces, undefined, ns);
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

  private prepareCreate(r: ResourceRequest, s: Strategy, obj: KubeObject): KubeObject {
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
    // Clients do not set status on create, except the kubelet registering its Node.
    if (s.hasStatus && r.type !== R.nodes) delete obj.status;
    s.prepareForCreate?.(obj, { now: this.deps.clock.now() });
    s.applyDefaults?.(obj);
    this.validate(r.type, s, obj);
    return obj;
  }

  private async create(r: ResourceRequest, s: Strategy): Promise<void> {
    const mode = fieldValidation(r.query);
    const isDry = dryRun(r.query);
    const obj = await this.decodeObject(r, await readBody(r.req));
    this.checkFields(r, s, obj, mode);
    this.prepareCreate(r, s, obj);
    await this.ensureNamespace(r.type, r.namespace, obj.metadata.name ?? obj.metadata.generateName);
    await s.admit?.(obj, {
      storage: this.storage,
      now: this.deps.clock.now(),
      dryRun: isDry,
      network: this.deps.network,
    });
    this.track(r, s, undefined, obj);
    const created = await this.storage.create(r.type, obj, { dryRun: isDry });
    this.sendObject(r, s, 201, this.withType(r.type, created));
  }

  /** Merges a new main-resource version with the stored one: system metadata and status are kept. */
  private prepareUpdate(r: ResourceRequest, s: Strategy, obj: KubeObject, cur: KubeObject): KubeObject {
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
    this.validate(r.type, s, obj, cur);
    return obj;
  }

  /** A /status write: only .status changes. */
  private prepareStatus(r: ResourceRequest, s: Strategy, incoming: KubeObject, cur: KubeObject): KubeObject {
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
  private prepareScale(r: ResourceRequest, scale: KubeObject, cur: KubeObject): KubeObject {
    if (scale.kind !== undefined && scale.kind !== 'Scale')
      throw badRequest(
        `the kind in the data (${String(scale.kind)}) does not match the expected kind (Scale)`,
      );
    const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
    if (
      replicas !== undefined &&
      (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
    )
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

  private async update(r: ResourceRequest, s: Strategy): Promise<void> {
    const mode = fieldValidation(r.query);
    const isDry = dryRun(r.query);
    const buf = await readBody(r.req);
    if (r.subresource === 'scale') {
      const scale = decodeBody(buf, r.req.headers['content-type']) as KubeObject;
      if (!isObject(scale)) throw badRequest('the request body must be a JSON or YAML object');
      const { object } = await this.storage.guaranteedUpdate(
        r.type,
        r.namespace,
        r.name!,
        (cur) => this.prepareScale(r, scale, this.existing(r, cur)),
        { dryRun: isDry },
      );
      return sendJson(r.res, 200, toScale(this.withType(r.type, object), strategyFor(r.type).scaleView));
    }
    const obj = await this.decodeObject(r, buf);
    if (obj.metadata.name !== undefined && obj.metadata.name !== r.name)
      throw badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${r.name})`,
      );
    this.checkFields(r, s, obj, mode);
    const { object } = await this.storage.guaranteedUpdate(
      r.type,
      r.namespace,
      r.name!,
      (cur) => {
        const c = this.existing(r, cur);
        return this.track(
          r,
          s,
          c,
          r.subresource === 'status'
            ? this.prepareStatus(r, s, obj, c)
            : r.subresource === 'ephemeralcontainers'
              ? prepareEphemeralContainers(obj, c)
              : this.prepareUpdate(r, s, clone(obj), c),
        );
      },
      { dryRun: isDry },
    );
    this.sendObject(r, s, 200, this.withType(r.type, object));
  }

  private ssaOptions(r: ResourceRequest, s: Strategy, manager: string): ApplyOptions {
    return {
      type: r.type,
      manager,
      force: boolParam(r.query, 'force'),
      now: this.deps.clock.now(),
      ignoreStatus: s.hasStatus,
      schema: s.openApiSchema,
    };
  }

  /** Records an ordinary write's field ownership (operation Update) on `next`. */
  private track(r: ResourceRequest, s: Strategy, cur: KubeObject | undefined, next: KubeObject): KubeObject {
    trackUpdate(cur, next, {
      type: r.type,
      manager: managerOf(r.query, r.req.headers['user-agent']),
      now: this.deps.clock.now(),
      ignoreStatus: s.hasStatus,
      subresource: r.subresource === 'status' ? 'status' : undefined,
      schema: s.openApiSchema,
    });
    return next;
  }

  private existing(r: ResourceRequest, cur: KubeObject | undefined): KubeObject {
    if (!cur) throw notFound(r.type, r.name!);
    return cur;
  }

  private async patch(r: ResourceRequest, s: Strategy): Promise<void> {
    const ct = mediaType(r.req.headers['content-type']);
    if (!PATCH_TYPES.includes(ct)) {
      throw new StatusError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
      );
    }
    const mode = fieldValidation(r.query);
    const isDry = dryRun(r.query);
    const patchBody = decodeBody(await readBody(r.req), ct);
    const apply = ct === 'application/apply-patch+yaml';
    const manager = r.query.get('fieldManager') ?? '';
    if (apply) {
      if (!manager)
        throw badRequest(
          'PATCH, application/apply-patch+yaml requests must have a fieldManager query parameter',
        );
      if (!isObject(patchBody)) throw badRequest('an apply patch must be a JSON or YAML object');
      const cfg = patchBody as KubeObject;
      const view =
        r.subresource === 'scale'
          ? { apiVersion: 'autoscaling/v1', kind: 'Scale' }
          : { apiVersion: apiVersionOf(r.type), kind: r.type.kind };
      if (cfg.apiVersion !== view.apiVersion || cfg.kind !== view.kind)
        throw badRequest(
          `the apply configuration must have apiVersion "${view.apiVersion}" and kind "${view.kind}" (got "${String(cfg.apiVersion ?? '')}", "${String(cfg.kind ?? '')}")`,
        );
      if (cfg.metadata?.name !== undefined && cfg.metadata.name !== r.name)
        throw badRequest(
          `the name of the object (${cfg.metadata.name}) does not match the name on the URL (${r.name})`,
        );
    }
    const applyPatch = (base: unknown): unknown => {
      switch (ct) {
        case 'application/merge-patch+json':
          if (!isObject(patchBody)) throw badRequest('a merge patch must be a JSON object');
          return mergePatch(base, patchBody);
        case 'application/json-patch+json':
          return jsonPatch(base, patchBody);
        case 'application/strategic-merge-patch+json':
          return strategicMergePatch(base, patchBody);
        default:
          return applyMerge(base, patchBody);
      }
    };
    const creatable = apply && !r.subresource;
    if (creatable) await this.ensureNamespace(r.type, r.namespace, r.name);
    const { object, created } = await this.storage.guaranteedUpdate(
      r.type,
      r.namespace,
      r.name!,
      async (cur) => {
        if (!cur) {
          if (!creatable) throw notFound(r.type, r.name!);
          const obj = clone(patchBody) as KubeObject;
          obj.metadata = { ...(obj.metadata ?? {}), name: r.name };
          this.checkNamespace(r, obj);
          this.checkFields(r, s, obj, mode);
          this.prepareCreate(r, s, obj);
          await s.admit?.(obj, {
            storage: this.storage,
            now: this.deps.clock.now(),
            dryRun: isDry,
            network: this.deps.network,
          });
          obj.metadata.managedFields = serverSideApply(
            undefined,
            patchBody as KubeObject,
            this.ssaOptions(r, s, manager),
          ).metadata.managedFields;
          return obj;
        }
        if (r.subresource === 'scale') {
          const scale = applyPatch(toScale(this.withType(r.type, cur), s.scaleView)) as KubeObject;
          return this.prepareScale(r, scale, cur);
        }
        const patched =
          apply && !r.subresource
            ? serverSideApply(cur, patchBody as KubeObject, this.ssaOptions(r, s, manager))
            : applyPatch(clone(cur));
        if (!isObject(patched)) throw badRequest('the patched object is not a JSON object');
        const obj = patched as KubeObject;
        if (obj.apiVersion !== apiVersionOf(r.type) || obj.kind !== r.type.kind)
          throw badRequest('a patch may not change apiVersion or kind');
        if (r.subresource === 'status') return this.track(r, s, cur, this.prepareStatus(r, s, obj, cur));
        if (r.subresource === 'ephemeralcontainers') return prepareEphemeralContainers(obj, cur);
        this.checkFields(r, s, obj, mode);
        const next = this.prepareUpdate(r, s, obj, cur);
        if (apply) {
          // G8: an apply that changes nothing must return the stored object untouched.
          const a = { ...next, metadata: { ...next.metadata, managedFields: undefined } };
          const b = { ...cur, metadata: { ...cur.metadata, managedFields: undefined } };
          // …and so does one that changes neither the object nor its field ownership.
          if (deepEqual(a, b) && sameOwnership(next, cur)) return cur;
          return next;
        }
        return this.track(r, s, cur, next);
      },
      { dryRun: isDry, allowCreate: creatable },
    );
    if (r.subresource === 'scale')
      return sendJson(r.res, 200, toScale(this.withType(r.type, object), s.scaleView));
    this.sendObject(r, s, created ? 201 : 200, this.withType(r.type, object));
  }

  private async deleteOptions(
    r: ResourceRequest,
  ): Promise<StorageDeleteOptions & { gracePeriodSeconds?: number }> {
    const buf = await readBody(r.req);
    let body: Record<string, unknown> = {};
    if (buf.length && buf.toString('utf8').trim()) {
      const parsed = decodeBody(buf, r.req.headers['content-type'] ?? 'application/json');
      if (!isObject(parsed)) throw badRequest('DeleteOptions must be an object');
      body = parsed;
    }
    const q = r.query;
    const grace = intParam(q, 'gracePeriodSeconds') ?? (body.gracePeriodSeconds as number | undefined);
    if (grace !== undefined && (typeof grace !== 'number' || grace < 0))
      throw invalid('DeleteOptions', '', '', [
        {
          reason: 'FieldValueInvalid',
          field: 'gracePeriodSeconds',
          message: `Invalid value: ${String(grace)}: must be greater than or equal to 0`,
        },
      ]);
    let policy = (q.get('propagationPolicy') ?? body.propagationPolicy) as
      StorageDeleteOptions['propagationPolicy'] | undefined;
    const orphan = q.get('orphanDependents') ?? body.orphanDependents;
    if (!policy && (orphan === true || orphan === 'true')) policy = 'Orphan';
    if (policy && !['Background', 'Foreground', 'Orphan'].includes(policy))
      throw badRequest(
        `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
      );
    const bodyDry = Array.isArray(body.dryRun) && (body.dryRun as string[]).includes('All');
    return {
      dryRun: dryRun(q) || bodyDry,
      gracePeriodSeconds: grace,
      propagationPolicy: policy,
      preconditions: isObject(body.preconditions)
        ? (body.preconditions as StorageDeleteOptions['preconditions'])
        : undefined,
    };
  }

  private async deleteOne(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    opts: StorageDeleteOptions,
  ): Promise<KubeObject> {
    if (t === R.namespaces) return this.deleteNamespace(name, opts);
    if (t === R.pods) {
      // Graceful deletion: bound, unfinished pods get a grace period for the kubelet to stop
      // them; unbound or finished ones go at once.
      const pod = await this.storage.get(t, ns, name);
      const spec = pod.spec as { terminationGracePeriodSeconds?: number } | undefined;
      const grace = isGracefulPod(pod)
        ? (opts.gracePeriodSeconds ?? spec?.terminationGracePeriodSeconds ?? 30)
        : 0;
      return this.storage.delete(t, ns, name, { ...opts, gracePeriodSeconds: grace });
    }
    // Only pods support graceful deletion.
    return this.storage.delete(t, ns, name, { ...opts, gracePeriodSeconds: undefined });
  }

  /**
   * Behaves like kube-apiserver's namespace REST Delete: the first delete marks the namespace
   * (deletionTimestamp, status.phase Terminating) while spec.finalizers are pending; the
   * namespace controller empties it, calls PUT …/finalize to drop "kubernetes", and that (or a
   * later delete with no finalizers left) removes it.
   */
  private async deleteNamespace(name: string, opts: StorageDeleteOptions): Promise<KubeObject> {
    if (SYSTEM_NAMESPACES.includes(name))
      throw new StatusError(
        403,
        'Forbidden',
        `namespaces "${name}" is forbidden: this namespace may not be deleted`,
        { name, kind: 'namespaces' },
      );
    const ns = await this.storage.get(R.namespaces, undefined, name);
    const pending = (ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
    return this.storage.delete(R.namespaces, undefined, name, {
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
  private async finalizeNamespace(r: ResourceRequest, s: Strategy): Promise<void> {
    const body = decodeBody(await readBody(r.req), r.req.headers['content-type']);
    if (!isObject(body)) throw badRequest('the request body must be a Namespace object');
    const incoming = body as KubeObject;
    if (incoming.metadata?.name !== undefined && incoming.metadata.name !== r.name)
      throw badRequest(
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${r.name})`,
      );
    const fins = (incoming.spec as { finalizers?: unknown } | undefined)?.finalizers ?? [];
    if (!Array.isArray(fins) || fins.some((f) => typeof f !== 'string'))
      throw invalid('Namespace', r.name!, '', [
        { reason: 'FieldValueInvalid', field: 'spec.finalizers', message: 'must be a list of strings' },
      ]);
    const { object } = await this.storage.guaranteedUpdate(
      R.namespaces,
      undefined,
      r.name!,
      (cur) => {
        const obj = clone(this.existing(r, cur));
        obj.spec = { ...(obj.spec as object | undefined), finalizers: fins as string[] };
        if (incoming.metadata?.resourceVersion) mut(obj).resourceVersion = incoming.metadata.resourceVersion;
        return obj;
      },
      { dryRun: dryRun(r.query) },
    );
    this.sendObject(r, s, 200, this.withType(r.type, object));
  }

  private async delete(r: ResourceRequest, s: Strategy): Promise<void> {
    const opts = await this.deleteOptions(r);
    const obj = await this.deleteOne(r.type, r.namespace, r.name!, opts);
    this.sendObject(r, s, 200, this.withType(r.type, obj));
  }

  private async deleteCollection(r: ResourceRequest, s: Strategy): Promise<void> {
    const opts = await this.deleteOptions(r);
    const q = r.query;
    const list = await this.storage.list(r.type, {
      namespace: r.namespace,
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
    });
    const items: KubeObject[] = [];
    for (const item of list.items) {
      try {
        items.push(
          this.withType(
            r.type,
            await this.deleteOne(r.type, item.metadata.namespace, item.metadata.name!, opts),
          ),
        );
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404)) throw err;
      }
    }
    void s;
    sendJson(r.res, 200, {
      kind: r.type.listKind,
      apiVersion: apiVersionOf(r.type),
      metadata: { resourceVersion: list.metadata.resourceVersion },
      items,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // pod subresources

  private async bind(r: ResourceRequest): Promise<void> {
    const body = decodeBody(await readBody(r.req), r.req.headers['content-type']);
    if (!isObject(body)) throw badRequest('the request body must be a Binding object');
    const target = body.target as { kind?: string; name?: string } | undefined;
    if (body.kind !== undefined && body.kind !== 'Binding')
      throw badRequest(
        `the kind in the data (${String(body.kind)}) does not match the expected kind (Binding)`,
      );
    if (!target?.name)
      throw invalid('Binding', r.name!, '', [
        { reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' },
      ]);
    if (target.kind && target.kind !== 'Node')
      throw invalid('Binding', r.name!, '', [
        {
          reason: 'FieldValueNotSupported',
          field: 'target.kind',
          message: `Unsupported value: "${target.kind}": supported values: "Node"`,
        },
      ]);
    const meta = body.metadata as { name?: string; uid?: string; resourceVersion?: string } | undefined;
    const isDry = dryRun(r.query);
    await this.storage.guaranteedUpdate(
      R.pods,
      r.namespace,
      r.name!,
      (cur) => {
        const pod = clone(this.existing(r, cur)) as KubeObject & {
          spec: { nodeName?: string };
          status?: { conditions?: unknown[] };
        };
        if (meta?.uid && meta.uid !== pod.metadata.uid)
          throw conflict(
            R.pods,
            r.name!,
            `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${pod.metadata.uid}`,
          );
        if (pod.metadata.deletionTimestamp)
          throw conflict(R.pods, r.name!, `pod ${r.name} is being deleted, cannot be assigned to a host`);
        if (pod.spec?.nodeName)
          throw conflict(R.pods, r.name!, `pod ${r.name} is already assigned to node "${pod.spec.nodeName}"`);
        pod.spec.nodeName = target.name;
        pod.status ??= {};
        const conds = (pod.status.conditions ?? []).filter(
          (c) => (c as { type?: string }).type !== 'PodScheduled',
        );
        conds.push({
          type: 'PodScheduled',
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: new Date(this.deps.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
        });
        pod.status.conditions = conds;
        return pod;
      },
      { dryRun: isDry },
    );
    sendJson(r.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }

  private async evict(r: ResourceRequest, s: Strategy): Promise<void> {
    const body = decodeBody(await readBody(r.req), r.req.headers['content-type']);
    if (!isObject(body)) throw badRequest('the request body must be an Eviction object');
    if (body.kind !== undefined && body.kind !== 'Eviction')
      throw badRequest(
        `the kind in the data (${String(body.kind)}) does not match the expected kind (Eviction)`,
      );
    const opts = (isObject(body.deleteOptions) ? body.deleteOptions : {}) as StorageDeleteOptions;
    void s;
    await this.deleteOne(R.pods, r.namespace, r.name!, {
      dryRun:
        dryRun(r.query) ||
        (Array.isArray((opts as { dryRun?: string[] }).dryRun) &&
          (opts as { dryRun?: string[] }).dryRun!.includes('All')),
      gracePeriodSeconds: opts.gracePeriodSeconds,
      preconditions: opts.preconditions,
    });
    sendJson(r.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }

  // ---------------------------------------------------------------------------------------------
  // rendering

  private withType(t: ResourceType, obj: KubeObject): KubeObject {
    if (obj.apiVersion === apiVersionOf(t) && obj.kind === t.kind) return obj;
    // Rebuilt so apiVersion and kind come first, as in the real server's JSON.
    const { apiVersion: _a, kind: _k, ...rest } = obj;
    return { apiVersion: apiVersionOf(t), kind: t.kind, ...rest } as KubeObject;
  }

  private sendObject(r: ResourceRequest, s: Strategy, code: number, obj: KubeObject): void {
    if (r.req.method === 'GET' && !r.subresource && wantsTable(r.req.headers.accept)) {
      const table = toTable(r.type, s.table, [obj], {
        now: this.deps.clock.now(),
        include: includeObjectParam(r.query),
        resourceVersion: obj.metadata.resourceVersion,
      });
      return sendJson(r.res, code, table, TABLE_CONTENT_TYPE);
    }
    sendJson(r.res, code, obj);
  }
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
