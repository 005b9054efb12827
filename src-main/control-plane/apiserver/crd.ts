/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1): the CRD kind's own strategy (defaults,
 * validation, Established/NamesAccepted status) and the CrdManager that serves every CRD's
 * custom resources generically — it keeps the live ResourceRegistry and the strategy registry in
 * step with the stored CRDs (also across restarts), registers each version's strategy (built
 * from its schema in custom-resource-strategy.ts), builds its OpenAPI v3 document, and deletes a
 * CRD's objects when the CRD goes.
 */
import { createHash } from 'node:crypto';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { R, RESOURCES, apiVersionOf, type ResourceType } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { jsonPath, structuralErrors, type Schema } from './crd-schema';
import { customStrategy } from './custom-resource-strategy';
import type { OpenApiDoc } from './openapi';
import { registerStrategy, unregisterStrategy } from './registry';
import { isObject, validateObjectMeta, type Strategy } from './registry/strategy';
import { Errors, dns1123Label, dns1123Subdomain, immutable } from './registry/validation';
import type { ResourceRegistry } from './resource-registry';
import { StatusError } from './status';
import type { ObjectStorage } from './storage';

type Crd = CustomResourceDefinition & KubeObject;

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

function storageVersionOf(crd: Crd): string | undefined {
  return crd.spec?.versions?.find((v) => v.storage)?.name;
}

/** Sets a condition, keeping lastTransitionTime when the status is unchanged. */
function setCondition(
  conds: { type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string }[],
  c: { type: string; status: string; reason: string; message: string },
  now: number,
): void {
  const i = conds.findIndex((x) => x.type === c.type);
  const prev = conds[i];
  const next = {
    ...c,
    lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : rfc3339(now),
  };
  if (i >= 0) conds[i] = next;
  else conds.push(next);
}

