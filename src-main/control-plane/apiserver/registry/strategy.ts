/**
 * The per-kind behaviour the generic REST layer delegates to (Kubernetes' RESTCreateStrategy /
 * RESTUpdateStrategy / TableConvertor): defaulting, validation, status handling, field-selector
 * fields and Table columns.
 */
import type { ClusterNetwork } from '../../../common/network';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import type { ResourceType } from '../../../common/resources';
import type { KubeObject } from '../../../common/types';
import type { TokenSigner } from '../../client/serviceaccount-token';
import type { FieldGetter, ObjectStorage, StorageDeleteOptions } from '../storage';
import { Errors, validateMeta } from './validation';

/** A Table column definition (meta.k8s.io/v1 TableColumnDefinition). */
export interface Column {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

/** Builds a column; `wide` columns (priority 1) only show with `-o wide`. */
export function col(
  name: string,
  type: Column['type'],
  description: string,
  opts: { format?: string; wide?: boolean } = {},
): Column {
  return { name, type, format: opts.format ?? '', description, priority: opts.wide ? 1 : 0 };
}

/** The Name column every kind starts with. */
export const NAME_COLUMN = col(
  'Name',
  'string',
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  { format: 'name' },
);

/** Table output of one kind: column definitions and a row builder. */
export interface TableConvertor {
  columns: Column[];
  /** Cells for one object, in column order; `now` is the server time in ms. */
  cells(obj: KubeObject, now: number): unknown[];
}

/** Context a strategy may need (the server clock). */
export interface StrategyContext {
  now: number;
}

/** What admission may use: other objects (through storage), the clock, and whether this is a dry run. */
export interface AdmissionContext {
  storage: ObjectStorage;
  now: number;
  dryRun: boolean;
  /** The cluster's address plan (ClusterIPs come from its serviceCidr); default slot 0. */
  network?: ClusterNetwork;
}

/** Where a kind keeps what its /scale subresource shows (a CRD's scale subresource paths). */
export interface ScaleView {
  read(obj: KubeObject): { replicas: number; statusReplicas: number; selector: string };
  setReplicas(obj: KubeObject, replicas: number): void;
}

/** What a kind's own deletion (Strategy.delete) works with. */
export interface DeleteContext {
  storage: ObjectStorage;
  namespace?: string;
  name: string;
  opts: StorageDeleteOptions;
}

/** What a subresource action gets; `dryRun()` reads (and validates) the query only when called. */
export interface ActionContext {
  storage: ObjectStorage;
  namespace?: string;
  name: string;
  now(): number;
  dryRun(): boolean;
  /** Signs service-account tokens (serviceaccounts/token); absent when the server issues none. */
  tokenSigner?: TokenSigner;
}

/**
 * A subresource whose body is its own kind (pods/binding, pods/eviction, namespaces/finalize):
 * upstream's per-resource BindingREST, EvictionREST and FinalizeREST.
 */
export interface SubresourceAction {
  method: 'POST' | 'PUT';
  /**
   * The answer is an object of the subresource's own kind (a TokenRequest), sent as is with 201
   * Created, rather than the parent's kind with 200.
   */
  ownKind?: boolean;
  /** Runs on the decoded body; returns the object to answer with (200), or nothing for a 201 Success. */
  run(body: unknown, ctx: ActionContext): Promise<KubeObject | undefined>;
}

/** Per-kind REST behaviour. Only `type` is mandatory; the rest defaults to generic behaviour. */
export interface Strategy {
  type: ResourceType;
  /** True when the kind has a status subresource: main writes keep the stored status. */
  hasStatus: boolean;
  /** Extra top-level fields beyond apiVersion/kind/metadata/spec/status (strict field validation). */
  topLevelFields?: string[];
  /**
   * For kinds with their own schema (custom resources): removes the fields it does not know, at
   * any depth, and returns their paths (`spec.foo`) for fieldValidation Strict/Warn.
   */
  pruneUnknown?(obj: KubeObject): string[];
  /** The kind's own OpenAPI schema (a CRD version's openAPIV3Schema), for server-side apply. */
  openApiSchema?: unknown;
  /** Field-selector fields besides metadata.name/namespace. */
  fields?: FieldGetter;
  /** Clients may set status on create (the kubelet registering its Node); other kinds with status lose it. */
  createWithStatus?: boolean;
  /** Resets what clients may not set on create (status) and fills create-only data. */
  prepareForCreate?(obj: KubeObject, ctx: StrategyContext): void;
  /** Applies defaults (run on create, update and after patches). */
  applyDefaults?(obj: KubeObject): void;
  /** Validates a new object; returns causes (empty = valid). */
  validate?(obj: KubeObject): StatusCause[];
  /** Extra checks on update (immutability). */
  validateUpdate?(obj: KubeObject, old: KubeObject): StatusCause[];
  /**
   * Admission on create, after defaulting and validation, for what depends on other objects
   * (Service clusterIP/nodePort allocation, the PVC's default StorageClass). Throws StatusError.
   */
  admit?(obj: KubeObject, ctx: AdmissionContext): Promise<void>;
  /** Admission on main-resource updates that changed something (e.g. a Service turned NodePort). */
  admitUpdate?(obj: KubeObject, old: KubeObject, ctx: AdmissionContext): Promise<void>;
  /** Table columns; defaults to Name, Created At. */
  table?: TableConvertor;
  /** Custom /scale paths; kinds without it use spec.replicas, status.replicas, spec.selector. */
  scaleView?: ScaleView;
  /** The Scale view's selector string and status replicas, for kinds with /scale. */
  scale?: boolean;
  /**
   * The kind's own REST Delete (graceful pods, namespaces that finalize first); without it an
   * object is deleted (or marked, while finalizers are pending) at once, with no grace period.
   */
  delete?(ctx: DeleteContext): Promise<KubeObject>;
  /** Subresources with a body of their own kind, by subresource name. */
  actions?: Record<string, SubresourceAction>;
  /**
   * Subresources streamed from the node, by name: `log` (GET), `upgrade` (exec, attach,
   * portforward) or `proxy` (nodes/proxy: GET to the kubelet).
   */
  connect?: Record<string, 'log' | 'upgrade' | 'proxy'>;
}

/** Metadata validation common to all kinds, with the DNS-1123 subdomain rule by default. */
export function validateObjectMeta(
  t: ResourceType,
  obj: KubeObject,
  nameRule?: (v: string) => string[],
): Errors {
  const errs = new Errors();
  validateMeta(errs, obj, { namespaced: t.namespaced, nameRule });
  return errs;
}

/** A plain object (not array/null)? */
// `any` (not unknown) so typed API structs such as PodSpec narrow too.
export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Returns `obj[key]` as an object, creating it when missing. */
/** kubectl's HumanDuration (apimachinery/pkg/util/duration), used for Age cells. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** Age cell: time since a timestamp, `<unknown>` when absent. */
export function age(ts: string | undefined, now: number): string {
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

/** The Age column. */
export const AGE_COLUMN = col(
  'Age',
  'string',
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
);

/** Generic table: Name, Created At (the real server's default). */
export const DEFAULT_TABLE: TableConvertor = {
  columns: [
    NAME_COLUMN,
    col(
      'Created At',
      'date',
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
    ),
  ],
  cells: (obj) => [obj.metadata.name, obj.metadata.creationTimestamp ?? ''],
};

/** A label selector rendered as the string form (`app=web,tier in (a,b)`). */
export function selectorString(sel: unknown): string {
  if (!isObject(sel)) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries((sel.matchLabels as Record<string, string>) ?? {}))
    parts.push(`${k}=${v}`);
  for (const e of (sel.matchExpressions as { key: string; operator: string; values?: string[] }[]) ?? []) {
    const vals = (e.values ?? []).join(',');
    switch (e.operator) {
      case 'In':
        parts.push(`${e.key} in (${vals})`);
        break;
      case 'NotIn':
        parts.push(`${e.key} notin (${vals})`);
        break;
      case 'Exists':
        parts.push(e.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${e.key}`);
        break;
    }
  }
  return parts.join(',');
}

/** Does a label selector (matchLabels + matchExpressions) select `labels`? */
export function selectorMatches(sel: unknown, labels: Record<string, string> | undefined): boolean {
  if (!isObject(sel)) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries((sel.matchLabels as Record<string, string>) ?? {}))
    if (l[k] !== v) return false;
  for (const e of (sel.matchExpressions as { key: string; operator: string; values?: string[] }[]) ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(l[e.key]))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(l[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}
