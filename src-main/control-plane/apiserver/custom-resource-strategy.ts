// The Strategy of one served version of a CRD's custom resources: schema pruning, defaulting and validation, printer columns and the /scale view; pure, touches no storage.
import type {
  CustomResourceColumnDefinition,
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
} from 'kubernetes-types/apiextensions/v1';
import type { ResourceType } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { applySchemaDefaults, jsonPath, prune, validateSchema, type Schema } from './crd-schema';
import { KNOWN_META } from './field-validation';
import {
  AGE_COLUMN,
  NAME_COLUMN,
  age,
  col,
  isObject,
  validateObjectMeta,
  type ScaleView,
  type Strategy,
} from './registry/strategy';

type Crd = CustomResourceDefinition & KubeObject;

const DATE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created.';

function cellValue(c: CustomResourceColumnDefinition, obj: KubeObject, now: number): unknown {
  const results = jsonPath(obj, c.jsonPath);
  if (!results.length) return null;
  const v = results[0];
  switch (c.type) {
    case 'date':
      return typeof v === 'string' ? age(v, now) : null;
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    default:
      return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}

/** Sets a simple dotted path (`.spec.replicas`), creating objects on the way. */
function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isObject(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

/** The /scale view of a CRD version (specReplicasPath, statusReplicasPath, labelSelectorPath). */
function scaleView(
  sc: NonNullable<NonNullable<CustomResourceDefinitionVersion['subresources']>['scale']>,
): ScaleView {
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    read(obj) {
      const sel = sc.labelSelectorPath ? jsonPath(obj, sc.labelSelectorPath)[0] : undefined;
      return {
        replicas: num(jsonPath(obj, sc.specReplicasPath)[0]),
        statusReplicas: num(jsonPath(obj, sc.statusReplicasPath)[0]),
        selector: typeof sel === 'string' ? sel : '',
      };
    },
    setReplicas(obj, replicas) {
      setPath(obj, sc.specReplicasPath, replicas);
    },
  };
}

/** The strategy of one served version of a CRD. */
export function customStrategy(
  t: ResourceType,
  crd: Crd,
  version: CustomResourceDefinitionVersion,
): Strategy {
  const schema = (version.schema?.openAPIV3Schema ?? { type: 'object' }) as unknown as Schema;
  const rootPreserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const props = Object.keys(schema.properties ?? {}).filter(
    (k) => !['apiVersion', 'kind', 'metadata'].includes(k),
  );
  const columns = (version.additionalPrinterColumns ?? []).length
    ? version.additionalPrinterColumns!
    : [
        {
          name: 'Age',
          type: 'date',
          jsonPath: '.metadata.creationTimestamp',
          description: DATE_DESCRIPTION,
          priority: 0,
        },
      ];
  // Everything but apiVersion/kind/metadata goes through the schema.
  const body = (obj: KubeObject): Record<string, unknown> => {
    const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = obj;
    return rest;
  };
  const bodySchema: Schema = { ...schema, properties: { ...schema.properties } };
  delete bodySchema.properties!.apiVersion;
  delete bodySchema.properties!.kind;
  delete bodySchema.properties!.metadata;
  bodySchema.required = (schema.required ?? []).filter(
    (r) => !['apiVersion', 'kind', 'metadata'].includes(r),
  );
  return {
    type: t,
    hasStatus: !!version.subresources?.status,
    scale: !!version.subresources?.scale,
    scaleView: version.subresources?.scale ? scaleView(version.subresources.scale) : undefined,
    openApiSchema: schema,
    topLevelFields: rootPreserve ? undefined : props,
    pruneUnknown(obj) {
      const b = body(obj);
      const unknown = prune(bodySchema, b);
      for (const k of Object.keys(obj))
        if (!['apiVersion', 'kind', 'metadata'].includes(k) && !(k in b)) delete obj[k];
      for (const k of Object.keys(obj.metadata ?? {}))
        if (!KNOWN_META.has(k)) {
          delete (obj.metadata as Record<string, unknown>)[k];
          unknown.push(`metadata.${k}`);
        }
      return unknown;
    },
    applyDefaults(obj) {
      // Pruning on every write also covers patches and status updates (the decoder's job upstream).
      const b = body(obj);
      prune(bodySchema, b);
      for (const k of Object.keys(obj))
        if (!['apiVersion', 'kind', 'metadata'].includes(k) && !(k in b)) delete obj[k];
      applySchemaDefaults(bodySchema, obj);
    },
    validate(obj) {
      const errs = validateObjectMeta(t, obj);
      validateSchema(bodySchema, body(obj), '', errs.causes);
      return errs.causes;
    },
    table: {
      columns: [
        NAME_COLUMN,
        ...columns.map((c) =>
          c.type === 'date' && c.jsonPath === '.metadata.creationTimestamp'
            ? { ...AGE_COLUMN, name: c.name, priority: c.priority ?? 0 }
            : col(c.name, (c.type as never) ?? 'string', c.description ?? '', {
                format: c.format,
                wide: (c.priority ?? 0) > 0,
              }),
        ),
      ],
      cells: (obj, now) => [
        obj.metadata.name,
        ...columns.map((c) => cellValue(c as CustomResourceColumnDefinition, obj, now)),
      ],
    },
  };
}