/** CRD defaulting: names, conversion, and the status the apiextensions controllers maintain. */
function defaultCrd(obj: KubeObject, now: number): void {
  const crd = obj as Crd;
  const spec = crd.spec;
  if (!isObject(spec)) return;
  const names = spec.names;
  if (isObject(names) && names.kind) {
    names.singular ??= names.kind.toLowerCase();
    names.listKind ??= `${names.kind}List`;
  }
  spec.conversion ??= { strategy: 'None' };
  for (const v of spec.versions ?? []) {
    if (!isObject(v)) continue;
    // Like the v1 defaulting of additionalPrinterColumns' priority and the schema's listType.
    for (const c of v.additionalPrinterColumns ?? []) if (isObject(c)) c.priority ??= 0;
  }
  const status = (crd.status ?? {}) as NonNullable<CustomResourceDefinition['status']> &
    Record<string, unknown>;
  const conds = [...((status.conditions as never[]) ?? [])] as Parameters<typeof setCondition>[0];
  setCondition(
    conds,
    { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
    now,
  );
  setCondition(
    conds,
    {
      type: 'Established',
      status: 'True',
      reason: 'InitialNamesAccepted',
      message: 'the initial names have been accepted',
    },
    now,
  );
  const stored = new Set(status.storedVersions ?? []);
  const sv = storageVersionOf(crd);
  if (sv) stored.add(sv);
  (crd as { status?: unknown }).status = {
    conditions: conds,
    acceptedNames: isObject(names) ? { ...names } : { kind: '', plural: '' },
    storedVersions: [...stored],
  };
}

function validateCrd(obj: KubeObject): StatusCause[] {
  const errs = validateObjectMeta(R.customresourcedefinitions, obj);
  const crd = obj as Crd;
  const spec = crd.spec;
  if (!isObject(spec)) {
    errs.required('spec');
    return errs.causes;
  }
  if (!spec.group) errs.required('spec.group');
  else {
    for (const m of dns1123Subdomain(spec.group)) errs.invalid('spec.group', spec.group, m);
    if (!spec.group.includes('.'))
      errs.invalid('spec.group', spec.group, 'should be a domain with at least one dot');
  }
  const n = spec.names;
  if (!isObject(n)) errs.required('spec.names');
  else {
    if (!n.plural) errs.required('spec.names.plural');
    else for (const m of dns1123Label(n.plural)) errs.invalid('spec.names.plural', n.plural, m);
    if (n.singular)
      for (const m of dns1123Label(n.singular)) errs.invalid('spec.names.singular', n.singular, m);
    if (!n.kind) errs.required('spec.names.kind');
    else if (!/^[A-Za-z][A-Za-z0-9]*$/.test(n.kind))
      errs.invalid(
        'spec.names.kind',
        n.kind,
        'may have mixed case, but should otherwise match: ^[a-z]([-a-z0-9]*[a-z0-9])?$',
      );
    for (const [i, s] of (n.shortNames ?? []).entries())
      for (const m of dns1123Label(s)) errs.invalid(`spec.names.shortNames[${i}]`, s, m);
    if (n.plural && spec.group && obj.metadata.name !== `${n.plural}.${spec.group}`)
      errs.invalid('metadata.name', obj.metadata.name, `must be spec.names.plural+"."+spec.group`);
  }
  if (!['Namespaced', 'Cluster'].includes(spec.scope))
    errs.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']);
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (!versions.length)
    errs.required('spec.versions', 'must have exactly one version marked as storage version');
  else if (versions.filter((v) => v?.storage).length !== 1)
    errs.invalid(
      'spec.versions',
      versions.map((v) => v?.name),
      'must have exactly one version marked as storage version',
    );
  if (versions.length && !versions.some((v) => v?.served))
    errs.invalid(
      'spec.versions',
      versions.map((v) => v?.name),
      'must have at least one version marked as served',
    );
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const f = `spec.versions[${i}]`;
    if (!v?.name) errs.required(`${f}.name`);
    else {
      for (const m of dns1123Label(v.name)) errs.invalid(`${f}.name`, v.name, m);
      if (seen.has(v.name)) errs.duplicate(`${f}.name`, v.name);
      seen.add(v.name);
    }
    const schema = v?.schema?.openAPIV3Schema;
    if (!isObject(schema)) errs.required(`${f}.schema.openAPIV3Schema`, 'schemas are required');
    else errs.causes.push(...structuralErrors(schema, `${f}.schema.openAPIV3Schema`));
    const sc = v?.subresources?.scale;
    if (sc) {
      if (!sc.specReplicasPath) errs.required(`${f}.subresources.scale.specReplicasPath`);
      if (!sc.statusReplicasPath) errs.required(`${f}.subresources.scale.statusReplicasPath`);
    }
    (v?.additionalPrinterColumns ?? []).forEach((c, j) => {
      if (!c?.name) errs.required(`${f}.additionalPrinterColumns[${j}].name`);
      if (!c?.jsonPath) errs.required(`${f}.additionalPrinterColumns[${j}].jsonPath`);
      if (c?.type && !['integer', 'number', 'string', 'boolean', 'date'].includes(c.type))
        errs.notSupported(`${f}.additionalPrinterColumns[${j}].type`, c.type, [
          'boolean',
          'date',
          'integer',
          'number',
          'string',
        ]);
    });
  });
  return errs.causes;
}

/** The CRD kind's strategy. */
export function crdStrategy(clock: Clock): Strategy {
  return {
    type: R.customresourcedefinitions,
    hasStatus: true,
    applyDefaults: (obj) => defaultCrd(obj, clock.now()),
    validate: validateCrd,
    validateUpdate(obj, old) {
      const errs = new Errors();
      const a = (obj as Crd).spec;
      const b = (old as Crd).spec;
      immutable(errs, 'spec.group', a?.group, b?.group);
      immutable(errs, 'spec.scope', a?.scope, b?.scope);
      immutable(errs, 'spec.names.plural', a?.names?.plural, b?.names?.plural);
      return errs.causes;
    },
  };
}

// -------------------------------------------------------------------------------------------------
// serving custom resources

