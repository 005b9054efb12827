/**
 * core/v1 LimitRanges (pkg/registry/core/limitrange): SetDefaults_LimitRangeItem, item
 * validation, and the quantity-map check ResourceQuotas and PVCs share.
 */
import type { LimitRange } from 'kubernetes-types/core/v1';
import { R } from '../../../../common/resources';
import { parseQuantity } from '../quantity';
import { NAME_COLUMN, col, isObject, validateObjectMeta, type Strategy } from '../strategy';
import type { Errors } from '../validation';

/** Validates a map of resource names to quantities (non-negative unless told otherwise). */
export function validateQuantityMap(errs: Errors, field: string, m: unknown, nonNegative = true): void {
  if (m === undefined || m === null) return;
  if (!isObject(m)) {
    errs.invalid(field, m, 'must be a map of resource names to quantities');
    return;
  }
  for (const [k, q] of Object.entries(m)) {
    const v = parseQuantity(q);
    if (v === undefined)
      errs.invalid(
        `${field}[${k}]`,
        q,
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      );
    else if (nonNegative && v < 0) errs.invalid(`${field}[${k}]`, q, 'must be greater than or equal to 0');
  }
}

const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'];

/** LimitRange strategy. */
export const limitRangeStrategy: Strategy = {
  type: R.limitranges,
  hasStatus: false,
  applyDefaults(obj) {
    // SetDefaults_LimitRangeItem: default ← max, defaultRequest ← default, then ← min.
    for (const item of (obj as unknown as LimitRange).spec?.limits ?? []) {
      if (!isObject(item) || item.type !== 'Container') continue;
      const def: Record<string, unknown> = { ...(item.default ?? {}) };
      const req: Record<string, unknown> = { ...(item.defaultRequest ?? {}) };
      for (const [k, v] of Object.entries(item.max ?? {})) def[k] ??= v;
      for (const [k, v] of Object.entries(def)) req[k] ??= v;
      for (const [k, v] of Object.entries(item.min ?? {})) req[k] ??= v;
      if (Object.keys(def).length) item.default = def as never;
      if (Object.keys(req).length) item.defaultRequest = req as never;
    }
  },
  validate(obj) {
    const errs = validateObjectMeta(R.limitranges, obj);
    const lr = obj as unknown as LimitRange;
    if (!isObject(lr.spec)) {
      errs.required('spec');
      return errs.causes;
    }
    if (!Array.isArray(lr.spec.limits)) {
      errs.required('spec.limits');
      return errs.causes;
    }
    lr.spec.limits.forEach((l, i) => {
      const f = `spec.limits[${i}]`;
      if (!l?.type) errs.required(`${f}.type`);
      else if (!LIMIT_TYPES.includes(l.type)) errs.notSupported(`${f}.type`, l.type, LIMIT_TYPES);
      for (const k of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const)
        validateQuantityMap(errs, `${f}.${k}`, l?.[k]);
      if (l?.type === 'Pod' && (l.default || l.defaultRequest))
        errs.forbidden(`${f}.default`, "may not be specified when `type` is 'Pod'");
      for (const [r, max] of Object.entries(l?.max ?? {})) {
        const min = l?.min?.[r];
        if (min !== undefined && (parseQuantity(min) ?? 0) > (parseQuantity(max) ?? 0))
          errs.invalid(`${f}.min[${r}]`, min, `min value ${min} is greater than max value ${max}`);
        const def = l?.default?.[r];
        if (def !== undefined && (parseQuantity(def) ?? 0) > (parseQuantity(max) ?? 0))
          errs.invalid(`${f}.default[${r}]`, def, `default value ${def} is greater than max value ${max}`);
      }
    });
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col(
        'Created At',
        'date',
        'CreationTimestamp is a timestamp representing the server time when this object was created.',
      ),
    ],
    cells: (obj) => [obj.metadata.name, obj.metadata.creationTimestamp ?? ''],
  },
};
