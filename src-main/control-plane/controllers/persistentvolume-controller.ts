import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import type { StorageClass } from 'kubernetes-types/storage/v1';
import type { KubeClient } from '../../common/client/client';
import { isAlreadyExists, isConflict, isNotFound } from '../../common/client/errors';
import type { Informer } from '../../common/client/informer';
import { deepEqual } from '../../common/json';
import { R } from '../../common/resources';
import type { KubeObject, Pod } from '../../common/types';
import {
  EventRecorder,
  Controller,
  type ControllerOptions,
  type ReconcileResult,
  type SharedInformers,
} from '../client';
import { emitEvent, getOrUndefined } from './controller-util';
import { clone } from './pod-util';
import { milliValue } from '../../common/quota';

type PV = PersistentVolume & KubeObject;
type PVC = PersistentVolumeClaim & KubeObject;
type SC = StorageClass & KubeObject;
type PodObj = Pod & KubeObject;

/** The provisioner of Skiff's local volumes (the `standard` StorageClass). */
export const LOCAL_VOLUME_PROVISIONER = 'skiff.dev/local-volume';
/**
 * Annotation on a provisioned PV naming the Docker named volume that holds its data
 * (`skiff-pvc-<claim uid>`); the same name is the PV's `spec.csi.volumeHandle`, with
 * `spec.csi.driver` = skiff.dev/local-volume. The kubelet mounts that Docker volume.
 */
export const DOCKER_VOLUME_ANNOTATION = 'skiff.dev/docker-volume';
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
const BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
const STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
const BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';

/** The Docker volume name of a claim's provisioned volume. */
function dockerVolumeName(claimUid: string): string {
  return `skiff-pvc-${claimUid}`;
}

/** Whether a PV can satisfy a claim (capacity, access modes, class, mode, selector). */
function pvMatchesClaim(pv: PV, pvc: PVC): boolean {
  if (pv.spec?.claimRef || pv.metadata.deletionTimestamp) return false;
  if ((pv.status?.phase ?? 'Available') !== 'Available') return false;
  if ((pv.spec?.storageClassName ?? '') !== (pvc.spec?.storageClassName ?? '')) return false;
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (pvc.spec?.volumeMode ?? 'Filesystem')) return false;
  const want = milliValue(pvc.spec?.resources?.requests?.storage as string | undefined);
  if (milliValue(pv.spec?.capacity?.storage as string | undefined) < want) return false;
  const modes = new Set(pv.spec?.accessModes ?? []);
  if (!(pvc.spec?.accessModes ?? []).every((m) => modes.has(m))) return false;
  for (const [k, v] of Object.entries(pvc.spec?.selector?.matchLabels ?? {}))
    if (pv.metadata.labels?.[k] !== v) return false;
  return true;
}

/** The PV Skiff provisions for a claim of class `sc`. */
function provisionedVolume(pvc: PVC, sc: SC): PV {
  const volume = dockerVolumeName(pvc.metadata.uid!);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name: `pvc-${pvc.metadata.uid}`,
      annotations: { [PROVISIONED_BY]: sc.provisioner, [DOCKER_VOLUME_ANNOTATION]: volume },
      finalizers: [PV_PROTECTION_FINALIZER],
    },
    spec: {
      capacity: { storage: (pvc.spec?.resources?.requests?.storage as string | undefined) ?? '1Gi' },
      accessModes: pvc.spec?.accessModes?.length ? [...pvc.spec.accessModes] : ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: (sc.reclaimPolicy as 'Delete' | 'Retain' | undefined) ?? 'Delete',
      storageClassName: sc.metadata.name,
      volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
      mountOptions: sc.mountOptions,
      csi: { driver: LOCAL_VOLUME_PROVISIONER, volumeHandle: volume },
      claimRef: {
        kind: 'PersistentVolumeClaim',
        apiVersion: 'v1',
        namespace: pvc.metadata.namespace,
        name: pvc.metadata.name,
        uid: pvc.metadata.uid,
        resourceVersion: pvc.metadata.resourceVersion,
      },
    },
  };
}

