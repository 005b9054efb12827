/**
 * The OpenAPI v3 component schemas of the Kubernetes API types (generated from
 * kubernetes-types by resources/tools/gen-openapi-schemas.mjs into openapi-schemas.json) and
 * lookups over them: the schema of a served kind by its group/version/kind, `$ref` resolution
 * and the transitive closure a per-group-version document needs. Kinds without an upstream
 * schema (added to the registry later, or custom) get a permissive generated one.
 */
import type { ResourceType } from '../../common/resources';
import raw from './openapi-schemas.json';

/** An OpenAPI v3 schema object (the subset Skiff reads). */
export interface Schema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  $ref?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  [k: string]: unknown;
}

/** Every component schema by its fully qualified name. */
export const SCHEMAS: Readonly<Record<string, Schema>> = raw as Record<string, Schema>;

const REF_PREFIX = '#/components/schemas/';

let byGvk: Map<string, string> | undefined;

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

/** The component name of a kind's schema, if an upstream schema exists. */
export function schemaNameFor(t: Pick<ResourceType, 'group' | 'version' | 'kind'>): string | undefined {
  if (!byGvk) {
    byGvk = new Map();
    for (const [name, s] of Object.entries(SCHEMAS))
      for (const g of s['x-kubernetes-group-version-kind'] ?? [])
        byGvk.set(gvkKey(g.group, g.version, g.kind), name);
  }
  return byGvk.get(gvkKey(t.group, t.version, t.kind));
}

/** The schema of a served kind, or undefined when Skiff has none for it. */
export function schemaFor(t: Pick<ResourceType, 'group' | 'version' | 'kind'>): Schema | undefined {
  const name = schemaNameFor(t);
  return name ? SCHEMAS[name] : undefined;
}

/** Follows `$ref` and single-element `allOf` wrappers to the schema they stand for. */
export function resolveSchema(s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur && i < 8; i++) {
    if (cur.$ref) cur = SCHEMAS[cur.$ref.slice(REF_PREFIX.length)];
    else if (cur.allOf?.length === 1 && !cur.properties) {
      const inner = cur.allOf[0];
      cur = inner.$ref ? SCHEMAS[inner.$ref.slice(REF_PREFIX.length)] : inner;
    } else return cur;
  }
  return cur;
}

/** Adds `name` and every schema it references (transitively) to `into`. */
export function collectSchemas(name: string, into: Record<string, Schema>): void {
  const stack = [name];
  while (stack.length) {
    const n = stack.pop()!;
    if (into[n] || !SCHEMAS[n]) continue;
    into[n] = SCHEMAS[n];
    JSON.stringify(SCHEMAS[n], (k, v) => {
      if (k === '$ref' && typeof v === 'string') stack.push(v.slice(REF_PREFIX.length));
      return v;
    });
  }
}

/**
 * A schema for a kind without an upstream one: known envelope fields, ObjectMeta, and spec and
 * status that keep whatever they are given.
 */
export function genericKindSchema(t: Pick<ResourceType, 'group' | 'version' | 'kind'>): Schema {
  const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
  return {
    type: 'object',
    description: `${t.kind} (${t.group ? `${t.group}/` : ''}${t.version}) as served by Skiff.`,
    properties: {
      apiVersion: {
        type: 'string',
        description: 'APIVersion defines the versioned schema of this representation of an object.',
      },
      kind: {
        type: 'string',
        description: 'Kind is a string value representing the REST resource this object represents.',
      },
      metadata: { allOf: [{ $ref: `${REF_PREFIX}${meta}` }], description: "Standard object's metadata." },
      spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    'x-kubernetes-group-version-kind': [{ group: t.group, version: t.version, kind: t.kind }],
  };
}
