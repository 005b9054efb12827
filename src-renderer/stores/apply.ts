/**
 * Apply YAML: validates each document against the API server's OpenAPI v3 schema of its kind
 * (fetched once per group-version), previews the change as a diff between the live object and
 * a server-side dry-run of the apply (`PATCH` apply-patch, `dryRun=All`), then server-side
 * applies it (field manager `skiff-ui`, strict field validation). Every outcome is kept per
 * document, with the server's field causes, for the page to put on the lines.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { stringify } from 'yaml';
import { ApiError, resourcePath } from '@common/client';
import { findByKind, type ResourceType } from '@common/resources';
import { errorMessage } from '../models/format';
import {
  openApiPath,
  splitApiVersion,
  validateManifest,
  type OpenApiDocument,
  type SchemaError,
} from '../models/openapi-validate';
import { cleanForDiff, lineDiff, type DiffLine } from '../models/line-diff';
import { useConnectionStore } from './connection';
import type { LoadStatus } from './resource-store';

export const FIELD_MANAGER = 'skiff-ui';

/** A server error in a form the page can place: message plus field causes. */
export interface ServerProblem {
  message: string;
  reason?: string;
  code?: number;
  causes: { field?: string; message: string }[];
}

/** What happened to one document. */
export interface DocOutcome {
  index: number;
  label: string;
  /** 'created' / 'configured' / 'unchanged' (dry-run: what would happen). */
  action?: 'created' | 'configured' | 'unchanged';
  diff?: DiffLine[];
  error?: ServerProblem;
}

export function toProblem(err: unknown): ServerProblem {
  if (err instanceof ApiError) {
    return {
      message: err.status.message || `HTTP ${err.code}`,
      reason: err.status.reason,
      code: err.code,
      causes: (err.status.details?.causes ?? []).map((c) => ({
        field: c.field,
        message: c.message ?? c.reason ?? '',
      })),
    };
  }
  return { message: errorMessage(err), causes: [] };
}

