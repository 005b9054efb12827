/**
 * kube-apiserver's ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount) on pod
 * create: the pod runs as `spec.serviceAccountName` (default `default`), which must exist; it
 * inherits the account's imagePullSecrets when it names none; and unless
 * `automountServiceAccountToken` is false (on the pod, else on the account) it gets the
 * projected `kube-api-access-<5 random>` volume — a bound token (3607 s, path `token`), the
 * cluster CA from the `kube-root-ca.crt` ConfigMap and the namespace — mounted read-only at
 * /var/run/secrets/kubernetes.io/serviceaccount in every container and init container that has
 * no mount there already. The kubelet fills and rotates the volume (kubelet/volumes.ts).
 */
import { randomInt } from 'node:crypto';
import type { Container, Pod, ServiceAccount, Volume } from 'kubernetes-types/core/v1';
import { R } from '../../../../common/resources';
import type { KubeObject } from '../../../../common/types';
import { StatusError } from '../../status';
import { isObject, type AdmissionContext } from '../strategy';

/** Where the token, ca.crt and namespace appear in containers (DefaultAPITokenMountPath). */
export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Prefix of the projected volume's name (ServiceAccountVolumeName). */
export const SERVICE_ACCOUNT_VOLUME_PREFIX = 'kube-api-access-';
/** The token lifetime the volume asks for (warnOnlyBoundTokenExpirationSeconds: 1 h + 7 s). */
export const SERVICE_ACCOUNT_TOKEN_EXPIRATION = 3607;

// utilrand.String's alphabet: no vowels (no words) and no look-alikes.
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHANUMS[randomInt(ALPHANUMS.length)];
  return s;
}

/** The projected volume every automounting pod gets (admission.go createVolume). */
export function serviceAccountVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: SERVICE_ACCOUNT_TOKEN_EXPIRATION, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
    },
  };
}

function forbidden(name: string, message: string): StatusError {
  return new StatusError(403, 'Forbidden', `pods "${name}" is forbidden: ${message}`, { name, kind: 'pods' });
}

/** The ServiceAccount admission on a pod create. Throws a 403 StatusError for a missing account. */
export async function serviceAccountAdmission(obj: KubeObject, ctx: AdmissionContext): Promise<void> {
  const pod = obj as unknown as Pod;
  const spec = pod.spec;
  if (!isObject(spec)) return;
  // Mirror pods (static pods) are not the API's to change.
  if (obj.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined) return;
  spec.serviceAccountName ||= 'default';
  (spec as { serviceAccount?: string }).serviceAccount = spec.serviceAccountName;
  const ns = obj.metadata.namespace!;
  const saName = spec.serviceAccountName;
  let sa: ServiceAccount | undefined;
  try {
    sa = (await ctx.storage.get(R.serviceaccounts, ns, saName)) as unknown as ServiceAccount;
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 404)) throw err;
    // Upstream refuses the pod until the account exists. The `default` account is made by the
    // serviceaccount-controller a moment after its namespace, and `kubectl create ns x && kubectl
    // run -n x` must not race it: a pod of `default` is admitted (its kubelet retries the token
    // until the account is there); any other missing account is refused, as upstream.
    if (saName !== 'default')
      throw forbidden(
        obj.metadata.name ?? obj.metadata.generateName ?? '',
        `error looking up service account ${ns}/${saName}: serviceaccount "${saName}" not found`,
      );
  }
  if (!spec.imagePullSecrets?.length && sa?.imagePullSecrets?.length)
    spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s.name }));
  const automount = spec.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true;
  if (!automount) return;
  mountServiceAccountToken(spec);
}

/** Adds the volume and the mounts (admission.go mountServiceAccountToken). */
function mountServiceAccountToken(spec: NonNullable<Pod['spec']>): void {
  const volumes = (spec.volumes ??= []);
  const existing = volumes.find((v) => v.name?.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX));
  const names = new Set(volumes.map((v) => v.name));
  let volumeName = existing?.name;
  while (!volumeName || (!existing && names.has(volumeName)))
    volumeName = `${SERVICE_ACCOUNT_VOLUME_PREFIX}${randomSuffix()}`;
  let needed = false;
  const containers: Container[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  for (const c of containers) {
    if (!isObject(c)) continue;
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH)) continue;
    (c.volumeMounts ??= []).push({ name: volumeName, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH });
    needed = true;
  }
  if (!existing && needed) volumes.push(serviceAccountVolume(volumeName));
  if (!volumes.length) delete spec.volumes;
}
