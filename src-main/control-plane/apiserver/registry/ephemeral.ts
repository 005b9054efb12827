/**
 * The pods/ephemeralcontainers subresource (what `kubectl debug` writes): only
 * spec.ephemeralContainers changes; existing ephemeral containers may not change or go.
 */
import type { EphemeralContainer, Pod } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../../../common/types';
import { invalid } from '../status';
import { defaultContainer } from './core/pod-spec';
import { isObject } from './strategy';
import { Errors, dns1123Label } from './validation';

/** The new pod: `cur` with `incoming`'s ephemeral containers, defaulted and validated. */
export function prepareEphemeralContainers(incoming: KubeObject, cur: KubeObject): KubeObject {
  const pod = structuredClone(cur) as unknown as Pod & KubeObject;
  const wanted = ((incoming.spec as Pod['spec'])?.ephemeralContainers ?? []) as EphemeralContainer[];
  const old = pod.spec?.ephemeralContainers ?? [];
  const errs = new Errors();
  if (!Array.isArray(wanted)) errs.invalid('spec.ephemeralContainers', wanted, 'must be a list');
  const names = new Set([
    ...(pod.spec?.containers ?? []).map((c) => c.name),
    ...(pod.spec?.initContainers ?? []).map((c) => c.name),
  ]);
  for (const [i, c] of wanted.entries()) {
    const f = `spec.ephemeralContainers[${i}]`;
    if (!isObject(c)) {
      errs.invalid(f, c, 'must be an object');
      continue;
    }
    defaultContainer(c as never);
    if (!c.name) errs.required(`${f}.name`);
    else {
      for (const m of dns1123Label(c.name)) errs.invalid(`${f}.name`, c.name, m);
      if (names.has(c.name)) errs.duplicate(`${f}.name`, c.name);
      names.add(c.name);
    }
    if (!c.image) errs.required(`${f}.image`);
    if (c.ports?.length) errs.forbidden(`${f}.ports`, 'cannot be set for an Ephemeral Container');
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const)
      if (c[probe]) errs.forbidden(`${f}.${probe}`, 'cannot be set for an Ephemeral Container');
    if (c.targetContainerName && !(pod.spec?.containers ?? []).some((x) => x.name === c.targetContainerName))
      errs.invalid(`${f}.targetContainerName`, c.targetContainerName, 'must refer to a container in the pod');
  }
  for (const o of old) {
    const now = wanted.find((c) => c?.name === o.name);
    if (!now || JSON.stringify(now) !== JSON.stringify(o))
      errs.forbidden(
        'spec.ephemeralContainers',
        'existing ephemeral containers "' + o.name + '" may not be changed',
      );
  }
  if (errs.causes.length) throw invalid('Pod', cur.metadata.name ?? '', '', errs.causes);
  pod.spec!.ephemeralContainers = wanted;
  if (incoming.metadata?.resourceVersion)
    (pod.metadata as { resourceVersion?: string }).resourceVersion = incoming.metadata.resourceVersion;
  return pod;
}
