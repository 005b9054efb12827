/**
 * core/v1 ConfigMaps (pkg/registry/core/configmap): key and size validation, `immutable`, and
 * the data-map helpers Secrets share.
 */
import type { ConfigMap } from 'kubernetes-types/core/v1';
import { R } from '../../../../common/resources';
import type { KubeObject } from '../../../../common/types';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from '../strategy';
import { Errors } from '../validation';

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
/** The largest ConfigMap or Secret payload (1 MiB). */
export const MAX_DATA_SIZE = 1024 * 1024;

/** Validates one data map's keys and values; returns its size in characters. */
export function validateKeys(errs: Errors, field: string, m: unknown, seen: Set<string>): number {
  if (m === undefined || m === null) return 0;
  if (!isObject(m)) {
    errs.invalid(field, m, 'must be a map of string keys to string values');
    return 0;
  }
  let size = 0;
  for (const [k, v] of Object.entries(m)) {
    if (!CONFIG_KEY.test(k) || k === '.' || k === '..' || k.startsWith('..') || k.length > 253)
      errs.invalid(
        field,
        k,
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      );
    if (seen.has(k)) errs.invalid(field, k, 'duplicate of key present in another map');
    seen.add(k);
    if (typeof v !== 'string') errs.invalid(`${field}[${k}]`, v, 'must be a string');
    else size += v.length;
  }
  return size;
}

/** The number of keys of the given maps (the Data column). */
export function dataCount(...maps: unknown[]): number {
  return maps.reduce<number>((n, m) => n + (isObject(m) ? Object.keys(m).length : 0), 0);
}

/** With `immutable` set, neither the flag nor the data fields may change. */
export function immutableData(errs: Errors, obj: KubeObject, old: KubeObject, fields: string[]): void {
  const o = old as { immutable?: boolean };
  if (o.immutable) {
    if ((obj as { immutable?: boolean }).immutable !== true)
      errs.forbidden('immutable', 'field is immutable when `immutable` is set');
    for (const f of fields)
      if (JSON.stringify(obj[f] ?? {}) !== JSON.stringify(old[f] ?? {}))
        errs.forbidden(f, 'field is immutable when `immutable` is set');
  }
}

/** ConfigMap strategy. */
export const configMapStrategy: Strategy = {
  type: R.configmaps,
  hasStatus: false,
  topLevelFields: ['data', 'binaryData', 'immutable'],
  validate(obj) {
    const errs = validateObjectMeta(R.configmaps, obj);
    const cm = obj as unknown as ConfigMap;
    const seen = new Set<string>();
    let size = validateKeys(errs, 'data', cm.data, seen);
    size += validateKeys(errs, 'binaryData', cm.binaryData, seen);
    for (const [k, v] of Object.entries(isObject(cm.binaryData) ? cm.binaryData : {}))
      if (typeof v === 'string' && !isBase64(v))
        errs.invalid(`binaryData[${k}]`, '<binary>', 'illegal base64 data');
    if (size > MAX_DATA_SIZE) errs.tooLong('', MAX_DATA_SIZE);
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    immutableData(errs, obj, old, ['data', 'binaryData']);
    return errs.causes;
  },
  table: {
    columns: [NAME_COLUMN, col('Data', 'string', 'Number of keys in the config map'), AGE_COLUMN],
    cells(obj, now) {
      const cm = obj as unknown as ConfigMap;
      return [obj.metadata.name, dataCount(cm.data, cm.binaryData), age(obj.metadata.creationTimestamp, now)];
    },
  },
};

/** Is `v` standard base64? */
export function isBase64(v: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0;
}
