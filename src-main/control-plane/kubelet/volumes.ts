/**
 * The kubelet's volume manager: turns a pod's volumes into engine mounts, like the kubelet's
 * volume plugins reduced to what runs on one desktop engine.
 * - emptyDir → an engine named volume per pod and volume (medium Memory → tmpfs of sizeLimit),
 *   shared by the pod's containers and removed with the pod;
 * - hostPath → a bind mount (DirectoryOrCreate/FileOrCreate create the path);
 * - configMap, secret, downwardAPI, projected (with serviceAccountToken sources: bound tokens
 *   from TokenRequest, rotated by token-manager.ts) → files written under the kubelet's root
 *   dir and bind-mounted read-only; they are rewritten atomically (atomic-writer.ts: the
 *   `..data` symlink swap) when the source changes, so a ConfigMap edit or a rotated token
 *   reaches mounted files within a refresh period and a reader never sees a torn set;
 * - persistentVolumeClaim → the bound PV's engine named volume (Skiff's local provisioner
 *   records it in `skiff.dev/docker-volume` / `spec.csi.volumeHandle`) or its hostPath. Volumes
 *   of deleted PVs are removed by gcVolumes() (reclaim policy Delete).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Container, Volume, VolumeProjection } from 'kubernetes-types/core/v1';
import { R } from '../../common/resources';
import type { KubeClient } from '../../common/client/client';
import { isNotFound } from '../../common/client/errors';
import type { KubeObject, Pod as ApiPod } from '../../common/types';
import { realClock, type Clock } from '../../common/clock';
import { writeAtomically } from './atomic-writer';
import { parseQuantity } from './pod-spec';
import { TokenManager } from './token-manager';
import { LABELS, type ContainerRuntime, type Mount } from './runtime/runtime';

type Pod = ApiPod & KubeObject;

/** A volume could not be set up: the pod waits with this event. */
export class VolumeError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a prepared volume mounts. */
interface Prepared {
  type: 'bind' | 'volume';
  source: string;
  readOnly: boolean;
}

/** Label on named volumes holding the owning pod's uid (emptyDir). */
const POD_UID_LABEL = LABELS.podUid;
const PVC_VOLUME_LABEL = 'skiff.dev/pvc-volume';
/** The annotation Skiff's local provisioner puts on PVs (persistentvolume-controller.ts). */
const DOCKER_VOLUME_ANNOTATION = 'skiff.dev/docker-volume';

export class VolumeManager {
  private readonly tokens: TokenManager;

  constructor(
    private readonly client: KubeClient,
    private readonly runtime: ContainerRuntime,
    private readonly rootDir: string,
    clock: Clock = realClock,
  ) {
    this.tokens = new TokenManager(client, clock);
  }

  private podDir(uid: string): string {
    return path.join(this.rootDir, 'pods', uid, 'volumes');
  }

  /** True when the pod has volumes whose content comes from API objects (refreshed periodically). */
  static hasProjected(pod: Pod): boolean {
    return (pod.spec?.volumes ?? []).some((v) => v.configMap || v.secret || v.downwardAPI || v.projected);
  }

  /** Sets up every volume (idempotent; refreshes projected files). Throws VolumeError. */
  async prepare(pod: Pod): Promise<Map<string, Prepared>> {
    const out = new Map<string, Prepared>();
    const uid = pod.metadata.uid!;
    for (const v of pod.spec?.volumes ?? []) out.set(v.name, await this.prepareOne(pod, uid, v));
    return out;
  }

  /** The mounts of one container. */
  mountsFor(c: Pick<Container, 'volumeMounts'>, prepared: Map<string, Prepared>): Mount[] {
    const mounts: Mount[] = [];
    for (const m of c.volumeMounts ?? []) {
      const p = prepared.get(m.name);
      if (!p) continue;
      mounts.push({
        type: p.type,
        source: p.source,
        target: m.mountPath,
        readOnly: p.readOnly || !!m.readOnly,
        subPath: m.subPath || undefined,
      });
    }
    return mounts;
  }

  /** Removes what a pod's volumes left behind (files and emptyDir volumes). */
  async cleanup(uid: string): Promise<void> {
    this.tokens.deletePod(uid);
    await rm(path.join(this.rootDir, 'pods', uid), { recursive: true, force: true });
    for (const name of await this.runtime.listVolumes({ [POD_UID_LABEL]: uid }))
      await this.runtime.removeVolume(name).catch(() => undefined);
  }