/** The ResourceTypes a CRD serves: one per served version, the storage version stored as itself. */
export function typesOf(crd: Crd): ResourceType[] {
  const spec = crd.spec;
  const sv = storageVersionOf(crd);
  if (!spec?.names?.plural || !spec.names.kind || !sv) return [];
  const served = (spec.versions ?? []).filter((v) => v.served);
  // Discovery order: the storage version is not necessarily preferred; upstream sorts by version priority.
  served.sort((x, y) => versionPriority(y.name) - versionPriority(x.name) || x.name.localeCompare(y.name));
  return served.map((v) => {
    const subresources: string[] = [];
    if (v.subresources?.status) subresources.push('status');
    if (v.subresources?.scale) subresources.push('scale');
    const t: ResourceType = {
      group: spec.group,
      version: v.name,
      kind: spec.names.kind,
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      plural: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      namespaced: spec.scope === 'Namespaced',
      verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
      ...(spec.names.shortNames?.length ? { shortNames: spec.names.shortNames } : {}),
      ...(spec.names.categories?.length ? { categories: spec.names.categories } : {}),
      ...(subresources.length ? { subresources } : {}),
      ...(v.name !== sv ? { storageVersion: sv } : {}),
    };
    return t;
  });
}

/** Kubernetes version priority (v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > other). */
function versionPriority(v: string): number {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return 0;
  const major = Number(m[1]);
  const level = m[2] === 'alpha' ? 1 : m[2] === 'beta' ? 2 : 3;
  return level * 1e6 + major * 1e3 + (m[3] ? Number(m[3]) : 0);
}