/**
 * kube-controller-manager's PersistentVolume binder plus Skiff's local provisioner (the
 * external-provisioner's role for `skiff.dev/local-volume`) and the pvc/pv-protection
 * controllers:
 * - an unbound claim binds to a matching Available PV, else — when its StorageClass (default:
 *   the one annotated is-default-class) uses skiff.dev/local-volume — a PV `pvc-<claim uid>`
 *   is provisioned (capacity = request, reclaim policy from the class, `spec.csi` naming the
 *   Docker volume `skiff-pvc-<claim uid>`) and bound: PV claimRef + phase Bound, claim
 *   volumeName + bind annotations + phase Bound with capacity and access modes;
 *   WaitForFirstConsumer classes wait until a pod uses the claim;
 * - a PV whose claim is gone is Released; reclaim policy Delete then deletes it (the kubelet
 *   removes the Docker volume), Retain keeps it Released;
 * - `kubernetes.io/pvc-protection` is removed from a deleted claim once no running pod uses
 *   it, `kubernetes.io/pv-protection` from a deleted PV once it is not Bound.
 * Claim keys are `namespace/name`; volume keys are `pv:<name>`.
 */
export class PersistentVolumeController extends Controller {
  private readonly pvInf: Informer<PV>;
  private readonly pvcInf: Informer<PVC>;
  private readonly scInf: Informer<SC>;
  private readonly podInf: Informer<PodObj>;
  private readonly recorder: EventRecorder;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: ControllerOptions = {},
  ) {
    super('persistentvolume-controller', opts);
    this.recorder = new EventRecorder(client, 'persistentvolume-controller', '', this.clock);
    this.pvInf = informers.informerFor<PV>(R.persistentvolumes);
    this.pvcInf = informers.informerFor<PVC>(R.persistentvolumeclaims);
    this.scInf = informers.informerFor<SC>(R.storageclasses);
    this.podInf = informers.informerFor<PodObj>(R.pods);
    const onClaim = (c: PVC) => this.enqueue(c);
    this.pvcInf.addHandler({
      add: onClaim,
      update: onClaim,
      delete: (c) => {
        // Its volume is Released now.
        if (c.spec?.volumeName) this.queue.add(`pv:${c.spec.volumeName}`);
        for (const pv of this.pvInf.list())
          if (pv.spec?.claimRef?.uid === c.metadata.uid) this.queue.add(`pv:${pv.metadata.name}`);
      },
    });
    const onVolume = (v: PV) => {
      this.queue.add(`pv:${v.metadata.name}`);
      const ref = v.spec?.claimRef;
      if (ref?.name) this.queue.add(`${ref.namespace}/${ref.name}`);
    };
    this.pvInf.addHandler({ add: onVolume, update: onVolume, delete: onVolume });
    this.scInf.addHandler({
      add: () => {
        for (const c of this.pvcInf.list()) if (!c.spec?.volumeName) this.enqueue(c);
      },
    });
    const onPod = (p: PodObj) => {
      for (const v of p.spec?.volumes ?? [])
        if (v.persistentVolumeClaim)
          this.queue.add(`${p.metadata.namespace}/${v.persistentVolumeClaim.claimName}`);
    };
    this.podInf.addHandler({
      add: onPod,
      delete: onPod,
      update: (p, old) => p.status?.phase !== old.status?.phase && onPod(p),
    });
  }

  private event(
    t: typeof R.persistentvolumeclaims,
    obj: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    return emitEvent(this.recorder, this.log, t, obj, type, reason, message);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.startsWith('pv:')) return this.syncVolume(key.slice(3));
    return this.syncClaim(key);
  }

  // ---- claims ---------------------------------------------------------------------------

  private async syncClaim(key: string): Promise<void> {
    const pvc = this.pvcInf.get(key);
    if (!pvc) return;
    if (pvc.metadata.deletionTimestamp) return this.releaseClaimProtection(pvc);
    const volumeName = pvc.spec?.volumeName;
    if (volumeName) {
      const pv = this.pvInf.get(volumeName);
      if (!pv) {
        if (pvc.status?.phase === 'Bound') await this.setClaimPhase(pvc, 'Lost');
        return;
      }
      if (pv.spec?.claimRef?.uid && pv.spec.claimRef.uid !== pvc.metadata.uid) {
        await this.setClaimPhase(pvc, 'Lost');
        return;
      }
      // Finish a bind that was interrupted half way.
      const boundPv = await this.bindVolume(pv, pvc);
      if (boundPv) await this.bindClaim(pvc, boundPv);
      return;
    }
    // Static binding first.
    const match = this.pvInf
      .list()
      .filter((pv) => pvMatchesClaim(pv, pvc))
      .sort(
        (a, b) =>
          milliValue(a.spec?.capacity?.storage as string) - milliValue(b.spec?.capacity?.storage as string),
      )[0];
    if (match) {
      const boundPv = await this.bindVolume(match, pvc);
      if (boundPv) await this.bindClaim(pvc, boundPv);
      return;
    }
    // A volume provisioned for it already (the claim update was lost)?
    const mine = this.pvInf.get(`pvc-${pvc.metadata.uid}`);
    if (mine && mine.spec?.claimRef?.uid === pvc.metadata.uid) {
      const boundPv = await this.bindVolume(mine, pvc);
      if (boundPv) await this.bindClaim(pvc, boundPv);
      return;
    }
    const sc = this.classOf(pvc);
    if (!sc) {
      await this.setClaimPhase(pvc, 'Pending');
      if (pvc.spec?.storageClassName)
        await this.event(
          R.persistentvolumeclaims,
          pvc,
          'Warning',
          'ProvisioningFailed',
          `storageclass.storage.k8s.io "${pvc.spec.storageClassName}" not found`,
        );
      return;
    }
    if (sc.provisioner !== LOCAL_VOLUME_PROVISIONER) {
      await this.setClaimPhase(pvc, 'Pending');
      await this.event(
        R.persistentvolumeclaims,
        pvc,
        'Normal',
        'ExternalProvisioning',
        `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      );
      return;
    }
    if (sc.volumeBindingMode === 'WaitForFirstConsumer' && !this.usedByPod(pvc)) {
      await this.setClaimPhase(pvc, 'Pending');
      await this.event(
        R.persistentvolumeclaims,
        pvc,
        'Normal',
        'WaitForFirstConsumer',
        'waiting for first consumer to be created before binding',
      );
      return;
    }
    await this.provision(pvc, sc);
  }

  private classOf(pvc: PVC): SC | undefined {
    const name = pvc.spec?.storageClassName;
    if (name === '') return undefined;
    if (name) return this.scInf.get(name);
    return this.scInf.list().find((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  }

  private usedByPod(pvc: PVC): boolean {
    return this.podInf
      .list()
      .some(
        (p) =>
          p.metadata.namespace === pvc.metadata.namespace &&
          p.status?.phase !== 'Succeeded' &&
          p.status?.phase !== 'Failed' &&
          (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === pvc.metadata.name),
      );
  }

  private async provision(pvc: PVC, sc: SC): Promise<void> {
    // Mark the claim as ours first (the external-provisioner's annotations).
    if (pvc.metadata.annotations?.[STORAGE_PROVISIONER] !== sc.provisioner) {
      const copy = clone(pvc);
      copy.metadata = {
        ...copy.metadata,
        annotations: {
          ...copy.metadata.annotations,
          [STORAGE_PROVISIONER]: sc.provisioner!,
          [BETA_STORAGE_PROVISIONER]: sc.provisioner!,
        },
      };
      try {
        pvc = await this.client.update(R.persistentvolumeclaims, copy);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
    }
    await this.event(
      R.persistentvolumeclaims,
      pvc,
      'Normal',
      'Provisioning',
      `External provisioner is provisioning volume for claim "${pvc.metadata.namespace}/${pvc.metadata.name}"`,
    );
    let pv: PV;
    try {
      pv = await this.client.create(R.persistentvolumes, provisionedVolume(pvc, sc));
    } catch (err) {
      if (!isAlreadyExists(err)) {
        await this.event(
          R.persistentvolumeclaims,
          pvc,
          'Warning',
          'ProvisioningFailed',
          `failed to provision volume with StorageClass "${sc.metadata.name}": ${(err as Error).message}`,
        );
        throw err;
      }
      pv = await this.client.get<PV>(R.persistentvolumes, `pvc-${pvc.metadata.uid}`);
    }
    await this.event(
      R.persistentvolumeclaims,
      pvc,
      'Normal',
      'ProvisioningSucceeded',
      `Successfully provisioned volume ${pv.metadata.name}`,
    );
    const boundPv = await this.bindVolume(pv, pvc);
    if (boundPv) await this.bindClaim(pvc, boundPv);
  }

  /** PV side of the bind: claimRef and phase Bound. Undefined if the PV went away. */
  private async bindVolume(pv: PV, pvc: PVC): Promise<PV | undefined> {
    let cur = pv;
    const ref = cur.spec?.claimRef;
    if (!ref || ref.uid !== pvc.metadata.uid || ref.name !== pvc.metadata.name) {
      const copy = clone(cur);
      copy.spec = {
        ...copy.spec,
        claimRef: {
          kind: 'PersistentVolumeClaim',
          apiVersion: 'v1',
          namespace: pvc.metadata.namespace,
          name: pvc.metadata.name,
          uid: pvc.metadata.uid,
          resourceVersion: pvc.metadata.resourceVersion,
        },
      };
      copy.metadata = {
        ...copy.metadata,
        annotations: { ...copy.metadata.annotations, [BOUND_BY_CONTROLLER]: 'yes' },
      };
      try {
        cur = await this.client.update(R.persistentvolumes, copy);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    }
    if (cur.status?.phase !== 'Bound') {
      const copy = clone(cur);
      copy.status = { ...copy.status, phase: 'Bound' };
      try {
        cur = await this.client.updateStatus(R.persistentvolumes, copy);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    }
    return cur;
  }

  /** Claim side of the bind: volumeName + annotations, then status Bound with capacity. */
  private async bindClaim(pvc: PVC, pv: PV): Promise<void> {
    let cur = pvc;
    if (cur.spec?.volumeName !== pv.metadata.name || cur.metadata.annotations?.[BIND_COMPLETED] !== 'yes') {
      const copy = clone(cur);
      copy.spec = { ...copy.spec, volumeName: pv.metadata.name };
      copy.metadata = {
        ...copy.metadata,
        annotations: {
          ...copy.metadata.annotations,
          [BIND_COMPLETED]: 'yes',
          ...(pvc.spec?.volumeName ? {} : { [BOUND_BY_CONTROLLER]: 'yes' }),
        },
      };
      try {
        cur = await this.client.update(R.persistentvolumeclaims, copy);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
    }
    const status = {
      phase: 'Bound',
      accessModes: pv.spec?.accessModes,
      capacity: pv.spec?.capacity,
    };
    if (deepEqual({ ...cur.status, ...status }, cur.status)) return;
    const copy = clone(cur);
    copy.status = { ...copy.status, ...status };
    try {
      await this.client.updateStatus(R.persistentvolumeclaims, copy);
      this.log.info(`bound ${pvc.metadata.namespace}/${pvc.metadata.name} to ${pv.metadata.name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async setClaimPhase(pvc: PVC, phase: string): Promise<void> {
    if (pvc.status?.phase === phase) return;
    const copy = clone(pvc);
    copy.status = { ...copy.status, phase };
    try {
      await this.client.updateStatus(R.persistentvolumeclaims, copy);
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  private async releaseClaimProtection(pvc: PVC): Promise<void> {
    if (!pvc.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return;
    // A running pod may still use it; the pod informer wakes us when that changes.
    if (this.usedByPod(pvc)) return;
    const copy = clone(pvc);
    copy.metadata = {
      ...copy.metadata,
      finalizers: pvc.metadata.finalizers.filter((f) => f !== PVC_PROTECTION_FINALIZER),
    };
    try {
      await this.client.update(R.persistentvolumeclaims, copy);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  // ---- volumes --------------------------------------------------------------------------

  private async syncVolume(name: string): Promise<void> {
    const pv = this.pvInf.get(name);
    if (!pv) return;
    if (pv.metadata.deletionTimestamp) {
      if (pv.status?.phase !== 'Bound' && pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) {
        const copy = clone(pv);
        copy.metadata = {
          ...copy.metadata,
          finalizers: pv.metadata.finalizers.filter((f) => f !== PV_PROTECTION_FINALIZER),
        };
        try {
          await this.client.update(R.persistentvolumes, copy);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      return;
    }
    const ref = pv.spec?.claimRef;
    if (!ref) {
      if (pv.status?.phase !== 'Available') await this.setVolumePhase(pv, 'Available');
      return;
    }
    const cached = this.pvcInf.get(`${ref.namespace}/${ref.name}`);
    let claim: PVC | undefined = cached && (!ref.uid || cached.metadata.uid === ref.uid) ? cached : undefined;
    if (!claim) {
      // Confirm with the API server before releasing anything.
      const live = await getOrUndefined<PVC>(this.client, R.persistentvolumeclaims, ref.name!, ref.namespace);
      claim = live && (!ref.uid || live.metadata.uid === ref.uid) ? live : undefined;
    }
    if (claim) {
      if (pv.status?.phase !== 'Bound' && claim.spec?.volumeName === pv.metadata.name)
        await this.setVolumePhase(pv, 'Bound');
      return;
    }
    if (pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed')
      await this.setVolumePhase(pv, 'Released');
    if ((pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain') === 'Delete') {
      try {
        await this.client.delete(R.persistentvolumes, name, undefined, {
          preconditions: { uid: pv.metadata.uid },
        });
        this.log.info(`deleted volume ${name} (reclaim policy Delete)`);
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }

  private async setVolumePhase(pv: PV, phase: string): Promise<void> {
    const copy = clone(pv);
    copy.status = { ...copy.status, phase };
    try {
      await this.client.updateStatus(R.persistentvolumes, copy);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