export const useApplyStore = defineStore('apply', () => {
  const schemaDocs = new Map<string, Promise<OpenApiDocument | null>>();
  const typeCache = new Map<string, Promise<ResourceType | undefined>>();
  const status = ref<LoadStatus>('idle');
  const mode = ref<'dry-run' | 'apply' | null>(null);
  const outcomes = shallowRef<DocOutcome[]>([]);
  const error = ref<string | null>(null);

  function client() {
    const c = useConnectionStore().client;
    if (!c) throw new Error('Not connected to the API server.');
    return c;
  }

  /** The group-version's OpenAPI document (null when the server has none for it). */
  function schemaDoc(apiVersion: string): Promise<OpenApiDocument | null> {
    const key = openApiPath(apiVersion);
    let p = schemaDocs.get(key);
    if (!p) {
      p = client()
        .raw<OpenApiDocument>({ method: 'GET', path: `/openapi/v3/${key}` })
        .catch((err: unknown) => {
          schemaDocs.delete(key);
          if (err instanceof ApiError && err.code === 404) return null;
          throw err;
        });
      schemaDocs.set(key, p);
    }
    return p;
  }

  /** Schema problems of one object ([] when its kind has no schema here). */
  async function validate(obj: Record<string, unknown>): Promise<SchemaError[]> {
    const errs: SchemaError[] = [];
    if (typeof obj.apiVersion !== 'string' || !obj.apiVersion)
      errs.push({ path: ['apiVersion'], message: 'is required' });
    if (typeof obj.kind !== 'string' || !obj.kind) errs.push({ path: ['kind'], message: 'is required' });
    const meta = obj.metadata as { name?: unknown; generateName?: unknown } | undefined;
    if (!meta?.name) errs.push({ path: ['metadata', 'name'], message: 'is required (apply needs a name)' });
    if (errs.length) return errs;
    const doc = await schemaDoc(String(obj.apiVersion));
    if (!doc)
      return [{ path: ['apiVersion'], message: `the server serves no API ${String(obj.apiVersion)}` }];
    return validateManifest(obj, doc);
  }

  /** Built-in kinds from the registry; others (CRDs) from discovery. */
  function resolveType(apiVersion: string, kind: string): Promise<ResourceType | undefined> {
    const key = `${apiVersion}/${kind}`;
    let p = typeCache.get(key);
    if (!p) {
      const builtin = findByKind(apiVersion, kind);
      if (builtin) p = Promise.resolve(builtin);
      else {
        const [group, version] = splitApiVersion(apiVersion);
        p = client()
          .raw<{ resources?: { name: string; kind: string; namespaced: boolean }[] }>({
            method: 'GET',
            path: group ? `/apis/${group}/${version}` : `/api/${version}`,
          })
          .then((list) => {
            const r = list.resources?.find((x) => x.kind === kind && !x.name.includes('/'));
            return r
              ? {
                  group,
                  version,
                  kind,
                  listKind: `${kind}List`,
                  plural: r.name,
                  singular: kind.toLowerCase(),
                  namespaced: r.namespaced,
                }
              : undefined;
          })
          .catch(() => undefined);
      }
      typeCache.set(key, p);
    }
    return p;
  }

  async function one(
    index: number,
    label: string,
    obj: Record<string, unknown>,
    opts: { dryRun: boolean; force: boolean; defaultNamespace: string },
  ): Promise<DocOutcome> {
    const type = await resolveType(String(obj.apiVersion), String(obj.kind));
    if (!type)
      return {
        index,
        label,
        error: {
          message: `The server does not serve kind ${String(obj.kind)} in ${String(obj.apiVersion)}.`,
          causes: [],
        },
      };
    const meta = (obj.metadata ?? {}) as { name?: string; namespace?: string };
    const ns = type.namespaced ? meta.namespace || opts.defaultNamespace : undefined;
    const body = type.namespaced ? { ...obj, metadata: { ...meta, namespace: ns } } : obj;
    const name = meta.name ?? '';
    const c = client();
    let live: Record<string, unknown> | null = null;
    try {
      live = await c.raw<Record<string, unknown>>({ method: 'GET', path: resourcePath(type, ns, name) });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) return { index, label, error: toProblem(err) };
    }
    const q = new URLSearchParams({ fieldManager: FIELD_MANAGER, fieldValidation: 'Strict' });
    if (opts.dryRun) q.set('dryRun', 'All');
    if (opts.force) q.set('force', 'true');
    try {
      const result = await c.raw<Record<string, unknown>>({
        method: 'PATCH',
        path: `${resourcePath(type, ns, name)}?${q.toString()}`,
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/apply-patch+yaml' },
      });
      const before = live ? stringify(cleanForDiff(live)) : '';
      const after = stringify(cleanForDiff(result));
      const diff = lineDiff(before, after);
      const changed = diff.some((d) => d.op !== ' ');
      return { index, label, diff, action: !live ? 'created' : changed ? 'configured' : 'unchanged' };
    } catch (err) {
      return { index, label, error: toProblem(err) };
    }
  }

  /**
   * Dry-runs (diff) or applies the documents in order (a Namespace before what goes in it).
   * Documents with syntax or schema errors are left out by the page.
   */
  async function run(
    docs: { index: number; label: string; object: Record<string, unknown> }[],
    opts: { dryRun: boolean; force?: boolean; defaultNamespace?: string },
  ): Promise<DocOutcome[]> {
    status.value = 'loading';
    mode.value = opts.dryRun ? 'dry-run' : 'apply';
    error.value = null;
    const out: DocOutcome[] = [];
    try {
      for (const d of docs) {
        out.push(
          await one(d.index, d.label, d.object, {
            dryRun: opts.dryRun,
            force: !!opts.force,
            defaultNamespace: opts.defaultNamespace || 'default',
          }),
        );
        outcomes.value = [...out];
      }
      status.value = out.some((o) => o.error) ? 'error' : 'ready';
    } catch (err) {
      status.value = 'error';
      error.value = errorMessage(err);
    }
    return out;
  }

  function reset(): void {
    status.value = 'idle';
    mode.value = null;
    outcomes.value = [];
    error.value = null;
  }

  return { status, mode, outcomes, error, validate, run, reset };
});
