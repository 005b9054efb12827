/**
 * The API server's live registry of served resource types: the static built-ins of
 * common/resources.ts plus the types CustomResourceDefinitions add at run time. Discovery, REST
 * routing, OpenAPI and namespace deletion read it, so a CRD is served everywhere at once.
 */
import { RESOURCES, apiVersionOf, type ResourceType } from '../../common/resources';

/** The live set of served types. */
export class ResourceRegistry {
  /** Custom types per CRD name (`plural.group`). */
  private readonly custom = new Map<string, ResourceType[]>();
  private cached: ResourceType[] = RESOURCES;
  private readonly listeners = new Set<() => void>();
  private generation = 0;

  /** Every served type, built-ins first, in discovery order. */
  all(): ResourceType[] {
    return this.cached;
  }

  /** Increases whenever the set changes (for caches such as the OpenAPI documents). */
  get version(): number {
    return this.generation;
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.cached.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  findByKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.cached.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
  }

  /** Is this group/version served at all? */
  servesGroupVersion(group: string, version: string): boolean {
    return this.cached.some((t) => t.group === group && t.version === version);
  }

  /** The type objects of `t` are stored as: itself unless storageVersion/storageGroup say otherwise. */
  storageType(t: ResourceType): ResourceType {
    const group = t.storageGroup ?? t.group;
    if (!t.storageVersion || (t.storageVersion === t.version && group === t.group)) return t;
    return this.find(group, t.storageVersion, t.plural) ?? t;
  }

  /** The custom types a CRD serves now. */
  customTypes(crdName: string): ResourceType[] {
    return this.custom.get(crdName) ?? [];
  }

  /** Sets (or with [] removes) the types one CRD serves. Keeps identity of unchanged types. */
  setCustom(crdName: string, types: ResourceType[]): ResourceType[] {
    const old = this.custom.get(crdName) ?? [];
    const kept = types.map((t) => old.find((o) => JSON.stringify(o) === JSON.stringify(t)) ?? t);
    if (kept.length === old.length && kept.every((t, i) => t === old[i])) return old;
    if (kept.length) this.custom.set(crdName, kept);
    else this.custom.delete(crdName);
    this.cached = [...RESOURCES, ...[...this.custom.values()].flat()];
    this.generation++;
    for (const l of this.listeners) l();
    return kept;
  }

  /** Calls `fn` whenever the set of types changes. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
