// The selection predicate of the object storage (upstream storage.SelectionPredicate): label and field selectors, with each kind's field attributes as registered from its strategy; pure, touches no storage.
import type { ResourceType } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import {
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
  type FieldRequirement,
  type LabelSelectorReqs,
} from './selectors';
import { badRequest, qualifiedResource } from './status';
import type { FieldGetter } from './storage';

/** Parsed selectors of one list or watch. */
export interface Predicate {
  labels: LabelSelectorReqs;
  fields: FieldRequirement[];
}

/** Does the predicate select anything less than everything? */
export function filtering(p: Predicate): boolean {
  return p.labels.length > 0 || p.fields.length > 0;
}

/**
 * Field-selector attributes per kind (upstream's per-resource GetAttrs): metadata.name and
 * metadata.namespace always, plus what was registered for the kind — the strategies' `fields`
 * (registered by the API server) and a CRD's selectableFields.
 */
export class FieldAttrs {
  private readonly getters = new Map<string, FieldGetter[]>();

  register(t: ResourceType, getter: FieldGetter): void {
    const k = qualifiedResource(t);
    this.getters.set(k, [...(this.getters.get(k) ?? []), getter]);
  }

  private of(t: ResourceType, obj: KubeObject): Record<string, string> {
    let out: Record<string, string> = {
      'metadata.name': obj.metadata.name ?? '',
      'metadata.namespace': t.namespaced ? (obj.metadata.namespace ?? '') : '',
    };
    for (const g of this.getters.get(qualifiedResource(t)) ?? []) out = { ...out, ...g(obj) };
    return out;
  }

  /** Field names a kind supports, or undefined if a getter cannot be probed (then accept any). */
  private supported(t: ResourceType): Set<string> | undefined {
    const names = new Set(['metadata.name', 'metadata.namespace']);
    for (const g of this.getters.get(qualifiedResource(t)) ?? []) {
      try {
        for (const k of Object.keys(g({ metadata: {} }))) names.add(k);
      } catch {
        return undefined;
      }
    }
    return names;
  }

  /** Parses the selectors of a request; 400 on a bad one or an unsupported field label. */
  predicate(t: ResourceType, labelSelector?: string, fieldSelector?: string): Predicate {
    try {
      const labels = parseLabelSelector(labelSelector);
      const fields = parseFieldSelector(fieldSelector);
      const supported = fields.length > 0 ? this.supported(t) : undefined;
      for (const f of fields) {
        if (supported && !supported.has(f.field)) throw badRequest(`field label not supported: ${f.field}`);
      }
      return { labels, fields };
    } catch (err) {
      if (err instanceof SelectorError) throw badRequest(err.message);
      throw err;
    }
  }

  /** Does `obj` pass the predicate? */
  matches(t: ResourceType, p: Predicate, obj: KubeObject): boolean {
    if (p.labels.length > 0 && !matchesLabelSelector(p.labels, obj.metadata.labels)) return false;
    if (p.fields.length > 0 && !matchesFieldSelector(p.fields, this.of(t, obj))) return false;
    return true;
  }
}
