/**
 * Where an object of a kind lives in the dashboard (events link to their object, the command
 * palette jumps to any object): the resource type by kind and the route of its page.
 */
import { R, type ResourceType } from '@common/resources';
import { KINDS } from './kinds';

/** The resource type of a kind name (`Deployment` → apps/v1 deployments). */
export function resourceTypeOfKind(kind: string): ResourceType | undefined {
  return Object.values(R).find((t) => t.kind === kind);
}

/** A vue-router location, kept structural so models stay free of the router. */
export interface RouteTarget {
  name: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
}

/** Route of an object's page, or undefined when the dashboard has none for its kind. */
export function objectRoute(
  kind: string,
  namespace: string | undefined,
  name: string,
): RouteTarget | undefined {
  if (kind === 'Node') return { name: 'node', params: { name } };
  const spec = Object.values(KINDS).find((k) => k.singular === kind);
  if (!spec) return undefined;
  const ns = namespace || '_';
  if (spec.detail) return { name: spec.detail, params: { namespace: ns, name } };
  return { name: 'object', params: { plural: spec.id, namespace: ns, name } };
}
