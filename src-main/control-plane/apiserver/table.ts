/**
 * meta.k8s.io/v1 Table responses (what `kubectl get` prints), built from a strategy's
 * TableConvertor, with includeObject None | Metadata (PartialObjectMetadata) | Object.
 */
import { apiVersionOf, type ResourceType } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { DEFAULT_TABLE, type TableConvertor } from './registry/strategy';
import { badRequest } from './status';

/** How much of each object a Table row carries. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Content type of Table answers, as the real server sends it. */
export const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

/** Parses `includeObject` (default Metadata). */
export function includeObjectParam(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object')
    throw badRequest(
      `includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`,
    );
  return v;
}

function rowObject(t: ResourceType, obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return { apiVersion: apiVersionOf(t), kind: t.kind, ...obj };
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/** Builds a Table of `items`. */
export function toTable(
  t: ResourceType,
  convertor: TableConvertor | undefined,
  items: KubeObject[],
  opts: {
    now: number;
    include: IncludeObject;
    resourceVersion?: string;
    continue?: string;
    remainingItemCount?: number;
    columns?: boolean;
  },
): unknown {
  const conv = convertor ?? DEFAULT_TABLE;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      ...(opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}),
      ...(opts.continue ? { continue: opts.continue } : {}),
      ...(opts.remainingItemCount !== undefined ? { remainingItemCount: opts.remainingItemCount } : {}),
    },
    ...(opts.columns === false ? {} : { columnDefinitions: conv.columns }),
    rows: items.map((obj) => {
      const object = rowObject(t, obj, opts.include);
      return { cells: conv.cells(obj, opts.now), ...(object ? { object } : {}) };
    }),
  };
}