/** The OpenAPI v3 document of one CRD group-version. */
function openApiDoc(group: string, version: string, crds: Crd[]): OpenApiDoc {
  const path = `apis/${group}/${version}`;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  const reversed = group.split('.').reverse().join('.');
  for (const crd of crds) {
    const v = crd.spec.versions.find((x) => x.name === version && x.served);
    if (!v) continue;
    const kind = crd.spec.names.kind;
    const gvk = { group, version, kind };
    const name = `${reversed}.${version}.${kind}`;
    const base = (v.schema?.openAPIV3Schema ?? { type: 'object' }) as unknown as Schema;
    schemas[name] = {
      ...base,
      type: 'object',
      properties: {
        apiVersion: {
          type: 'string',
          description:
            'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
        },
        kind: {
          type: 'string',
          description:
            'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.',
        },
        metadata: {
          type: 'object',
          description:
            "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
        },
        ...(base.properties ?? {}),
      },
      'x-kubernetes-group-version-kind': [gvk],
    };
    const ref = { $ref: `#/components/schemas/${name}` };
    const collection = `/apis/${group}/${version}${crd.spec.scope === 'Namespaced' ? '/namespaces/{namespace}' : ''}/${crd.spec.names.plural}`;
    const params = ['dryRun', 'fieldManager', 'fieldValidation'].map((p) => ({
      name: p,
      in: 'query',
      schema: { type: 'string', uniqueItems: true },
    }));
    const op = (verb: string, action: string, withParams = true) => ({
      operationId: `${verb}${reversed.replace(/\W/g, '')}${version}${kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      parameters: withParams ? params : [],
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
    });
    paths[collection] = { get: op('list', 'list', false), post: op('create', 'post') };
    paths[`${collection}/{name}`] = {
      get: op('read', 'get', false),
      put: op('replace', 'put'),
      patch: op('patch', 'patch'),
      delete: op('delete', 'delete', false),
    };
  }
  const body = JSON.stringify({
    openapi: '3.0.0',
    info: { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' },
    paths,
    components: { schemas },
  });
  const hash = createHash('sha512').update(body).digest('hex').slice(0, 128).toUpperCase();
  return { path, body, hash };
}

/** Dependencies of the CRD manager. */
export interface CrdManagerDeps {
  /** The raw object storage (not the converting one). */
  storage: ObjectStorage;
  registry: ResourceRegistry;
  clock: Clock;
  logger: Logger;
}

/** Keeps the served custom resources in step with the stored CRDs. */
export class CrdManager {
  private readonly crds = new Map<string, Crd>();
  private watch?: { stop(): void };
  private docs?: { version: number; map: Map<string, OpenApiDoc> };
  /** Bumped on every CRD change (a schema may change without the served types changing). */
  private revision = 0;
  /** CRDs whose selectableFields getter is registered with the storage (it reads the live CRD). */
  private readonly fieldsRegistered = new Set<string>();

  constructor(private readonly deps: CrdManagerDeps) {
    registerStrategy(crdStrategy(deps.clock));
  }

  /** Serves every stored CRD, then follows changes. */
  async start(): Promise<void> {
    const list = await this.deps.storage.list(R.customresourcedefinitions);
    for (const c of list.items) this.sync(c as Crd);
    this.watch = await this.deps.storage.watch(
      R.customresourcedefinitions,
      { resourceVersion: list.metadata.resourceVersion },
      (ev) => {
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.sync(ev.object as Crd);
        else if (ev.type === 'DELETED') void this.remove(ev.object as Crd);
      },
    );
  }

  stop(): void {
    this.watch?.stop();
    this.watch = undefined;
  }

  /** Called on every successful write through the serving storage. */
  async onWrite(t: ResourceType, op: 'create' | 'update' | 'delete', obj: KubeObject): Promise<void> {
    if (t !== R.customresourcedefinitions) return;
    if (op === 'delete') await this.remove(obj as Crd);
    else this.sync(obj as Crd);
  }

  /** (Re)serves one CRD. */
  sync(crd: Crd): void {
    const name = crd.metadata.name!;
    if (crd.metadata.deletionTimestamp) {
      void this.remove(crd);
      return;
    }
    const types = typesOf(crd).filter(
      (t) => !RESOURCES.some((b) => b.group === t.group && b.plural === t.plural),
    );
    this.crds.set(name, crd);
    this.revision++;
    const old = this.deps.registry.customTypes(name);
    const kept = this.deps.registry.setCustom(name, types);
    for (const t of old) if (!kept.includes(t)) unregisterStrategy(t);
    for (const t of kept) {
      const v = crd.spec.versions.find((x) => x.name === t.version)!;
      registerStrategy(customStrategy(t, crd, v));
    }
    const st = kept.find((t) => !t.storageVersion);
    if (st && !this.fieldsRegistered.has(name)) {
      // selectableFields (CustomResourceFieldSelectors): values by JSONPath of the storage version.
      this.fieldsRegistered.add(name);
      this.deps.storage.registerFields(st, (obj) => {
        const cur = this.crds.get(name);
        const v = cur?.spec.versions.find((x) => x.storage);
        const out: Record<string, string> = {};
        for (const f of v?.selectableFields ?? []) {
          const val = jsonPath(obj, f.jsonPath)[0];
          out[f.jsonPath.replace(/^\./, '')] = val === undefined || val === null ? '' : String(val);
        }
        return out;
      });
    }
  }

  /** Stops serving a CRD and deletes its objects (the customresourcecleanup finalizer's job). */
  private async remove(crd: Crd): Promise<void> {
    const name = crd.metadata.name!;
    const types = this.deps.registry.customTypes(name);
    this.crds.delete(name);
    this.revision++;
    const st = types.find((t) => !t.storageVersion);
    this.deps.registry.setCustom(name, []);
    for (const t of types) unregisterStrategy(t);
    if (!st) return;
    try {
      const list = await this.deps.storage.list(st);
      for (const item of list.items) {
        try {
          await this.deps.storage.delete(st, item.metadata.namespace, item.metadata.name!, {
            propagationPolicy: 'Background',
          });
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) throw err;
        }
      }
    } catch (err) {
      this.deps.logger.warn('deleting custom resources failed', { crd: name, error: String(err) });
    }
  }

  /** OpenAPI v3 documents of the CRD group-versions, merged over the built-in ones. */
  openApiDocs(builtins: Map<string, OpenApiDoc>): Map<string, OpenApiDoc> {
    const version = this.revision;
    if (this.docs?.version !== version) {
      const byGv = new Map<string, { group: string; version: string; crds: Crd[] }>();
      for (const crd of this.crds.values())
        for (const t of this.deps.registry.customTypes(crd.metadata.name!)) {
          const k = apiVersionOf(t);
          const e = byGv.get(k) ?? { group: t.group, version: t.version, crds: [] };
          e.crds.push(crd);
          byGv.set(k, e);
        }
      const map = new Map<string, OpenApiDoc>();
      for (const e of byGv.values()) {
        const d = openApiDoc(e.group, e.version, e.crds);
        map.set(d.path, d);
      }
      this.docs = { version, map };
    }
    return new Map([...builtins, ...this.docs.map]);
  }
}
