/**
 * core/v1 PersistentVolumes (pkg/registry/core/persistentvolume): defaulting, one volume source,
 * immutable source and volumeMode, the PV Table.
 */
import type { PersistentVolume } from 'kubernetes-types/core/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from '../strategy';
import { Errors, immutable } from '../validation';
import { accessModes, validateAccessModes, validateStorageQuantity } from './persistentvolumeclaims';

const PV_SOURCES = [
  'hostPath',
  'local',
  'nfs',
  'csi',
  'iscsi',
  'fc',
  'cephfs',
  'rbd',
  'glusterfs',
  'awsElasticBlockStore',
  'gcePersistentDisk',
  'azureDisk',
  'azureFile',
  'flexVolume',
  'vsphereVolume',
  'portworxVolume',
  'cinder',
];

/** PersistentVolume strategy. */
export const pvStrategy: Strategy = {
  type: R.persistentvolumes,
  hasStatus: true,
  prepareForCreate(obj, ctx) {
    obj.status = {
      phase: 'Pending',
      lastPhaseTransitionTime: new Date(ctx.now).toISOString().replace(/\.\d+Z$/, 'Z'),
    };
  },
  applyDefaults(obj) {
    const spec = (obj as unknown as PersistentVolume).spec;
    if (!isObject(spec)) return;
    spec.persistentVolumeReclaimPolicy ??= 'Retain';
    spec.volumeMode ??= 'Filesystem';
    if (isObject(spec.hostPath)) spec.hostPath.type ??= '';
  },
  validate(obj) {
    const errs = validateObjectMeta(R.persistentvolumes, obj);
    const spec = (obj as unknown as PersistentVolume).spec;
    if (!isObject(spec)) {
      errs.required('spec');
      return errs.causes;
    }
    validateAccessModes(errs, 'spec.accessModes', spec.accessModes);
    validateStorageQuantity(errs, 'spec.capacity[storage]', spec.capacity?.storage);
    const sources = PV_SOURCES.filter((k) => (spec as Record<string, unknown>)[k] !== undefined);
    if (!sources.length) errs.required('spec', 'must specify a volume type');
    else if (sources.length > 1)
      errs.forbidden(`spec.${sources[1]}`, 'may not specify more than 1 volume type');
    if (
      spec.persistentVolumeReclaimPolicy &&
      !['Retain', 'Delete', 'Recycle'].includes(spec.persistentVolumeReclaimPolicy)
    )
      errs.notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, [
        'Delete',
        'Recycle',
        'Retain',
      ]);
    if (isObject(spec.hostPath) && !spec.hostPath.path) errs.required('spec.hostPath.path');
    if (isObject(spec.local) && !spec.local.path) errs.required('spec.local.path');
    if (isObject(spec.local) && !spec.nodeAffinity)
      errs.required('spec.nodeAffinity', 'Local volume requires node affinity');
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    const a = (obj as unknown as PersistentVolume).spec;
    const b = (old as unknown as PersistentVolume).spec;
    immutable(errs, 'spec.volumeMode', a?.volumeMode, b?.volumeMode);
    for (const k of PV_SOURCES)
      if ((b as Record<string, unknown> | undefined)?.[k] !== undefined)
        immutable(
          errs,
          `spec.persistentvolumesource`,
          (a as Record<string, unknown>)?.[k],
          (b as Record<string, unknown>)[k],
        );
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col(
        'Capacity',
        'string',
        "capacity is the description of the persistent volume's resources and capacity.",
      ),
      col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
      col(
        'Reclaim Policy',
        'string',
        'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.',
      ),
      col(
        'Status',
        'string',
        'phase indicates if a volume is available, bound to a claim, or released by a claim.',
      ),
      col(
        'Claim',
        'string',
        'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.',
      ),
      col(
        'StorageClass',
        'string',
        'storageClassName is the name of StorageClass to which this persistent volume belongs.',
      ),
      col(
        'VolumeAttributesClass',
        'string',
        'Name of VolumeAttributesClass to which this persistent volume belongs.',
      ),
      col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure.'),
      AGE_COLUMN,
      col(
        'VolumeMode',
        'string',
        'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.',
        { wide: true },
      ),
    ],
    cells(obj, now) {
      const pv = obj as unknown as PersistentVolume;
      const ref = pv.spec?.claimRef;
      const phase = obj.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? '');
      return [
        obj.metadata.name,
        pv.spec?.capacity?.storage ?? '',
        accessModes(pv.spec?.accessModes),
        pv.spec?.persistentVolumeReclaimPolicy ?? '',
        phase,
        ref ? `${ref.namespace}/${ref.name}` : '',
        pv.spec?.storageClassName ?? '',
        pv.spec?.volumeAttributesClassName || '<unset>',
        pv.status?.reason ?? '',
        age(obj.metadata.creationTimestamp, now),
        pv.spec?.volumeMode ?? '',
      ];
    },
  },
};
