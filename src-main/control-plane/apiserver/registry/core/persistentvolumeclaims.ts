/**
 * core/v1 PersistentVolumeClaims (pkg/registry/core/persistentvolumeclaim): validation, the
 * update rules (expansion, binding), the DefaultStorageClass admission plugin, the PVC Table;
 * the access-mode and storage-quantity helpers PersistentVolumes share.
 */
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import { deepEqual } from '../../../../common/json';
import { R } from '../../../../common/resources';
import { parseQuantity } from '../quantity';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from '../strategy';
import { Errors, validateLabels } from '../validation';
import { DEFAULT_CLASS_ANNOTATION } from '../storage/storageclasses';
import { validateQuantityMap } from './limitranges';

const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];
const ACCESS_ABBREV: Record<string, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};

/** The Access Modes cell: RWO, ROX, RWX, RWOP. */
export function accessModes(modes: string[] | undefined): string {
  return [...new Set(modes ?? [])].map((m) => ACCESS_ABBREV[m] ?? m).join(',');
}

/** Validates an access-mode list (at least one, known, ReadWriteOncePod alone). */
export function validateAccessModes(errs: Errors, field: string, modes: unknown): void {
  if (!Array.isArray(modes) || !modes.length) {
    errs.required(field, 'at least 1 access mode is required');
    return;
  }
  for (const m of modes) if (!ACCESS_MODES.includes(m as string)) errs.notSupported(field, m, ACCESS_MODES);
  if (modes.includes('ReadWriteOncePod') && modes.length > 1)
    errs.forbidden(field, 'may not use ReadWriteOncePod with other access modes');
}

/** Validates a required, positive storage quantity. */
export function validateStorageQuantity(errs: Errors, field: string, q: unknown): void {
  if (q === undefined) {
    errs.required(field);
    return;
  }
  const v = parseQuantity(q);
  if (v === undefined)
    errs.invalid(
      field,
      q,
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  else if (v <= 0) errs.invalid(field, q, 'must be greater than zero');
}

/** PersistentVolumeClaim strategy. */
export const pvcStrategy: Strategy = {
  type: R.persistentvolumeclaims,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending' };
  },
  applyDefaults(obj) {
    const spec = (obj as unknown as PersistentVolumeClaim).spec;
    if (!isObject(spec)) return;
    spec.volumeMode ??= 'Filesystem';
  },
  validate(obj) {
    const errs = validateObjectMeta(R.persistentvolumeclaims, obj);
    const spec = (obj as unknown as PersistentVolumeClaim).spec;
    if (!isObject(spec)) {
      errs.required('spec');
      return errs.causes;
    }
    validateAccessModes(errs, 'spec.accessModes', spec.accessModes);
    validateStorageQuantity(errs, 'spec.resources[storage]', spec.resources?.requests?.storage);
    validateQuantityMap(errs, 'spec.resources.limits', spec.resources?.limits);
    if (spec.volumeMode && !['Filesystem', 'Block'].includes(spec.volumeMode))
      errs.notSupported('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem']);
    validateLabels(errs, spec.selector?.matchLabels, 'spec.selector.matchLabels');
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    const a = structuredClone((obj as unknown as PersistentVolumeClaim).spec ?? {});
    const b = structuredClone((old as unknown as PersistentVolumeClaim).spec ?? {});
    // Mutable: resources.requests (expansion), volumeName once (binding), a missing class.
    const growing = a.resources?.requests?.storage;
    const was = b.resources?.requests?.storage;
    if (
      growing !== undefined &&
      was !== undefined &&
      (parseQuantity(growing) ?? 0) < (parseQuantity(was) ?? 0)
    )
      errs.forbidden('spec.resources.requests.storage', 'field can not be less than previous value');
    delete a.resources;
    delete b.resources;
    if (!b.volumeName) {
      delete a.volumeName;
      delete b.volumeName;
    }
    if (!b.storageClassName) {
      delete a.storageClassName;
      delete b.storageClassName;
    }
    delete a.volumeAttributesClassName;
    delete b.volumeAttributesClassName;
    if (!deepEqual(a, b))
      errs.forbidden(
        'spec',
        'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
      );
    return errs.causes;
  },
  async admit(obj, ctx) {
    // The DefaultStorageClass admission plugin.
    const spec = (obj as unknown as PersistentVolumeClaim).spec!;
    if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
    const classes = (await ctx.storage.list(R.storageclasses)).items.filter(
      (c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true',
    );
    // Like upstream: the newest default class wins when several are marked.
    classes.sort(
      (x, y) =>
        (y.metadata.creationTimestamp ?? '').localeCompare(x.metadata.creationTimestamp ?? '') ||
        (x.metadata.name ?? '').localeCompare(y.metadata.name ?? ''),
    );
    if (classes[0]) spec.storageClassName = classes[0].metadata.name;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Status', 'string', 'Phase represents the current phase of PersistentVolumeClaim.'),
      col(
        'Volume',
        'string',
        'VolumeName is the binding reference to the PersistentVolume backing this claim.',
      ),
      col('Capacity', 'string', 'Capacity represents the actual resources of the underlying volume.'),
      col(
        'Access Modes',
        'string',
        'AccessModes contains the actual access modes the volume backing the PVC has.',
      ),
      col(
        'StorageClass',
        'string',
        'StorageClassName is the name of the StorageClass required by the claim.',
      ),
      col(
        'VolumeAttributesClass',
        'string',
        'VolumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.',
      ),
      AGE_COLUMN,
      col('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.', {
        wide: true,
      }),
    ],
    cells(obj, now) {
      const c = obj as unknown as PersistentVolumeClaim;
      const phase = obj.metadata.deletionTimestamp ? 'Terminating' : (c.status?.phase ?? '');
      const bound = !!c.spec?.volumeName;
      return [
        obj.metadata.name,
        phase,
        c.spec?.volumeName ?? '',
        bound ? (c.status?.capacity?.storage ?? '') : '',
        bound ? accessModes(c.status?.accessModes) : '',
        c.spec?.storageClassName ?? '',
        c.spec?.volumeAttributesClassName || '<unset>',
        age(obj.metadata.creationTimestamp, now),
        c.spec?.volumeMode ?? '',
      ];
    },
  },
};
