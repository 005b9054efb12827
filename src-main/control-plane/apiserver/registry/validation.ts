/**
 * Field validation helpers shared by the per-kind strategies, producing Kubernetes-shaped
 * causes (`FieldValueRequired`, `FieldValueInvalid`, …) and the messages apimachinery uses.
 */
import type { StatusCause } from 'kubernetes-types/meta/v1';
import type { KubeObject } from '../../../common/types';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Collects validation causes for one object. */
export class Errors {
  readonly causes: StatusCause[] = [];

  required(field: string, detail = ''): void {
    this.causes.push({
      reason: 'FieldValueRequired',
      field,
      message: detail ? `Required value: ${detail}` : 'Required value',
    });
  }

  invalid(field: string, value: unknown, detail: string): void {
    this.causes.push({
      reason: 'FieldValueInvalid',
      field,
      message: `Invalid value: ${fmt(value)}: ${detail}`,
    });
  }

  notSupported(field: string, value: unknown, valid: string[]): void {
    this.causes.push({
      reason: 'FieldValueNotSupported',
      field,
      message: `Unsupported value: ${fmt(value)}: supported values: ${valid.map((v) => `"${v}"`).join(', ')}`,
    });
  }

  duplicate(field: string, value: unknown): void {
    this.causes.push({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${fmt(value)}` });
  }

  forbidden(field: string, detail: string): void {
    this.causes.push({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });
  }

  tooLong(field: string, max: number): void {
    this.causes.push({
      reason: 'FieldValueTooLong',
      field,
      message: `Too long: may not be more than ${max} bytes`,
    });
  }
}

function fmt(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? 'null';
}

/** The messages of apimachinery's IsDNS1123Subdomain, or [] when valid. */
export function dns1123Subdomain(v: string): string[] {
  const out: string[] = [];
  if (v.length > 253) out.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(v))
    out.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  return out;
}

/** The messages of apimachinery's IsDNS1123Label, or [] when valid. */
export function dns1123Label(v: string): string[] {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(v))
    out.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  return out;
}

/** Label/annotation key syntax (`prefix/name`). */
export function qualifiedName(key: string): string[] {
  const parts = key.split('/');
  let name = key;
  const out: string[] = [];
  if (parts.length === 2) {
    const [prefix, n] = parts;
    name = n;
    if (!prefix) out.push('prefix part must be non-empty');
    else for (const m of dns1123Subdomain(prefix)) out.push(`prefix part ${m}`);
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (!name) out.push('name part must be non-empty');
  else if (name.length > 63) out.push('name part must be no more than 63 characters');
  else if (!QUALIFIED_NAME.test(name))
    out.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  return out;
}

/** Label value syntax. */
export function labelValue(v: string): string[] {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(v))
    out.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  return out;
}

/** Validates a label map at `field`. */
export function validateLabels(errs: Errors, labels: unknown, field: string): void {
  if (labels === undefined || labels === null) return;
  if (typeof labels !== 'object' || Array.isArray(labels)) {
    errs.invalid(field, labels, 'must be a map of string keys to string values');
    return;
  }
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    for (const m of qualifiedName(k)) errs.invalid(field, k, m);
    if (typeof v !== 'string') errs.invalid(`${field}[${k}]`, v, 'must be a string');
    else for (const m of labelValue(v)) errs.invalid(`${field}`, v, m);
  }
}

/**
 * Validates ObjectMeta: name (or generateName) with the kind's name rule, namespace presence
 * for namespaced kinds, labels and annotation keys.
 */
export function validateMeta(
  errs: Errors,
  obj: KubeObject,
  opts: { namespaced: boolean; nameRule?: (v: string) => string[] },
): void {
  const meta = obj.metadata;
  const rule = opts.nameRule ?? dns1123Subdomain;
  if (!meta || typeof meta !== 'object') {
    errs.required('metadata');
    return;
  }
  if (!meta.name && !meta.generateName) errs.required('metadata.name', 'name or generateName is required');
  if (meta.name) for (const m of rule(meta.name)) errs.invalid('metadata.name', meta.name, m);
  if (!meta.name && meta.generateName) {
    // generateName gets a 5-character suffix; validate the prefix as if it were a name.
    const probe = meta.generateName.replace(/-$/, '') + '-x';
    for (const m of rule(probe)) errs.invalid('metadata.generateName', meta.generateName, m);
  }
  if (opts.namespaced && !meta.namespace) errs.required('metadata.namespace');
  if (!opts.namespaced && meta.namespace) errs.forbidden('metadata.namespace', 'not allowed on this type');
  validateLabels(errs, meta.labels, 'metadata.labels');
  if (meta.annotations) {
    let size = 0;
    for (const [k, v] of Object.entries(meta.annotations)) {
      for (const m of qualifiedName(k)) errs.invalid('metadata.annotations', k, m);
      size += k.length + String(v).length;
    }
    if (size > 256 * 1024) errs.tooLong('metadata.annotations', 256 * 1024);
  }
}

/** Checks an immutable field on update. */
export function immutable(errs: Errors, field: string, now: unknown, old: unknown): void {
  if (JSON.stringify(now) !== JSON.stringify(old)) errs.invalid(field, now ?? null, 'field is immutable');
}
