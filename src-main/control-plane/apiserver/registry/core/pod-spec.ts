/**
 * Pod spec and pod template helpers shared by Pods and every kind with a pod template (apps,
 * batch): container and spec defaulting, spec validation, the Containers / Images columns.
 */
import type { Container, PodSpec, PodTemplateSpec } from 'kubernetes-types/core/v1';
import { parseQuantity } from '../quantity';
import type { KubeObject } from '../../../../common/types';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, type TableConvertor } from '../strategy';
import { Errors, dns1123Label, validateLabels } from '../validation';

/** imagePullPolicy default: Always for `:latest` or untagged images, else IfNotPresent. */
export function defaultPullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return 'Always';
  return lastSegment.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Container defaults (imagePullPolicy, termination message, requests from limits, port protocol). */
export function defaultContainer(c: Container): void {
  if (!isObject(c)) return;
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  // Like the real defaulter: requests default to limits when only limits are set.
  if (c.resources.limits && !c.resources.requests) c.resources.requests = { ...c.resources.limits };
  else if (c.resources.limits && c.resources.requests) {
    for (const [k, v] of Object.entries(c.resources.limits)) c.resources.requests[k] ??= v;
  }
  for (const p of c.ports ?? []) if (isObject(p)) p.protocol ??= 'TCP';
}

/** Pod spec defaults (also used for Deployment/ReplicaSet templates). */
export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!isObject(spec)) return;
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  if (Array.isArray(spec.containers)) spec.containers.forEach(defaultContainer);
  if (Array.isArray(spec.initContainers)) spec.initContainers.forEach(defaultContainer);
}

