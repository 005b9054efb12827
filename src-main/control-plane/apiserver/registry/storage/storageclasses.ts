/**
 * storage.k8s.io/v1 StorageClasses: reclaim and binding-mode defaults, immutable provisioner
 * and parameters, and the default-class annotation (the Table marks that class "(default)").
 */
import type { StorageClass } from 'kubernetes-types/storage/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, validateObjectMeta, type Strategy } from '../strategy';
import { Errors, immutable } from '../validation';

/** The default StorageClass's annotation. */
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

/** StorageClass strategy; the default class shows "(default)" after its name. */
export const storageClassStrategy: Strategy = {
  type: R.storageclasses,
  hasStatus: false,
  topLevelFields: [
    'provisioner',
    'parameters',
    'reclaimPolicy',
    'mountOptions',
    'allowVolumeExpansion',
    'volumeBindingMode',
    'allowedTopologies',
  ],
  applyDefaults(obj) {
    const sc = obj as unknown as StorageClass;
    sc.reclaimPolicy ??= 'Delete';
    sc.volumeBindingMode ??= 'Immediate';
  },
  validate(obj) {
    const errs = validateObjectMeta(R.storageclasses, obj);
    const sc = obj as unknown as StorageClass;
    if (!sc.provisioner) errs.required('provisioner');
    if (sc.reclaimPolicy && !['Delete', 'Retain'].includes(sc.reclaimPolicy))
      errs.notSupported('reclaimPolicy', sc.reclaimPolicy, ['Delete', 'Retain']);
    if (sc.volumeBindingMode && !['Immediate', 'WaitForFirstConsumer'].includes(sc.volumeBindingMode))
      errs.notSupported('volumeBindingMode', sc.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']);
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    for (const f of ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode'])
      immutable(errs, f, (obj as Record<string, unknown>)[f], (old as Record<string, unknown>)[f]);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Provisioner', 'string', 'Indicates the type of the provisioner.'),
      col(
        'ReclaimPolicy',
        'string',
        'Dynamically provisioned PersistentVolumes of this storage class are created with this reclaimPolicy.',
      ),
      col(
        'VolumeBindingMode',
        'string',
        'VolumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.',
      ),
      col(
        'AllowVolumeExpansion',
        'string',
        'AllowVolumeExpansion shows whether the storage class allow volume expand.',
      ),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const sc = obj as unknown as StorageClass;
      const isDefault =
        ['true'].includes(obj.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] ?? '') ||
        obj.metadata.annotations?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
      return [
        isDefault ? `${obj.metadata.name} (default)` : obj.metadata.name,
        sc.provisioner ?? '',
        sc.reclaimPolicy ?? 'Delete',
        sc.volumeBindingMode ?? 'Immediate',
        String(sc.allowVolumeExpansion ?? false),
        age(obj.metadata.creationTimestamp, now),
      ];
    },
  },
};