  /** Removes engine volumes of PVs that no longer exist (their reclaim policy was Delete). */
  async gcVolumes(): Promise<void> {
    const names = await this.runtime.listVolumes({ [PVC_VOLUME_LABEL]: 'true' });
    if (!names.length) return;
    const pvs = await this.client.list<KubeObject>(R.persistentvolumes);
    const live = new Set(
      pvs.items.map(
        (pv) =>
          pv.metadata.annotations?.[DOCKER_VOLUME_ANNOTATION] ??
          (pv.spec as { csi?: { volumeHandle?: string } } | undefined)?.csi?.volumeHandle,
      ),
    );
    for (const n of names) if (!live.has(n)) await this.runtime.removeVolume(n).catch(() => undefined);
  }

  private async prepareOne(pod: Pod, uid: string, v: Volume): Promise<Prepared> {
    const ns = pod.metadata.namespace!;
    if (v.emptyDir) {
      const name = `skiff-${uid}-${v.name}`;
      const memory = v.emptyDir.medium === 'Memory';
      await this.runtime.ensureVolume(name, {
        labels: { [POD_UID_LABEL]: uid },
        ...(memory
          ? { tmpfsBytes: v.emptyDir.sizeLimit ? parseQuantity(v.emptyDir.sizeLimit as string) : 0 }
          : {}),
      });
      return { type: 'volume', source: name, readOnly: false };
    }
    if (v.hostPath) {
      const p = v.hostPath.path;
      if (v.hostPath.type === 'DirectoryOrCreate') await mkdir(p, { recursive: true });
      if (v.hostPath.type === 'FileOrCreate') {
        await mkdir(path.dirname(p), { recursive: true });
        await writeFile(p, '', { flag: 'a' });
      }
      return { type: 'bind', source: p, readOnly: false };
    }
    if (v.persistentVolumeClaim) return this.preparePvc(ns, v);
    if (v.configMap || v.secret || v.downwardAPI || v.projected) {
      const files = new Map<string, { data: Buffer; mode: number }>();
      const sources: VolumeProjection[] = v.projected
        ? (v.projected.sources ?? [])
        : [{ configMap: v.configMap, secret: v.secret, downwardAPI: v.downwardAPI } as VolumeProjection];
      const defaultMode =
        v.projected?.defaultMode ??
        v.configMap?.defaultMode ??
        v.secret?.defaultMode ??
        v.downwardAPI?.defaultMode ??
        0o644;
      for (const src of sources) {
        if (src.configMap || src.secret) {
          const isSecret = !!src.secret;
          const ref = (src.configMap ?? src.secret)!;
          const name = isSecret
            ? ((ref as { secretName?: string; name?: string }).secretName ?? (ref as { name?: string }).name)
            : (ref as { name?: string }).name;
          let obj: KubeObject | undefined;
          try {
            obj = await this.client.get<KubeObject>(isSecret ? R.secrets : R.configmaps, name!, ns);
          } catch (err) {
            if (!isNotFound(err)) throw err;
            if (!ref.optional)
              throw new VolumeError(
                'FailedMount',
                `MountVolume.SetUp failed for volume "${v.name}" : ${isSecret ? 'secret' : 'configmap'} "${name}" not found`,
              );
          }
          if (!obj) continue;
          const data = new Map<string, Buffer>();
          const o = obj as { data?: Record<string, string>; binaryData?: Record<string, string> };
          for (const [k, val] of Object.entries(o.data ?? {}))
            data.set(k, isSecret ? Buffer.from(val, 'base64') : Buffer.from(val));
          for (const [k, val] of Object.entries(o.binaryData ?? {})) data.set(k, Buffer.from(val, 'base64'));
          const items = ref.items;
          if (items?.length) {
            for (const it of items) {
              const d = data.get(it.key);
              if (!d) {
                if (ref.optional) continue;
                throw new VolumeError(
                  'FailedMount',
                  `MountVolume.SetUp failed for volume "${v.name}" : configmap references non-existent config key: ${it.key}`,
                );
              }
              files.set(it.path, { data: d, mode: it.mode ?? defaultMode });
            }
          } else for (const [k, d] of data) files.set(k, { data: d, mode: defaultMode });
        }
        if (src.serviceAccountToken) {
          const sat = src.serviceAccountToken;
          let token: string;
          try {
            token = await this.tokens.token({
              namespace: ns,
              serviceAccount: pod.spec?.serviceAccountName || 'default',
              pod: { name: pod.metadata.name!, uid },
              audience: sat.audience || undefined,
              expirationSeconds: sat.expirationSeconds ?? 3600,
            });
          } catch (err) {
            throw new VolumeError(
              'FailedMount',
              `MountVolume.SetUp failed for volume "${v.name}" : failed to fetch token: ${(err as Error).message}`,
            );
          }
          files.set(sat.path, { data: Buffer.from(token), mode: defaultMode });
        }
        if (src.downwardAPI) {
          for (const it of src.downwardAPI.items ?? []) {
            let value = '';
            const f = it.fieldRef?.fieldPath;
            if (f === 'metadata.labels' || f === 'metadata.annotations') {
              const m = (f === 'metadata.labels' ? pod.metadata.labels : pod.metadata.annotations) ?? {};
              value = Object.keys(m)
                .sort()
                .map((k) => `${k}=${JSON.stringify(m[k])}`)
                .join('\n');
            } else if (f === 'metadata.name') value = pod.metadata.name ?? '';
            else if (f === 'metadata.namespace') value = ns;
            else if (f === 'metadata.uid') value = uid;
            else if (f) {
              const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(f);
              if (m)
                value = (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
            } else if (it.resourceFieldRef) {
              const c =
                pod.spec?.containers.find((x) => x.name === it.resourceFieldRef!.containerName) ??
                pod.spec?.containers[0];
              const [kind, res] = it.resourceFieldRef.resource.split('.') as [string, string];
              const q = (kind === 'limits' ? c?.resources?.limits : c?.resources?.requests)?.[res];
              const divisor = it.resourceFieldRef.divisor
                ? parseQuantity(it.resourceFieldRef.divisor as string)
                : 1;
              value = q === undefined ? '' : String(Math.ceil(parseQuantity(q as string) / divisor));
            }
            files.set(it.path, { data: Buffer.from(value), mode: it.mode ?? defaultMode });
          }
        }
      }
      const dir = path.join(this.podDir(uid), v.name);
      await writeAtomically(dir, files);
      return { type: 'bind', source: dir, readOnly: true };
    }
    throw new VolumeError('FailedMount', `volume "${v.name}": this volume type is not supported by Skiff`);
  }

  private async preparePvc(ns: string, v: Volume): Promise<Prepared> {
    const claimName = v.persistentVolumeClaim!.claimName;
    let pvc: KubeObject;
    try {
      pvc = await this.client.get<KubeObject>(R.persistentvolumeclaims, claimName, ns);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      throw new VolumeError('FailedMount', `persistentvolumeclaim "${claimName}" not found`);
    }
    const volumeName = (pvc.spec as { volumeName?: string } | undefined)?.volumeName;
    if (!volumeName || (pvc.status as { phase?: string } | undefined)?.phase !== 'Bound')
      throw new VolumeError('FailedScheduling', `persistentvolumeclaim "${claimName}" is not bound yet`);
    const pv = await this.client.get<KubeObject>(R.persistentvolumes, volumeName);
    const spec = pv.spec as { hostPath?: { path: string }; csi?: { volumeHandle?: string } } | undefined;
    const readOnly = !!v.persistentVolumeClaim!.readOnly;
    if (spec?.hostPath) {
      await mkdir(spec.hostPath.path, { recursive: true });
      return { type: 'bind', source: spec.hostPath.path, readOnly };
    }
    const name = pv.metadata.annotations?.[DOCKER_VOLUME_ANNOTATION] ?? spec?.csi?.volumeHandle;
    if (!name)
      throw new VolumeError('FailedMount', `persistentvolume "${volumeName}" has no volume Skiff can mount`);
    await this.runtime.ensureVolume(name, {
      labels: { [PVC_VOLUME_LABEL]: 'true', 'skiff.dev/pv': volumeName },
    });
    return { type: 'volume', source: name, readOnly };
  }
}