function validateResources(errs: Errors, c: Container, path: string): void {
  const res = c.resources;
  if (res === undefined || res === null) return;
  if (!isObject(res)) {
    errs.invalid(`${path}.resources`, res, 'must be an object');
    return;
  }
  const parsed: Record<'limits' | 'requests', Record<string, number>> = { limits: {}, requests: {} };
  for (const kind of ['limits', 'requests'] as const) {
    const m: unknown = res[kind];
    if (m === undefined) continue;
    if (!isObject(m)) {
      errs.invalid(`${path}.resources.${kind}`, m, 'must be a map of resource names to quantities');
      continue;
    }
    for (const [name, q] of Object.entries(m)) {
      const v = parseQuantity(q);
      if (v === undefined)
        errs.invalid(
          `${path}.resources.${kind}[${name}]`,
          q,
          "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        );
      else if (v < 0)
        errs.invalid(`${path}.resources.${kind}[${name}]`, q, 'must be greater than or equal to 0');
      else parsed[kind][name] = v;
    }
  }
  for (const [name, req] of Object.entries(parsed.requests)) {
    const lim = parsed.limits[name];
    if (lim !== undefined && req > lim)
      errs.invalid(
        `${path}.resources.requests`,
        res.requests?.[name],
        `must be less than or equal to ${name} limit of ${String(res.limits?.[name])}`,
      );
  }
}

function validateContainers(
  errs: Errors,
  list: unknown,
  path: string,
  required: boolean,
  names: Set<string>,
): void {
  if (list === undefined || list === null) {
    if (required) errs.required(path);
    return;
  }
  if (!Array.isArray(list)) {
    errs.invalid(path, list, 'must be a list of containers');
    return;
  }
  if (required && list.length === 0) errs.required(path);
  list.forEach((c: Container, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(c)) {
      errs.invalid(p, c, 'must be an object');
      return;
    }
    if (!c.name) errs.required(`${p}.name`);
    else {
      for (const m of dns1123Label(c.name)) errs.invalid(`${p}.name`, c.name, m);
      if (names.has(c.name)) errs.duplicate(`${p}.name`, c.name);
      names.add(c.name);
    }
    if (!c.image || (typeof c.image === 'string' && !c.image.trim())) errs.required(`${p}.image`);
    if (c.imagePullPolicy && !['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy))
      errs.notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']);
    const ports = new Set<string>();
    (Array.isArray(c.ports) ? c.ports : []).forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      const n = port?.containerPort;
      if (n === undefined) errs.required(`${pp}.containerPort`);
      else if (!Number.isInteger(n) || n < 1 || n > 65535)
        errs.invalid(`${pp}.containerPort`, n, 'must be between 1 and 65535, inclusive');
      if (port?.protocol && !['TCP', 'UDP', 'SCTP'].includes(port.protocol))
        errs.notSupported(`${pp}.protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']);
      const key = `${n}/${port?.protocol ?? 'TCP'}`;
      if (ports.has(key)) errs.duplicate(`${pp}`, key);
      ports.add(key);
    });
    (Array.isArray(c.env) ? c.env : []).forEach((e, j) => {
      if (!e?.name) errs.required(`${p}.env[${j}].name`);
    });
    validateResources(errs, c, p);
  });
}

/** Validates a pod spec at `path` (e.g. `spec` or `spec.template.spec`). */
export function validatePodSpec(errs: Errors, spec: unknown, path: string): void {
  if (!isObject(spec)) {
    errs.required(path);
    return;
  }
  const s = spec as unknown as PodSpec;
  const names = new Set<string>();
  validateContainers(errs, s.containers, `${path}.containers`, true, names);
  validateContainers(errs, s.initContainers, `${path}.initContainers`, false, names);
  if (s.restartPolicy && !['Always', 'OnFailure', 'Never'].includes(s.restartPolicy))
    errs.notSupported(`${path}.restartPolicy`, s.restartPolicy, ['Always', 'OnFailure', 'Never']);
  if (s.dnsPolicy && !['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(s.dnsPolicy))
    errs.notSupported(`${path}.dnsPolicy`, s.dnsPolicy, [
      'ClusterFirst',
      'ClusterFirstWithHostNet',
      'Default',
      'None',
    ]);
  if (
    s.terminationGracePeriodSeconds !== undefined &&
    (typeof s.terminationGracePeriodSeconds !== 'number' || s.terminationGracePeriodSeconds < 0)
  )
    errs.invalid(
      `${path}.terminationGracePeriodSeconds`,
      s.terminationGracePeriodSeconds,
      'must be greater than or equal to 0',
    );
  validateLabels(errs, s.nodeSelector, `${path}.nodeSelector`);
}

/** Template defaults: metadata present, the pod spec defaulted like a pod's. */
export function defaultTemplate(tmpl: PodTemplateSpec | undefined): void {
  if (!isObject(tmpl)) return;
  tmpl.metadata ??= {};
  defaultPodSpec(tmpl.spec);
}

/** The Containers and Images cells of a pod template: names and images, comma-separated. */
export function containersAndImages(tmpl: PodTemplateSpec | undefined): [string, string] {
  const cs = tmpl?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(',')];
}

/** The wide Containers column of kinds with a pod template. */
export const CONTAINERS_COLUMN = col('Containers', 'string', 'Names of each container in the template.', {
  wide: true,
});

/** The wide Images column of kinds with a pod template. */
export const IMAGES_COLUMN = col('Images', 'string', 'Images referenced by each container in the template.', {
  wide: true,
});

/** What the replicated kinds (ReplicaSet, ReplicationController) share for their Table. */
interface Replicated {
  spec?: { replicas?: number; template?: PodTemplateSpec };
  status?: { replicas?: number; readyReplicas?: number };
}

/**
 * The Table of a kind that keeps N copies of a pod template, as kubectl prints ReplicaSets and
 * ReplicationControllers: Name, Desired, Current, Ready, Age, then Containers, Images, Selector
 * (wide). `what` names the kind in the Ready column's description.
 */
export function replicatedTable(what: string, selector: (obj: KubeObject) => string): TableConvertor {
  return {
    columns: [
      NAME_COLUMN,
      col('Desired', 'integer', 'Replicas is the number of desired replicas.'),
      col('Current', 'integer', 'Replicas is the most recently oberved number of replicas.'),
      col('Ready', 'integer', `The number of ready replicas for this ${what}.`),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      col('Selector', 'string', 'Selector is a label query over pods that should match the replica count.', {
        wide: true,
      }),
    ],
    cells(obj, now) {
      const r = obj as unknown as Replicated;
      const [containers, images] = containersAndImages(r.spec?.template);
      return [
        obj.metadata?.name,
        r.spec?.replicas ?? 0,
        r.status?.replicas ?? 0,
        r.status?.readyReplicas ?? 0,
        age(obj.metadata?.creationTimestamp, now),
        containers,
        images,
        selector(obj),
      ];
    },
  };
}
